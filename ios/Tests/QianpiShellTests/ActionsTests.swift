// The leader's other actions from Swift, through the generated bindings against a real gateway:
// a 暂存 draft survives the app being closed and opened again; a standing delegation (委托) is set
// for a trip, listed and taken back; 批量审批 gives one result per item (the unknown one refused,
// the rest queued); and the approval is recalled (撤回) from 已办 while the next handler has not
// acted, which puts the task back in 待办. Mirrors ActionsTest.kt.
import Foundation
import Qianpi
import XCTest

final class ActionsTests: GatewayTestCase {

    func testADraftSurvivesARestartADelegationIsTakenBackABatchAnswersPerItemAndAnApprovalIsRecalled() async throws {
        let keyStore = try SwiftKeyStore(dir: path("vault"))
        let signer = try SwiftSigner(dir: path("vault"))
        var leader: QianpiClient? = try QianpiClient(dataDir: path("leader"), keyStore: keyStore, signer: signer)
        _ = try await leader!.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        _ = try await leader!.sync()
        let task = try await leader!.list(kind: .todo, limit: 20, offset: 0)[0].id
        let offered = try await leader!.controls(id: task)
        XCTAssertTrue(offered.canSave)
        try await leader!.saveDraft(taskId: task, attitude: .agree, text: "拟同意，请办公室核实数据后再报。")

        // 暂存: the draft is there after the app was closed and opened again.
        leader = nil
        let client = try QianpiClient(dataDir: path("leader"), keyStore: keyStore, signer: signer)
        let draft = try await client.draft(taskId: task)
        XCTAssertEqual(draft?.attitude, .agree)
        XCTAssertEqual(draft?.text, "拟同意，请办公室核实数据后再报。")

        // 委托: leaving on a trip, the leader names his deputy for three days, then comes back early.
        let start = Date()
        let end = start.addingTimeInterval(3 * 86_400)
        let set = try await client.setDelegation(to: "user-li", scope: .all, start: start, end: end)
        XCTAssertEqual(set.to, "user-li")
        XCTAssertEqual(set.end.timeIntervalSince1970, end.timeIntervalSince1970, accuracy: 1)
        XCTAssertNil(set.revokedAt)
        let listed = try await client.delegations()
        XCTAssertEqual(listed.map(\.id), [set.id])
        let revoked = try await client.revokeDelegation(id: set.id)
        XCTAssertNotNil(revoked.revokedAt)

        // 批量审批: one result per item, the unknown task refused without stopping the rest.
        let batchable = try await client.controls(id: task)
        XCTAssertTrue(batchable.canBatch)
        let results = try await client.batchApprove(items: [
            BatchItem(taskId: task, route: nil), BatchItem(taskId: "no-such-task", route: nil),
        ])
        XCTAssertEqual(results.map(\.taskId), [task, "no-such-task"])
        guard case .queued = results[0].verdict else { return XCTFail("not queued: \(results[0])") }
        guard case .refused(let code, _, _) = results[1].verdict else { return XCTFail("not refused: \(results[1])") }
        XCTAssertEqual(code, "not_on_phone")
        let approved = try await client.sync()
        XCTAssertEqual(approved.accepted, 1)
        let todo = try await client.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertTrue(todo.isEmpty)

        // 撤回: from 已办, while the next handler has not acted.
        let done = try await client.list(kind: .done, limit: 20, offset: 0)
        XCTAssertEqual(done.count, 1)
        let recallable = try await client.controls(id: done[0].id)
        XCTAssertTrue(recallable.canRecall)
        _ = try await client.actOnTask(taskId: done[0].id, action: .recall, actingFor: nil)
        let recalled = try await client.sync()
        XCTAssertEqual(recalled.accepted, 1)
        let verdicts = try await client.verdicts()
        guard case .accepted(_, _, let node) = verdicts.first?.outcome else { return XCTFail("recall refused: \(verdicts)") }
        XCTAssertEqual(node, "领导批示")
        let back = try await client.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(back.count, 1, "the recalled task is not back in 待办")
        XCTAssertEqual(back.first?.queued, false)
    }
}
