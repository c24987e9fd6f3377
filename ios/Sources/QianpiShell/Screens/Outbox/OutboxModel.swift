// The outbox screen (待发送 and 未被接受): what waits for the gateway, and what the gateway refused,
// each refused item with the gateway's reason and what the user can still do about it. The core
// keeps refused items (the bindings have no call to dismiss one) and this screen never hides them.
// What can be done next is asked of the core (the task's control flags now), not guessed from the
// refusal code.
import Foundation
import Observation
import Qianpi

/// One item of the outbox screen.
public struct OutboxRow: Identifiable, Equatable, Sendable {
    /// The command's id.
    public let id: String
    /// The task it acted on (open the document screen with it).
    public let taskId: String
    /// The document's title, or "公文" when it is no longer on the phone.
    public let title: UIText
    /// What was done ("批示", "退回", …), for a waiting item (a verdict does not say its action).
    public let action: UIText?
    /// "待发送" or "未被接受".
    public let status: UIText
    /// The gateway's reason, for a refused item.
    public let reason: UIText?
    /// When the user decided (in the screen's time zone), and whether offline.
    public let decided: UIText
    /// What the user can do next.
    public let next: OutboxNextStep
    /// The text of `next`'s button or line.
    public let nextText: UIText
}

/// What the user can do about an outbox item.
public enum OutboxNextStep: Equatable, Sendable {
    /// It waits for the network: nothing to do; "立即同步" sends it when the gateway is reachable.
    case waitForSync
    /// Refused, but the task is still the user's to act on: open it and act again.
    case actAgain(taskId: String)
    /// Refused and no longer the user's: open the document to see where it stands.
    case openDocument(taskId: String)
    /// Refused and the document is not on this phone any more: nothing to do.
    case nothing
}

/// The outbox screen.
///
/// Shows: two sections, `queued` (待发送, oldest first) and `refused` (未被接受, newest first),
/// each row its document title, the action, when it was decided (and "离线" when it was), and for
/// a refused one the gateway's reason in the user's language and what can be done next
/// (`nextText`: "重新办理" / "查看公文" / nothing); `empty` ("没有待发送或未被接受的事项") when both
/// are empty; `message` when the outbox cannot be read (locked) or a sync failed.
/// Actions: `syncNow()` (sends what waits; disabled while `syncing`); a row's `next` tells the app
/// where a tap goes (`actAgain`/`openDocument`: the document screen of `taskId`). `run()` follows
/// the outbox while the screen is shown.
@MainActor
@Observable
public final class OutboxModel {
    public private(set) var queued: [OutboxRow] = []
    public private(set) var refused: [OutboxRow] = []
    public private(set) var message: UIText?
    public private(set) var syncing = false
    /// Whether the screen shows its empty text.
    public var empty: UIText? {
        queued.isEmpty && refused.isEmpty ? .key("outbox.empty") : nil
    }

    public let title: UIText = .key("outbox.title")
    public let queuedTitle: UIText = .key("outbox.queued.title")
    public let refusedTitle: UIText = .key("outbox.refused.title")
    public let syncTitle: UIText = .key("outbox.sync")
    public let timeZone: TimeZone

    @ObservationIgnored private let client: QianpiClient
    @ObservationIgnored private var latest: OutboxOverview?
    /// Which `show` is the newest: an older one finishing later must not draw over it.
    @ObservationIgnored private var shown = 0

    public init(client: QianpiClient, timeZone: TimeZone = .beijing) {
        self.client = client
        self.timeZone = timeZone
    }

