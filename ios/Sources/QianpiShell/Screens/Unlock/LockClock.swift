// The seams the lock needs from the platform: a clock the inactivity timer reads and sleeps on
// (the app uses the system's; tests advance a clock of their own, so no test waits for real
// minutes), and the presence prompt (on iOS an LAContext policy evaluation with a reason text).
import Foundation

/// The time the lock measures inactivity against.
public protocol LockClock: Sendable {
    /// Now.
    func now() -> Date
    /// Returns at `deadline` (at once when it has passed); throws when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock.
public struct SystemLockClock: LockClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400 * 365) * 1_000_000_000))
    }
}

/// How the platform's presence prompt (Face ID, Touch ID or the device passcode) ended.
public enum PresenceOutcome: Equatable, Sendable {
    /// The user proved to be there.
    case confirmed
    /// The user closed the prompt.
    case cancelled
    /// The prompt could not be shown or failed (no passcode set, locked out); the text says why.
    case failed(UIText)
}

/// The platform's presence prompt. On iOS: `LAContext().evaluatePolicy(.deviceOwnerAuthentication,
/// localizedReason:)` with `reason` resolved in the user's language; `LAError.userCancel`,
/// `.appCancel` and `.systemCancel` are `.cancelled`, every other error `.failed`.
public protocol PresencePrompt: Sendable {
    func confirm(reason: UIText) async -> PresenceOutcome
}
