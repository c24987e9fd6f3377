// App Attest at activation, through the core's `Attester` foreign trait: `begin` makes an App
// Attest key before the device keys exist, `evidence` has Apple attest it over SHA-256 of the
// client data the core gives (the gateway's challenge bound to both device keys), and returns the
// key id and attestation object for the gateway to verify against Apple's root. The gateway, not
// the phone, decides the assurance level it records. A device without App Attest (the simulator,
// older devices) gives no evidence and activates at the level the gateway gives that. The core
// calls these on its blocking pool, so waiting here for DeviceCheck's callbacks blocks no screen.
// Apple-only: not compiled on Linux.
import CryptoKit
import DeviceCheck
import Foundation
import Qianpi

final class AppAttester: Attester, @unchecked Sendable {
    private let lock = NSLock()
    /// The App Attest key made by `begin` for this activation (base64, as DeviceCheck names it).
    private var keyId: String?

    private var service: DCAppAttestService { DCAppAttestService.shared }

    func begin(challenge: Data) throws {
        lock.withLock { keyId = nil }
        guard service.isSupported else { return }
        let made = try wait { done in self.service.generateKey { id, error in done(id, error) } }
        lock.withLock { keyId = made }
    }

    func evidence(approvalAlias: String, clientData: Data) throws -> PlatformAttestation? {
        guard service.isSupported, let keyId = lock.withLock({ self.keyId }) else { return nil }
        let hash = Data(SHA256.hash(data: clientData))
        let object = try wait { done in self.service.attestKey(keyId, clientDataHash: hash) { data, error in done(data, error) } }
        guard let rawKeyId = Data(base64Encoded: keyId) else {
            throw QianpiError.Platform(reason: "App Attest gave a key id that is not base64")
        }
        return .appleAppAttest(keyId: rawKeyId, attestationObject: object)
    }

    /// Waits for a DeviceCheck callback (on the core's worker thread, never the main one).
    private func wait<T>(_ start: (@escaping @Sendable (T?, Error?) -> Void) -> Void) throws -> T {
        let answer = Answer<T>()
        start { value, error in answer.set(value, error) }
        return try answer.wait()
    }
}

/// One callback's answer, handed from DeviceCheck's queue to the waiting thread.
private final class Answer<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: T?
    private var error: Error?

    func set(_ value: T?, _ error: Error?) {
        self.value = value
        self.error = error
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        if let value { return value }
        throw QianpiError.Platform(reason: "App Attest: \(error.map { String(describing: $0) } ?? "no answer")")
    }
}
