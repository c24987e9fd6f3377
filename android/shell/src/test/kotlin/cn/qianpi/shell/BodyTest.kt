// Bodies from Kotlin against a real gateway: the demo leader opens his document's detail, sees
// which file a viewer should open and that he has not read it, downloads it with progress, reads
// it through the core's stream (no plaintext file anywhere) and checks its SHA-256 himself; a
// prefetch on mobile data fetches nothing, on Wi-Fi it fetches the attachment he lacks.
package cn.qianpi.shell

import cn.qianpi.core.DownloadListener
import cn.qianpi.core.NetworkKind
import cn.qianpi.core.PrefetchListener
import cn.qianpi.core.PrefetchProgress
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.UnopenedBodyCheck
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.ByteArrayOutputStream
import java.io.File
import java.security.MessageDigest
import java.util.Collections
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class BodyTest : GatewayTest("body") {
    private fun sha256(bytes: ByteArray): String =
        MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

    @Test
    fun `the leader downloads his document's body with progress and reads it through the stream`() = runBlocking<Unit> {
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            client.sync()
            val task = client.inbox().single().taskId
            val detail = client.documentDetail(task)
            val body = detail.bodies.single { it.current }
            assertEquals("application/pdf", body.viewMediaType)
            assertFalse(body.held)
            assertFalse(detail.reading.opened)
            assertEquals(body.id, detail.reading.versionId)
            assertEquals(UnopenedBodyCheck.CLEAR, detail.myTask?.unopenedBody, "the demo unit allows it")

            val seen = Collections.synchronizedList(mutableListOf<Pair<ULong, ULong>>())
            val size = client.downloadWithProgress(body.viewSha256, object : DownloadListener {
                override fun onProgress(received: ULong, total: ULong) {
                    seen.add(received to total)
                }
            })
            assertEquals(body.size, size)
            assertEquals(size to size, seen.last())
            assertTrue(seen.zipWithNext().all { (a, b) -> a.first <= b.first }, "progress never goes back")

            val stream = client.openFile(body.viewSha256)
            assertEquals(size, stream.size())
            val read = ByteArrayOutputStream()
            while (true) {
                val piece = stream.read(1000u)
                if (piece.isEmpty()) break
                assertTrue(piece.size <= 1000)
                read.write(piece)
            }
            stream.close() // frees the core's buffer
            val bytes = read.toByteArray()
            assertEquals(body.viewSha256, sha256(bytes))
            assertEquals("%PDF-", String(bytes, 0, 5, Charsets.US_ASCII))
            assertContentEquals(bytes, client.readFile(body.viewSha256))

            val reread = client.documentDetail(task)
            assertTrue(reread.bodies.single { it.current }.held)
            assertTrue(reread.reading.opened, "reading through the stream counts as opening the body")

            val metered = client.prefetchPending(NetworkKind.METERED, null, null)
            assertTrue(metered.metered)
            assertEquals(0u, metered.downloaded)
            assertFalse(reread.attachments.single().held)

            val steps = Collections.synchronizedList(mutableListOf<PrefetchProgress>())
            val wifi = client.prefetchPending(NetworkKind.UNMETERED, null, object : PrefetchListener {
                override fun onProgress(progress: PrefetchProgress) {
                    steps.add(progress)
                }
            })
            assertFalse(wifi.metered)
            assertEquals(1u, wifi.downloaded, "the attachment")
            assertEquals(1u, wifi.alreadyHeld, "the body")
            val attachment = client.documentDetail(task).attachments.single()
            assertTrue(attachment.held)
            assertEquals(attachment.size, steps.last().bytesDone)
            assertEquals(sha256(client.readFile(attachment.sha256)), attachment.sha256)
        }
    }
}
