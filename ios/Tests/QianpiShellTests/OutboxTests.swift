// The outbox screen against a real gateway, with the leader's two devices: the iPhone approves
// while the gateway is out of reach, the iPad approves the same document online first; when the
// iPhone comes back its approval is refused and stays on the outbox screen with the gateway's reason
// and what the leader can do (open the document: it is no longer his to act on), also after
// another sync and on a screen opened afresh.
import Foundation
import Qianpi
import QianpiShell
import XCTest

@MainActor
final class OutboxTests: GatewayTestCase {

    func testARefusedOfflineApprovalStaysVisibleWithItsReasonAndWhatToDoNext() async throws {
        let phone = try await activatedLeader("phone")
        let tablet = try await activatedLeader("tablet", device: "iPad (Linux test)")
        _ = try await phone.sync()
        _ = try await tablet.sync()
        let task = try await phone.inbox()[0].taskId

        let outbox = OutboxModel(client: phone)
        let running = Task { await outbox.run() }
        defer { running.cancel() }
        try await awaitState("the empty outbox") { outbox.empty != nil }
        XCTAssertEqual(try zhText(outbox.empty), "没有待发送或未被接受的事项。")

        // On the plane: the sync fails, the approval waits.
        gateway.stop()
        await outbox.syncNow()
        XCTAssertEqual(try zhText(outbox.message), "暂时无法连接网关，已做的操作保存在本机，联网后自动发送。")
        let queued = try await phone.approve(taskId: task, attitude: .agree, opinion: "同意。请厅办公室牵头落实。")
        XCTAssertTrue(queued.decidedOffline)
        try await awaitState("the waiting approval") { outbox.queued.count == 1 }
        let waiting = outbox.queued[0]
        XCTAssertEqual(waiting.taskId, task)
        XCTAssertEqual(try zhText(waiting.title), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(try zhText(waiting.action), "批示")
        XCTAssertEqual(try zhText(waiting.status), "待发送")
        let decided = try XCTUnwrap(try zhText(waiting.decided))
        XCTAssertTrue(decided.hasSuffix("（离线）"), decided)
        XCTAssertEqual(waiting.next, .waitForSync)
        XCTAssertEqual(try zhText(waiting.nextText), "联网后自动发送")
        XCTAssertNil(outbox.empty)

        // Meanwhile the iPad, online, approved the same document.
        try gateway.start()
        _ = try await tablet.approve(taskId: task, attitude: .agree, opinion: "同意。")
        let tabletSync = try await tablet.sync()
        XCTAssertEqual(tabletSync.accepted, 1)

        // Back on the ground: the iPhone's approval is refused and stays, with its reason.
        await outbox.syncNow()
        XCTAssertNil(outbox.message)
        try await awaitState("the refused approval, and what to do once the sync settled") {
            outbox.queued.isEmpty && outbox.refused.count == 1 && outbox.refused[0].next != .actAgain(taskId: task)
        }
        let refused = outbox.refused[0]
        XCTAssertEqual(refused.id, queued.commandId)
        XCTAssertEqual(try zhText(refused.title), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(try zhText(refused.status), "未被接受")
        let verdicts = try await phone.verdicts()
        let verdict = try XCTUnwrap(verdicts.first { $0.commandId == queued.commandId })
        guard case .refused(_, let reasonZh, let reasonEn, _) = verdict.outcome else { return XCTFail("accepted: \(verdict)") }
        XCTAssertEqual(try zhText(refused.reason), reasonZh)
        XCTAssertEqual(try StringTable.load("en").resolve(try XCTUnwrap(refused.reason)), reasonEn)
        XCTAssertEqual(try zhText(refused.reason), "公文已被他人处理或撤回，请同步后重试")
        XCTAssertTrue(try XCTUnwrap(zhText(refused.decided)).hasSuffix("（离线）"))
        XCTAssertEqual(refused.next, .openDocument(taskId: task), "the task is no longer the leader's to act on")
        XCTAssertEqual(try zhText(refused.nextText), "查看公文")

        // It stays: after another sync, and on the screen opened afresh; the status bar counts it.
        _ = try await phone.sync()
        let reopened = OutboxModel(client: phone)
        let runningAgain = Task { await reopened.run() }
        defer { runningAgain.cancel() }
        try await awaitState("the reopened outbox") { reopened.refused.count == 1 }
        XCTAssertEqual(reopened.refused[0].id, queued.commandId)
        XCTAssertEqual(try zhText(reopened.refused[0].reason), reasonZh)
        let status = SyncStatusModel(client: phone)
        let runningStatus = Task { await status.run() }
        defer { runningStatus.cancel() }
        try await awaitState("the refused count") { status.refused != nil }
        XCTAssertEqual(try zhText(status.refused), "1 项未被接受")
    }
}
