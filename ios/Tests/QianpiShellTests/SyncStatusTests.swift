// The sync status AsyncStream against a real gateway: a sync shows as syncing, then idle with the
// time it succeeded; once the gateway stops, a sync that cannot reach it shows offline and the last
// success stays shown.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class SyncStatusTests: GatewayTestCase {

    func testTheStatusShowsSyncingThenIdleWithTheLastSuccessThenOfflineOnceTheGatewayStops() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        var updates = client.syncStatusUpdates().makeAsyncIterator()
        let fresh = try await first(&updates) { _ in true }.get()
        XCTAssertEqual(fresh.state, .idle)
        XCTAssertNil(fresh.lastSuccess, "never synced yet")
        XCTAssertEqual(fresh.outbox, 0)

        let before = Date().addingTimeInterval(-1)
        _ = try await client.sync()
        let syncing = try await first(&updates) { (try? $0.get().state) != .idle }.get()
        guard case .syncing = syncing.state else {
            return XCTFail("a sync shows as syncing first: \(syncing)")
        }
        let idle = try await first(&updates) { (try? $0.get().state) == .idle }.get()
        let last = try XCTUnwrap(idle.lastSuccess, "an idle phone after a sync says when it synced")
        XCTAssertTrue(last >= before && last <= Date(), "last success \(last)")

        gateway.stop()
        let failure = await thrown { try await client.sync() }
        XCTAssertNotNil(failure, "a sync without the gateway fails")
        let offline = try await first(&updates) {
            guard let state = try? $0.get().state else { return false }
            if case .syncing = state { return false }
            return state != .idle
        }.get()
        XCTAssertEqual(offline.state, .offline)
        XCTAssertEqual(offline.lastSuccess, last, "the last success stays shown while offline")
        try gateway.start()
    }
}