    /// Follows the outbox until the calling task is cancelled. What can be done about a refused
    /// item is asked again after each sync settles: the verdict comes before the pull that tells
    /// where the document went.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followOutbox() }
            group.addTask { await self.followSyncs() }
        }
    }

    private func followOutbox() async {
        for await update in client.outboxUpdates() {
            switch update {
            case .success(let overview):
                latest = overview
                await show(overview)
            case .failure(let error):
                message = AccountText.error(error)
            }
        }
    }

    private func followSyncs() async {
        var wasSyncing = false
        for await update in client.syncStatusUpdates() {
            guard case .success(let status) = update else { continue }
            if case .syncing = status.state {
                wasSyncing = true
            } else if wasSyncing {
                wasSyncing = false
                if let latest { await show(latest) }
            }
        }
    }

    /// Sends what waits now.
    public func syncNow() async {
        guard !syncing else { return }
        syncing = true
        defer { syncing = false }
        message = nil
        do {
            _ = try await client.sync()
        } catch {
            message = AccountText.error(error)
        }
    }

    private func show(_ overview: OutboxOverview) async {
        shown += 1
        let generation = shown
        var titles: [String: UIText] = [:]
        var rows: [OutboxRow] = []
        for action in overview.queued {
            let title = await title(of: action.taskId, cache: &titles)
            rows.append(OutboxRow(
                id: action.commandId, taskId: action.taskId, title: title, action: Self.actionText(action.action),
                status: .key("outbox.status.queued"), reason: nil,
                decided: decided(action.createdAt, offline: action.decidedOffline),
                next: .waitForSync, nextText: .key("outbox.next.wait")))
        }
        var refusedRows: [OutboxRow] = []
        for verdict in overview.refused {
            guard case .refused(_, let reasonZh, let reasonEn, _) = verdict.outcome else { continue }
            let title = await title(of: verdict.taskId, cache: &titles)
            let next = await nextStep(verdict.taskId)
            refusedRows.append(OutboxRow(
                id: verdict.commandId, taskId: verdict.taskId, title: title, action: nil,
                status: .key("outbox.status.refused"), reason: .both(zh: reasonZh, en: reasonEn),
                decided: decided(verdict.decidedLocallyAt ?? verdict.decidedAt, offline: verdict.decidedOffline),
                next: next, nextText: Self.nextText(next)))
        }
        guard generation == shown else { return }
        queued = rows
        refused = refusedRows
    }

    private func title(of taskId: String, cache: inout [String: UIText]) async -> UIText {
        if let known = cache[taskId] { return known }
        let title: UIText
        if let detail = try? await client.documentDetail(id: taskId) {
            title = .plain(detail.head.title)
        } else {
            title = .key("outbox.document")
        }
        cache[taskId] = title
        return title
    }

    /// Whether the refused task can still be acted on here, as the core says now.
    private func nextStep(_ taskId: String) async -> OutboxNextStep {
        guard let controls = try? await client.controls(id: taskId) else {
            return (try? await client.documentDetail(id: taskId)) == nil ? .nothing : .openDocument(taskId: taskId)
        }
        let canAct = controls.canApprove || controls.canMarkRead || controls.canReject || !controls.returnTargets.isEmpty
            || controls.canTransfer || controls.canResolve
        return canAct ? .actAgain(taskId: taskId) : .openDocument(taskId: taskId)
    }

    private func decided(_ at: Date, offline: Bool) -> UIText {
        let moment = AccountText.moment(at, in: timeZone)
        return offline ? .key("outbox.decided.offline", [moment]) : .key("outbox.decided", [moment])
    }

    private static func nextText(_ next: OutboxNextStep) -> UIText {
        switch next {
        case .waitForSync: return .key("outbox.next.wait")
        case .actAgain: return .key("outbox.next.act_again")
        case .openDocument: return .key("outbox.next.open")
        case .nothing: return .key("outbox.next.nothing")
        }
    }

    /// The action as the user says it; none only for a record whose action the core could not name.
    static func actionText(_ action: FlowAction?) -> UIText {
        guard let action else { return .key("outbox.action.unknown") }
        return .key("outbox.action." + stableName(action))
    }

    /// The stable name a signed record carries for `action` (the strings' key).
    static func stableName(_ action: FlowAction) -> String {
        switch action {
        case .approve: return "approve"
        case .disagree: return "disagree"
        case .batchApprove: return "batch_approve"
        case .markRead: return "mark_read"
        case .reject: return "reject"
        case .return: return "return"
        case .transfer: return "transfer"
        case .delegate: return "delegate"
        case .resolve: return "resolve"
        case .addSigner: return "add_signer"
        case .removeSigner: return "remove_signer"
        case .circulate: return "circulate"
        case .recall: return "recall"
        case .revoke: return "revoke"
        case .terminate: return "terminate"
        case .urge: return "urge"
        case .suspend: return "suspend"
        case .resume: return "resume"
        case .open: return "open"
        case .save: return "save"
        case .claim: return "claim"
        case .release: return "release"
        case .takeBack: return "take_back"
        }
    }
}
