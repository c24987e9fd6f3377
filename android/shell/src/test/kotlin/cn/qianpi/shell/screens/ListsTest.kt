// The lists screen and 批量审批 against a real gateway: three documents wait for the leader — the
// demo's 加急 one, a 特急 one past its 办理时限 and one whose route needs an opinion of its own.
// The list shows the counts, the marks and 超期 (and the document screen its 办理时限), pages,
// and finds a document by a word; a batch of all three answers one result per item (the one
// needing an opinion, whose step allows no batch, refused; the others queued) and the gateway
// accepts the two.
package cn.qianpi.shell.screens

import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.acting.BatchViewModel
import cn.qianpi.shell.screens.document.DocumentViewModel
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ListsTest : GatewayTest("k2-lists") {
    private val demo = "关于做好2026年春耕备耕工作的通知"
    private val overdue = "关于报送春播进度的紧急通知"
    private val ownOpinion = "关于调整农机补贴标准的请示"

    @Test
    fun `the list marks urgency and 超期, pages, searches, and a batch answers per item`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        val admin = AdminApi(gateway.url, token)
        admin.leaderProcess("def-k2-batch", "办结", routeNeedsOpinion = false, hours = 0)
        admin.leaderProcess("def-k2-opinion", "办结", routeNeedsOpinion = true)
        admin.startFlow("def-k2-batch", "doc-k2-overdue", overdue, 31, "extra_urgent", deadline = "2026-01-05T10:00:00Z")
        admin.startFlow("def-k2-opinion", "doc-k2-opinion", ownOpinion, 32, "normal")
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { leader ->
            try {
                leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
                val lists = ListsViewModel(leader, scope, pageSize = 2u)
                lists.start()
                assertEquals("暂无公文", zh(lists.state.await { !it.loading }.empty))
                assertIs<RefreshState.Synced>(lists.refresh())

                // Two of three on the first page; the next page brings the third.
                val first = lists.state.await { it.tabs.firstOrNull()?.count == 3 && it.rows.size == 2 }
                assertTrue(first.hasMore)
                assertEquals("超期 1 件", zh(first.overdue))
                lists.loadMore()
                val all = lists.state.await { it.rows.size == 3 }
                assertFalse(all.hasMore)
                assertNull(all.empty)
                val byTitle = all.rows.associateBy { zh(it.title) }
                assertEquals("加急", zh(byTitle.getValue(demo).urgency))
                assertNull(byTitle.getValue(demo).overdue)
                assertEquals("特急", zh(byTitle.getValue(overdue).urgency))
                assertEquals("超期", zh(byTitle.getValue(overdue).overdue))
                assertNull(byTitle.getValue(ownOpinion).urgency)
                assertEquals("晋农办〔2026〕31号", zh(byTitle.getValue(overdue).number))
                assertEquals("收文", zh(byTitle.getValue(demo).kind), "the row says what kind of document it is")
                assertEquals("签报", zh(byTitle.getValue(overdue).kind))
                assertNull(byTitle.getValue(demo).secrecy, "无 carries no mark")

                // The overdue one's document screen says so; the demo's has no 办理时限.
                val late = DocumentViewModel(leader, byTitle.getValue(overdue).id, scope)
                late.start()
                val lateShown = late.state.await { !it.loading }
                assertEquals("已超期", zh(lateShown.overdue))
                assertTrue(Regex("办理时限 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}").matches(zh(lateShown.deadline)!!), zh(lateShown.deadline))
                assertEquals("特急", zh(lateShown.urgency))
                val calm = DocumentViewModel(leader, byTitle.getValue(demo).id, scope)
                calm.start()
                val calmShown = calm.state.await { !it.loading }
                assertNull(calmShown.deadline)
                assertNull(calmShown.overdue)

                // 全文检索 on the phone.
                lists.search("春播")
                val found = assertNotNull(lists.state.value.search)
                assertEquals(listOf(overdue), found.results.map { zh(it.title) })
                assertEquals(listOf("春播"), found.results.single().snippet.filter { it.matched }.map { it.text })
                lists.search("防汛")
                assertEquals("未找到相关内容", zh(lists.state.value.search?.message))
                lists.search(" ，。 ")
                assertTrue(zh(lists.state.value.search?.message)!!.contains("请输入"), zh(lists.state.value.search?.message))
                lists.clearSearch()
                assertNull(lists.state.value.search)

                // 批量审批 of all three: one result per item, in order.
                val batch = BatchViewModel(leader)
                assertTrue(batch.approve().isEmpty())
                assertEquals("请先勾选要批量审批的公文", zh(batch.state.value.problem))
                listOf(demo, overdue, ownOpinion).forEach { batch.toggle(byTitle.getValue(it)) }
                assertEquals(3, batch.state.value.selected.size)
                val results = batch.approve()
                assertEquals(listOf(demo, overdue, ownOpinion), results.map { zh(it.title) })
                assertEquals(listOf(true, true, false), results.map { it.queued })
                assertEquals(listOf("已批，待同步", "已批，待同步"), results.take(2).map { zh(it.text) })
                assertEquals("该节点不允许此操作", zh(results[2].text))
                assertEquals(UiText.Both("该节点不允许此操作", "this step does not allow that action"), results[2].text, "both languages")
                assertEquals("已批 2 件，1 件未通过", zh(batch.state.value.summary))
                assertTrue(batch.state.value.selected.isEmpty())

                // The refused one stays in 待办; the others wait in 已办 as 待同步 until the sync.
                val after = lists.state.await { it.tabs.firstOrNull()?.count == 1 }
                assertEquals(listOf(ownOpinion), after.rows.map { zh(it.title) })
                assertNull(after.overdue, "the overdue one was approved")
                lists.select(ListKind.DONE)
                val done = lists.state.await { it.kind == ListKind.DONE && it.rows.size == 2 }
                assertEquals(listOf("待同步", "待同步"), done.rows.map { zh(it.pending) })
                assertEquals(2u, assertIs<RefreshState.Synced>(lists.refresh()).summary.accepted)
                lists.state.await { s -> s.kind == ListKind.DONE && s.rows.size == 2 && s.rows.all { it.pending == null } }
            } finally {
                scope.cancel()
            }
        }
    }
}
