// The actions on a whole flow and on a shared task, through the generated bindings against a real
// gateway: the initiator's 催办 reaches the leader's flow record and the leader, whose step allows
// it, 终止s the flow; the initiator 挂起s the flow (the leader cannot act on it) and 恢复s it (he
// can again); of two candidates for a pool task one 签收s it (the other loses it) and 签退s it
// (the other has it again). Mirrors flows/FlowControlTest.kt.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class FlowControlTests: GatewayTestCase {

    /// The flow titled `title` as its initiator's 已发 list names it.
    private func sent(_ phone: QianpiClient, _ title: String) async throws -> String {
        try await heldRow(phone, .sent, title, "in 已发").id
    }

    func testTheInitiatorUrgesAndTheLeaderTerminatesTheFlowHisStepAllowsHimToEnd() async throws {
        let office = try await office()
        let title = "关于报送春耕进度的请示"
        let (leader, drafter) = (office.leader, office.drafter)
        let task = try await atTheLeader(office, id: "def-s-urge", title: title, sequence: 51,
                                         allow: ["urge": true, "terminate": true])

        let urged = try await accepted(drafter, try await drafter.actOnFlow(flowId: try await sent(drafter, title), action: .urge))
        XCTAssertEqual(urged, .running, "催办 leaves the flow where it is")
        _ = try await leader.sync()
        let last = try await leader.documentDetail(id: task).flowRecord.last
        XCTAssertEqual(last?.action, .urge)
        XCTAssertEqual(last?.actor.userId, "user-li")

        let offered = try await leader.controls(id: task).canTerminate
        XCTAssertTrue(offered, "终止 is offered")
        let ended = try await accepted(leader, try await leader.actOnFlow(
            flowId: task, action: .terminate(reason: "来文单位已撤回此件，终止办理。")))
        XCTAssertEqual(ended, .terminated)
        let todo = try await row(leader, .todo, title)
        XCTAssertNil(todo, "gone from 待办")
        let detail = try await leader.documentDetail(id: task)
        XCTAssertEqual(detail.instanceState, .terminated)
        XCTAssertEqual(record(detail), [.approve, .urge, .terminate])
        _ = try await drafter.sync()
        let seen = try await drafter.documentDetail(id: try await sent(drafter, title)).instanceState
        XCTAssertEqual(seen, .terminated, "the initiator sees it ended")
    }

    func testASuspendedFlowTakesNoApprovalUntilItsInitiatorResumesIt() async throws {
        let office = try await office()
        let title = "关于暂缓实施补贴方案的请示"
        let (leader, drafter) = (office.leader, office.drafter)
        let task = try await atTheLeader(office, id: "def-s-hold", title: title, sequence: 52, allow: [:])
        let flow = try await sent(drafter, title)

        let suspended = try await accepted(drafter, try await drafter.actOnFlow(flowId: flow, action: .suspend))
        XCTAssertEqual(suspended, .suspended)
        _ = try await leader.sync()
        let state = try await leader.documentDetail(id: task).instanceState
        XCTAssertEqual(state, .suspended)
        let refused = await thrown {
            try await leader.actOnTask(taskId: task, action: .approve(attitude: .agree, opinion: "同意。", route: nil), actingFor: nil)
        }
        XCTAssertNotNil(refused as? QianpiError, "a suspended flow takes no approval")
        let waiting = try await leader.outboxCount()
        XCTAssertEqual(waiting, 0, "nothing was queued")

        let resumed = try await accepted(drafter, try await drafter.actOnFlow(flowId: flow, action: .resume))
        XCTAssertEqual(resumed, .running)
        _ = try await leader.sync()
        let done = try await accepted(leader, try await leader.actOnTask(
            taskId: task, action: .approve(attitude: .agree, opinion: "同意。", route: nil), actingFor: nil))
        XCTAssertEqual(done, .completed)
        let detail = try await leader.documentDetail(id: task)
        XCTAssertEqual(record(detail), [.approve, .suspend, .resume, .approve])
    }

    func testAClaimTakesAPoolTaskFromTheOtherCandidateAndAReleaseGivesItBack() async throws {
        let office = try await office()
        let title = "关于登记省政府来文的通知"
        let (clerk, head) = (office.drafter, office.head)
        var register = node("register", "登记", handlers: ["user-li", "user-zhao"], routes: [("登记完毕", "end")])
        register["mode"] = "pool"
        try loadDefinition(token: office.token, id: "def-s-pool", name: "收文登记", start: "register", nodes: [register, endNode])
        try startFlow(token: office.token, definition: "def-s-pool", document: "doc-s-pool", title: title, sequence: 53)
        _ = try await clerk.sync()
        _ = try await head.sync()
        let task = try await heldRow(clerk, .todo, title).id
        let other = try await row(head, .todo, title)
        XCTAssertEqual(other?.id, task, "both candidates hold it")
        let claimable = try await clerk.controls(id: task).canClaim
        XCTAssertTrue(claimable, "签收 is offered")

        _ = try await accepted(clerk, try await clerk.actOnTask(taskId: task, action: .claim, actingFor: nil))
        let releasable = try await clerk.controls(id: task).canRelease
        XCTAssertTrue(releasable, "签退 is offered to who claimed it")
        _ = try await head.sync()
        let lost = try await row(head, .todo, title)
        XCTAssertNil(lost, "the other candidate lost it")

        _ = try await accepted(clerk, try await clerk.actOnTask(taskId: task, action: .release, actingFor: nil))
        _ = try await head.sync()
        let again = try await row(head, .todo, title)
        XCTAssertNotNil(again, "the other candidate has it again")
        let detail = try await clerk.documentDetail(id: task)
        XCTAssertEqual(record(detail), [.claim, .release])
    }
}
