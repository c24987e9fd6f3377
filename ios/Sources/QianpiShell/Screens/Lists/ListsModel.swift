// The lists screen's state: the five lists with their counts, followed live from the core, the
// rows of the list shown with their 加急/特急, overdue and 待同步 marks, pull to refresh (one sync
// that turns "the gateway is out of reach" into a line the screen shows), and the core's
// full-text search. The SwiftUI view draws this and calls its actions; nothing here draws.
import Foundation
import Observation
import Qianpi

/// The lists screen (待办 / 已办 / 待阅 / 已发 / 草稿).
///
/// Shows: a tab per list with its count (`tabs`, live: a pulled page, an action taken here or a
/// lock moves them), how many 待办 are overdue (`overdueText`), the rows of the selected list
/// (`rows`: title, 文号, urgency mark, time, deadline with an overdue mark, 待同步 while an action
/// waits for the gateway), what the last refresh found (`refreshText`) and an error line
/// (`errorText`, e.g. locked).
/// Search: set `query` and call `search()`; `results` lists what the core found (`searchError`
/// says why a query cannot be searched); `clearSearch()` goes back to the list.
/// Actions: `follow()` (run it for as long as the screen is shown: `.task { await model.follow() }`),
/// `select(_:)` a tab, `refresh()` (pull to refresh), `search()`, `clearSearch()`.
/// Opening a row: give `row.id` to `DocumentModel` (and `ActingModel` for a 待办 row).
@MainActor @Observable
public final class ListsModel {
    /// The five lists the screen offers.
    public enum Tab: String, CaseIterable, Sendable {
        case todo, done, toRead, sent, drafts

        var kind: ListKind {
            switch self {
            case .todo: return .todo
            case .done: return .done
            case .toRead: return .toRead
            case .sent: return .sent
            case .drafts: return .drafts
            }
        }

        /// The tab's name: 待办 / 已办 / 待阅 / 已发 / 草稿.
        public var title: UIText { .key("lists.tab.\(rawValue)") }
    }

    /// A tab with its count (the view draws the count as a badge beside the title).
    public struct TabBadge: Equatable, Sendable {
        public let tab: Tab
        public let title: UIText
        public let count: UInt32
    }

    /// One row of a list.
    public struct Row: Equatable, Sendable, Identifiable {
        /// What `DocumentModel` / `ActingModel` open (a task, read item, flow or draft id).
        public let id: String
        public let documentId: String
        public let title: UIText
        public let number: UIText
        public let urgency: UrgencyMark
        /// The list's time (received, finished, started, saved).
        public let time: UIText?
        /// "限 2026-03-05 18:00", when there is a deadline.
        public let deadline: UIText?
        public let overdue: Bool
        /// "已超期".
        public let overdueText: UIText?
        /// Acted on here, waiting for the gateway.
        public let queued: Bool
        /// "待同步" while queued.
        public let statusText: UIText?
        /// 公文类型: 收文, 发文, 签报, 请示.
        public let kind: UIText
        /// 密级 above 无 (a phone holds none, but a row says what its document says); nil for 无.
        public let secrecy: UIText?
    }

    /// One search result.
    public struct SearchRow: Equatable, Sendable, Identifiable {
        /// The task, document or notice id to open (see `opensNotice`).
        public let id: String
        public let title: UIText
        /// 待办 / 公文 / 意见 / 通知公告.
        public let kindText: UIText
        /// The snippet in pieces; `matched` pieces are drawn highlighted.
        public let snippet: [Piece]
        public let time: UIText
        /// A notice: open it with `NoticeModel`; otherwise with `DocumentModel`.
        public let opensNotice: Bool

        /// A piece of a snippet.
        public struct Piece: Equatable, Sendable {
            public let text: String
            public let matched: Bool
        }
    }

    /// Where pull to refresh stands.
    public enum RefreshState: Equatable, Sendable {
        case idle
        case refreshing
        /// The gateway answered.
        case synced
        /// The gateway is out of reach; `waiting` actions stay in the outbox.
        case offline(waiting: UInt32)
        case failed
    }

    private let client: QianpiClient
    private let clock: WorkClock
    private let limit: UInt32

    public private(set) var tab: Tab = .todo
    public private(set) var tabs: [TabBadge] = Tab.allCases.map {
        TabBadge(tab: $0, title: $0.title, count: 0)
    }
    public private(set) var overdueCount: UInt32 = 0
    /// "2 件已超期", none when nothing is overdue.
    public private(set) var overdueText: UIText?
    public private(set) var rows: [Row] = []
    /// Whether the first answer for the selected list arrived.
    public private(set) var loaded = false
    public private(set) var errorText: UIText?
    public private(set) var refreshState: RefreshState = .idle
    public private(set) var refreshText: UIText?

    public var query = ""
    public private(set) var results: [SearchRow] = []
    public private(set) var searching = false
    public private(set) var searchError: UIText?

