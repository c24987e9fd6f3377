// The app keeping the phone in sync while it is in the foreground, as the core's runner does it:
// started once, it syncs on its own (the status stream shows its success), and an approval goes to
// the gateway as soon as it is queued, its verdict back with no sync called.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class SyncRunnerTests: GatewayTestCase {

    /// Polls `read` every 50 ms until it gives a value (at most 15 s).
    private func eventually<T>(_ read: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let value = try await read() { return value }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestFailure("the awaited state did not come")
    }

    func testInTheForegroundTheRunnerSyncsByItselfAndSendsAnApprovalAsSoonAsItIsQueued() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        var updates = client.syncStatusUpdates().makeAsyncIterator()
        let runner = try await client.startSync(foreground: true)
        defer { runner.stop() }

        // No sync called: the runner's first sync brings the leader's task.
        _ = try await first(&updates) {
            guard let status = try? $0.get() else { return false }
            return status.state == .idle && status.lastSuccess != nil
        }
        let task = try await eventually { try await client.inbox().first }

        _ = try await client.approve(taskId: task.taskId, attitude: .agree, opinion: "同意。")
        let verdict = try await eventually { try await client.verdicts().first }
        guard case .accepted = verdict.outcome else {
            return XCTFail("the verdict came back without a sync called, but refused: \(verdict)")
        }
        let waiting = try await client.outboxCount()
        XCTAssertEqual(waiting, 0)
    }
}
