// The sync status screen model against a real gateway: before the first sync it says so; a sync
// shows the last success in Beijing time (and in another zone when told); with the gateway gone it
// says offline, keeps the last success and what the user can do. Blocked states each say why and
// what to do, and the progress and the outbox counts read as sentences.
import Foundation
import Qianpi
import QianpiShell
import XCTest

@MainActor
final class SyncStatusScreenTests: GatewayTestCase {

    /// `date` as a wall clock in `zone`, written independently of the model.
    private func wallClock(_ date: Date, _ zone: String) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try XCTUnwrap(TimeZone(identifier: zone))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    func testTheLastSuccessIsShownInBeijingTimeAndStaysWhileOffline() async throws {
        let client = try await activatedLeader()
        let model = SyncStatusModel(client: client)
        let utc = SyncStatusModel(client: client, timeZone: try XCTUnwrap(TimeZone(identifier: "UTC")))
        let running = Task { await model.run() }
        let runningUtc = Task { await utc.run() }
        defer { running.cancel(); runningUtc.cancel() }
        try await awaitState("the first status") { model.lastSuccess == nil && model.kind == .idle && (try? zhText(model.headline)) == "尚未同步" }

        await model.syncNow()
        XCTAssertNil(model.message)
        try await awaitState("the last success") { model.kind == .idle && model.lastSuccess != nil && utc.lastSuccess != nil }
        XCTAssertEqual(try zhText(model.headline), "已同步")
        var updates = client.syncStatusUpdates().makeAsyncIterator()
        let current = try await first(&updates) { _ in true }.get()
        let last = try XCTUnwrap(current.lastSuccess)
        XCTAssertEqual(try zhText(model.lastSuccess), "上次同步：" + (try wallClock(last, "Asia/Shanghai")))
        XCTAssertEqual(try zhText(utc.lastSuccess), "上次同步：" + (try wallClock(last, "UTC")))
        XCTAssertNotEqual(try zhText(model.lastSuccess), try zhText(utc.lastSuccess), "Beijing is eight hours ahead of UTC")
        XCTAssertNil(model.waiting)
        XCTAssertNil(model.refused)

        gateway.stop()
        await model.syncNow()
        XCTAssertEqual(try zhText(model.message), "暂时无法连接网关，已做的操作保存在本机，联网后自动发送。")
        try await awaitState("offline") { model.kind == .offline }
        XCTAssertEqual(try zhText(model.headline), "离线")
        XCTAssertEqual(try zhText(model.advice), "暂时连不上单位服务器。已办理的事项会保存在本机，联网后自动发送。")
        XCTAssertEqual(try zhText(model.lastSuccess), "上次同步：" + (try wallClock(last, "Asia/Shanghai")), "the last success stays shown")
        try gateway.start()
    }

    func testEachBlockSaysWhyAndWhatToDoAndProgressAndCountsReadAsSentences() async throws {
        let client = try await activatedLeader()
        let model = SyncStatusModel(client: client)
        let at = Date(timeIntervalSince1970: 1_796_025_600) // 2026-11-30 08:00 UTC
        model.show(SyncStatus(state: .syncing(pages: 2, items: 12, bytes: 40_960), lastSuccess: at, nextAttempt: nil, outbox: 3, refused: 1))
        XCTAssertEqual(model.kind, .syncing)
        XCTAssertTrue(model.syncing)
        XCTAssertEqual(try zhText(model.headline), "正在同步，已接收 12 项")
        XCTAssertEqual(try zhText(model.lastSuccess), "上次同步：2026-11-30 16:00")
        XCTAssertEqual(try zhText(model.waiting), "3 项待发送")
        XCTAssertEqual(try zhText(model.refused), "1 项未被接受")
        XCTAssertNil(model.nextAttempt, "a running sync has no retry to announce")

        let expected: [(BlockedReason, String, String)] = [
            (.captivePortal, "无法同步：当前网络需要登录", "酒店、机场等公共无线网络需要先在浏览器中登录，登录后再同步。"),
            (.tlsIntercepted, "无法同步：网络连接被拦截", "当前网络在读取加密连接，为保护公文已停止同步。请换用移动数据或其他可信网络。"),
            (.clock, "无法同步：手机时间不准", "请在系统设置中打开“自动设置时间”，然后重试。"),
            (.proxy, "无法同步：代理服务器拒绝连接", "请检查无线网络的代理设置，或换一个网络。"),
            (.tlsUntrusted, "无法同步：服务器证书不受信任", "服务器证书与本机保存的不符或已过期。请勿继续使用此网络，并联系管理员。"),
            (.devicePending, "等待管理员批准本机", "请向管理员核对设备指纹词；批准后自动开始同步。"),
            (.deviceRevoked, "无法同步：本机已被停用", "单位已停用本设备。如有疑问请联系管理员；重新启用需要新的激活码。"),
        ]
        for (reason, headline, advice) in expected {
            model.show(SyncStatus(state: .blocked(reason: reason), lastSuccess: at, nextAttempt: at.addingTimeInterval(300), outbox: 0, refused: 0))
            XCTAssertEqual(model.kind, .blocked(reason))
            XCTAssertEqual(try zhText(model.headline), headline)
            XCTAssertEqual(try zhText(model.advice), advice)
            XCTAssertEqual(try zhText(model.lastSuccess), "上次同步：2026-11-30 16:00")
            XCTAssertEqual(try zhText(model.nextAttempt), "将于 16:05 自动重试")
            XCTAssertNil(model.waiting)
        }
        let en = try StringTable.load("en")
        XCTAssertEqual(try en.resolve(model.headline), "Cannot sync: this device was disabled")
    }
}
