// 待同步与未被接受: what waits for the gateway, and what it refused with its reason and what the
// person can do next (act again, sync first, open the document) — OutboxViewModel.
package cn.qianpi.app.screens

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
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
import cn.qianpi.shell.screens.outbox.NextStep
import cn.qianpi.shell.screens.outbox.OutboxViewModel

@Composable
fun OutboxScreen(model: OutboxViewModel, onBack: (() -> Unit)?, onAct: (String) -> Unit, onOpen: (String) -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    Screen(stringResource(R.string.outbox_title), onBack, actions = {
        TextButton(onClick = { model.syncNow() }, enabled = !state.syncing) { Text(stringResource(R.string.sync_status_sync_now)) }
    }) { padding ->
        LazyColumn(Modifier.padding(padding).fillMaxSize()) {
            item {
                Column(Modifier.padding(16.dp)) {
                    Problem(state.error)
                    Note(state.empty)
                }
            }
            items(state.refused, key = { "refused-" + it.commandId }) { row ->
                ListItem(
                    overlineContent = { Text(ui(row.status), color = MaterialTheme.colorScheme.error) },
                    headlineContent = { Text(ui(row.title)) },
                    supportingContent = {
                        Column {
                            Text(ui(row.reason), color = MaterialTheme.colorScheme.error)
                            Text(ui(row.decidedAt), style = MaterialTheme.typography.bodySmall)
                            Text(ui(row.advice), style = MaterialTheme.typography.bodySmall)
                            Row {
                                row.nextSteps.forEach { step ->
                                    when (step) {
                                        is NextStep.ActAgain -> TextButton(onClick = { onAct(step.taskId) }) { Text(stringResource(R.string.outbox_act_again)) }
                                        NextStep.SyncFirst -> TextButton(onClick = { model.syncNow() }) { Text(stringResource(R.string.outbox_sync_first)) }
                                        is NextStep.Open -> TextButton(onClick = { onOpen(step.taskId) }) { Text(stringResource(R.string.outbox_open)) }
                                    }
                                }
                            }
                        }
                    },
                )
                HorizontalDivider()
            }
            items(state.waiting, key = { "waiting-" + it.commandId }) { row ->
                ListItem(
                    overlineContent = { Text(ui(row.status)) },
                    headlineContent = { Text(ui(row.title)) },
                    supportingContent = { Text(ui(row.action) + stringResource(R.string.platform_separator) + ui(row.decidedAt)) },
                )
                HorizontalDivider()
            }
        }
    }
}
