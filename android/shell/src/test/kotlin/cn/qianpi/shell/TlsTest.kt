// A phone reaching its deployment's gateway over HTTPS from Kotlin: the gateway serves under a
// private CA made by `qianpi-gateway tls init`, and the phone is given that CA and the two pins it
// printed, as the activation QR code carries them. A wrong pin set or a missing CA each fail with
// their own typed error and a message a person can act on.
package cn.qianpi.shell

import cn.qianpi.core.ConnectionSettings
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

class TlsTest : GatewayTest("tls", tls = true) {
    private fun phone(name: String) = QianpiClient(File(root, name).path, JcaKeyStore(), JcaDeviceSigner())

    @Test
    fun `with the deployment's CA and pins the leader activates and syncs over HTTPS`() = runBlocking<Unit> {
        assertTrue(gateway.url.startsWith("https://"), gateway.url)
        assertEquals(2, gateway.pins.size, "tls init prints the server pin and the backup pin")
        phone("leader").use { client ->
            val settings = ConnectionSettings(gateway.caPem, gateway.pins, null)
            val account = client.activate(
                gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android", settings,
            )
            assertEquals("王建国", account.name)
            // Later syncs use the CA and pins kept with the account, without being given them.
            val outcome = ListsViewModel(client, this).refresh()
            assertIs<RefreshState.Synced>(outcome)
            assertEquals(1, client.inbox().size, "the demo document waits for the leader")
        }
    }

    @Test
    fun `pins that match no certificate of the gateway refuse the connection`() = runBlocking<Unit> {
        phone("pinned-wrong").use { client ->
            val wrong = listOf(
                "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=",
            )
            val refused = assertFailsWith<QianpiException.PinMismatch> {
                client.activate(
                    gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "test", "android",
                    ConnectionSettings(gateway.caPem, wrong, null),
                )
            }
            assertTrue(refused.messageZh().isNotBlank() && refused.messageEn().isNotBlank())
        }
    }

    @Test
    fun `without the deployment's CA the gateway's certificate is from an unknown authority`() = runBlocking<Unit> {
        phone("no-ca").use { client ->
            val refused = assertFailsWith<QianpiException.UnknownCa> {
                client.activate(gateway.url, "zhaowen", gateway.issueCode("zhaowen"), "test", "android")
            }
            assertTrue(refused.messageZh().isNotBlank(), "a Chinese message for the person")
        }
    }
}
