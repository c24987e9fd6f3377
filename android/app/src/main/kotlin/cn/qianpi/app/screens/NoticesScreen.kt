// 通知公告: unread first, each with its badge (未读, 待回执, 已回执, 待同步 …), the receipt deadline
// and how many attachments (NoticesViewModel); pull to refresh syncs and reads them again.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
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
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.screens.notices.NoticesViewModel
import kotlinx.coroutines.launch

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun NoticesScreen(model: NoticesViewModel, client: QianpiClient, statusBar: @Composable () -> Unit, onOpen: (String) -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var refreshing by remember { mutableStateOf(false) }
    LaunchedEffect(model) { model.load() }
    Column(Modifier.fillMaxSize()) {
        statusBar()
        Column(Modifier.padding(horizontal = 16.dp)) {
            Note(state.unread)
            Problem(state.error)
            Note(state.empty)
        }
        PullToRefreshBox(
            isRefreshing = refreshing,
            onRefresh = {
                scope.launch {
                    refreshing = true
                    // Pull to refresh asks the office first; offline it shows what the phone holds.
                    runCatching { client.sync() }
                    model.load()
                    refreshing = false
                }
            },
            modifier = Modifier.weight(1f),
        ) {
            LazyColumn(Modifier.fillMaxSize()) {
                items(state.rows, key = { it.id }) { row ->
                    ListItem(
                        modifier = Modifier.clickable { onOpen(row.id) },
                        overlineContent = {
                            Text(
                                listOfNotNull(ui(row.badge), uiOrNull(row.receiptDeadline), uiOrNull(row.attachments))
                                    .joinToString(stringResource(R.string.platform_separator)),
                                color = if (row.unread) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.secondary,
                            )
                        },
                        headlineContent = { Text(ui(row.title), fontWeight = if (row.unread) FontWeight.Bold else FontWeight.Normal) },
                        supportingContent = { Text(listOfNotNull(ui(row.publisher), uiOrNull(row.time)).joinToString(stringResource(R.string.platform_separator))) },
                    )
                }
            }
        }
    }
}
