// The document and acting screens against a real gateway: the leader finds his 加急 document in
// 待办, opens it (head fields in his time zone, and in another zone when injected), reads its body
// into memory with progress, and approves it with a 常用意见 and his handwriting behind a
// fingerprint prompt — a cancelled prompt queues nothing — and sees the gateway's verdict, his
// opinion in its column and the step in the flow record.
package cn.qianpi.shell.screens

import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.ActionKind
import cn.qianpi.shell.screens.acting.PadPoint
import cn.qianpi.shell.screens.document.BodyState
import cn.qianpi.shell.screens.document.DocumentViewModel
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Clock
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class DocumentTest : GatewayTest("k2-document") {
    @Test
    fun `the leader opens his urgent document, reads its body and approves with a phrase behind his fingerprint`() = runBlocking<Unit> {
        val fingerprint = PresenceSigner()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        QianpiClient(File(root, "leader").path, JcaKeyStore(), fingerprint).use { leader ->
            try {
                leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
                val lists = ListsViewModel(leader, scope)
                lists.start()
                assertEquals("已同步", zh(assertIs<RefreshState.Synced>(lists.refresh()).note))
                val listed = lists.state.await { it.rows.isNotEmpty() }
                assertEquals(
                    listOf("待办" to 1, "已办" to 0, "待阅" to 0, "已发" to 0, "草稿" to 0),
                    listed.tabs.map { zh(it.label) to it.count },
                )
                val row = listed.rows.single()
                assertEquals("关于做好2026年春耕备耕工作的通知", zh(row.title))
                assertEquals("晋农办〔2026〕12号", zh(row.number))
                assertEquals("加急", zh(row.urgency))
                assertNull(row.pending)
                assertNull(row.overdue)

                // The document, its head in the office's time zone.
                val document = DocumentViewModel(leader, row.id, scope)
                document.start()
                val opened = document.state.await { !it.loading }
                assertNull(opened.error)
                assertEquals("关于做好2026年春耕备耕工作的通知", zh(opened.title))
                assertEquals("加急", zh(opened.urgency))
                val head = opened.head.associate { zh(it.label) to zh(it.value) }
                assertEquals("晋农办〔2026〕12号", head["文号"])
                assertEquals("收文", head["公文类型"])
                assertEquals("加急", head["紧急程度"])
                assertEquals("无", head["密级"])
                assertEquals("山西省人民政府办公厅", head["来文单位"])
                assertEquals("2026-03-02 09:00", head["收文时间"])
                assertEquals("各市人民政府", head["主送"])
                assertEquals("办理中", zh(opened.state))
                assertEquals("当前环节：领导批示", zh(opened.currentNodes))
                assertEquals(row.id, opened.taskId)
                val attachment = opened.attachments.single()
                assertEquals("2026年春耕备耕任务分解表", zh(attachment.name))
                assertTrue(Regex("\\d+ (B|KB)").matches(zh(attachment.size)!!), "size ${zh(attachment.size)}")
                assertFalse(assertIs<BodyState.NotLoaded>(opened.body).onPhone)

                // Another zone, injected: the same instant reads 01:00 in UTC.
                val utc = DocumentViewModel(leader, row.id, scope, Clock.systemUTC())
                utc.start()
                assertEquals("2026-03-02 01:00", utc.state.await { !it.loading }.head.first { zh(it.label) == "收文时间" }.value.let(::zh))

                // The body, fetched with progress and held in memory only.
                val ready = assertIs<BodyState.Ready>(document.openBody())
                assertEquals("%PDF-", String(ready.bytes, 0, 5, Charsets.US_ASCII))
                assertEquals("application/pdf", ready.mediaType)
                assertEquals(1, ready.pages)
                assertIs<BodyState.Ready>(document.state.value.body)

                // Acting: only what the flags permit, the route, a 常用意见 and the pad.
                val prompt = FingerprintPrompt(fingerprint)
                val acting = ActingViewModel(leader, row.id, scope, prompt, AwtRenderer())
                acting.load()
                val form = acting.state.value
                val labels = form.actions.map { zh(it.label) }
                assertContains(labels, "同意")
                assertFalse(labels.any { it in listOf("退回", "转交", "驳回", "传阅") }, "actions $labels")
                assertEquals(listOf("送承办" to true), form.routes.map { zh(it.label) to it.selected })
                val phrases = form.phrases.map { zh(it)!! }
                assertContains(phrases, "同意。")
                acting.choose(ActionKind.APPROVE)
                assertNull(acting.state.value.rule, "送承办 needs no opinion")
                acting.usePhrase(phrases.indexOf("同意。"))
                assertEquals("同意。", acting.state.value.opinion)
                acting.beginStroke(PadPoint(20f, 100f))
                listOf(60f to 40f, 120f to 150f, 200f to 60f).forEach { (x, y) -> acting.extendStroke(PadPoint(x, y)) }
                assertEquals(4, acting.state.value.strokes.single().points.size)

                // The prompt is cancelled: nothing signed, nothing queued.
                prompt.cancel = true
                assertFalse(acting.send())
                assertEquals("已取消，未签批", zh(acting.state.value.problem))
                assertEquals(0u, leader.outboxCount())
                assertEquals(0, fingerprint.approvals.get())

                // Confirmed: signed once, behind the prompt, and queued.
                prompt.cancel = false
                assertTrue(acting.send(), "problem ${zh(acting.state.value.problem)}")
                val request = assertNotNull(prompt.last)
                assertEquals("确认签批", zh(request.title))
                assertEquals("关于做好2026年春耕备耕工作的通知", zh(request.subtitle))
                assertNull(request.warning, "the body was opened")
                assertEquals(1, fingerprint.approvals.get())
                assertEquals("已签批，待同步", zh(acting.state.value.sent))
                assertTrue(acting.state.value.actions.isEmpty(), "no more actions after sending")

                // The gateway decides; the verdict shows on the acting screen by itself.
                assertIs<RefreshState.Synced>(lists.refresh())
                val decided = acting.state.await { it.verdict != null }
                assertTrue(decided.verdict!!.accepted)
                assertTrue(zh(decided.verdict!!.title)!!.endsWith("流程已转至承办"), zh(decided.verdict!!.title))
                assertEquals(0, lists.state.await { it.tabs.firstOrNull()?.count == 0 }.rows.size)

                // The detail follows: his opinion in 领导批示 with the handwriting, the step recorded.
                val settled = document.state.await { s -> s.opinions.any { c -> c.opinions.any { it.pending == null && zh(it.text) == "同意。" } } }
                val column = settled.opinions.single { zh(it.name) == "领导批示" }
                val mine = column.opinions.single()
                assertEquals("王建国", zh(mine.author))
                assertEquals("同意", zh(mine.attitude))
                assertEquals(listOf("同意"), settled.flow.filter { zh(it.actor) == "王建国" }.map { zh(it.action) })
                assertEquals("当前环节：承办", zh(settled.currentNodes))
                val png = document.openFile(assertNotNull(mine.handwriting)).getOrThrow()
                assertEquals(listOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte()), png.take(4))
            } finally {
                scope.cancel()
            }
        }
    }
}
