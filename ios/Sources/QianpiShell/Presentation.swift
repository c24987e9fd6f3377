// The Swift shell's presentation logic: what the 待办 list, the verdict banner and the notices
// (通知公告) show, and one sync call that turns "the gateway is unreachable" into a state the screen can draw. Plain Swift
// over the generated bindings, so it builds and is tested on Linux; the SwiftUI views in App/ only
// draw what this returns. Mirrors android/shell so both phones say the same thing.
import Qianpi

/// One row of the inbox list.
public struct InboxRow: Equatable {
    public let taskId: String
    /// e.g. "[加急] 关于做好2026年春耕备耕工作的通知"
    public let headline: String
    /// e.g. "晋农办〔2026〕12号 · 收文 · 领导批示"
    public let subtitle: String
    /// 待办 / 待同步 / 已办
    public let badge: String
    /// Whether the approve button is shown.
    public let actionable: Bool
}

/// Maps core records to what the screens draw.
public enum InboxPresenter {
    public static func badge(_ status: TaskStatus) -> String {
        switch status {
        case .pending: return "待办"
        case .queued: return "待同步"
        case .waiting: return "等待他人"
        case .done: return "已办"
        }
    }

    public static func rows(_ items: [InboxItem]) -> [InboxRow] {
        items.map { item in
            InboxRow(
                taskId: item.taskId,
                headline: "[\(item.urgency.labelZh())] \(item.title)",
                subtitle: "\(item.documentNumber) · \(item.kind.labelZh()) · \(item.nodeName)",
                badge: badge(item.status),
                actionable: item.canApprove
            )
        }
    }

    /// The banner shown once the gateway has decided on an approval.
    public static func verdictBanner(_ verdict: Verdict) -> String {
        let offline = verdict.decidedOffline ? "（离线批示）" : ""
        switch verdict.outcome {
        case .accepted(_, _, let node):
            return "已送达\(offline)，流程已转至\(node ?? "办结")"
        case .refused(_, let reasonZh, _, _):
            return "未被接受\(offline)：\(reasonZh)"
        }
    }
}

/// What the notice list and an opened notice show of the 回执.
public enum NoticePresenter {
    /// The badge of a notice row: 核验失败 / 回执被退回 / 未读 / 待同步 / 待回执 / 已回执 / 已读.
    public static func badge(_ item: NoticeListItem) -> String {
        if item.tampered { return "核验失败" }
        if item.refusal != nil { return "回执被退回" }
        if item.unread { return "未读" }
        if item.repliedAt != nil && item.pendingSend { return "待同步" }
        if item.receiptRequired { return item.repliedAt == nil ? "待回执" : "已回执" }
        return "已读"
    }

    /// The receipt line under an opened notice; none when it asks for no receipt.
    public static func receiptLine(_ detail: NoticeDetail) -> String? {
        if let refusal = detail.refusal { return "回执未被接受：\(refusal.reasonZh)" }
        guard detail.receiptRequired else { return nil }
        guard detail.repliedAt != nil else { return detail.canReply ? "请回执" : "已过回执截止时间" }
        let choice = detail.choices.first(where: { $0.id == detail.replyChoice })?.label ?? "收到"
        let note = detail.replyNote.map { "（\($0)）" } ?? ""
        let sync = detail.pendingSend ? "，待同步" : ""
        return "回执：\(choice)\(note)\(sync)"
    }
}

/// What a sync attempt means for the screen.
public enum SyncOutcome: Equatable {
    case synced(SyncSummary)
    /// The gateway is out of reach; `pending` commands wait safely in the outbox.
    case offline(pending: UInt32, reason: String)
}

/// A phone session over one client: the calls the screens make.
public final class ApprovalSession {
    private let client: QianpiClient

    public init(client: QianpiClient) {
        self.client = client
    }

    public func refresh() async throws -> SyncOutcome {
        do {
            return .synced(try await client.sync())
        } catch QianpiError.Unreachable(let reason) {
            return .offline(pending: try await client.outboxCount(), reason: reason)
        }
    }

    public func inbox() async throws -> [InboxRow] {
        InboxPresenter.rows(try await client.inbox())
    }
}
