// What the account screens' tests share: a clock the test moves by hand (so the inactivity lock is
// tested without waiting), a presence prompt that answers as the test scripts it, a keystore that
// can be made to fail, an activated leader's phone, and a wait for a model's state.
import Foundation
import Qianpi
import QianpiShell
import XCTest

/// A clock that stands still until the test advances it; sleepers wake when it passes their time.
final class HandClock: LockClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UUID: (deadline: Date, wake: CheckedContinuation<Void, Error>)] = [:]

    init(start: Date = Date(timeIntervalSince1970: 1_796_000_000)) { current = start }

    func now() -> Date { lock.withLock { current } }

    /// The times the sleepers wait for, soonest first.
    var deadlines: [Date] { lock.withLock { sleepers.values.map(\.deadline).sorted() } }

    func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (wake: CheckedContinuation<Void, Error>) in
                let due = lock.withLock { () -> Bool in
                    if deadline <= current { return true }
                    sleepers[id] = (deadline, wake)
                    return false
                }
                if due { wake.resume() }
            }
        } onCancel: {
            lock.withLock { sleepers.removeValue(forKey: id) }?.wake.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on, waking whoever's time came.
    func advance(by seconds: TimeInterval) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, Error>] in
            current = current.addingTimeInterval(seconds)
            let ids = sleepers.filter { $0.value.deadline <= current }.map(\.key)
            return ids.compactMap { sleepers.removeValue(forKey: $0)?.wake }
        }
        due.forEach { $0.resume() }
    }
}

/// A presence prompt that answers from a script and remembers the reasons it was shown with.
final class ScriptedPresence: PresencePrompt, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [PresenceOutcome]
    private var shown: [UIText] = []

    init(_ answers: [PresenceOutcome]) { self.answers = answers }

    var reasons: [UIText] { lock.withLock { shown } }

    func answer(_ next: PresenceOutcome) { lock.withLock { answers.append(next) } }

    func confirm(reason: UIText) async -> PresenceOutcome {
        lock.withLock {
            shown.append(reason)
            return answers.isEmpty ? .cancelled : answers.removeFirst()
        }
    }
}

/// A keystore that refuses to unwrap while `failing`, as a Secure Enclave key does when the
/// passcode was removed.
final class FailingKeyStore: KeyStore, @unchecked Sendable {
    private let inner: KeyStore
    private let lock = NSLock()
    private var fail = false

    init(dir: String) throws { inner = try SwiftKeyStore(dir: dir) }

    var failing: Bool {
        get { lock.withLock { fail } }
        set { lock.withLock { fail = newValue } }
    }

    func wrap(alias: String, plaintext: Data) throws -> Data { try inner.wrap(alias: alias, plaintext: plaintext) }
    func unwrap(alias: String, wrapped: Data) throws -> Data {
        if failing { throw QianpiError.Platform(reason: "the key is not available") }
        return try inner.unwrap(alias: alias, wrapped: wrapped)
    }
    func delete(alias: String) throws { try inner.delete(alias: alias) }
}

/// The leader's phone in `name`, activated at the test's gateway.
extension GatewayTestCase {
    func activatedLeader(_ name: String = "phone", keyStore: KeyStore? = nil, device: String = "iPhone (Linux test)") async throws -> QianpiClient {
        let client = try QianpiClient(
            dataDir: path(name), keyStore: try keyStore ?? SwiftKeyStore(dir: path(name + "-vault")),
            signer: try SwiftSigner(dir: path(name + "-vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: device, platform: "ios")
        return client
    }
}

/// Waits (at most 10 s) until `condition` holds on the main actor.
@MainActor
func awaitState(_ what: String = "the awaited state", file: StaticString = #filePath, line: UInt = #line, _ condition: @MainActor () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(10)
    while !condition() {
        guard Date() < deadline else {
            XCTFail("\(what) did not come", file: file, line: line)
            throw TestFailure("\(what) did not come")
        }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// The Chinese text of `text`.
func zhText(_ text: UIText?) throws -> String? {
    guard let text else { return nil }
    return try StringTable.load("zh-Hans").resolve(text)
}
