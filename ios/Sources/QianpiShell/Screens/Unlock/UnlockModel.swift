// The unlock screen: the user proves to be there through the platform's prompt, then the core
// unwraps the data key through the keystore. A cancelled prompt leaves the data locked and says
// so; a failed unlock shows the core's own sentence (in Chinese first).
import Foundation
import Observation
import Qianpi

/// The unlock screen, shown over the app while the data is locked.
///
/// Shows: the app's name and `title` ("签批已锁定"), `hint` (why it is locked and what to do), one
/// button `buttonTitle` ("解锁") that is disabled while `busy`, and `message` under it when the
/// last try did not unlock (cancelled, or the core's error in the user's language).
/// Actions: `unlock()` — shows the presence prompt with `reason`, then unlocks the data; `run()`
/// follows the core's lock while the app lives (or the app calls `relocked()`).
/// When `phase` becomes `.unlocked` the app drops this screen (the `LockController` follows the
/// core's lock and says `locked == false` too).
@MainActor
@Observable
public final class UnlockModel {
    /// Where the unlock stands.
    public enum Phase: Equatable, Sendable {
        /// Locked, waiting for the user to ask.
        case locked
        /// The presence prompt is up.
        case prompting
        /// The user confirmed; the core is opening the data.
        case unlocking
        /// Open: the app shows its screens again.
        case unlocked
    }

    public private(set) var phase: Phase
    /// Why the last try did not unlock, when it did not.
    public private(set) var message: UIText?

    public let title: UIText = .key("unlock.title")
    public let hint: UIText = .key("unlock.hint")
    public let buttonTitle: UIText = .key("unlock.button")
    /// The reason the presence prompt shows (LAContext's `localizedReason`).
    public let reason: UIText = .key("unlock.reason")

    /// Whether the button is disabled.
    public var busy: Bool { phase == .prompting || phase == .unlocking }

    @ObservationIgnored private let client: QianpiClient
    @ObservationIgnored private let prompt: PresencePrompt

    public init(client: QianpiClient, prompt: PresencePrompt) {
        self.client = client
        self.prompt = prompt
        phase = client.isLocked() ? .locked : .unlocked
    }

    /// Asks the platform for the user's presence, then unlocks.
    public func unlock() async {
        guard phase == .locked else { return }
        message = nil
        phase = .prompting
        switch await prompt.confirm(reason: reason) {
        case .cancelled:
            phase = .locked
            message = .key("unlock.cancelled")
            return
        case .failed(let why):
            phase = .locked
            message = why
            return
        case .confirmed:
            break
        }
        phase = .unlocking
        do {
            try await client.unlock()
            phase = .unlocked
        } catch {
            phase = .locked
            message = AccountText.error(error)
        }
    }

    /// Follows the core's lock until the calling task is cancelled: a lock (by the core's own
    /// clock, the `LockController` or leaving the app) brings the screen back, as `relocked()` does.
    public func run() async {
        for await _ in client.lockUpdates() {
            relocked()
        }
    }

    /// The data was locked again (the `LockController` says so): the screen comes back.
    public func relocked() {
        guard !busy else { return }
        phase = client.isLocked() ? .locked : .unlocked
    }
}