    /// The running observation of the selected list.
    @ObservationIgnored private var observation: Task<Void, Never>?

    public init(client: QianpiClient, clock: WorkClock = WorkClock(), limit: UInt32 = 50) {
        self.client = client
        self.clock = clock
        self.limit = limit
    }

    /// Follows the selected list and every count until the calling task is cancelled (the
    /// view's `.task`); switching tabs moves the observation to the new list.
    public func follow() async {
        start()
        while !Task.isCancelled {
            do { try await Task.sleep(nanoseconds: 3_600_000_000_000) } catch { break }
        }
        stop()
    }

    /// Starts following the selected list (what `follow()` does), for callers that manage the
    /// screen's lifetime themselves; `stop()` ends it.
    public func start() {
        observation?.cancel()
        let updates = client.listsUpdates(kind: tab.kind, limit: limit)
        observation = Task { [weak self] in
            for await update in updates {
                guard let self, !Task.isCancelled else { return }
                switch update {
                case .success(let overview): self.apply(overview)
                case .failure(let error): self.errorText = WorkText.error(error)
                }
            }
        }
    }

    /// Stops following.
    public func stop() {
        observation?.cancel()
        observation = nil
    }

    /// Shows `tab`; the rows follow once its first answer arrives.
    public func select(_ tab: Tab) {
        guard tab != self.tab else { return }
        self.tab = tab
        rows = []
        loaded = false
        if observation != nil { start() }
    }

    /// Pull to refresh: one sync. Offline is not an error: the screen says what waits.
    public func refresh() async {
        refreshState = .refreshing
        refreshText = .key("lists.refresh.running")
        do {
            let summary = try await client.sync()
            refreshState = .synced
            refreshText = summary.refused > 0
                ? .key("lists.refresh.synced_refused", [String(summary.refused)])
                : .key("lists.refresh.synced")
        } catch where WorkText.isOffline(error) {
            let waiting = (try? await client.outboxCount()) ?? 0
            refreshState = .offline(waiting: waiting)
            refreshText = waiting > 0 ? .key("lists.refresh.offline_waiting", [String(waiting)]) : .key("lists.refresh.offline")
        } catch {
            refreshState = .failed
            refreshText = WorkText.error(error)
        }
    }

    /// Searches the documents, opinions and notices on the phone for `query` (offline).
    public func search() async {
        searching = true
        defer { searching = false }
        do {
            let found = try await client.search(query: query, limit: 50)
            searchError = nil
            results = found.map { hit in
                SearchRow(
                    id: hit.id, title: .plain(hit.title), kindText: Self.kindText(hit.kind),
                    snippet: hit.snippet.map { SearchRow.Piece(text: $0.text, matched: $0.matched) }, time: clock.text(hit.at),
                    opensNotice: hit.kind == .notice)
            }
            if results.isEmpty { searchError = .key("lists.search.nothing", [query]) }
        } catch {
            results = []
            searchError = WorkText.error(error)
        }
    }

    /// Leaves the search and shows the list again.
    public func clearSearch() {
        query = ""
        results = []
        searchError = nil
    }

    private static func kindText(_ kind: SearchKind) -> UIText {
        switch kind {
        case .task: return .key("lists.search.kind.task")
        case .document: return .key("lists.search.kind.document")
        case .opinion: return .key("lists.search.kind.opinion")
        case .notice: return .key("lists.search.kind.notice")
        }
    }

    private func apply(_ overview: ListsOverview) {
        errorText = nil
        let c = overview.counts
        let counts: [Tab: UInt32] = [.todo: c.todo, .done: c.done, .toRead: c.toRead, .sent: c.sent, .drafts: c.drafts]
        tabs = Tab.allCases.map { tab in
            return TabBadge(tab: tab, title: tab.title, count: counts[tab] ?? 0)
        }
        overdueCount = c.overdue
        overdueText = c.overdue > 0 ? .key("lists.overdue_count", [String(c.overdue)]) : nil
        guard overview.kind == tab.kind else { return }
        let now = clock.now()
        rows = overview.rows.map { entry in
            let overdue = tab == .todo && (entry.deadline.map { $0 < now } ?? false)
            return Row(
                id: entry.id, documentId: entry.documentId, title: .plain(entry.title),
                number: .plain(entry.documentNumber), urgency: UrgencyMark(entry.urgency),
                time: entry.at.map(clock.text), deadline: entry.deadline.map { .key("lists.deadline", [clock.string($0)]) },
                overdue: overdue, overdueText: overdue ? .key("lists.overdue") : nil,
                queued: entry.queued, statusText: entry.queued ? .key("lists.queued") : nil,
                kind: DocumentText.kind(entry.kind),
                secrecy: entry.secrecy == .none ? nil : DocumentText.secrecy(entry.secrecy))
        }
        loaded = true
    }
}
