// The settings screen: who is signed in and on which device (its binding at the office: the
// fingerprint words, how its keys are held, when it was bound), the lock time, the standing
// delegations (委托) the person gave or received, and signing out. The bindings have no sign-out
// of their own: leaving the account is the wipe (the keys are shredded and the store removed), so
// it asks for a confirmation first.
import Foundation
import Observation
import Qianpi

/// One line of the device section: a label and its value.
public struct SettingsLine: Equatable, Sendable {
    public let label: UIText
    public let value: UIText
}

/// A choice of lock time.
public struct LockChoice: Equatable, Sendable, Identifiable {
    public let seconds: UInt64
    public let label: UIText
    public var id: UInt64 { seconds }
}

/// A standing delegation as the settings list it.
public struct DelegationRow: Equatable, Sendable, Identifiable {
    public let id: String
    /// "委托 李晓梅 代为办理" or "王建国 委托您代为办理".
    public let who: UIText
    /// "全部流程" or "流程 def-incoming".
    public let scope: UIText
    /// "2026-12-07 09:00 至 2026-12-10 09:00".
    public let window: UIText
    /// "生效中" / "未开始" / "已结束" / "已收回".
    public let status: UIText
    /// The principal may take it back while it has not ended.
    public let canRevoke: Bool
}

/// The settings screen.
///
/// Shows: `account` and `device` lines (name, post and unit; device name, platform, how its keys
/// are held, when it was bound, its fingerprint words, the server), `lockTime` with `lockChoices`
/// to pick from, the `delegations` with their window and state (each with a "收回" button when
/// `canRevoke`), a "设置委托" form (`delegate(to:scope:start:end:)`, its error in `message`), and a
/// "退出登录" button; while `confirming` is set the screen shows its title, message and the two
/// buttons (`confirmSignOut()` / `cancelSignOut()`). `signedOut` tells the app to go back to the
/// activation screen.
/// Actions: `load()`, `setLockTime(_:)`, `delegate(to:scope:start:end:)`, `revoke(_:)`,
/// `askSignOut()`, `confirmSignOut()`, `cancelSignOut()`.
@MainActor
@Observable
public final class SettingsModel {
    /// The sign-out dialog's texts.
    public struct Confirmation: Equatable, Sendable {
        public let title: UIText
        public let message: UIText
        public let confirm: UIText
        public let cancel: UIText
    }

    public private(set) var account: [SettingsLine] = []
    public private(set) var device: [SettingsLine] = []
    public private(set) var lockTime: UIText = .key("settings.lock.unknown")
    public private(set) var lockChoices: [LockChoice] = []
    public private(set) var delegations: [DelegationRow] = []
    public private(set) var message: UIText?
    public private(set) var confirming: Confirmation?
    public private(set) var signedOut = false
    public private(set) var busy = false

    public let title: UIText = .key("settings.title")
    public let lockTitle: UIText = .key("settings.lock.title")
    public let delegationTitle: UIText = .key("settings.delegation.title")
    public let addDelegationTitle: UIText = .key("settings.delegation.add")
    public let revokeTitle: UIText = .key("settings.delegation.revoke")
    public let signOutTitle: UIText = .key("settings.signout")
    public let timeZone: TimeZone
    @ObservationIgnored private let client: QianpiClient
    @ObservationIgnored private let now: @Sendable () -> Date
    /// The unit's lock time when the screen was first loaded: the user may only shorten it.
    @ObservationIgnored private var unitLimit: UInt64?

    public init(client: QianpiClient, timeZone: TimeZone = .beijing, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.timeZone = timeZone
        self.now = now
    }

    /// Reads everything the screen shows.
    public func load() async {
        do {
            let me = try await client.account()
            account = me.map { [
                SettingsLine(label: .key("settings.account.name"), value: .plain($0.name)),
                SettingsLine(label: .key("settings.account.post"), value: .plain($0.post)),
                SettingsLine(label: .key("settings.account.unit"), value: .plain($0.unitName)),
            ] } ?? []
            device = try await client.deviceInfo().map(deviceLines) ?? []
            showLockTime()
            try await loadDelegations()
        } catch {
            message = AccountText.error(error)
        }
    }

    /// Sets the lock time (one of `lockChoices`).
    public func setLockTime(_ choice: LockChoice) {
        client.setInactivityLockSeconds(seconds: choice.seconds)
        showLockTime()
    }

    /// 委托: names `to` (a person's user id, from the people picker) as deputy for `scope` from
    /// `start` until `end`.
    public func delegate(to: String, scope: DelegationScope, start: Date, end: Date) async {
        message = nil
        guard end > start else {
            message = .key("settings.delegation.bad_window")
            return
        }
        guard end > now() else {
            message = .key("settings.delegation.in_past")
            return
        }
        do {
            _ = try await client.setDelegation(to: to, scope: scope, start: start, end: end)
            try await loadDelegations()
        } catch {
            message = AccountText.error(error)
        }
    }

