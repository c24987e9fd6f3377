// The platform key services the core calls through its foreign traits (`KeyStore`, `DeviceSigner`):
// the data key is wrapped with ECIES (X9.63 SHA-256, AES-GCM) under a P-256 key of the Secure
// Enclave, and the request and approval keys are Secure Enclave P-256 signing keys; the approval key
// needs the user's presence for every signature. Where the device has no Secure Enclave (the
// simulator) the same keys live in the Keychain (see `DeviceKeys`). The core calls these on its
// blocking pool, never on the main thread. Apple-only: not compiled on Linux.
import Foundation
import LocalAuthentication
import Qianpi
import Security

/// The approval key's alias in the core (`qianpi_core::keys::APPROVAL_KEY_ALIAS`).
let approvalKeyAlias = "qianpi.ask.v1"

/// `KeyStore`: wraps and unwraps the data key under a wrapping key that never leaves the enclave.
final class SecureEnclaveKeyStore: KeyStore {
    private static var algorithm: SecKeyAlgorithm { .eciesEncryptionCofactorVariableIVX963SHA256AESGCM }

    func wrap(alias: String, plaintext: Data) throws -> Data {
        do {
            let key = try DeviceKeys.find(alias: alias) ?? DeviceKeys.create(alias: alias, presence: false)
            let recipient = try DeviceKeys.publicKey(of: key, alias: alias)
            var error: Unmanaged<CFError>?
            guard let wrapped = SecKeyCreateEncryptedData(recipient, Self.algorithm, plaintext as CFData, &error) as Data? else {
                throw KeychainFailure("wrap", alias, error: error)
            }
            return wrapped
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }

    func unwrap(alias: String, wrapped: Data) throws -> Data {
        do {
            let key = try DeviceKeys.load(alias: alias)
            var error: Unmanaged<CFError>?
            guard let plaintext = SecKeyCreateDecryptedData(key, Self.algorithm, wrapped as CFData, &error) as Data? else {
                throw KeychainFailure("unwrap", alias, error: error)
            }
            return plaintext
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }

    func delete(alias: String) throws {
        do {
            try DeviceKeys.delete(alias: alias)
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }
}

/// The LAContext the user confirmed for the approval key, held while the core signs a batch with
/// it (one prompt for the batch the user confirmed), then invalidated. Guarded by a lock: the core
/// signs on its own threads.
final class ApprovalAuthorization: @unchecked Sendable {
    private let lock = NSLock()
    private var context: LAContext?

    /// Lets the core's signatures with the approval key use `context` until `end()`.
    func begin(_ context: LAContext) {
        lock.withLock {
            self.context?.invalidate()
            self.context = context
        }
    }

    /// Ends the authorization: the context can no longer be used.
    func end() {
        lock.withLock {
            context?.invalidate()
            context = nil
        }
    }

    var current: LAContext? { lock.withLock { context } }
}

/// `DeviceSigner`: the request key (every HTTP request, in the background too) and the approval
/// key (signed approval records, each behind Face ID / Touch ID or the passcode).
final class SecureEnclaveSigner: DeviceSigner {
    let authorization = ApprovalAuthorization()

    func createKey(alias: String) throws -> Data {
        do {
            let key = try DeviceKeys.create(alias: alias, presence: alias == approvalKeyAlias)
            return try DeviceKeys.spki(of: key, alias: alias)
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }

    func publicKey(alias: String) throws -> Data {
        do {
            return try DeviceKeys.spki(of: try DeviceKeys.load(alias: alias), alias: alias)
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }

    /// The approval key signs only with a context the user confirmed (`PresenceSigner`, or a batch
    /// under `authorization`): without one, the key lookup forbids any prompt and the enclave
    /// refuses, so the core never shows a prompt of its own from a background thread.
    func sign(alias: String, message: Data) throws -> Data {
        do {
            let context = alias == approvalKeyAlias ? authorization.current : nil
            return try DeviceKeys.sign(message, with: try DeviceKeys.load(alias: alias, context: context), alias: alias)
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }

    /// Signs `message` with the approval key under `context`, which the user has just confirmed.
    func signApproval(_ message: Data, context: LAContext) throws -> Data {
        do {
            let key = try DeviceKeys.load(alias: approvalKeyAlias, context: context)
            return try DeviceKeys.sign(message, with: key, alias: approvalKeyAlias)
        } catch let failure as KeychainFailure {
            throw failure.qianpi
        }
    }
}
