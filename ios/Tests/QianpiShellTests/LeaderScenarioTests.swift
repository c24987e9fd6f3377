// The leader's and the handler's day through the generated bindings against a real gateway: the
// leader opens the document and follows its detail screen, chooses the action the detail offers,
// approves offline behind a signer that demands Face ID, and sees the verdict; the handler's 待办
// stream follows the change the gateway sends, and he passes the work on (转交) to a colleague
// picked from the people picker, whose phone then holds it. Mirrors LeaderScenarioTest.kt.
import Foundation
import Qianpi
import QianpiShell
import XCTest

private func approvable(_ result: Result<DocumentDetail, QianpiError>) -> Bool {
    (try? result.get().myTask?.item.canApprove) == true
}

final class LeaderScenarioTests: GatewayTestCase {

    func testTheLeaderApprovesBehindFaceIDAndTheHandlerPassesItOnThroughThePicker() async throws {
        let faceID = try PresenceSigner(dir: path("leader-vault"))
        // Opened off the test's thread, as a screen opens it (the store may migrate first).
        let leader = try await QianpiClient.open(dataDir: path("leader"), keyStore: try SwiftKeyStore(dir: path("leader-vault")), signer: faceID)
        let handler = try QianpiClient(
            dataDir: path("handler"), keyStore: try SwiftKeyStore(dir: path("handler-vault")), signer: try SwiftSigner(dir: path("handler-vault")))
        let colleague = try QianpiClient(
            dataDir: path("colleague"), keyStore: try SwiftKeyStore(dir: path("colleague-vault")), signer: try SwiftSigner(dir: path("colleague-vault")))
        for (client, login) in [(leader, "wangjianguo"), (handler, "zhaowen"), (colleague, "lixiaomei")] {
            _ = try await client.activate(
                serverUrl: gateway.url, login: login, code: try gateway.issueCode(login: login),
                deviceName: "iPhone (Linux test)", platform: "ios")
        }
        _ = try await leader.sync()
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id

        // The document as the leader opens it: its head, its body and the step he is at.
        var detail = leader.documentUpdates(id: task).makeAsyncIterator()
        let opened = try await first(&detail, where: approvable).get()
        XCTAssertEqual(opened.head.number, "晋农办〔2026〕12号")
        XCTAssertEqual(opened.head.urgency, .urgent)
        XCTAssertEqual(opened.head.urgency.labelZh(), "加急")
        XCTAssertEqual(opened.instanceState, .running)
        XCTAssertFalse(opened.bodies.isEmpty)
        let route = try XCTUnwrap(opened.myTask?.item.routes.first)
        XCTAssertEqual(route.label, "送承办")

        // Offline, behind Face ID: prepared, shown, confirmed, queued.
        gateway.stop()
        guard case .offline = try await ApprovalSession(client: leader).refresh() else { return XCTFail("synced without a gateway") }
        let action = TaskAction.approve(attitude: .agree, opinion: "同意。请办公室抓紧落实。", route: route.id)
        let prepared = try await leader.prepareAction(taskId: task, action: action, actingFor: nil)
        faceID.authenticate()
        let signature = try faceID.sign(alias: approvalKey, message: prepared.toBeSigned())
        let queued = try await leader.completeAction(prepared: prepared, signature: signature)
        XCTAssertTrue(queued.decidedOffline)
        // The open detail follows: the action shows as waiting, the buttons are gone.
        let waiting = try await first(&detail) { !approvable($0) }.get()
        XCTAssertTrue(waiting.flowRecord.contains { $0.pending && $0.action == .approve })

        try gateway.start()
        let synced = try await leader.sync()
        XCTAssertEqual(synced.accepted, 1)
        let verdicts = try await leader.verdicts()
        guard case .accepted(_, _, let node) = verdicts.first?.outcome else { return XCTFail("not accepted: \(verdicts)") }
        XCTAssertEqual(node, "承办")
        XCTAssertEqual(zh(ActingText.verdict(verdicts[0])), "已送达（离线批示），流程已转至承办")
        // Settled: the gateway's record holds his opinion, nothing waits any more.
        let settled = try await first(&detail) { result in
            ((try? result.get().opinionColumns.flatMap(\.opinions)) ?? []).contains { $0.author.userId == "user-wang" && !$0.pending }
        }.get()
        XCTAssertTrue(settled.flowRecord.allSatisfy { !$0.pending })
        let opinion = settled.opinionColumns.flatMap(\.opinions).first { $0.author.userId == "user-wang" }
        XCTAssertEqual(opinion?.text, "同意。请办公室抓紧落实。")
        XCTAssertEqual(settled.currentNodes, ["承办"])

        // The handler's 待办 follows what the gateway sends.
        var lists = handler.listsUpdates(kind: .todo, limit: 20).makeAsyncIterator()
        let before = try await first(&lists) { if case .success = $0 { return true } else { return false } }.get()
        XCTAssertEqual(before.counts.todo, 0)
        _ = try await handler.sync()
        let arrived = try await first(&lists) { (try? $0.get().counts.todo) == 1 }.get()
        let handling = arrived.rows[0]
        XCTAssertEqual(handling.title, "关于做好2026年春耕备耕工作的通知")

        // 转交 to a colleague chosen from the picker, which leaves the handler himself out.
        _ = try await handler.syncPeople()
        var people = handler.peopleUpdates(excludeSelf: true).makeAsyncIterator()
        let groups = try await first(&people) { ((try? $0.get()) ?? []).isEmpty == false }.get()
        let everyone = groups.flatMap(\.people)
        XCTAssertFalse(everyone.contains { $0.name == "赵文" }, "the picker offers the handler himself")
        let li = try XCTUnwrap(everyone.first { $0.name == "李晓梅" })
        let controls = try await handler.controls(id: handling.id)
        XCTAssertTrue(controls.canTransfer)
        _ = try await handler.actOnTask(taskId: handling.id, action: .transfer(to: li.userId), actingFor: nil)
        _ = try await first(&lists) { (try? $0.get().counts.todo) == 0 }
        let handed = try await handler.sync()
        XCTAssertEqual(handed.accepted, 1)

        _ = try await colleague.sync()
        let passed = try await colleague.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(passed.map(\.title), ["关于做好2026年春耕备耕工作的通知"])
    }
}
