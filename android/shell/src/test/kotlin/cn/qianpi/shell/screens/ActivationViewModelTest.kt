// The activation screen against a real gateway over HTTPS under its own CA, as a bureau deploys
// it: the form's errors, a QR code that is not an invite, the invite the gateway prints with the
// code (address, login, code, pins, CA) read from its text; then the fingerprint words — the same
// the device's own record holds and the administrator's device listing shows — then waiting while
// the code was issued for approval by hand (the gateway refuses syncs meanwhile), until the
// administrator approves and the screen is done by itself, asking only while it is shown. The
// platform's attester gets the gateway's challenge before the keys exist. Words that differ wipe
// the binding; a wrong code shows the core's message.
package cn.qianpi.shell.screens

import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AccountScreens.zh
import cn.qianpi.shell.screens.activation.ActivationStep
import cn.qianpi.shell.screens.activation.ActivationViewModel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.net.URLEncoder
import java.time.Duration
import java.util.Base64
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ActivationViewModelTest : GatewayTest("k1-activation", tls = true) {
    private fun phone(name: String) = QianpiClient(File(root, name).path, JcaKeyStore(), JcaDeviceSigner())

    /** A one-time code for [login], waiting for the administrator's approval when [approval]. */
    private fun code(login: String, approval: Boolean): String {
        val args = listOf("issue-code", "--login", login) + if (approval) listOf("--needs-approval") else emptyList()
        return gateway.admin(*args.toTypedArray()).first.lines().first().trim()
    }

    /** A code for [login] issued for approval by hand, with the QR code's text the gateway prints for it. */
    private fun issuedInvite(login: String): Pair<String, String> {
        val port = gateway.url.substringAfterLast(':').trimEnd('/')
        val cert = File(root, "tls-$port/server.pem").path
        val out = gateway.admin("issue-code", "--login", login, "--needs-approval", "--url", gateway.url, "--tls-cert", cert).first.lines()
        return out[0].trim() to out[1].trim()
    }

    /** The administrator's device listing: the line of [deviceId]. */
    private fun listed(deviceId: String): String =
        gateway.admin("devices", "--unit", "unit-sxnyt").first.lines().single { it.startsWith("$deviceId ") }

    /** The QR code's text as the administrator's console builds it for [code]. */
    private fun invite(login: String?, code: String): String {
        fun enc(s: String) = URLEncoder.encode(s, Charsets.UTF_8)
        val der = Base64.getMimeDecoder().decode(
            gateway.caPem.lines().filter { it.isNotBlank() && !it.startsWith("-----") }.joinToString(""),
        )
        val pins = gateway.pins.joinToString("") { "&pin=" + enc(it.removePrefix("sha256/")) }
        val who = login?.let { "&login=" + enc(it) } ?: ""
        return "qianpi://activate?v=1&url=${enc(gateway.url)}$who&code=${enc(code)}$pins&ca=" +
            Base64.getUrlEncoder().withoutPadding().encodeToString(der)
    }

    private val quick: (Int) -> Duration = { Duration.ofMillis(100) }

    @Test
    fun `first activation - the form's errors, the invite, the fingerprint words, pending until approved`() = runBlocking<Unit> {
        phone("first").use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                assertEquals("激活签批", zh(screen.state.value.heading))

                screen.activate().join()
                val empty = screen.state.value
                assertEquals(ActivationStep.Entry, empty.step)
                assertEquals("请输入服务器地址", zh(assertNotNull(empty.serverError)))
                assertEquals("请输入登录名", zh(assertNotNull(empty.loginError)))
                assertEquals("请输入激活码", zh(assertNotNull(empty.codeError)))
                screen.editServer("gateway.example.gov.cn")
                screen.activate().join()
                assertEquals("服务器地址应以 https:// 开头", zh(assertNotNull(screen.state.value.serverError)))

                screen.scanned("https://weixin.qq.com/r/not-an-invite")
                assertEquals("该二维码不是签批激活码", zh(assertNotNull(screen.state.value.error)))
                assertTrue(zh(assertNotNull(screen.state.value.errorDetail)).isNotBlank(), "the core says why")

                val (issued, qr) = issuedInvite("wangjianguo")
                assertTrue(qr.startsWith("qianpi://activate?"), qr)
                screen.scanned(qr)
                val filled = screen.state.value
                assertNull(filled.error)
                assertEquals(gateway.url, filled.serverUrl)
                assertEquals("wangjianguo", filled.login)
                assertEquals(issued, filled.code)
                assertEquals("已从二维码读取服务器地址、激活码和单位证书", zh(assertNotNull(filled.inviteNote)))
                assertNull(filled.serverError)

                screen.activate().join()
                val compare = screen.state.awaitState { it.step !is ActivationStep.Activating }
                val words = assertIs<ActivationStep.CompareWords>(compare.step, "${compare.step} ${compare.error?.let(::zh)}").words
                assertEquals("请核对设备指纹词", zh(compare.heading))
                assertTrue(words.size >= 4 && words.all { it.isNotBlank() }, "words: $words")
                val device = assertNotNull(client.deviceInfo())
                assertEquals(words, device.fingerprintWords, "the words shown are the device's own")
                assertTrue(device.pendingApproval)
                // The administrator's listing shows the same words beside this device, pending.
                val line = listed(device.deviceId)
                assertTrue(line.contains(" pending ") && line.contains(words.joinToString(" ")), "listing: $line, words: $words")
                assertEquals("Pixel (JVM test)", device.name)

                screen.wordsMatch().join()
                val waiting = screen.state.awaitState { (it.step as? ActivationStep.WaitingForApproval)?.checks?.let { n -> n >= 2 } == true }
                assertEquals("等待管理员批准", zh(waiting.heading))
                assertEquals(words, (waiting.step as ActivationStep.WaitingForApproval).words)
                assertFailsWith<QianpiException> { client.sync() }

                gateway.admin("device", "approve", "--device", device.deviceId)
                val done = screen.state.awaitState { it.step is ActivationStep.Done }
                assertTrue(listed(device.deviceId).contains(" active "))
                val account = (done.step as ActivationStep.Done).account
                assertEquals("王建国", account.name)
                assertEquals("王建国，欢迎使用签批", zh(done.heading))
                client.sync()
                assertEquals(1, client.inbox().size, "approved, the phone syncs")
                screen.close()
            }
        }
    }

    @Test
    fun `without approval by hand the words lead straight on, and words that differ wipe the binding`() = runBlocking<Unit> {
        phone("direct").use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                screen.scanned(invite(null, code("lixiaomei", approval = false)))
                assertEquals("", screen.state.value.login, "an invite without a login leaves it to type")
                screen.editLogin("lixiaomei")
                screen.activate().join()
                assertIs<ActivationStep.CompareWords>(screen.state.awaitState { it.step !is ActivationStep.Activating }.step)
                screen.wordsMatch().join()
                assertIs<ActivationStep.Done>(screen.state.awaitState { it.step is ActivationStep.Done }.step)
            }
        }
        phone("differ").use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                screen.scanned(invite("zhaowen", code("zhaowen", approval = false)))
                screen.activate().join()
                assertIs<ActivationStep.CompareWords>(screen.state.awaitState { it.step !is ActivationStep.Activating }.step)
                screen.wordsDiffer().join()
                val differed = screen.state.value
                assertEquals(ActivationStep.WordsDiffered, differed.step)
                assertEquals("指纹词不一致", zh(differed.heading))
                assertTrue(zh(assertNotNull(differed.hint)).contains("联系管理员"))
                assertNull(client.account(), "nothing of the binding is left")
            }
        }
    }

    @Test
    fun `a wrong code shows the core's message and keeps the form`() = runBlocking<Unit> {
        phone("wrong").use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                screen.scanned(invite("wangjianguo", "ZZZZZZZZ"))
                screen.activate().join()
                val failed = screen.state.awaitState { it.step == ActivationStep.Entry && it.error != null }
                val message = zh(assertNotNull(failed.error))
                assertTrue(message.any { it.code > 0x4e00 }, "a Chinese message: $message")
                assertEquals("wangjianguo", failed.login, "the form keeps what was entered")
                assertEquals("激活签批", zh(failed.heading))
            }
        }
    }

    @Test
    fun `an app started again while the device waits goes back to the words and the wait`() = runBlocking<Unit> {
        val dir = File(root, "restarted").path
        val keys = JcaKeyStore()
        val signer = JcaDeviceSigner()
        val words = QianpiClient(dir, keys, signer).use { client ->
            val invite = cn.qianpi.core.parseActivationInvite(invite("lixiaomei", code("lixiaomei", approval = true)))
            client.activate(invite.serverUrl, "lixiaomei", invite.code, "Pixel (JVM test)", "android", invite.settings).fingerprintWords
        }
        // The app is killed and opened again: the same store, a new screen.
        QianpiClient(dir, keys, signer).use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                screen.onShown()
                screen.resume().join()
                val waiting = assertIs<ActivationStep.WaitingForApproval>(screen.state.value.step)
                assertEquals(words, waiting.words, "the same words as before the restart")
                gateway.admin("device", "approve", "--device", assertNotNull(client.deviceInfo()).deviceId)
                assertIs<ActivationStep.Done>(screen.state.awaitState { it.step is ActivationStep.Done }.step)
            }
        }
        // An approved phone started again stays where it is.
        QianpiClient(dir, keys, signer).use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = quick)
                screen.resume().join()
                assertIs<ActivationStep.Entry>(screen.state.value.step)
            }
        }
    }

    @Test
    fun `the wait asks the gateway only while the screen is shown`() = runBlocking<Unit> {
        phone("hidden").use { client ->
            AccountScreens.withScope { scope ->
                val asked = java.util.concurrent.atomic.AtomicInteger()
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", pause = { asked.incrementAndGet(); Duration.ofMillis(50) })
                screen.scanned(invite("lixiaomei", code("lixiaomei", approval = true)))
                screen.activate().join()
                assertIs<ActivationStep.CompareWords>(screen.state.awaitState { it.step !is ActivationStep.Activating }.step)
                screen.wordsMatch().join()
                screen.state.awaitState { (it.step as? ActivationStep.WaitingForApproval)?.checks?.let { n -> n >= 1 } == true }
                screen.onHidden()
                // A check already under way when the screen left may still land.
                kotlinx.coroutines.delay(200)
                val checks = (screen.state.value.step as ActivationStep.WaitingForApproval).checks
                val askedBefore = asked.get()
                val device = assertNotNull(client.deviceInfo()).deviceId
                gateway.admin("device", "approve", "--device", device)
                // Hidden for ten pauses' time: nothing asks, so the screen still waits.
                kotlinx.coroutines.delay(500)
                val still = screen.state.value.step
                assertIs<ActivationStep.WaitingForApproval>(still)
                assertEquals(checks, still.checks)
                assertEquals(askedBefore, asked.get(), "no pause began while hidden")
                screen.onShown()
                assertIs<ActivationStep.Done>(screen.state.awaitState { it.step is ActivationStep.Done }.step)
                assertTrue(asked.get() > askedBefore, "asked again once shown")
            }
        }
    }

    @Test
    fun `the platform's attester gets the challenge before the keys are made and is asked for evidence after`() = runBlocking<Unit> {
        val events = java.util.Collections.synchronizedList(mutableListOf<String>())
        val signer = object : cn.qianpi.core.DeviceSigner {
            private val inner = JcaDeviceSigner()
            override fun createKey(alias: String): ByteArray = inner.createKey(alias).also { events += "key $alias" }
            override fun publicKey(alias: String): ByteArray = inner.publicKey(alias)
            override fun sign(alias: String, message: ByteArray): ByteArray = inner.sign(alias, message)
        }
        val attester = object : cn.qianpi.core.Attester {
            override fun begin(challenge: ByteArray) {
                events += "begin ${challenge.size}"
            }

            // This test phone has no attestation hardware: no evidence, and the gateway records it unattested.
            override fun evidence(approvalAlias: String, clientData: ByteArray): cn.qianpi.core.PlatformAttestation? {
                events += "evidence $approvalAlias"
                return null
            }
        }
        QianpiClient(File(root, "attested").path, JcaKeyStore(), signer).use { client ->
            AccountScreens.withScope { scope ->
                val screen = ActivationViewModel(client, scope, "Pixel (JVM test)", attester = attester, pause = quick)
                screen.scanned(invite("zhaowen", code("zhaowen", approval = false)))
                screen.activate().join()
                val step = screen.state.awaitState { it.step !is ActivationStep.Activating }
                assertIs<ActivationStep.CompareWords>(step.step, step.error?.let(::zh))
                val begin = events.indexOfFirst { it.startsWith("begin ") }
                val firstKey = events.indexOfFirst { it.startsWith("key ") }
                val evidence = events.indexOfFirst { it.startsWith("evidence ") }
                assertTrue(begin in 0 until firstKey && firstKey < evidence, "order: $events")
                assertTrue(events[begin].removePrefix("begin ").toInt() >= 16, "a real challenge: $events")
                val device = assertNotNull(client.deviceInfo())
                assertEquals("unattested", device.assurance)
                assertEquals("设备密钥（未提交证明）", zh(cn.qianpi.shell.screens.settings.SettingsViewModel.assuranceText(device.assurance)))
                assertTrue(listed(device.deviceId).contains("unattested"))
            }
        }
    }
}
