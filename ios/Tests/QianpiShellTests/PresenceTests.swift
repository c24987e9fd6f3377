// Approvals behind the user's presence, from Swift against a real gateway: the approval key
// refuses to sign unless the user just authenticated (as a Secure Enclave key with .userPresence
// does), so the one-call approve fails and queues nothing; the shell prepares the action, the
// prompt is cancelled (nothing queued), then prepared again, authenticated, signed and completed,
// and the gateway accepts it.
import Foundation
import Qianpi
import XCTest

/// The approval key's alias in the core.
let approvalKey = "qianpi.ask.v1"

/// A signer whose approval key signs once per authentication.
final class PresenceSigner: DeviceSigner, @unchecked Sendable {
    private let inner: SwiftSigner
    private let lock = NSLock()
    private var authenticated = false
    private(set) var approvals = 0

    init(dir: String) throws { inner = try SwiftSigner(dir: dir) }

    /// The user confirmed with Face ID: the next approval signature is allowed.
    func authenticate() { lock.withLock { authenticated = true } }

    func createKey(alias: String) throws -> Data { try inner.createKey(alias: alias) }
    func publicKey(alias: String) throws -> Data { try inner.publicKey(alias: alias) }

    func sign(alias: String, message: Data) throws -> Data {
        if alias == approvalKey {
            let allowed = lock.withLock { () -> Bool in
                defer { authenticated = false }
                return authenticated
            }
            guard allowed else { throw QianpiError.Platform(reason: "user authentication required") }
            lock.withLock { approvals += 1 }
        }
        return try inner.sign(alias: alias, message: message)
    }
}

final class PresenceTests: GatewayTestCase {

    func testAnApprovalIsSignedOnlyBehindThePromptAndACancelledPromptQueuesNothing() async throws {
        let signer = try PresenceSigner(dir: path("vault"))
        let client = try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: signer)
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        _ = try await client.sync()
        let task = try await client.inbox()[0].taskId
        let approve = TaskAction.approve(attitude: .agree, opinion: "同意。请厅办公室牵头落实。", route: nil)

        // Without the prompt the key refuses, and nothing waits for the gateway.
        let refused = await thrown { try await client.approve(taskId: task, attitude: .agree, opinion: "同意。") }
        guard case QianpiError.Platform? = refused else { return XCTFail("expected Platform, got \(String(describing: refused))") }
        var waiting = try await client.outboxCount()
        XCTAssertEqual(waiting, 0)

        // The prompt is shown and cancelled: the prepared approval is dropped.
        do {
            let cancelled = try await client.prepareAction(taskId: task, action: approve, actingFor: nil)
            XCTAssertEqual(cancelled.action(), .approve)
        }
        waiting = try await client.outboxCount()
        XCTAssertEqual(waiting, 0)

        // Shown again and confirmed: the shell signs exactly the prepared bytes.
        let prepared = try await client.prepareAction(taskId: task, action: approve, actingFor: nil)
        signer.authenticate()
        let signature = try signer.sign(alias: approvalKey, message: prepared.toBeSigned())
        let queued = try await client.completeAction(prepared: prepared, signature: signature)
        XCTAssertEqual(queued.commandId, prepared.commandId())
        waiting = try await client.outboxCount()
        XCTAssertEqual(waiting, 1)
        XCTAssertEqual(signer.approvals, 1)

        let synced = try await client.sync()
        XCTAssertEqual(synced.accepted, 1)
        guard case .accepted? = try await client.verdicts().first?.outcome else { return XCTFail("not accepted") }
    }
}
