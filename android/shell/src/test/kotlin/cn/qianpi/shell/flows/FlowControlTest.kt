// The actions on a whole flow and on a shared task, through the generated bindings against a real
// gateway: the initiator's 催办 reaches the leader's flow record and the leader, whose step allows
// it, 终止s the flow; the initiator 挂起s the flow (the leader cannot act on it) and 恢复s it (he
// can again); of two candidates for a pool task one 签收s it (the other loses it) and 签退s it
// (the other has it again).
package cn.qianpi.shell.flows

import cn.qianpi.core.Attitude
import cn.qianpi.core.FlowAction
import cn.qianpi.core.InstanceAction
import cn.qianpi.core.InstanceState
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.TaskAction
import cn.qianpi.shell.GatewayTest
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class FlowControlTest : GatewayTest("flow-control") {
    private val office by lazy { Office(root, gateway, "flows") }

    @AfterAll
    fun closePhones() = office.close()

    /** 拟办 (李晓梅) → 领导批示 (王建国, with [allow]); a flow of it started by 李晓梅 and sent on by her to the leader. */
    private suspend fun atTheLeader(id: String, title: String, sequence: Int, allow: String): String {
        office.process(
            id, "draft",
            step("draft", "拟办", listOf("user-li"), "lead"),
            step("lead", "领导批示", listOf("user-wang"), "end", allow = allow),
        )
        office.admin.startFlow(id, "doc-$id", title, sequence, "normal")
        val drafter = office.drafter
        drafter.sync()
        val drafting = assertNotNull(row(drafter, ListKind.TODO, title)).id
        accepted(drafter, drafter.actOnTask(drafting, TaskAction.Approve(Attitude.AGREE, "拟请王厅长审示。", null), null))
        office.leader.sync()
        return assertNotNull(row(office.leader, ListKind.TODO, title), "at the leader").id
    }

    /** The flow [title] as its initiator's 已发 list names it. */
    private suspend fun sent(phone: QianpiClient, title: String): String = assertNotNull(row(phone, ListKind.SENT, title), "in 已发").id

    @Test
    fun `催办 by the initiator reaches the leader's record, and the leader 终止s the flow his step allows him to end`() = runBlocking<Unit> {
        val title = "关于报送春耕进度的请示"
        val task = atTheLeader("def-k-urge", title, 51, """"urge": true, "terminate": true""")
        val (leader, drafter) = office.leader to office.drafter

        val urge = accepted(drafter, drafter.actOnFlow(sent(drafter, title), InstanceAction.Urge))
        assertEquals(InstanceState.RUNNING, urge.instanceState, "催办 leaves the flow where it is")
        leader.sync()
        val urged = leader.documentDetail(task).flowRecord.last()
        assertEquals(FlowAction.URGE, urged.action)
        assertEquals("user-li", urged.actor.userId)
        assertNotNull(row(leader, ListKind.TODO, title), "still the leader's to do")

        assertTrue(leader.controls(task).canTerminate, "终止 is offered")
        val ended = accepted(leader, leader.actOnFlow(task, InstanceAction.Terminate("来文单位已撤回此件，终止办理。")))
        assertEquals(InstanceState.TERMINATED, ended.instanceState)
        assertNull(row(leader, ListKind.TODO, title), "gone from 待办")
        val detail = leader.documentDetail(task)
        assertEquals(InstanceState.TERMINATED, detail.instanceState)
        assertEquals(listOf(FlowAction.APPROVE, FlowAction.URGE, FlowAction.TERMINATE), record(detail).filter { it != FlowAction.OPEN })
        drafter.sync()
        assertEquals(InstanceState.TERMINATED, drafter.documentDetail(sent(drafter, title)).instanceState, "the initiator sees it ended")
    }

    @Test
    fun `挂起 by the initiator stops the leader from acting and 恢复 lets him approve again`() = runBlocking<Unit> {
        val title = "关于暂缓实施补贴方案的请示"
        val task = atTheLeader("def-k-hold", title, 52, "")
        val (leader, drafter) = office.leader to office.drafter
        val flow = sent(drafter, title)

        assertEquals(InstanceState.SUSPENDED, accepted(drafter, drafter.actOnFlow(flow, InstanceAction.Suspend)).instanceState)
        leader.sync()
        assertEquals(InstanceState.SUSPENDED, leader.documentDetail(task).instanceState)
        assertFailsWith<QianpiException>("a suspended flow takes no approval") {
            leader.actOnTask(task, TaskAction.Approve(Attitude.AGREE, "同意。", null), null)
        }
        assertEquals(0u, leader.outboxCount(), "nothing was queued")

        assertEquals(InstanceState.RUNNING, accepted(drafter, drafter.actOnFlow(flow, InstanceAction.Resume)).instanceState)
        leader.sync()
        val done = accepted(leader, leader.actOnTask(task, TaskAction.Approve(Attitude.AGREE, "同意。", null), null))
        assertEquals(InstanceState.COMPLETED, done.instanceState)
        val actions = record(leader.documentDetail(task)).filter { it != FlowAction.OPEN }
        assertEquals(listOf(FlowAction.APPROVE, FlowAction.SUSPEND, FlowAction.RESUME, FlowAction.APPROVE), actions)
    }

    @Test
    fun `签收 takes a pool task from the other candidate and 签退 gives it back to both`() = runBlocking<Unit> {
        val title = "关于登记省政府来文的通知"
        office.process("def-k-pool", "register", step("register", "登记", listOf("user-li", "user-zhao"), "end", extra = """"mode": "pool""""))
        office.admin.startFlow("def-k-pool", "doc-k-pool", title, 53, "normal")
        val (clerk, head) = office.drafter to office.head
        clerk.sync()
        head.sync()
        val task = assertNotNull(row(clerk, ListKind.TODO, title)).id
        assertEquals(task, row(head, ListKind.TODO, title)?.id, "both candidates hold it")
        assertTrue(clerk.controls(task).canClaim, "签收 is offered")

        accepted(clerk, clerk.actOnTask(task, TaskAction.Claim, null))
        assertTrue(clerk.controls(task).canRelease, "签退 is offered to who claimed it")
        head.sync()
        assertNull(row(head, ListKind.TODO, title), "the other candidate lost it")
        assertFalse(head.controls(task).canClaim)

        accepted(clerk, clerk.actOnTask(task, TaskAction.Release, null))
        head.sync()
        assertNotNull(row(head, ListKind.TODO, title), "the other candidate has it again")
        assertTrue(head.controls(task).canClaim)
        assertEquals(listOf(FlowAction.CLAIM, FlowAction.RELEASE), record(clerk.documentDetail(task)).filter { it != FlowAction.OPEN })
    }
}
