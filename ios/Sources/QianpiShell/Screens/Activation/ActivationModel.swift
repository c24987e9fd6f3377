// The activation screen, the phone's first: the office's server address and the person's login
// typed in, or all of it read from the administrator's QR code (address, certificate pins, code);
// the one-time code; then the device's fingerprint words, which the person compares with the words
// on the administrator's screen (words that differ mean the phone reached someone else: the binding
// is wiped at once); then, when the office approves new devices by hand, waiting for that approval,
// asking the gateway with a growing pause while the screen is shown. Mirrors the Android
// ActivationViewModel.
import Foundation
import Observation
import Qianpi

/// The activation screen.
///
/// Shows, by `step`: `.entry` — three fields (`serverUrl`, `login`, `code`, each with its error
/// under it: `serverError`, `loginError`, `codeError`), a "扫描二维码" button and `inviteNote` after a
/// good scan, the "激活" button; `.activating` — a spinner; `.compareWords` — the fingerprint words
/// (`words`) large, with "一致" / "不一致" buttons; `.waitingForApproval` — the words again and
/// "等待管理员批准"; `.wordsDiffered` — what to do (call the administrator); `.done` — nothing (the app
/// goes on to its lists). `heading` and `hint` say what each step is; `error` why the last step
/// failed (the core's sentence), with `errorDetail` under a bad QR code.
/// Actions: edit the fields (plain `var`s), `scanned(_:)` with a QR code's text, `activate()`,
/// `wordsMatch()`, `wordsDiffer()`, `waitForApproval()` (run as a `.task` while the waiting step
/// is shown; it stops when cancelled).
@MainActor
@Observable
public final class ActivationModel {
    /// Where the activation stands.
    public enum Step: Equatable, Sendable {
        case entry
        case activating
        case compareWords
        case waitingForApproval
        case wordsDiffered
        case done
    }

    public private(set) var step: Step = .entry
    /// The gateway's address (`https://…`).
    public var serverUrl = "" { didSet { serverError = nil } }
    /// The person's login.
    public var login = "" { didSet { loginError = nil } }
    /// The one-time code the administrator gave.
    public var code = "" { didSet { codeError = nil } }
    public private(set) var serverError: UIText?
    public private(set) var loginError: UIText?
    public private(set) var codeError: UIText?
    /// "已从二维码读取服务器地址和激活码" after a good scan.
    public private(set) var inviteNote: UIText?
    /// The fingerprint words to compare.
    public private(set) var words: [String] = []
    public private(set) var heading: UIText = .key("activation.heading.entry")
    public private(set) var hint: UIText? = .key("activation.hint.entry")
    public private(set) var error: UIText?
    public private(set) var errorDetail: UIText?
    /// How often the gateway was asked about the approval while waiting.
    public private(set) var checks = 0
    /// The account, once activated (and approved).
    public private(set) var account: AccountInfo?

    public let scanTitle: UIText = .key("activation.scan")
    public let activateTitle: UIText = .key("activation.activate")
    public let wordsMatchTitle: UIText = .key("activation.words.match")
    public let wordsDifferTitle: UIText = .key("activation.words.differ")

    @ObservationIgnored private let client: QianpiClient
    @ObservationIgnored private let deviceName: String
    @ObservationIgnored private let platform: String
    @ObservationIgnored private let attester: Attester?
    @ObservationIgnored private let clock: LockClock
    @ObservationIgnored private let firstPause: TimeInterval
    @ObservationIgnored private let longestPause: TimeInterval
    /// The certificates and pins a scanned code carried, for the address it carried.
    @ObservationIgnored private var scanned: (url: String, settings: ConnectionSettings?)?

    /// `attester` is the platform's key attestation (App Attest), passed on to the core. While
    /// waiting for approval the gateway is asked after `firstPause` seconds, then after twice as
    /// long each time, at most every `longestPause`.
    public init(
        client: QianpiClient, deviceName: String, platform: String = "ios", attester: Attester? = nil,
        clock: LockClock = SystemLockClock(), firstPause: TimeInterval = 3, longestPause: TimeInterval = 60
    ) {
        self.client = client
        self.deviceName = deviceName
        self.platform = platform
        self.attester = attester
        self.clock = clock
        self.firstPause = firstPause
        self.longestPause = longestPause
    }

    /// A QR code was read: fills the fields from an activation code, or says why it is not one.
    public func scanned(_ text: String) {
        error = nil
        errorDetail = nil
        inviteNote = nil
        do {
            let invite = try parseActivationInvite(text: text)
            serverUrl = invite.serverUrl
            if let login = invite.login { self.login = login }
            code = invite.code
            scanned = (invite.serverUrl, invite.settings)
            inviteNote = .key(invite.login == nil ? "activation.scanned.no_login" : "activation.scanned")
        } catch {
            self.error = .key("activation.scan.bad")
            errorDetail = AccountText.error(error)
        }
    }

