// The walking skeleton from Kotlin, as JUnit 5 tests: the real Rust core through the generated
// bindings, the platform key services of TestPlatform.kt, and a real gateway process started on
// loopback. The tests share one phone store and run in order: activation first, the reopening,
// locking and wrong-key tests on the store it left.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.Urgency
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.screens.acting.VerdictText
import cn.qianpi.shell.screens.await
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import cn.qianpi.shell.screens.notices.NoticeViewModel
import cn.qianpi.shell.screens.notices.NoticesViewModel
import cn.qianpi.shell.screens.zh
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestMethodOrder
import java.io.File
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class WalkingSkeletonTest : GatewayTest("skeleton") {
    private val keyStore = JcaKeyStore()
    private val signer = JcaDeviceSigner()
    private val phoneDir = File(root, "phone").path

    @Test
    @Order(1)
    fun `a wrong activation code is refused with 401`() = runBlocking<Unit> {
        QianpiClient(File(root, "stranger").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            gateway.issueCode("lixiaomei")
            val refused = assertFailsWith<QianpiException.Refused> {
                runBlocking { client.activate(gateway.url, "lixiaomei", "WRONGCDE", "test", "android") }
            }
            assertEquals(401, refused.status.toInt())
        }
    }

    @Test
    @Order(2)
    fun `activate, pull, approve offline, push after reconnect, verdict`() = runBlocking<Unit> {
        QianpiClient(phoneDir, keyStore, signer).use { client ->
            assertEquals(1, keyStore.wraps.get(), "the data key was not wrapped through the Kotlin keystore")
            val account = runBlocking {
                client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            }
            assertEquals("王建国", account.name)
            assertEquals("山西省农业厅办公室", account.unitName)

            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
            val lists = ListsViewModel(client, scope)
            lists.start()
            val first = lists.refresh()
            assertIs<RefreshState.Synced>(first)
            assertEquals(1u, first.summary.pulled)
            val rows = lists.state.await { it.rows.isNotEmpty() }.rows
            assertEquals(1, rows.size, "inbox $rows")
            val row = rows[0]
            assertEquals("关于做好2026年春耕备耕工作的通知", zh(row.title))
            assertEquals("晋农办〔2026〕12号", zh(row.number))
            assertEquals("加急", zh(row.urgency))
            assertNull(row.pending)
            assertTrue(client.controls(row.id).canApprove, "row $row")

            gateway.stop()
            val offline = lists.refresh()
            assertIs<RefreshState.Offline>(offline)
            assertEquals(0, offline.pending)
            val queued = client.approve(row.id, Attitude.AGREE, "同意。请厅办公室牵头落实。")
            assertTrue(queued.decidedOffline, "the approval was not marked offline")
            assertEquals(1u, client.outboxCount())
            lists.select(ListKind.DONE)
            val waiting = lists.state.await { s -> s.kind == ListKind.DONE && s.rows.isNotEmpty() }.rows.single()
            assertEquals("待同步", zh(waiting.pending))
            assertFalse(client.controls(row.id).canApprove, "queued row $waiting")
            val stillOffline = lists.refresh()
            assertIs<RefreshState.Offline>(stillOffline)
            assertEquals(1, stillOffline.pending)
            assertEquals("离线：1 条待同步", zh(stillOffline.note))

            gateway.start()
            val back = lists.refresh()
            assertIs<RefreshState.Synced>(back)
            assertEquals(1u, back.summary.accepted)
            assertEquals(0u, back.summary.outboxRemaining)
            val verdict = client.verdicts().single()
            assertEquals(queued.commandId, verdict.commandId)
            val accepted = assertIs<VerdictOutcome.Accepted>(verdict.outcome, "verdict $verdict")
            assertTrue(verdict.decidedOffline, "verdict $verdict")
            assertEquals("承办", accepted.currentNode)
            assertEquals(2uL, accepted.instanceVersion)
            assertEquals("已送达（离线批示），流程已转至承办", zh(VerdictText.of(verdict).title))
            val settled = lists.state.await { s -> s.rows.singleOrNull()?.let { it.id == row.id && it.pending == null } == true }
            assertEquals("已办", zh(settled.tabs.single { it.selected }.label))
            scope.cancel()
            assertTrue(client.list(ListKind.TODO, 50u, 0u).isEmpty(), "待办 ${client.list(ListKind.TODO, 50u, 0u)}")
            val done = client.list(ListKind.DONE, 50u, 0u)
            assertEquals(listOf(row.id), done.map { it.id })
            assertFalse(done[0].queued)
            assertEquals(Urgency.URGENT, done[0].urgency)
            assertEquals("加急", done[0].urgency.labelZh())
            assertTrue(done[0].at!!.isAfter(java.time.Instant.now().minusSeconds(600)), "finished ${done[0].at}")
            assertTrue(signer.signatures.get() >= 5, "requests and the approval were not signed by the Kotlin signer")
        }
    }

    @Test
    @Order(3)
    fun `a notice is read and replied offline first, reaches the publisher, and its attachment downloads`() = runBlocking<Unit> {
        val bytes = ByteArray(300_000) { (it * 31 % 251).toByte() }
        val attachment = File(root, "agenda.pdf").apply { writeBytes(bytes) }
        val sha = gateway.admin("upload-blob", "--unit", "unit-sxnyt", "--file", attachment.path, "--media-type", "application/pdf").first
        val deadline = java.time.Instant.now().plusSeconds(86_400).toString()
        val request = File(root, "notice.json").apply {
            writeText(
                """{"title": "关于召开春耕备耕工作会议的通知", "body": "定于周五上午九时召开。",
                    "attachments": [{"id": "att-1", "name": "会议议程", "media_type": "application/pdf",
                                     "size": ${bytes.size}, "sha256": "$sha"}],
                    "publisher": "user-zhao", "scope": {"people": ["user-li"]},
                    "receipt_required": true, "receipt_deadline": "$deadline",
                    "receipt_form": {"choices": [{"id": "attend", "label": "参加"}, {"id": "absent", "label": "不参加"}],
                                     "note": "optional"}}"""
            )
        }
        val id = gateway.admin("publish-notice", "--unit", "unit-sxnyt", "--file", request.path).first
        QianpiClient(File(root, "notice-phone").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            runBlocking { client.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android") }
            runBlocking { client.sync() }
            val listed = client.notices(20u, 0u)
            assertEquals(listOf(id), listed.map { it.id })
            assertEquals("未读", zh(NoticesViewModel.badge(listed[0])))
            assertEquals("赵文", listed[0].publisherName)

            gateway.stop()
            val opened = client.notice(id)
            assertEquals("关于召开春耕备耕工作会议的通知", opened.title)
            assertNotNull(opened.readAt, "opening the notice did not mark it read")
            assertTrue(opened.canReply, "opened $opened")
            assertEquals(listOf("参加", "不参加"), opened.choices.map { it.label })
            assertEquals("请回执", zh(NoticeViewModel.receiptLine(opened)))
            val missing = assertFailsWith<QianpiException.ReplyNotAllowed> { client.replyNotice(id, null, null) }
            assertEquals("choice_required", missing.code)
            assertEquals("请先选择回执选项。", missing.messageZh())
            val replied = client.replyNotice(id, "attend", "带春耕材料")
            assertEquals("回执：参加（带春耕材料），待同步", zh(NoticeViewModel.receiptLine(replied)))
            assertEquals("待同步", zh(NoticesViewModel.badge(client.notices(20u, 0u)[0])))

            gateway.start()
            val synced = runBlocking { client.sync() }
            assertTrue(synced.receiptsSent >= 1u, "sync $synced")
            assertEquals(0u, synced.receiptsRefused)
            val settled = client.notice(id)
            assertEquals("回执：参加（带春耕材料）", zh(NoticeViewModel.receiptLine(settled)))
            assertEquals("已回执", zh(NoticesViewModel.badge(client.notices(20u, 0u)[0])))
            val roster = gateway.admin("notice-receipts", "--unit", "unit-sxnyt", "--notice", id).second
            assertContains(roster, "1 recipients, 0 unread, 0 without a reply")

            assertFalse(settled.attachments.single().stored, "the attachment was there before the download")
            assertEquals(bytes.size.toULong(), runBlocking { client.download(sha) })
            assertTrue(client.readFile(sha).contentEquals(bytes), "the attachment read back differs")
            assertTrue(client.notice(id).attachments.single().stored, "the attachment is not marked stored")
        }
    }

    @Test
    @Order(4)
    fun `the store reopens with the Kotlin keystore and keeps the verdict`() = runBlocking<Unit> {
        QianpiClient(phoneDir, keyStore, signer).use { client ->
            assertTrue(keyStore.unwraps.get() >= 1, "the data key was not unwrapped through the Kotlin keystore")
            assertEquals(1, client.verdicts().size, "verdicts after reopening ${client.verdicts()}")
        }
    }

    @Test
    @Order(5)
    fun `approving a task that does not exist is an input error`() = runBlocking<Unit> {
        QianpiClient(phoneDir, keyStore, signer).use { client ->
            assertFailsWith<QianpiException.InvalidInput> { client.approve("no-such-task", Attitude.AGREE, "同意") }
        }
    }

    @Test
    @Order(6)
    fun `a locked store refuses reads until unlocked through the Kotlin keystore`() = runBlocking<Unit> {
        QianpiClient(phoneDir, keyStore, signer).use { client ->
            val unwrapsBefore = keyStore.unwraps.get()
            client.lock()
            assertTrue(client.isLocked(), "not locked")
            assertFailsWith<QianpiException.Locked> { client.verdicts() }
            client.unlock()
            assertEquals(unwrapsBefore + 1, keyStore.unwraps.get(), "unlock did not go through the keystore")
            assertEquals(1, client.verdicts().size, "verdicts after unlocking ${client.verdicts()}")
        }
    }

    @Test
    @Order(7)
    fun `a wipe shreds the keystore's keys and leaves an empty store`() = runBlocking<Unit> {
        val wipeStore = JcaKeyStore()
        QianpiClient(File(root, "wiped").path, wipeStore, JcaDeviceSigner()).use { client ->
            runBlocking { client.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android") }
            client.wipe()
            assertTrue(client.isLocked(), "a wiped client stayed unlocked")
            assertContains(wipeStore.deleted, "qianpi.kek.v1", "the wrapping key was not deleted")
            client.unlock()
            assertNull(client.account(), "the account survived the wipe")
        }
    }

    @Test
    @Order(8)
    fun `the store refuses to open with a wrong data key`() = runBlocking<Unit> {
        assertFailsWith<QianpiException.WrongKey> { QianpiClient(phoneDir, WrongKeyStore(), signer).close() }
    }

    @Test
    @Order(9)
    fun `another keystore cannot unwrap the data key`() = runBlocking<Unit> {
        val refused = assertFailsWith<QianpiException.Platform> { QianpiClient(phoneDir, JcaKeyStore(), signer).close() }
        assertContains(refused.reason, "no wrapping key")
    }
}
