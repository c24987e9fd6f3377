// The lists screen's state: the five tabs with their counts, the rows of the chosen one, pull to
// refresh (a sync that turns "the gateway is out of reach" into a note, not an error), 全文检索
// and more rows on scrolling. Counts and rows follow the core's observer, so a pulled page or an
// action taken on another screen shows here without asking.
package cn.qianpi.shell.screens.lists

import cn.qianpi.core.ListEntry
import cn.qianpi.core.ListKind
import cn.qianpi.core.ListsOverview
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SearchKind
import cn.qianpi.core.SearchResult
import cn.qianpi.core.SecrecyLevel
import cn.qianpi.core.SyncSummary
import cn.qianpi.shell.listsFlow
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.Clock

/** One tab: 待办 / 已办 / 待阅 / 已发 / 草稿 and how many it holds. */
data class ListTab(val kind: ListKind, val label: UiText, val count: Int, val selected: Boolean)

/** One row of a list. [id] opens the document screen (and the acting screen for 待办). */
data class ListRow(
    val id: String,
    val title: UiText,
    val number: UiText,
    /** 加急 / 特急; none for 平件. */
    val urgency: UiText?,
    /** 超期 when its 办理时限 passed. */
    val overdue: UiText?,
    /** The list's time (received, finished, delivered, saved). */
    val time: UiText?,
    /** 待同步: acted on here, waiting for the gateway. */
    val pending: UiText?,
    /** 公文类型: 收文, 发文, 签报, 请示. */
    val kind: UiText,
    /** 密级 above 无 (a phone holds none, but a row says what its document says); none for 无. */
    val secrecy: UiText?,
)

/** What the last pull to refresh came to. */
sealed interface RefreshState {
    data object Idle : RefreshState
    data object Refreshing : RefreshState

    /** Synced; [note] says what came and went. */
    data class Synced(val note: UiText, val summary: SyncSummary) : RefreshState

    /** The gateway is out of reach; [pending] actions wait safely on the phone. */
    data class Offline(val note: UiText, val pending: Int) : RefreshState

    data class Failed(val message: UiText) : RefreshState
}

/** One search hit: what it is, its title, the snippet with the matched words marked. */
data class SearchRow(val id: String, val kind: UiText, val title: UiText, val snippet: List<SnippetPiece>, val time: UiText?)

data class SnippetPiece(val text: String, val matched: Boolean)

/** 全文检索 under way or answered. */
data class SearchState(
    val query: String,
    val searching: Boolean = false,
    val results: List<SearchRow> = emptyList(),
    /** 无结果, or why the query cannot be searched. */
    val message: UiText? = null,
)

data class ListsState(
    val kind: ListKind = ListKind.TODO,
    val tabs: List<ListTab> = emptyList(),
    val rows: List<ListRow> = emptyList(),
    /** 超期 N 件 over the 待办 tab; none when nothing is overdue. */
    val overdue: UiText? = null,
    /** More rows than shown: [ListsViewModel.loadMore] fetches the next page. */
    val hasMore: Boolean = false,
    val loading: Boolean = true,
    /** Nothing in this list. */
    val empty: UiText? = null,
    val refresh: RefreshState = RefreshState.Idle,
    /** Set while searching; the screen shows its results instead of the rows. */
    val search: SearchState? = null,
    val error: UiText? = null,
)

/**
 * 列表: the tabs 待办 / 已办 / 待阅 / 已发 / 草稿 with live counts and the chosen tab's rows, each
 * with its 加急/特急 and 超期 marks and 待同步 while an action waits for the gateway.
 * Actions: [select] a tab, [refresh] (pull to refresh: a sync), [loadMore] (next page),
 * [search] / [clearSearch] (the core's full-text search); a row's id opens the document screen.
 * Call [start] once; the observation ends with [scope].
 */
class ListsViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val clock: Clock = WorkText.officeClock(),
    private val pageSize: UInt = 50u,
) {
    private val _state = MutableStateFlow(ListsState())
    val state: StateFlow<ListsState> = _state.asStateFlow()
    private var observing: Job? = null
    private var limit = pageSize

    /** Starts following the chosen list (待办 first). */
    fun start() = observe(_state.value.kind)

    /** Shows another tab from its first page. */
    fun select(kind: ListKind) {
        limit = pageSize
        _state.update { it.copy(kind = kind, rows = emptyList(), hasMore = false, empty = null, loading = true) }
        observe(kind)
    }

    /** The next page of the list shown (the observer then follows the longer list). */
    fun loadMore() {
        if (!_state.value.hasMore) return
        limit += pageSize
        observe(_state.value.kind)
    }

    private fun observe(kind: ListKind) {
        observing?.cancel()
        observing = scope.launch {
            client.listsFlow(kind, limit).collect { result ->
                result.fold(
                    // A late update of the tab left behind is not this tab's.
                    onSuccess = { overview -> _state.update { if (it.kind == overview.kind) show(it, overview) else it } },
                    onFailure = { e -> _state.update { it.copy(loading = false, error = WorkText.error(e)) } },
                )
            }
        }
    }

    private fun show(state: ListsState, overview: ListsOverview): ListsState {
        val c = overview.counts
        val counts = mapOf(
            ListKind.TODO to c.todo, ListKind.DONE to c.done, ListKind.TO_READ to c.toRead,
            ListKind.SENT to c.sent, ListKind.DRAFTS to c.drafts, ListKind.READ to c.read,
        )
        val tabs = TABS.map { kind -> ListTab(kind, tabLabel(kind), counts.getValue(kind).toInt(), kind == overview.kind) }
        val rows = overview.rows.map { row(it, overview.kind) }
        return state.copy(
            kind = overview.kind,
            tabs = tabs,
            rows = rows,
            overdue = if (c.overdue > 0u) UiText.res("lists_overdue_count", c.overdue.toString()) else null,
            hasMore = counts.getValue(overview.kind).toInt() > rows.size,
            loading = false,
            empty = if (rows.isEmpty()) UiText.res("lists_empty") else null,
            error = null,
        )
    }

    private fun row(entry: ListEntry, kind: ListKind): ListRow {
        val overdue = entry.deadline?.let { it.isBefore(clock.instant()) } == true
        return ListRow(
            id = entry.id,
            title = UiText.Plain(entry.title),
            number = UiText.Plain(entry.documentNumber),
            urgency = WorkText.urgencyMark(entry.urgency),
            overdue = if (overdue && kind == ListKind.TODO) UiText.res("lists_overdue") else null,
            time = WorkText.time(entry.at, clock.zone),
            pending = if (entry.queued) UiText.res("lists_pending_sync") else null,
            kind = WorkText.kind(entry.kind),
            secrecy = if (entry.secrecy == SecrecyLevel.NONE) null else WorkText.secrecy(entry.secrecy),
        )
    }

    /** Pull to refresh: one sync. Out of reach is a state (with what waits), not an error. */
    suspend fun refresh(): RefreshState {
        _state.update { it.copy(refresh = RefreshState.Refreshing) }
        val outcome = try {
            val summary = client.sync()
            val note = if (summary.refused > 0u) {
                UiText.res("lists_synced_refused", summary.refused.toString())
            } else {
                UiText.res("lists_synced")
            }
            RefreshState.Synced(note, summary)
        } catch (e: QianpiException.Unreachable) {
            val pending = runCatching { client.outboxCount().toInt() }.getOrDefault(0)
            val note = if (pending > 0) UiText.res("lists_offline_pending", pending.toString()) else UiText.res("lists_offline")
            RefreshState.Offline(note, pending)
        } catch (e: QianpiException) {
            RefreshState.Failed(WorkText.error(e))
        }
        _state.update { it.copy(refresh = outcome) }
        return outcome
    }

    /** 全文检索 over what this phone holds (offline too). */
    suspend fun search(query: String, limit: UInt = 50u) {
        _state.update { it.copy(search = SearchState(query, searching = true)) }
        val answered = try {
            val hits = client.search(query, limit).map(::searchRow)
            SearchState(query, results = hits, message = if (hits.isEmpty()) UiText.res("lists_search_none") else null)
        } catch (e: QianpiException) {
            SearchState(query, message = WorkText.error(e))
        }
        _state.update { it.copy(search = answered) }
    }

    fun clearSearch() = _state.update { it.copy(search = null) }

    private fun searchRow(hit: SearchResult) = SearchRow(
        id = hit.id,
        kind = UiText.res(
            when (hit.kind) {
                SearchKind.TASK -> "lists_search_task"
                SearchKind.DOCUMENT -> "lists_search_document"
                SearchKind.OPINION -> "lists_search_opinion"
                SearchKind.NOTICE -> "lists_search_notice"
            },
        ),
        title = UiText.Plain(hit.title),
        snippet = hit.snippet.map { SnippetPiece(it.text, it.matched) },
        time = WorkText.time(hit.at, clock.zone),
    )

    companion object {
        /** The tabs in the order the screen shows them. */
        val TABS = listOf(ListKind.TODO, ListKind.DONE, ListKind.TO_READ, ListKind.SENT, ListKind.DRAFTS)

        fun tabLabel(kind: ListKind): UiText = UiText.res(
            when (kind) {
                ListKind.TODO -> "lists_todo"
                ListKind.DONE -> "lists_done"
                ListKind.TO_READ -> "lists_to_read"
                ListKind.READ -> "lists_read"
                ListKind.SENT -> "lists_sent"
                ListKind.DRAFTS -> "lists_drafts"
            },
        )
    }
}
