// The P-256 keys of this device as Security framework keys: created in the Secure Enclave where the
// device has one (every iPhone since the 5s) and in the Keychain where it has none (the simulator),
// always "this device only" and only while the device is unlocked. The private key never leaves
// the enclave; the Keychain fallback is labelled by `DeviceKeys.home` so that a build can refuse
// it. Apple-only (Security, LocalAuthentication, CryptoKit): not compiled on Linux.
import CryptoKit
import Foundation
import LocalAuthentication
import Qianpi
import Security

/// Where this device's keys live.
enum KeyHome: Sendable {
    /// In the Secure Enclave: non-exportable, usable only on this device.
    case secureEnclave
    /// In the Keychain (no Secure Enclave: the simulator).
    case keychain
}

/// A key operation that failed, with the Security framework's status or error.
struct KeychainFailure: Error, CustomStringConvertible {
    let operation: String
    let alias: String
    let detail: String

    init(_ operation: String, _ alias: String, status: OSStatus) {
        self.operation = operation
        self.alias = alias
        let message = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
        detail = "\(message) (\(status))"
    }

    init(_ operation: String, _ alias: String, error: Unmanaged<CFError>?) {
        self.operation = operation
        self.alias = alias
        detail = error.map { String(describing: $0.takeRetainedValue()) } ?? "no detail"
    }

    var description: String { "\(operation) \(alias): \(detail)" }

    /// The error the core takes from a foreign trait.
    var qianpi: QianpiError { .Platform(reason: description) }
}

/// Creating, finding, using and deleting the device's P-256 keys by alias.
enum DeviceKeys {
    /// Where new keys go on this device.
    static var home: KeyHome { SecureEnclave.isAvailable ? .secureEnclave : .keychain }

    /// The SPKI DER prefix of an uncompressed P-256 public key (id-ecPublicKey, prime256v1); the
    /// Security framework gives only the 65-byte X9.63 point, the core wants SPKI.
    private static let p256SpkiPrefix = Data([
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08,
        0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ])

    private static func tag(_ alias: String) -> Data { Data("cn.qianpi.key.\(alias)".utf8) }

    /// Creates the key `alias`, replacing any key of that alias. `presence`: every use needs Face
    /// ID / Touch ID or the passcode (the approval key); otherwise it is usable whenever the
    /// device is unlocked (the request key, the data-key wrapping key).
    static func create(alias: String, presence: Bool) throws -> SecKey {
        try delete(alias: alias)
        var flags: SecAccessControlCreateFlags = []
        if home == .secureEnclave { flags.insert(.privateKeyUsage) }
        if presence { flags.insert(.userPresence) }
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            kCFAllocatorDefault, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, &error)
        else { throw KeychainFailure("access control", alias, error: error) }
        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag(alias),
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        if home == .secureEnclave {
            attributes[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        }
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw KeychainFailure("create", alias, error: error)
        }
        return key
    }

    /// The private key `alias`, or nil when there is none. `context`: an LAContext the user
    /// already confirmed, so that using a presence key shows no second prompt; without one, a
    /// context that forbids any prompt (finding a key never asks the user).
    static func find(alias: String, context: LAContext? = nil) throws -> SecKey? {
        let use: LAContext
        if let context {
            use = context
        } else {
            use = LAContext()
            use.interactionNotAllowed = true
        }
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrApplicationTag as String: tag(alias),
            kSecReturnRef as String: true,
            kSecUseAuthenticationContext as String: use,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let item, CFGetTypeID(item) == SecKeyGetTypeID() else {
            throw KeychainFailure("find", alias, status: status)
        }
        return unsafeDowncast(item, to: SecKey.self)
    }

    /// The private key `alias`; an error when there is none.
    static func load(alias: String, context: LAContext? = nil) throws -> SecKey {
        guard let key = try find(alias: alias, context: context) else {
            throw KeychainFailure("load", alias, status: errSecItemNotFound)
        }
        return key
    }

    /// Deletes the key `alias`; nothing to delete is not an error.
    static func delete(alias: String) throws {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: tag(alias),
        ]
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeychainFailure("delete", alias, status: status)
        }
    }

    /// The public half of `key`.
    static func publicKey(of key: SecKey, alias: String) throws -> SecKey {
        guard let publicKey = SecKeyCopyPublicKey(key) else {
            throw KeychainFailure("public key", alias, status: errSecInvalidKeyRef)
        }
        return publicKey
    }

    /// The public key of `key` as SPKI DER.
    static func spki(of key: SecKey, alias: String) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let point = SecKeyCopyExternalRepresentation(try publicKey(of: key, alias: alias), &error) as Data? else {
            throw KeychainFailure("export", alias, error: error)
        }
        return p256SpkiPrefix + point
    }

    /// ECDSA P-256 over SHA-256 of `message`; the DER (X9.62) signature.
    static func sign(_ message: Data, with key: SecKey, alias: String) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) as Data? else {
            throw KeychainFailure("sign", alias, error: error)
        }
        return signature
    }
}
