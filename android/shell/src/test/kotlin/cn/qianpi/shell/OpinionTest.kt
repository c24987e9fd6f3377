// 意见 from Kotlin through the generated bindings against a real gateway: an administrator sets
// the unit's 常用意见 (admin API over HTTP); the leader's phone fetches them, adds one of his own,
// writes his opinion from a phrase, signs a handwriting image on the pad and approves behind his
// fingerprint; after the sync the handler's phone shows the phrase and the handwriting (hash,
// media type, size) in the document's opinions and downloads the very same image.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.ListKind
import cn.qianpi.core.OpinionMedia
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.TaskAction
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.security.MessageDigest
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

class OpinionTest : GatewayTest("opinions") {
    private val defaults = listOf("同意。", "请晓梅同志阅处。", "已阅。", "拟同意，请领导审定。", "请办公室研提意见。")

    private fun setUnitPhrases(token: String) =
        adminPut(token, "/units/unit-sxnyt/phrases", defaults.joinToString(",", "{\"phrases\": [", "]}") { "\"$it\"" })

    /** A small image as a signature pad would hand it over. */
    private fun handwriting(): ByteArray =
        byteArrayOf(0x89.toByte(), 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) + ByteArray(4096) { (it * 7 % 251).toByte() }

    private fun sha256(bytes: ByteArray) =
        MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

    @Test
    fun `the leader approves with a phrase and his handwriting and the handler sees both`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        setUnitPhrases(token)
        val fingerprint = PresenceSigner()
        val leader = QianpiClient(File(root, "leader").path, JcaKeyStore(), fingerprint)
        val handler = QianpiClient(File(root, "handler").path, JcaKeyStore(), JcaDeviceSigner())
        try {
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            handler.activate(gateway.url, "zhaowen", gateway.issueCode("zhaowen"), "Pixel (JVM test)", "android")
            leader.sync()

            // 常用意见: the unit's, then one of his own, kept offline and sent with the sync.
            val fetched = leader.syncPhrases()
            assertEquals(defaults, fetched.unit)
            val edited = leader.addPhrase("同意。请办公室抓紧落实。")
            assertTrue(edited.editPending)
            leader.sync()
            val phrases = leader.phrases()
            assertFalse(phrases.editPending)
            assertEquals(listOf("同意。请办公室抓紧落实。"), phrases.own)
            assertEquals("同意。请办公室抓紧落实。", phrases.all.first())

            // The opinion from the phrase, the handwriting from the pad, behind the fingerprint.
            val task = leader.list(ListKind.TODO, 20u, 0u).single().id
            val image = handwriting()
            val prepared = leader.prepareActionWithMedia(
                task,
                TaskAction.Approve(Attitude.AGREE, phrases.all.first(), null),
                OpinionMedia(image, "image/png", null),
                null,
                null,
            )
            fingerprint.authenticate()
            leader.completeAction(prepared, fingerprint.sign(APPROVAL_KEY, prepared.toBeSigned()))
            assertEquals(1u, leader.sync().accepted)

            // The handler's phone: the opinion with its handwriting, and the same bytes.
            handler.sync()
            val handling = handler.list(ListKind.TODO, 20u, 0u).single().id
            val detail = handler.documentDetail(handling)
            val opinion = detail.opinionColumns.flatMap { it.opinions }.single { it.author.userId == "user-wang" }
            assertEquals("同意。请办公室抓紧落实。", opinion.text)
            val file = assertNotNull(opinion.handwriting, "no handwriting on $opinion")
            assertEquals(sha256(image), file.sha256)
            assertEquals("image/png", file.mediaType)
            assertEquals(image.size.toULong(), file.size)
            assertEquals(image.size.toULong(), handler.download(file.sha256))
            assertContentEquals(image, handler.readFile(file.sha256))
        } finally {
            leader.close()
            handler.close()
        }
    }
}
