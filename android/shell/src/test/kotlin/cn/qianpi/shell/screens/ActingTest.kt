// The acting screen's rules and the offline path against a real gateway. 退回: the screen shows
// that a return needs an opinion, refuses to send an empty one (with that text, before any prompt
// or signature), then sends it with the opinion and the flow goes back to 拟办. Offline: the
// leader approves with the gateway stopped, the list and the acting screen say 待同步, and once
// the gateway is back a pull to refresh brings the verdict.
package cn.qianpi.shell.screens

import cn.qianpi.core.Attitude
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.TaskAction
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.ActionKind
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
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
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class ActingTest : GatewayTest("k2-acting") {
    private val fingerprint = PresenceSigner()
    private val leaderDir by lazy { File(root, "leader").path }
    private val keyStore = JcaKeyStore()

    @Test
    @Order(1)
    fun `a return needs an opinion, the empty one is refused with the rule's text, then it goes back to 拟办`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        val admin = AdminApi(gateway.url, token)
        admin.returnableProcess("def-k2-return")
        admin.startFlow("def-k2-return", "doc-k2-return", "关于申请春耕专项资金的请示", 21, "normal")
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val drafter = QianpiClient(File(root, "drafter").path, JcaKeyStore(), JcaDeviceSigner())
        val leader = QianpiClient(leaderDir, keyStore, fingerprint)
        try {
            drafter.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android")
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            drafter.sync()
            val drafting = drafter.list(ListKind.TODO, 20u, 0u).single { it.title == "关于申请春耕专项资金的请示" }
            drafter.actOnTask(drafting.id, TaskAction.Approve(Attitude.AGREE, "拟请王厅长审示。", null), null)
            assertEquals(1u, drafter.sync().accepted)

            val lists = ListsViewModel(leader, scope)
            lists.start()
            lists.refresh()
            val row = lists.state.await { s -> s.rows.any { zh(it.title) == "关于申请春耕专项资金的请示" } }
                .rows.single { zh(it.title) == "关于申请春耕专项资金的请示" }
            assertNull(row.urgency, "a 平件 carries no mark")

            val prompt = FingerprintPrompt(fingerprint)
            val acting = ActingViewModel(leader, row.id, scope, prompt, AwtRenderer())
            acting.load()
            assertContains(acting.state.value.actions.map { zh(it.label) }, "退回")
            acting.choose(ActionKind.RETURN)
            val chosen = acting.state.value
            assertEquals("退回须填写退回意见", zh(chosen.rule), "the rule shows before sending")
            assertEquals(listOf("拟办"), chosen.returnTargets.map { zh(it.label) }, "the step by its name")
            assertEquals(listOf("draft"), chosen.returnTargets.map { it.id })
            assertTrue(chosen.returnTargets.single().selected)

            // Empty: refused here with the rule's text; no prompt, no signature, nothing queued.
            assertFalse(acting.send())
            assertEquals("退回须填写退回意见", zh(acting.state.value.problem))
            assertEquals(0, prompt.shown.get())
            assertEquals(0u, leader.outboxCount())

            acting.setOpinion("请补充资金测算后再报。")
            assertNull(acting.state.value.problem)
            assertTrue(acting.send(), "problem ${zh(acting.state.value.problem)}")
            assertEquals("确认退回", zh(prompt.last!!.title))
            assertEquals("已签批，待同步", zh(acting.state.value.sent))
            assertIs<RefreshState.Synced>(lists.refresh())
            val verdict = acting.state.await { it.verdict != null }.verdict!!
            assertTrue(verdict.accepted)
            assertEquals("已送达，流程已转至拟办", zh(verdict.title))

            drafter.sync()
            assertEquals(1, drafter.list(ListKind.TODO, 20u, 0u).count { it.title == "关于申请春耕专项资金的请示" }, "back with the drafter")
        } finally {
            scope.cancel()
            drafter.close()
            leader.close()
        }
    }

    @Test
    @Order(2)
    fun `an approval made offline waits as 待同步 and shows its verdict once the gateway is back`() = runBlocking<Unit> {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        QianpiClient(leaderDir, keyStore, fingerprint).use { leader ->
            try {
                val lists = ListsViewModel(leader, scope)
                lists.start()
                lists.refresh()
                val row = lists.state.await { s -> s.rows.any { zh(it.title) == "关于做好2026年春耕备耕工作的通知" } }
                    .rows.single { zh(it.title) == "关于做好2026年春耕备耕工作的通知" }

                gateway.stop()
                val offline = assertIs<RefreshState.Offline>(lists.refresh())
                assertEquals("离线：无法连接服务器", zh(offline.note))

                val prompt = FingerprintPrompt(fingerprint)
                val acting = ActingViewModel(leader, row.id, scope, prompt, AwtRenderer())
                acting.load()
                acting.choose(ActionKind.APPROVE)
                acting.setOpinion("同意。请办公室抓紧落实。")
                assertTrue(acting.send(), "problem ${zh(acting.state.value.problem)}")
                assertEquals("已签批，待同步", zh(acting.state.value.sent))

                // 已办 holds it, marked 待同步, while it waits.
                lists.select(ListKind.DONE)
                val done = lists.state.await { s -> s.kind == ListKind.DONE && s.rows.any { it.id == row.id } }
                assertEquals("待同步", zh(done.rows.single { it.id == row.id }.pending))
                assertEquals("离线：1 条待同步", zh(assertIs<RefreshState.Offline>(lists.refresh()).note))
                assertNull(acting.state.value.verdict)

                gateway.start()
                val back = assertIs<RefreshState.Synced>(lists.refresh())
                assertEquals("已同步", zh(back.note))
                assertEquals(1u, back.summary.accepted)
                val verdict = acting.state.await { it.verdict != null }.verdict!!
                assertEquals("已送达（离线批示），流程已转至承办", zh(verdict.title))
                assertNull(acting.state.value.sent)
                val settled = lists.state.await { s -> s.rows.any { it.id == row.id && it.pending == null } }
                assertEquals("已办", zh(settled.tabs.single { it.selected }.label))
            } finally {
                scope.cancel()
            }
        }
    }
}
