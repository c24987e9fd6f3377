// The task actions a leader takes on his own step, through the generated bindings against a real
// gateway, each checked as the people concerned see it: 驳回 ends the flow as rejected; 传阅 puts
// the document in the recipient's 待阅 and 已阅 takes it out; 委派 sends the task to a colleague
// whose 办结 gives it back; 加签 puts a colleague before the leader and 减签 takes him off again.
package cn.qianpi.shell.flows

import cn.qianpi.core.FlowAction
import cn.qianpi.core.InstanceState
import cn.qianpi.core.ListKind
import cn.qianpi.core.SignMode
import cn.qianpi.core.SignPlace
import cn.qianpi.core.TaskAction
import cn.qianpi.shell.GatewayTest
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class TaskActionsTest : GatewayTest("task-actions") {
    private val office by lazy { Office(root, gateway, "tasks") }

    @AfterAll
    fun closePhones() = office.close()

    @Test
    fun `驳回 ends the flow as rejected, in the leader's verdict, his lists and the flow record`() = runBlocking<Unit> {
        val title = "关于申请外单位职责事项的请示"
        office.process("def-k-reject", "lead", step("lead", "领导批示", listOf("user-wang"), "end", extra = """"reject": {"policy": "terminate"}"""))
        office.admin.startFlow("def-k-reject", "doc-k-reject", title, 41, "normal")
        val leader = office.leader
        leader.sync()
        val task = assertNotNull(row(leader, ListKind.TODO, title)).id
        assertTrue(leader.controls(task).canReject, "驳回 is offered")

        val queued = leader.actOnTask(task, TaskAction.Reject("不属本单位职责，请退回来文单位。"), null)
        assertEquals(InstanceState.REJECTED, accepted(leader, queued).instanceState)
        assertNull(row(leader, ListKind.TODO, title), "gone from 待办")
        assertNotNull(row(leader, ListKind.DONE, title), "in 已办")
        val detail = leader.documentDetail(task)
        assertEquals(InstanceState.REJECTED, detail.instanceState)
        assertEquals(FlowAction.REJECT, record(detail).last())
        assertEquals("user-wang", detail.flowRecord.last().actor.userId)
    }

    @Test
    fun `传阅 reaches the recipient's 待阅 and 已阅 moves it, 委派 goes to a colleague and 办结 brings it back`() = runBlocking<Unit> {
        val title = "关于春耕物资储备情况的报告"
        office.process("def-k-assist", "lead", step("lead", "领导批示", listOf("user-wang"), "end", allow = """"circulate": true, "delegate": true"""))
        office.admin.startFlow("def-k-assist", "doc-k-assist", title, 42, "normal")
        val (leader, deputy, head) = Triple(office.leader, office.drafter, office.head)
        leader.sync()
        val task = assertNotNull(row(leader, ListKind.TODO, title)).id

        // 传阅 to 赵文: it waits in his 待阅; 已阅 moves it to 已阅. The leader's task stays his.
        assertTrue(leader.controls(task).canCirculate, "传阅 is offered")
        accepted(leader, leader.actOnTask(task, TaskAction.Circulate(listOf("user-zhao")), null))
        assertNotNull(row(leader, ListKind.TODO, title), "传阅 does not take the task away")
        head.sync()
        val reading = assertNotNull(row(head, ListKind.TO_READ, title), "in 赵文's 待阅")
        accepted(head, head.actOnTask(reading.id, TaskAction.MarkRead, null))
        assertNull(row(head, ListKind.TO_READ, title))
        assertNotNull(row(head, ListKind.READ, title), "in 赵文's 已阅")

        // 委派 to 李晓梅: the task leaves the leader's 待办 for hers; her 办结 gives it back. The
        // leader's phone pulls first: 赵文's 已阅 moved the flow on since the leader last saw it.
        leader.sync()
        assertTrue(leader.controls(task).canDelegate, "委派 is offered")
        accepted(leader, leader.actOnTask(task, TaskAction.Delegate("user-li"), null))
        assertNull(row(leader, ListKind.TODO, title), "the leader waits for the delegatee")
        deputy.sync()
        val delegated = assertNotNull(row(deputy, ListKind.TODO, title), "in 李晓梅's 待办")
        assertTrue(deputy.controls(delegated.id).canResolve, "办结 is offered to the delegatee")
        accepted(deputy, deputy.actOnTask(delegated.id, TaskAction.Resolve("已与财务处核实，数据无误。"), null))
        assertNull(row(deputy, ListKind.TODO, title))
        leader.sync()
        assertNotNull(row(leader, ListKind.TODO, title), "back in the leader's 待办")

        val detail = leader.documentDetail(task)
        val actions = record(detail)
        assertEquals(listOf(FlowAction.CIRCULATE, FlowAction.MARK_READ, FlowAction.DELEGATE, FlowAction.RESOLVE), actions.filter { it != FlowAction.OPEN })
        assertEquals(listOf("user-zhao"), detail.flowRecord.single { it.action == FlowAction.CIRCULATE }.to.map { it.userId })
        assertEquals(listOf("user-li"), detail.flowRecord.single { it.action == FlowAction.DELEGATE }.to.map { it.userId })
        assertEquals("user-li", detail.flowRecord.single { it.action == FlowAction.RESOLVE }.actor.userId)
    }

    @Test
    fun `加签 puts a colleague before the leader and 减签 takes him off again`() = runBlocking<Unit> {
        val title = "关于调整农机购置补贴的请示"
        office.process("def-k-sign", "lead", step("lead", "领导批示", listOf("user-wang"), "end", allow = """"add_sign": true"""))
        office.admin.startFlow("def-k-sign", "doc-k-sign", title, 43, "normal")
        val (leader, head) = office.leader to office.head
        leader.sync()
        val task = assertNotNull(row(leader, ListKind.TODO, title)).id
        assertTrue(SignMode.SINGLE in leader.controls(task).addSignModes, "加签 is offered")

        val add = TaskAction.AddSigners(listOf("user-zhao"), SignPlace.BEFORE, SignMode.SINGLE, null, null)
        accepted(leader, leader.actOnTask(task, add, null))
        assertNull(row(leader, ListKind.TODO, title), "the leader waits for the added signer")
        head.sync()
        val added = assertNotNull(row(head, ListKind.TODO, title), "in 赵文's 待办").id
        assertEquals(listOf(added), leader.controls(task).removableSigners, "减签 is offered for 赵文's task")

        accepted(leader, leader.actOnTask(added, TaskAction.RemoveSigner, null))
        assertNotNull(row(leader, ListKind.TODO, title), "back in the leader's 待办")
        head.sync()
        assertNull(row(head, ListKind.TODO, title), "gone from 赵文's 待办")
        val detail = leader.documentDetail(task)
        assertEquals(listOf(FlowAction.ADD_SIGNER, FlowAction.REMOVE_SIGNER), record(detail).filter { it != FlowAction.OPEN })
        assertEquals(listOf("user-zhao"), detail.flowRecord.single { it.action == FlowAction.ADD_SIGNER }.to.map { it.userId })
    }
}
