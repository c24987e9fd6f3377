// The task actions a leader takes on his own step, through the generated bindings against a real
// gateway, each checked as the people concerned see it: 驳回 ends the flow as rejected; 传阅 puts
// the document in the recipient's 待阅 and 已阅 takes it out; 委派 sends the task to a colleague
// whose 办结 gives it back; 加签 puts a colleague before the leader and 减签 takes him off again.
// Mirrors flows/TaskActionsTest.kt.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class TaskActionsTests: GatewayTestCase {

    /// One step for 王建国 that ends the flow, with `allow` and `extra` fields; a flow of it on `title`: his task.
    private func leaderStep(_ office: Office, id: String, title: String, sequence: Int,
                            allow: [String: Bool] = [:], extra: [String: Any] = [:]) async throws -> String {
        var lead = node("lead", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")], allow: allow)
        lead.merge(extra) { _, new in new }
        try loadDefinition(token: office.token, id: id, name: "签报办理", start: "lead", nodes: [lead, endNode])
        try startFlow(token: office.token, definition: id, document: "doc-\(id)", title: title, sequence: sequence)
        _ = try await office.leader.sync()
        return try await heldRow(office.leader, .todo, title).id
    }

    func testARejectionEndsTheFlowInTheVerdictTheListsAndTheRecord() async throws {
        let office = try await office()
        let title = "关于申请外单位职责事项的请示"
        let leader = office.leader
        let task = try await leaderStep(office, id: "def-s-reject", title: title, sequence: 41,
                                        extra: ["reject": ["policy": "terminate"]])
        let offered = try await leader.controls(id: task).canReject
        XCTAssertTrue(offered, "驳回 is offered")

        let state = try await accepted(leader, try await leader.actOnTask(
            taskId: task, action: .reject(opinion: "不属本单位职责，请退回来文单位。"), actingFor: nil))
        XCTAssertEqual(state, .rejected)
        let todo = try await row(leader, .todo, title)
        XCTAssertNil(todo, "gone from 待办")
        let done = try await row(leader, .done, title)
        XCTAssertNotNil(done, "in 已办")
        let detail = try await leader.documentDetail(id: task)
        XCTAssertEqual(detail.instanceState, .rejected)
        XCTAssertEqual(record(detail), [.reject])
        XCTAssertEqual(detail.flowRecord.last?.actor.userId, "user-wang")
    }

    func testACirculationIsReadByItsRecipientAndADelegationComesBackResolved() async throws {
        let office = try await office()
        let title = "关于春耕物资储备情况的报告"
        let (leader, deputy, head) = (office.leader, office.drafter, office.head)
        let task = try await leaderStep(office, id: "def-s-assist", title: title, sequence: 42,
                                        allow: ["circulate": true, "delegate": true])

        // 传阅 to 赵文: it waits in his 待阅; 已阅 moves it to 已阅. The leader's task stays his.
        _ = try await accepted(leader, try await leader.actOnTask(taskId: task, action: .circulate(recipients: ["user-zhao"]), actingFor: nil))
        let kept = try await row(leader, .todo, title)
        XCTAssertNotNil(kept, "传阅 does not take the task away")
        _ = try await head.sync()
        let reading = try await heldRow(head, .toRead, title, "in 赵文's 待阅")
        _ = try await accepted(head, try await head.actOnTask(taskId: reading.id, action: .markRead, actingFor: nil))
        let unread = try await row(head, .toRead, title)
        XCTAssertNil(unread)
        let read = try await row(head, .read, title)
        XCTAssertNotNil(read, "in 赵文's 已阅")

        // 委派 to 李晓梅: the task leaves the leader's 待办 for hers; her 办结 gives it back. The
        // leader's phone pulls first: 赵文's 已阅 moved the flow on since the leader last saw it.
        _ = try await leader.sync()
        _ = try await accepted(leader, try await leader.actOnTask(taskId: task, action: .delegate(to: "user-li"), actingFor: nil))
        let waiting = try await row(leader, .todo, title)
        XCTAssertNil(waiting, "the leader waits for the delegatee")
        _ = try await deputy.sync()
        let delegated = try await heldRow(deputy, .todo, title, "in 李晓梅's 待办")
        let resolvable = try await deputy.controls(id: delegated.id).canResolve
        XCTAssertTrue(resolvable, "办结 is offered to the delegatee")
        _ = try await accepted(deputy, try await deputy.actOnTask(
            taskId: delegated.id, action: .resolve(opinion: "已与财务处核实，数据无误。"), actingFor: nil))
        _ = try await leader.sync()
        let back = try await row(leader, .todo, title)
        XCTAssertNotNil(back, "back in the leader's 待办")

        let detail = try await leader.documentDetail(id: task)
        XCTAssertEqual(record(detail), [.circulate, .markRead, .delegate, .resolve])
        XCTAssertEqual(detail.flowRecord.first { $0.action == .circulate }?.to.map(\.userId), ["user-zhao"])
        XCTAssertEqual(detail.flowRecord.first { $0.action == .delegate }?.to.map(\.userId), ["user-li"])
        XCTAssertEqual(detail.flowRecord.first { $0.action == .resolve }?.actor.userId, "user-li")
    }

    func testAnAddedSignerGoesFirstAndIsTakenOffAgain() async throws {
        let office = try await office()
        let title = "关于调整农机购置补贴的请示"
        let (leader, head) = (office.leader, office.head)
        let task = try await leaderStep(office, id: "def-s-sign", title: title, sequence: 43, allow: ["add_sign": true])

        _ = try await accepted(leader, try await leader.actOnTask(
            taskId: task, action: .addSigners(signers: ["user-zhao"], position: .before, mode: .single, route: nil, opinion: nil),
            actingFor: nil))
        let waiting = try await row(leader, .todo, title)
        XCTAssertNil(waiting, "the leader waits for the added signer")
        _ = try await head.sync()
        let added = try await heldRow(head, .todo, title, "in 赵文's 待办").id
        let removable = try await leader.controls(id: task).removableSigners
        XCTAssertEqual(removable, [added], "减签 is offered for 赵文's task")

        _ = try await accepted(leader, try await leader.actOnTask(taskId: added, action: .removeSigner, actingFor: nil))
        let back = try await row(leader, .todo, title)
        XCTAssertNotNil(back, "back in the leader's 待办")
        _ = try await head.sync()
        let gone = try await row(head, .todo, title)
        XCTAssertNil(gone, "gone from 赵文's 待办")
        let detail = try await leader.documentDetail(id: task)
        XCTAssertEqual(record(detail), [.addSigner, .removeSigner])
        XCTAssertEqual(detail.flowRecord.first { $0.action == .addSigner }?.to.map(\.userId), ["user-zhao"])
    }
}
