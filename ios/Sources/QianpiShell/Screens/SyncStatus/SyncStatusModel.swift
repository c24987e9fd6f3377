// The sync status bar and its detail sheet, over the core's sync status stream: what the sync is
// doing (idle, syncing with its progress, offline, or blocked and why), what the user can do about
// a block, when the phone last synced (in the user's time zone, Beijing time unless told), and what
// waits for the gateway or was refused.
import Foundation
import Observation
import Qianpi

/// The sync status: a bar on top of the lists and a sheet with its detail.
///
/// Shows: `headline` ("已同步" / "正在同步，已接收 12 项" / "离线" / "无法同步：…") coloured by
/// `kind`, `advice` under it when the user can do something (sign in to the Wi-Fi, set the
/// clock…), `nextAttempt` when it will try again by itself, `lastSuccess` ("上次同步：2026-12-07 09:30", in `timeZone`), `waiting` ("3 项待发送",
/// a tap opens the outbox) and `refused` ("1 项未被接受", also to the outbox), and `message` when
/// the last sync asked from here failed.
/// Actions: `syncNow()` (pull to refresh, the retry button; disabled while `syncing`); `run()`
/// follows the core's status while the bar is shown.
@MainActor
@Observable
public final class SyncStatusModel {
    /// What the bar's colour and icon say.
    public enum Kind: Equatable, Sendable {
        case idle
        case syncing
        case offline
        case blocked(BlockedReason)
    }

    public private(set) var kind: Kind = .idle
    public private(set) var headline: UIText = .key("sync.never")
    /// What the user can do about an offline or blocked sync.
    public private(set) var advice: UIText?
    /// When the phone last synced to the end; nil before its first sync.
    public private(set) var lastSuccess: UIText?
    /// When the phone tries again by itself, while offline or blocked ("将于 09:35 自动重试").
    public private(set) var nextAttempt: UIText?
    /// Actions waiting for the gateway, when there are any.
    public private(set) var waiting: UIText?
    /// Actions the gateway refused (they stay in the outbox with their reason), when any.
    public private(set) var refused: UIText?
    /// Why the last `syncNow()` failed, or why the status cannot be read.
    public private(set) var message: UIText?
    /// A sync is running (asked here or by the background runner).
    public var syncing: Bool { kind == .syncing }

    public let syncTitle: UIText = .key("sync.now")
    /// The zone times are shown in.
    public let timeZone: TimeZone
    @ObservationIgnored private let client: QianpiClient

    public init(client: QianpiClient, timeZone: TimeZone = .beijing) {
        self.client = client
        self.timeZone = timeZone
    }

    /// Follows the core's status until the calling task is cancelled.
    public func run() async {
        for await update in client.syncStatusUpdates() {
            switch update {
            case .success(let status): show(status)
            case .failure(let error): message = AccountText.error(error)
            }
        }
    }

    /// Syncs now; the status stream shows its progress and outcome, a failure also `message`.
    public func syncNow() async {
        message = nil
        do {
            _ = try await client.sync()
        } catch {
            message = AccountText.error(error)
        }
    }

    /// Draws `status`.
    public func show(_ status: SyncStatus) {
        switch status.state {
        case .idle:
            kind = .idle
            headline = status.lastSuccess == nil ? .key("sync.never") : .key("sync.idle")
            advice = nil
        case .syncing(_, let items, _):
            kind = .syncing
            headline = items == 0 ? .key("sync.syncing") : .key("sync.syncing.items", [String(items)])
            advice = nil
        case .offline:
            kind = .offline
            headline = .key("sync.offline")
            advice = .key("sync.offline.advice")
        case .blocked(let reason):
            kind = .blocked(reason)
            headline = .key("sync.blocked." + Self.reasonKey(reason))
            advice = .key("sync.blocked." + Self.reasonKey(reason) + ".advice")
        }
        nextAttempt = kind == .idle || kind == .syncing ? nil : status.nextAttempt.map {
            .key("sync.next_attempt", [String(AccountText.moment($0, in: timeZone).suffix(5))])
        }
        lastSuccess = status.lastSuccess.map { .key("sync.last_success", [AccountText.moment($0, in: timeZone)]) }
        waiting = status.outbox == 0 ? nil : .key("sync.waiting", [String(status.outbox)])
        refused = status.refused == 0 ? nil : .key("sync.refused", [String(status.refused)])
    }

    private static func reasonKey(_ reason: BlockedReason) -> String {
        switch reason {
        case .unreachable: return "unreachable"
        case .captivePortal: return "captive_portal"
        case .tlsIntercepted: return "intercepted"
        case .tlsUntrusted: return "untrusted"
        case .proxy: return "proxy"
        case .clock: return "clock"
        case .deviceRevoked: return "revoked"
        case .devicePending: return "pending"
        case .serverError: return "server_error"
        }
    }
}
