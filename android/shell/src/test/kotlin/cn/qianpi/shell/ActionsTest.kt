// The leader's other actions from Kotlin, through the generated bindings against a real gateway:
// a 暂存 draft survives the app being closed and opened again; a standing delegation (委托) is set
// for a trip, listed and taken back; 批量审批 gives one result per item (the unknown one refused,
// the rest queued); and the approval is recalled (撤回) from 已办 while the next handler has not
// acted, which puts the task back in 待办.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.BatchItem
import cn.qianpi.core.BatchVerdict
import cn.qianpi.core.DelegationScope
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.TaskAction
import cn.qianpi.core.VerdictOutcome
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Duration
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ActionsTest : GatewayTest("actions") {
    @Test
    fun `a draft survives a restart, a delegation is set and taken back, a batch answers per item and an approval is recalled`() = runBlocking<Unit> {
        val keyStore = JcaKeyStore()
        val signer = JcaDeviceSigner()
        val dir = File(root, "leader").path
        val task = QianpiClient(dir, keyStore, signer).use { leader ->
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            leader.sync()
            val task = leader.list(ListKind.TODO, 20u, 0u).single().id
            assertTrue(leader.controls(task).canSave, "暂存 is offered")
            leader.saveDraft(task, Attitude.AGREE, "拟同意，请办公室核实数据后再报。")
            task
        }

        QianpiClient(dir, keyStore, signer).use { leader ->
            // 暂存: the draft is there after the app was closed and opened again.
            val draft = assertNotNull(leader.draft(task))
            assertEquals(Attitude.AGREE, draft.attitude)
            assertEquals("拟同意，请办公室核实数据后再报。", draft.text)

            // 委托: leaving on a trip, the leader names his deputy for three days, then comes back early.
            val start = Instant.now()
            val set = leader.setDelegation("user-li", DelegationScope.All, start, start.plus(Duration.ofDays(3)))
            assertEquals("user-li", set.to)
            assertEquals(start.plus(Duration.ofDays(3)).epochSecond, set.end.epochSecond)
            assertNull(set.revokedAt)
            assertEquals(listOf(set.id), leader.delegations().map { it.id })
            val revoked = leader.revokeDelegation(set.id)
            assertNotNull(revoked.revokedAt, "the delegation was not taken back")

            // 批量审批: one result per item, the unknown task refused without stopping the rest.
            assertTrue(leader.controls(task).canBatch, "批量审批 is offered")
            val results = leader.batchApprove(listOf(BatchItem(task, null), BatchItem("no-such-task", null)))
            assertEquals(listOf(task, "no-such-task"), results.map { it.taskId })
            assertIs<BatchVerdict.Queued>(results[0].verdict)
            assertEquals("not_on_phone", assertIs<BatchVerdict.Refused>(results[1].verdict).code)
            assertEquals(1u, leader.sync().accepted)
            assertTrue(leader.list(ListKind.TODO, 20u, 0u).isEmpty())

            // 撤回: from 已办, while the next handler has not acted.
            val done = leader.list(ListKind.DONE, 20u, 0u).single()
            assertTrue(leader.controls(done.id).canRecall, "撤回 is offered on the 已办 row")
            leader.actOnTask(done.id, TaskAction.Recall, null)
            assertEquals(1u, leader.sync().accepted)
            val recall = leader.verdicts().first()
            assertIs<VerdictOutcome.Accepted>(recall.outcome)
            assertEquals("领导批示", (recall.outcome as VerdictOutcome.Accepted).currentNode)
            val back = leader.list(ListKind.TODO, 20u, 0u)
            assertEquals(1, back.size, "the recalled task is not back in 待办: $back")
            assertFalse(back[0].queued)
        }
    }
}
