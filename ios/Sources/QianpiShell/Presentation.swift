// The Swift shell's presentation logic: what the 待办 list and the verdict banner show, and one
// sync call that turns "the gateway is unreachable" into a state the screen can draw. Plain Swift
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
                headline: "[\(item.urgency)] \(item.title)",
                subtitle: "\(item.documentNumber) · \(item.kind) · \(item.nodeName)",
                badge: badge(item.status),
                actionable: item.canApprove
            )
        }
    }

    /// The banner shown once the gateway has decided on an approval.
    public static func verdictBanner(_ verdict: Verdict) -> String {
        let offline = verdict.decidedOffline ? "（离线批示）" : ""
        if verdict.accepted {
            return "已送达\(offline)，流程已转至\(verdict.currentNode ?? "办结")"
        }
        return "未被接受\(offline)：\(verdict.reasonZh ?? verdict.reasonCode ?? "原因未知")"
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
            return .offline(pending: try client.outboxCount(), reason: reason)
        }
    }

    public func inbox() throws -> [InboxRow] {
        InboxPresenter.rows(try client.inbox())
    }
}
