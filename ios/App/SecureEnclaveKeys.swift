// The platform key services on iOS: the data key is wrapped with ECIES under a Secure Enclave
// P-256 key, and the request and approval keys are Secure Enclave P-256 signing keys; the approval
// key needs Face ID / Touch ID or the passcode for every signature. Apple-only (CryptoKit), so not
// part of the Linux-built package; the same protocols are exercised on Linux by the XCTests.
#if canImport(CryptoKit) && canImport(LocalAuthentication)
import CryptoKit
import Foundation
import LocalAuthentication
import Qianpi

/// Keeps Secure Enclave key blobs (opaque, usable only inside this device's enclave) by alias.
private enum EnclaveKeyBlobs {
    static func url(_ alias: String) -> URL {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("enclave", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(alias)
    }
}

final class SecureEnclaveKeyStore: KeyStore, @unchecked Sendable {
    private func key(_ alias: String) throws -> SecureEnclave.P256.KeyAgreement.PrivateKey {
        if let blob = try? Data(contentsOf: EnclaveKeyBlobs.url(alias)) {
            return try SecureEnclave.P256.KeyAgreement.PrivateKey(dataRepresentation: blob)
        }
        let key = try SecureEnclave.P256.KeyAgreement.PrivateKey()
        try key.dataRepresentation.write(to: EnclaveKeyBlobs.url(alias), options: .completeFileProtection)
        return key
    }

    /// ECIES: an ephemeral P-256 key agrees with the enclave key; HKDF gives the AES-GCM key.
    func wrap(alias: String, plaintext: Data) throws -> Data {
        let recipient = try key(alias).publicKey
        let ephemeral = P256.KeyAgreement.PrivateKey()
        let secret = try ephemeral.sharedSecretFromKeyAgreement(with: recipient)
        let symmetric = secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: Data(), sharedInfo: Data(alias.utf8), outputByteCount: 32)
        let sealed = try AES.GCM.seal(plaintext, using: symmetric)
        return ephemeral.publicKey.x963Representation + sealed.combined!
    }

    func unwrap(alias: String, wrapped: Data) throws -> Data {
        guard wrapped.count > 65 else { throw QianpiError.Platform(reason: "wrapped key too short") }
        let ephemeral = try P256.KeyAgreement.PublicKey(x963Representation: wrapped.prefix(65))
        let secret = try key(alias).sharedSecretFromKeyAgreement(with: ephemeral)
        let symmetric = secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: Data(), sharedInfo: Data(alias.utf8), outputByteCount: 32)
        return try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped.dropFirst(65)), using: symmetric)
    }

    func delete(alias: String) throws {
        try? FileManager.default.removeItem(at: EnclaveKeyBlobs.url(alias))
    }
}

final class SecureEnclaveSigner: DeviceSigner, @unchecked Sendable {
    private static let approvalAlias = "qianpi.ask.v1"

    private func load(_ alias: String) throws -> SecureEnclave.P256.Signing.PrivateKey {
        let blob = try Data(contentsOf: EnclaveKeyBlobs.url(alias))
        return try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: blob, authenticationContext: LAContext())
    }

    func createKey(alias: String) throws -> Data {
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        if alias == Self.approvalAlias { flags.insert(.userPresence) } // per-use Face ID / passcode
        guard let access = SecAccessControlCreateWithFlags(nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, nil) else {
            throw QianpiError.Platform(reason: "cannot create the access control")
        }
        let key = try SecureEnclave.P256.Signing.PrivateKey(accessControl: access)
        try key.dataRepresentation.write(to: EnclaveKeyBlobs.url(alias), options: .completeFileProtection)
        return key.publicKey.derRepresentation
    }

    func publicKey(alias: String) throws -> Data { try load(alias).publicKey.derRepresentation }

    func sign(alias: String, message: Data) throws -> Data {
        try load(alias).signature(for: message).derRepresentation
    }
}
#endif
