// 代签: a secretary picks the leader they enter approvals for, sees the leader's tasks they may
// act on (the core's tasksHeldBy), and opens one in the acting screen on the leader's behalf.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.ListItem
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.rememberModel
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.screens.people.PeoplePickerViewModel
import cn.qianpi.shell.screens.people.PersonRow
import cn.qianpi.shell.text.UiText

@Composable
fun ActingForScreen(client: QianpiClient, onBack: () -> Unit, onAct: (taskId: String, leader: PersonRow) -> Unit) {
    var leader by remember { mutableStateOf<PersonRow?>(null) }
    var picking by remember { mutableStateOf(true) }
    var tasks by remember { mutableStateOf<List<Pair<String, String>>>(emptyList()) }
    var problem by remember { mutableStateOf<UiText?>(null) }
    LaunchedEffect(leader) {
        val chosen = leader ?: return@LaunchedEffect
        problem = null
        tasks = try {
            ActingViewModel.tasksHeldBy(client, chosen.userId).map { task ->
                task to (runCatching { client.documentDetail(task).head.title }.getOrNull() ?: task)
            }
        } catch (e: QianpiException) {
            problem = WorkText.error(e)
            emptyList()
        }
        if (tasks.isEmpty() && problem == null) problem = UiText.res("platform_acting_for_none")
    }
    Screen(stringResource(R.string.platform_acting_for), onBack) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            OutlinedButton(onClick = { picking = true }, modifier = Modifier.padding(16.dp)) {
                Text(leader?.name ?: stringResource(R.string.platform_acting_for_pick))
            }
            Problem(problem, Modifier.padding(horizontal = 16.dp))
            Note(leader?.let { UiText.res("acting_for", it.name) }, Modifier.padding(horizontal = 16.dp))
            LazyColumn(Modifier.fillMaxSize()) {
                items(tasks, key = { it.first }) { (task, title) ->
                    ListItem(
                        modifier = Modifier.clickable { leader?.let { onAct(task, it) } },
                        headlineContent = { Text(title) },
                    )
                }
            }
        }
    }
    if (picking) {
        val picker = rememberModel { scope -> PeoplePickerViewModel(client, scope, multiple = false) }
        PeoplePicker(
            picker,
            onDone = { picked ->
                picked.firstOrNull()?.let { leader = it }
                picking = false
            },
            onCancel = { picking = false },
        )
    }
}
