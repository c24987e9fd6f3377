// The outbox screen against a real gateway, in the scenario of a leader with two phones: one
// approves offline (待同步), the other approves the same document online meanwhile; when the first
// comes back online the office refuses its approval, and the refusal stays on the screen with the
// core's reason and what to do next, also after another sync and on a screen opened afresh.
package cn.qianpi.shell.screens

import cn.qianpi.core.Attitude
import cn.qianpi.core.FlowAction
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AccountScreens.zh
import cn.qianpi.shell.screens.outbox.NextStep
import cn.qianpi.shell.screens.outbox.OutboxViewModel
import cn.qianpi.shell.screens.syncstatus.SyncStatusViewModel
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class OutboxViewModelTest : GatewayTest("k1-outbox") {
    private suspend fun phone(name: String): QianpiClient =
        QianpiClient(File(root, name).path, JcaKeyStore(), JcaDeviceSigner()).also {
            it.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), name, "android")
            it.sync()
        }

    @Test
    fun `a refused offline approval stays visible with its reason and what to do next`() = runBlocking<Unit> {
        phone("travelling").use { travelling ->
            phone("office").use { office ->
                val task = travelling.inbox().single()
                AccountScreens.withScope { scope ->
                    val outbox = OutboxViewModel(travelling, scope)
                    val status = SyncStatusViewModel(travelling, scope)
                    val empty = outbox.state.awaitState { !it.loading }
                    assertEquals("暂无待同步或未被接受的事项", zh(assertNotNull(empty.empty)))

                    gateway.stop()
                    try {
                        // The phone finds itself offline (its sync cannot reach the office), then the leader approves.
                        assertFailsWith<QianpiException> { travelling.sync() }
                        travelling.approve(task.taskId, Attitude.AGREE, "同意，请抓紧落实。")
                        val waiting = outbox.state.awaitState { it.waiting.size == 1 }
                        val row = waiting.waiting.single()
                        assertEquals(task.taskId, row.taskId)
                        assertEquals(task.title, zh(row.title))
                        assertEquals("同意", zh(row.action))
                        assertEquals("待同步（离线办理）", zh(row.status))
                        assertTrue(zh(row.decidedAt).startsWith("办理时间："))
                        assertNull(waiting.empty)
                    } finally {
                        gateway.start()
                    }

                    // Meanwhile the leader approved the same document on the office phone.
                    office.approve(office.inbox().single().taskId, Attitude.AGREE, "同意。")
                    office.sync()

                    outbox.syncNow().join()
                    val refusedState = outbox.state.awaitState { it.refused.isNotEmpty() && it.waiting.isEmpty() }
                    val refused = refusedState.refused.single()
                    val verdict = travelling.verdicts().single { it.commandId == refused.commandId }
                    val outcome = assertIs<VerdictOutcome.Refused>(verdict.outcome)
                    assertEquals(UiText.Both(outcome.reasonZh, outcome.reasonEn), refused.reason)
                    assertTrue(zh(refused.reason).isNotBlank() && zh(refused.reason) == outcome.reasonZh)
                    assertEquals(outcome.code, refused.code)
                    assertEquals("未被接受（离线办理）", zh(refused.status))
                    assertEquals(task.title, zh(refused.title))
                    // The task was done on the other phone: nothing to act on here any more.
                    assertTrue(refused.nextSteps.none { it is NextStep.ActAgain }, "${refused.nextSteps}")
                    val advice = zh(refused.advice)
                    assertTrue(advice == "此事项已无需您再办理。" || advice == "请先同步，再打开公文查看最新情况。", advice)
                    assertEquals("1 项未被接受", zh(assertNotNull(status.state.awaitState { it.refused != null }.refused)))

                    // It stays: after another sync, and on the screen opened anew.
                    outbox.syncNow().join()
                    assertEquals(refused, outbox.state.awaitState { !it.syncing }.refused.single())
                    outbox.close()
                    val reopened = OutboxViewModel(travelling, scope)
                    val again = reopened.state.awaitState { !it.loading }
                    assertEquals(listOf(refused), again.refused)
                    assertTrue(again.waiting.isEmpty())
                    reopened.close()
                    status.close()
                }
            }
        }
    }

    @Test
    fun `every action a command can carry has a name in both languages, and the next steps follow the task's flags`() {
        for (action in FlowAction.entries + listOf(null)) {
            val name = OutboxViewModel.actionName(action)
            assertIs<UiText.Res>(name, "$action")
            assertTrue(zh(name).isNotBlank() && AccountScreens.en.resolve(name).isNotBlank(), "$action")
        }
        assertEquals("退回", zh(OutboxViewModel.actionName(FlowAction.RETURN)))
        assertEquals("加签", zh(OutboxViewModel.actionName(FlowAction.ADD_SIGNER)))
        // No flags (the task is gone from the phone): a stale refusal still offers the sync.
        assertEquals(listOf<NextStep>(NextStep.SyncFirst), OutboxViewModel.nextSteps("t1", "stale", null))
        assertEquals(emptyList(), OutboxViewModel.nextSteps("t1", "not_assignee", null))
    }
}
