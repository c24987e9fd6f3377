// 列表: the five tabs with their counts, the rows with their 加急/特急, 超期 and 待同步 marks, pull
// to refresh, 全文检索, more rows at the end, and 批量审批 (tick rows of 待办, approve them in one
// go, one result per row). ListsViewModel and BatchViewModel hold all of it.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Checkbox
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.ScrollableTabRow
import androidx.compose.material3.Tab
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.withStyle
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.fill
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.core.ListKind
import cn.qianpi.shell.screens.acting.BatchViewModel
import cn.qianpi.shell.screens.lists.ListRow
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import cn.qianpi.shell.screens.lists.SearchRow
import kotlinx.coroutines.launch

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ListsScreen(model: ListsViewModel, batch: BatchViewModel, statusBar: @Composable () -> Unit, onOpen: (String) -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val batchState by batch.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var query by remember { mutableStateOf("") }
    var batchMode by remember { mutableStateOf(false) }
    LaunchedEffect(model) { model.start() }

    Column(Modifier.fillMaxSize()) {
        statusBar()
        OutlinedTextField(
            value = query,
            onValueChange = {
                query = it
                if (it.isBlank()) model.clearSearch()
            },
            placeholder = { Text(stringResource(R.string.platform_search_hint)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
            keyboardActions = KeyboardActions(onSearch = { if (query.isNotBlank()) scope.launch { model.search(query) } }),
            modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp),
        )
        val search = state.search
        if (search != null) {
            SearchResults(search.results, search.message, onOpen)
        } else {
            val selected = state.tabs.indexOfFirst { it.selected }.coerceAtLeast(0)
            if (state.tabs.isNotEmpty()) {
                ScrollableTabRow(selectedTabIndex = selected, edgePadding = 8.dp) {
                    state.tabs.forEach { tab ->
                        Tab(
                            selected = tab.selected,
                            onClick = {
                                batchMode = false
                                batch.clear()
                                model.select(tab.kind)
                            },
                            text = { Text(fill(stringResource(R.string.platform_tab_count), listOf(ui(tab.label), tab.count.toString()))) },
                        )
                    }
                }
            }
            Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp)) {
                Problem(state.overdue)
                Spacer(Modifier.weight(1f))
                if (state.kind == ListKind.TODO && state.rows.isNotEmpty()) {
                    TextButton(onClick = {
                        batchMode = !batchMode
                        batch.clear()
                    }) { Text(stringResource(if (batchMode) R.string.common_cancel else R.string.platform_batch)) }
                }
            }
            if (batchMode) BatchBar(batch, batchState, onSend = { scope.launch { batch.approve() } })
            Problem(state.error, Modifier.padding(horizontal = 16.dp))
            val refresh = state.refresh
            Note(
                when (refresh) {
                    is RefreshState.Synced -> refresh.note
                    is RefreshState.Offline -> refresh.note
                    else -> null
                },
                Modifier.padding(horizontal = 16.dp),
            )
            if (refresh is RefreshState.Failed) Problem(refresh.message, Modifier.padding(horizontal = 16.dp))
            PullToRefreshBox(
                isRefreshing = refresh is RefreshState.Refreshing,
                onRefresh = { scope.launch { model.refresh() } },
                modifier = Modifier.weight(1f),
            ) {
                LazyColumn(Modifier.fillMaxSize()) {
                    state.empty?.let { empty -> item { Note(empty, Modifier.padding(16.dp)) } }
                    items(state.rows, key = { it.id }) { row ->
                        val ticked = batchState.selected.any { it.id == row.id }
                        Row(Modifier.clickable { if (batchMode) batch.toggle(row) else onOpen(row.id) }) {
                            if (batchMode) Checkbox(checked = ticked, onCheckedChange = { batch.toggle(row) })
                            ListRowItem(row)
                        }
                    }
                    if (state.hasMore) {
                        item {
                            LaunchedEffect(state.rows.size) { model.loadMore() }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun ListRowItem(row: ListRow) {
    val marks = listOfNotNull(uiOrNull(row.urgency), uiOrNull(row.overdue), uiOrNull(row.pending))
    ListItem(
        overlineContent = {
            if (marks.isNotEmpty()) Text(marks.joinToString(stringResource(R.string.platform_separator)), color = MaterialTheme.colorScheme.error)
        },
        headlineContent = { Text(ui(row.title), maxLines = 2) },
        supportingContent = {
            Text(
                listOfNotNull(ui(row.kind), uiOrNull(row.secrecy), ui(row.number), uiOrNull(row.time))
                    .joinToString(stringResource(R.string.platform_separator)),
            )
        },
    )
}

@Composable
private fun SearchResults(results: List<SearchRow>, message: cn.qianpi.shell.text.UiText?, onOpen: (String) -> Unit) {
    LazyColumn(Modifier.fillMaxSize()) {
        message?.let { item { Note(it, Modifier.padding(16.dp)) } }
        items(results, key = { it.id }) { hit ->
            ListItem(
                modifier = Modifier.clickable { onOpen(hit.id) },
                overlineContent = { Text(ui(hit.kind)) },
                headlineContent = { Text(ui(hit.title), maxLines = 2) },
                supportingContent = {
                    Text(
                        buildAnnotatedString {
                            hit.snippet.forEach { piece ->
                                if (piece.matched) withStyle(SpanStyle(fontWeight = FontWeight.Bold)) { append(piece.text) } else append(piece.text)
                            }
                        },
                        maxLines = 3,
                    )
                },
            )
        }
    }
}

@Composable
private fun BatchBar(batch: BatchViewModel, state: cn.qianpi.shell.screens.acting.BatchState, onSend: () -> Unit) {
    Column(Modifier.fillMaxWidth().padding(horizontal = 16.dp)) {
        Row {
            Text(fill(stringResource(R.string.platform_batch_selected), listOf(state.selected.size.toString())))
            Spacer(Modifier.width(16.dp))
            TextButton(onClick = onSend, enabled = !state.sending && state.selected.isNotEmpty()) {
                Text(stringResource(R.string.platform_batch_approve))
            }
        }
        Problem(state.problem)
        Note(state.summary)
        state.results.forEach { result ->
            Text(
                fill(stringResource(R.string.platform_batch_result), listOf(ui(result.title), ui(result.text))),
                color = if (result.queued) MaterialTheme.colorScheme.onSurface else MaterialTheme.colorScheme.error,
                style = MaterialTheme.typography.bodySmall,
            )
        }
    }
}
