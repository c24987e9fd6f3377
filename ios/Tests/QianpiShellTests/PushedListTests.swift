// A list change pushed by the gateway: the leader's phone runs the foreground sync runner and
// follows its 待办 through listsUpdates; 李晓梅 sends a 请示 on from her own phone, kept in sync by
// its own runner, and the new 待办 shows on the leader's list, its kind, urgency and secrecy with
// it, with no sync called on either phone. Mirrors PushedListTest.kt.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class PushedListTests: GatewayTestCase {

    func testATaskAnotherPersonsActionProducedAtTheGatewayReachesTheLeadersListWithNoSyncCalled() async throws {
        let title = "关于调整春耕补贴标准的请示"
        let token = try operatorToken()
        try loadDefinition(token: token, id: "def-pushed", name: "收文办理", start: "draft", nodes: [
            node("draft", "拟办", handlers: ["user-li"], routes: [("送批示", "lead")]),
            node("lead", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")]),
            endNode,
        ])
        try startFlow(token: token, definition: "def-pushed", document: "doc-pushed", title: title, sequence: 31, urgency: "urgent")
        let leader = try await activatedPhone("wangjianguo")
        let drafter = try await activatedPhone("lixiaomei")
        var lists = leader.listsUpdates(kind: .todo, limit: 20).makeAsyncIterator()
        let leaderRunner = try await leader.startSync(foreground: true)
        let drafterRunner = try await drafter.startSync(foreground: true)
        defer {
            leaderRunner.stop()
            drafterRunner.stop()
        }

        // The runner's first sync brings the demo document; the 请示 is still at 拟办.
        let before = try await first(&lists) { (try? $0.get().counts.todo) == 1 }.get()
        XCTAssertFalse(before.rows.contains { $0.title == title })

        // 李晓梅's runner brought her 拟办; she sends it on to the leader.
        let deadline = Date().addingTimeInterval(20)
        var drafting = try await row(drafter, .todo, title)
        while drafting == nil && Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
            drafting = try await row(drafter, .todo, title)
        }
        _ = try await drafter.actOnTask(taskId: try XCTUnwrap(drafting, "李晓梅's 拟办 never came").id,
                                        action: .approve(attitude: .agree, opinion: "拟请王厅长审示。", route: nil), actingFor: nil)

        let after = try await first(&lists) { (try? $0.get().rows.contains { $0.title == title }) == true }.get()
        XCTAssertEqual(after.counts.todo, 2)
        let pushed = try XCTUnwrap(after.rows.first { $0.title == title })
        XCTAssertEqual(pushed.urgency, .urgent)
        XCTAssertEqual(pushed.kind, .incoming)
        XCTAssertEqual(pushed.secrecy, SecrecyLevel.none)
        XCTAssertFalse(pushed.queued)
    }
}
