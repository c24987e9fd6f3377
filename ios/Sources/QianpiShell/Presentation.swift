// One sync call that turns "the gateway is unreachable" into a state a caller can act on; the
// screens' own state (lists, a document, acting, notices …) lives in the observable models under
// Screens/, with their text in the string tables. Mirrors android/shell.
import Qianpi

/// What a sync attempt means for the screen.
public enum SyncOutcome: Equatable {
    case synced(SyncSummary)
    /// The gateway is out of reach; `pending` commands wait safely in the outbox.
    case offline(pending: UInt32, reason: String)
}

/// A phone session over one client: the sync the screens start.
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
}