    /// Checks the fields and activates.
    public func activate() async {
        guard step == .entry else { return }
        error = nil
        errorDetail = nil
        let url = serverUrl.trimmingCharacters(in: .whitespacesAndNewlines)
        let person = login.trimmingCharacters(in: .whitespacesAndNewlines)
        let oneTime = code.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        serverError = Self.checkServer(url)
        loginError = person.isEmpty ? .key("activation.error.login") : nil
        codeError = Self.checkCode(oneTime)
        guard serverError == nil, loginError == nil, codeError == nil else { return }

        step = .activating
        heading = .key("activation.heading.activating")
        hint = nil
        let settings = scanned?.url == url ? scanned?.settings : nil
        do {
            let info = try await client.activate(
                serverUrl: url, login: person, code: oneTime, deviceName: deviceName, platform: platform,
                settings: settings, attester: attester)
            account = info
            words = info.fingerprintWords
            step = .compareWords
            heading = .key("activation.heading.words")
            hint = .key("activation.hint.words")
        } catch {
            step = .entry
            heading = .key("activation.heading.entry")
            hint = .key("activation.hint.entry")
            self.error = AccountText.error(error)
        }
    }

    /// The app started again on a phone bound but still waiting for the administrator: back to
    /// the words and the wait (nothing to type again). An approved or unbound phone is left as
    /// it is. The view then runs `waitForApproval()` as after `wordsMatch()`.
    public func resume() async {
        let bound: AccountInfo?
        do {
            bound = try await client.account()
        } catch {
            self.error = AccountText.error(error)
            return
        }
        guard let bound, bound.pendingApproval else { return }
        account = bound
        words = bound.fingerprintWords
        step = .waitingForApproval
        heading = .key("activation.heading.waiting")
        hint = .key("activation.hint.waiting")
    }

    /// The words are the same as on the administrator's screen.
    public func wordsMatch() {
        guard step == .compareWords, let account else { return }
        if account.pendingApproval {
            step = .waitingForApproval
            heading = .key("activation.heading.waiting")
            hint = .key("activation.hint.waiting")
        } else {
            finish(account)
        }
    }

    /// The words differ: someone may stand between the phone and the office. The binding is
    /// wiped at once.
    public func wordsDiffer() async {
        guard step == .compareWords else { return }
        do {
            try await client.wipe()
            try await client.unlock()
        } catch {
            self.error = AccountText.error(error)
        }
        account = nil
        words = []
        step = .wordsDiffered
        heading = .key("activation.heading.differed")
        hint = .key("activation.hint.differed")
    }

    /// Asks the gateway whether the administrator approved, with a growing pause, until approved
    /// or the calling task is cancelled (the screen went away).
    public func waitForApproval() async {
        var pause = firstPause
        while step == .waitingForApproval {
            do {
                try await clock.sleep(until: clock.now().addingTimeInterval(pause))
            } catch {
                return
            }
            guard step == .waitingForApproval else { return }
            pause = min(pause * 2, longestPause)
            do {
                let info = try await client.checkActivation()
                checks += 1
                error = nil
                if !info.pendingApproval { finish(info) }
            } catch QianpiError.Refused(_, let code, _) where code == "device_revoked" {
                checks += 1
                step = .entry
                heading = .key("activation.heading.entry")
                hint = .key("activation.hint.entry")
                error = .key("activation.error.refused_by_admin")
                return
            } catch {
                // Offline or the gateway busy: say so and ask again later.
                checks += 1
                self.error = AccountText.error(error)
            }
        }
    }

    private func finish(_ info: AccountInfo) {
        account = info
        step = .done
        heading = .key("activation.heading.done")
        hint = nil
        error = nil
    }

    private static func checkServer(_ url: String) -> UIText? {
        if url.isEmpty { return .key("activation.error.server.empty") }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), parsed.host != nil else {
            return .key("activation.error.server.bad")
        }
        if scheme == "https" { return nil }
        // Plain http only for a development gateway on this machine, as the core allows.
        let local = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(parsed.host?.lowercased() ?? "")
        return scheme == "http" && local ? nil : .key("activation.error.server.https")
    }

    private static let codeAlphabet = Set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    private static func checkCode(_ code: String) -> UIText? {
        if code.isEmpty { return .key("activation.error.code.empty") }
        guard code.count == 8, code.allSatisfy({ codeAlphabet.contains($0) }) else {
            return .key("activation.error.code.bad")
        }
        return nil
    }
}