    /// Takes a delegation back now.
    public func revoke(_ row: DelegationRow) async {
        message = nil
        do {
            _ = try await client.revokeDelegation(id: row.id)
            try await loadDelegations()
        } catch {
            message = AccountText.error(error)
        }
    }

    /// Shows the sign-out confirmation.
    public func askSignOut() {
        confirming = Confirmation(
            title: .key("settings.signout.title"), message: .key("settings.signout.message"),
            confirm: .key("settings.signout.confirm"), cancel: .key("settings.signout.cancel"))
    }

    /// Closes the confirmation; nothing changes.
    public func cancelSignOut() {
        confirming = nil
    }

    /// Signs out: wipes this phone's Qianpi data (keys first). Only after `askSignOut()`.
    public func confirmSignOut() async {
        guard confirming != nil, !busy else { return }
        busy = true
        defer { busy = false }
        do {
            try await client.wipe()
            confirming = nil
            signedOut = true
        } catch {
            confirming = nil
            message = AccountText.error(error)
        }
    }

    private func deviceLines(_ info: DeviceInfo) -> [SettingsLine] {
        var lines: [SettingsLine] = []
        if let name = info.name { lines.append(SettingsLine(label: .key("settings.device.name"), value: .plain(name))) }
        if let platform = info.platform {
            lines.append(SettingsLine(label: .key("settings.device.platform"), value: Self.known(platform, "settings.platform.", ["ios", "android", "terminal"])))
        }
        lines.append(SettingsLine(
            label: .key("settings.device.status"),
            value: .key(info.pendingApproval ? "settings.device.pending" : "settings.device.bound")))
        if let assurance = info.assurance {
            lines.append(SettingsLine(
                label: .key("settings.device.assurance"),
                value: Self.known(assurance, "settings.assurance.", ["software", "unattested", "attestation_sent", "tee", "strongbox", "secure_enclave"])))
        }
        if let at = info.activatedAt {
            lines.append(SettingsLine(label: .key("settings.device.activated"), value: .plain(AccountText.moment(at, in: timeZone))))
        }
        lines.append(SettingsLine(label: .key("settings.device.words"), value: .plain(info.fingerprintWords.joined(separator: " "))))
        lines.append(SettingsLine(label: .key("settings.device.digits"), value: .plain(info.fingerprintDigits)))
        lines.append(SettingsLine(label: .key("settings.device.server"), value: .plain(info.serverUrl)))
        return lines
    }

    private func showLockTime() {
        let seconds = client.inactivityLockSeconds()
        let limit = unitLimit ?? seconds
        unitLimit = limit
        lockTime = Self.duration(seconds)
        let minutes: [UInt64] = [1, 2, 5, 10, 15, 30, 60]
        var choices = minutes.map { $0 * 60 }.filter { $0 <= limit }
        if !choices.contains(limit) { choices.append(limit) }
        lockChoices = choices.map { LockChoice(seconds: $0, label: Self.duration($0)) }
    }

    private func loadDelegations() async throws {
        let me = try await client.account()?.userId
        let list = try await client.delegations()
        var names: [String: String] = [:]
        if let groups = try? await client.peoplePicker(excludeSelf: false) {
            for person in groups.flatMap(\.people) { names[person.userId] = person.name }
        }
        let at = now()
        delegations = list.map { d in
            let mine = d.from == me
            let who: UIText = mine
                ? .key("settings.delegation.to", [names[d.to] ?? d.to])
                : .key("settings.delegation.from", [names[d.from] ?? d.from])
            let status: UIText
            if d.revokedAt != nil {
                status = .key("settings.delegation.revoked")
            } else if at >= d.end {
                status = .key("settings.delegation.ended")
            } else if at < d.start {
                status = .key("settings.delegation.upcoming")
            } else {
                status = .key("settings.delegation.active")
            }
            let scope: UIText
            switch d.scope {
            case .all: scope = .key("settings.delegation.scope.all")
            case .process(let definition): scope = .key("settings.delegation.scope.process", [definition])
            }
            return DelegationRow(
                id: d.id, who: who, scope: scope,
                window: .key("settings.delegation.window", [AccountText.moment(d.start, in: timeZone), AccountText.moment(d.end, in: timeZone)]),
                status: status, canRevoke: mine && d.revokedAt == nil && at < d.end)
        }
    }

    private static func duration(_ seconds: UInt64) -> UIText {
        if seconds % 60 == 0 { return .key("settings.lock.minutes", [String(seconds / 60)]) }
        return .key("settings.lock.seconds", [String(seconds)])
    }

    private static func known(_ value: String, _ prefix: String, _ values: Set<String>) -> UIText {
        values.contains(value) ? .key(prefix + value) : .plain(value)
    }
}
