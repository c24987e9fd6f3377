// The notices screens against a real gateway: two notices published to 李晓梅, the one she has
// not read listed first; she opens the one asking for a 回执, is told to choose before sending,
// replies offline-first (待同步), and after the sync the publisher has it; its attachment opens
// as bytes in memory.
package cn.qianpi.shell.screens

import cn.qianpi.core.NoteRule
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.notices.NoticeViewModel
import cn.qianpi.shell.screens.notices.NoticesViewModel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Instant
import kotlin.test.assertContains
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

class NoticesTest : GatewayTest("k2-notices") {
    private fun publish(name: String, json: String): String {
        val request = File(root, "$name.json").apply { writeText(json) }
        return gateway.admin("publish-notice", "--unit", "unit-sxnyt", "--file", request.path).first
    }

    @Test
    fun `she reads the unread notice first and sends its receipt`() = runBlocking<Unit> {
        val bytes = ByteArray(20_000) { (it * 13 % 251).toByte() }
        val file = File(root, "agenda.pdf").apply { writeBytes(bytes) }
        val sha = gateway.admin("upload-blob", "--unit", "unit-sxnyt", "--file", file.path, "--media-type", "application/pdf").first
        val plain = publish(
            "plain",
            """{"title": "关于国庆节放假安排的通知", "body": "十月一日至七日放假。", "attachments": [],
                "publisher": "user-zhao", "scope": {"people": ["user-li"]}, "receipt_required": false}""",
        )
        QianpiClient(File(root, "phone").path, JcaKeyStore(), JcaDeviceSigner()).use { phone ->
            phone.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android")
            phone.sync()
            NoticeViewModel(phone, plain).load() // read before the next one comes
            val deadline = Instant.now().plusSeconds(86_400).toString()
            val meeting = publish(
                "meeting",
                """{"title": "关于召开春耕备耕工作会议的通知", "body": "定于周五上午九时召开。",
                    "attachments": [{"id": "att-1", "name": "会议议程", "media_type": "application/pdf",
                                     "size": ${bytes.size}, "sha256": "$sha"}],
                    "publisher": "user-zhao", "scope": {"people": ["user-li"]},
                    "receipt_required": true, "receipt_deadline": "$deadline",
                    "receipt_form": {"choices": [{"id": "attend", "label": "参加"}, {"id": "absent", "label": "不参加"}],
                                     "note": "optional"}}""",
            )
            phone.sync()

            val list = NoticesViewModel(phone)
            list.load()
            val listed = list.state.value
            assertEquals(listOf(meeting, plain), listed.rows.map { it.id }, "unread first")
            assertEquals(listOf("未读", "已读"), listed.rows.map { zh(it.badge) })
            assertEquals("1 条未读", zh(listed.unread))
            assertEquals("赵文 · 办公室主任", zh(listed.rows[0].publisher))
            assertEquals("附件 1 个", zh(listed.rows[0].attachments))
            assertTrue(zh(listed.rows[0].receiptDeadline)!!.startsWith("回执截止 "), zh(listed.rows[0].receiptDeadline))

            gateway.stop()
            val notice = NoticeViewModel(phone, meeting)
            notice.load()
            val opened = notice.state.value
            assertEquals("关于召开春耕备耕工作会议的通知", zh(opened.title))
            assertEquals("定于周五上午九时召开。", zh(opened.body))
            assertEquals("请回执", zh(opened.receiptLine))
            val form = assertNotNull(opened.receipt)
            assertEquals(listOf("参加", "不参加"), form.choices.map { zh(it.label) })
            assertEquals(NoteRule.OPTIONAL, form.noteRule)
            assertEquals("备注（选填）", zh(form.noteLabel))
            assertTrue(form.editable)
            list.load()
            assertEquals("待回执", zh(list.state.value.rows.single { it.id == meeting }.badge), "opened: read, the receipt still due")

            // Nothing chosen: refused here with its text, nothing kept.
            assertFalse(notice.sendReceipt())
            assertEquals("请先选择回执选项。", zh(notice.state.value.problem))
            notice.choose("attend")
            notice.setNote("带春耕材料")
            assertTrue(notice.sendReceipt(), "problem ${zh(notice.state.value.problem)}")
            assertEquals("回执：参加（带春耕材料），待同步", zh(notice.state.value.receiptLine))
            list.load()
            assertEquals("待同步", zh(list.state.value.rows.single { it.id == meeting }.badge))

            gateway.start()
            assertTrue(phone.sync().receiptsSent >= 1u)
            notice.load()
            assertEquals("回执：参加（带春耕材料）", zh(notice.state.value.receiptLine))
            list.load()
            assertEquals("已回执", zh(list.state.value.rows.single { it.id == meeting }.badge))
            val roster = gateway.admin("notice-receipts", "--unit", "unit-sxnyt", "--notice", meeting).second
            assertContains(roster, "0 without a reply")

            val attachment = notice.state.value.attachments.single()
            assertEquals("会议议程", zh(attachment.name))
            assertEquals("20 KB", zh(attachment.size))
            assertFalse(attachment.onPhone)
            assertContentEquals(bytes, notice.openAttachment(attachment.id).getOrThrow())
            assertTrue(notice.state.value.attachments.single().onPhone)
        }
    }
}
