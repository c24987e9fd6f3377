// The presence prompt (Face ID, Touch ID or the device passcode) over LocalAuthentication: the
// unlock screen asks it through QianpiShell's `PresencePrompt`, and an approval asks it before the
// approval key signs, handing the confirmed LAContext to the key lookup
// (`kSecUseAuthenticationContext`) so the enclave signs without a second prompt. The reason the
// system shows is the screen's text in the user's language. Apple-only: not compiled on Linux.
import Foundation
import LocalAuthentication
import Qianpi
import QianpiShell

/// An LAContext the user has just confirmed. LAContext may be used from any thread; the box says
/// so to the compiler.
struct ConfirmedContext: @unchecked Sendable {
    let context: LAContext
}

/// `PresencePrompt` over `LAContext.evaluatePolicy(.deviceOwnerAuthentication, localizedReason:)`.
final class DevicePresencePrompt: PresencePrompt {
    private let words: Words

    init(words: Words) {
        self.words = words
    }

    func confirm(reason: UIText) async -> PresenceOutcome {
        do {
            let confirmed = try await evaluate(reason: reason)
            confirmed.context.invalidate()
            return .confirmed
        } catch {
            return Self.outcome(error)
        }
    }

    /// Shows the prompt with `reason`; the confirmed context, or the prompt's `LAError`.
    func evaluate(reason: UIText) async throws -> ConfirmedContext {
        let text = words(reason)
        let context = LAContext()
        context.localizedCancelTitle = words(.key("common.cancel"))
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: text) { confirmed, error in
                if confirmed {
                    continuation.resume()
                } else {
                    continuation.resume(throwing: error ?? LAError(.authenticationFailed))
                }
            }
        }
        return ConfirmedContext(context: context)
    }

    /// What a failed evaluation means for the screen: the user's own cancel is not an error.
    static func outcome(_ error: Error) -> PresenceOutcome {
        if let error = error as? LAError {
            switch error.code {
            case .userCancel, .appCancel, .systemCancel:
                return .cancelled
            default:
                return .failed(.key("app.presence.failed", [error.localizedDescription]))
            }
        }
        return .failed(.key("app.presence.failed", [String(describing: error)]))
    }
}

/// Signs prepared actions with the approval key behind the prompt: prepare (the core) → confirm
/// and sign (here, QianpiShell's `ApprovalPrompt`) → complete (the core). Nothing is queued unless
/// the user confirmed.
final class PresenceApprovals: ApprovalPrompt {
    private let prompt: DevicePresencePrompt
    private let signer: SecureEnclaveSigner

    init(prompt: DevicePresencePrompt, signer: SecureEnclaveSigner) {
        self.prompt = prompt
        self.signer = signer
    }

    /// The approval key's DER signature over `message` after the user confirmed `reason`.
    /// Throws `CancellationError` when the user cancelled the prompt, the prompt's or the key's
    /// error otherwise.
    func sign(_ message: Data, reason: UIText) async throws -> Data {
        let confirmed = try await confirm(reason)
        defer { confirmed.context.invalidate() }
        return try await Task.detached(priority: .userInitiated) { [signer] in
            try signer.signApproval(message, context: confirmed.context)
        }.value
    }

    private func confirm(_ reason: UIText) async throws -> ConfirmedContext {
        do {
            return try await prompt.evaluate(reason: reason)
        } catch {
            if DevicePresencePrompt.outcome(error) == .cancelled { throw CancellationError() }
            throw error
        }
    }

    /// Runs `work` (the core signing a batch with the approval key) under one confirmation of
    /// `reason`. Throws `CancellationError` when the user cancelled (nothing ran).
    func withConfirmation<T: Sendable>(reason: UIText, _ work: @Sendable () async throws -> T) async throws -> T {
        let confirmed = try await confirm(reason)
        signer.authorization.begin(confirmed.context)
        defer { signer.authorization.end() }
        return try await work()
    }
}
