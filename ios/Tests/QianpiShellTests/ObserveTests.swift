// The AsyncStream adapters over the core's observers, against a real gateway: a lists stream
// follows a pulled page, an offline approval and the sync that settles it; the outbox stream shows
// the queued approval and then nothing; the lock stream follows lock and unlock.
import Foundation
import Qianpi
import QianpiShell
import XCTest

/// Waits (at most 10 s) for the first element of `stream` that satisfies `wanted`.
func first<T: Sendable>(
    _ iterator: inout AsyncStream<T>.Iterator, where wanted: (T) -> Bool
) async throws -> T {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        guard let value = await iterator.next() else { break }
        if wanted(value) { return value }
    }
    throw TestFailure("the awaited update did not come")
}

final class ObserveTests: GatewayTestCase {

    func testTheListsAndOutboxStreamsFollowAPullAnOfflineApprovalAndTheSync() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        var lists = client.listsUpdates(kind: .todo, limit: 20).makeAsyncIterator()
        let empty = try await first(&lists) { _ in true }
        XCTAssertEqual(try empty.get().counts.todo, 0)
        _ = try await client.sync()
        let pulled = try await first(&lists) { (try? $0.get().counts.todo) == 1 }.get()
        XCTAssertEqual(pulled.rows.count, 1)
        let task = pulled.rows[0].id

        var outbox = client.outboxUpdates().makeAsyncIterator()
        let nothingQueued = try await first(&outbox) { _ in true }.get()
        XCTAssertTrue(nothingQueued.queued.isEmpty)
        gateway.stop()
        _ = try await client.approve(taskId: task, attitude: .agree, opinion: "同意。")
        let moved = try await first(&lists) { (try? $0.get().counts.todo) == 0 }.get()
        XCTAssertEqual(moved.counts.done, 1, "the queued approval shows under 已办")
        let queued = try await first(&outbox) { (try? $0.get().queued.count) == 1 }.get()
        XCTAssertEqual(queued.queued[0].action, .approve)
        XCTAssertEqual(queued.queued[0].taskId, task)

        try gateway.start()
        _ = try await client.sync()
        _ = try await first(&outbox) { (try? $0.get().queued.isEmpty) == true }
    }

    func testTheLockStreamFollowsLockAndUnlock() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        var lock = client.lockUpdates().makeAsyncIterator()
        let unlocked = try await first(&lock) { _ in true }
        XCTAssertFalse(unlocked)
        var outbox = client.outboxUpdates().makeAsyncIterator()
        _ = try await first(&outbox) { if case .success = $0 { return true } else { return false } }
        client.lock()
        _ = try await first(&lock) { $0 }
        _ = try await first(&outbox) { if case .failure = $0 { return true } else { return false } }
        try await client.unlock()
        _ = try await first(&lock) { !$0 }
        _ = try await first(&outbox) { if case .success = $0 { return true } else { return false } }
    }
}
