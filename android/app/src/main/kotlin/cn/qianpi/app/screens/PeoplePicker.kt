// 选择人员: departments with their people, search by name, pinyin or initials, one or several
// picked (PeoplePickerViewModel); shown over the acting screen for 转交 / 委派 / 加签 / 传阅.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Checkbox
import androidx.compose.material3.ListItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Dialog
import androidx.compose.ui.window.DialogProperties
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.Section
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.shell.screens.people.PeoplePickerViewModel
import cn.qianpi.shell.screens.people.PersonRow
import kotlinx.coroutines.launch

/** The picker as a full-screen dialog; [onDone] gets the people picked. */
@Composable
fun PeoplePicker(model: PeoplePickerViewModel, onDone: (List<PersonRow>) -> Unit, onCancel: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var query by remember { mutableStateOf("") }
    LaunchedEffect(model) { model.start() }
    Dialog(onDismissRequest = onCancel, properties = DialogProperties(usePlatformDefaultWidth = false)) {
        Screen(
            stringResource(if (state.multiple) R.string.people_title_many else R.string.people_title_one),
            onCancel,
            actions = { TextButton(onClick = { onDone(state.selected) }) { Text(stringResource(R.string.common_ok)) } },
        ) { padding ->
            Column(Modifier.padding(padding).fillMaxSize()) {
                OutlinedTextField(
                    value = query,
                    onValueChange = {
                        query = it
                        scope.launch { model.search(it) }
                    },
                    placeholder = { Text(stringResource(R.string.people_search_hint)) },
                    singleLine = true,
                    modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp),
                )
                Problem(state.error, Modifier.padding(horizontal = 16.dp))
                Note(state.noMatch, Modifier.padding(horizontal = 16.dp))
                LazyColumn(Modifier.weight(1f)) {
                    if (state.query.isNotBlank()) {
                        items(state.results, key = { "r" + it.userId }) { person -> Person(person) { model.toggle(person.userId) } }
                    } else {
                        state.groups.forEach { group ->
                            item { Section(ui(group.name)) {} }
                            items(group.people) { person ->
                                Person(person) { model.toggle(person.userId) }
                            }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun Person(person: PersonRow, onToggle: () -> Unit) {
    ListItem(
        modifier = Modifier.clickable(onClick = onToggle),
        leadingContent = { Checkbox(checked = person.selected, onCheckedChange = { onToggle() }) },
        headlineContent = { Text(person.name) },
        supportingContent = {
            Text(listOfNotNull(ui(person.department), ui(person.post), uiOrNull(person.phone)).joinToString(stringResource(R.string.platform_separator)))
        },
    )
}
