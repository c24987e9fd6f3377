// The 待办 screen: draws what ApprovalSession and InboxPresenter (shell/, tested on the JVM) return.
// Nothing here decides anything.
package cn.qianpi.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.qianpi.core.Attitude
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.ApprovalSession
import cn.qianpi.shell.InboxRow
import cn.qianpi.shell.SyncOutcome
import kotlinx.coroutines.launch

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val client = QianpiClient(filesDir.resolve("qianpi").path, AndroidKeystoreKeyStore(), AndroidKeystoreSigner())
        val session = ApprovalSession(client)
        setContent { MaterialTheme { InboxScreen(session, client) } }
    }
}

@Composable
fun InboxScreen(session: ApprovalSession, client: QianpiClient) {
    var rows by remember { mutableStateOf(emptyList<InboxRow>()) }
    var status by remember { mutableStateOf("") }
    val scope = rememberCoroutineScope()
    suspend fun refresh() {
        status = when (val outcome = session.refresh()) {
            is SyncOutcome.Synced -> "已同步"
            is SyncOutcome.Offline -> "离线：${outcome.pending} 条待同步"
        }
        rows = session.inbox()
    }
    LaunchedEffect(Unit) { refresh() }
    Column(Modifier.padding(16.dp)) {
        Text(status, style = MaterialTheme.typography.labelMedium)
        LazyColumn {
            items(rows, key = { it.taskId }) { row ->
                ListItem(
                    headlineContent = { Text(row.headline) },
                    supportingContent = { Text(row.subtitle) },
                    trailingContent = {
                        if (row.actionable) {
                            Button(onClick = {
                                scope.launch {
                                    client.approve(row.taskId, Attitude.AGREE, "同意")
                                    refresh()
                                }
                            }) { Text("同意") }
                        } else {
                            Text(row.badge)
                        }
                    },
                )
            }
        }
    }
}
