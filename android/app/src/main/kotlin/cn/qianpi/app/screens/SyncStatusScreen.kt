// 同步状态: where the sync stands and why, the last success, what waits and what was refused, and
// the "sync now" button (SyncStatusViewModel). Also the one-line bar above the lists.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.ui
import cn.qianpi.shell.screens.syncstatus.SyncPhase
import cn.qianpi.shell.screens.syncstatus.SyncStatusViewModel

@Composable
fun SyncStatusScreen(model: SyncStatusViewModel, onBack: () -> Unit, onOutbox: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    Screen(stringResource(R.string.platform_sync_title), onBack) { padding ->
        Column(Modifier.padding(padding).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            val blocked = state.phase is SyncPhase.Blocked
            Text(
                ui(state.headline),
                style = MaterialTheme.typography.headlineSmall,
                color = if (blocked) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
            )
            state.detail?.let { Text(ui(it), style = MaterialTheme.typography.bodyMedium) }
            Text(ui(state.lastSuccess), style = MaterialTheme.typography.bodyMedium)
            Note(state.nextAttempt)
            Note(state.waiting)
            state.refused?.let { TextButton(onClick = onOutbox) { Text(ui(it), color = MaterialTheme.colorScheme.error) } }
            Problem(state.error)
            Button(onClick = { model.syncNow() }, enabled = !state.syncingNow) { Text(stringResource(R.string.sync_status_sync_now)) }
        }
    }
}

/** The status line over the lists; a tap opens the sync status screen. */
@Composable
fun SyncStatusBar(model: SyncStatusViewModel, onOpen: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val color = when (state.phase) {
        is SyncPhase.Blocked -> MaterialTheme.colorScheme.error
        SyncPhase.Offline -> MaterialTheme.colorScheme.tertiary
        else -> MaterialTheme.colorScheme.secondary
    }
    val line = listOfNotNull(ui(state.headline), state.waiting?.let { ui(it) }, state.refused?.let { ui(it) })
    Text(
        line.joinToString(stringResource(R.string.platform_separator)),
        color = color,
        style = MaterialTheme.typography.labelMedium,
        modifier = Modifier.fillMaxWidth().clickable(onClick = onOpen).padding(horizontal = 16.dp, vertical = 6.dp),
    )
}
