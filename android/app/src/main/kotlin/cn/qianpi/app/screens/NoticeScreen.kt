// 一条通知: its text, publisher and time, attachments (a PDF opens in the in-memory viewer), and
// the receipt form — choices, the note as the notice asks for it, send — with what was sent and
// whether the office took it (NoticeViewModel). Watermarked like a document.
package cn.qianpi.app.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.Section
import cn.qianpi.app.ui.Watermark
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.core.NoteRule
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.screens.notices.NoticeViewModel
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.launch

@Composable
fun NoticeScreen(model: NoticeViewModel, viewer: String, onBack: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var attachment by remember { mutableStateOf<ByteArray?>(null) }
    var attachmentProblem by remember { mutableStateOf<UiText?>(null) }
    LaunchedEffect(model) { model.load() }
    Screen(uiOrNull(state.title) ?: stringResource(R.string.platform_notices), onBack) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp)) {
                if (state.loading) CircularProgressIndicator()
                Problem(state.error)
                state.title?.let { Text(ui(it), style = MaterialTheme.typography.titleLarge) }
                Note(state.publisher)
                Note(state.time)
                state.body?.let { Text(ui(it), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(vertical = 12.dp)) }
                if (state.attachments.isNotEmpty()) {
                    Section(stringResource(R.string.platform_attachments)) {
                        state.attachments.forEach { row ->
                            ListItem(
                                modifier = Modifier.clickable {
                                    scope.launch {
                                        model.openAttachment(row.id).fold(
                                            onSuccess = { attachment = it },
                                            onFailure = { attachmentProblem = WorkText.error(it) },
                                        )
                                    }
                                },
                                headlineContent = { Text(ui(row.name)) },
                                supportingContent = { Text(ui(row.size)) },
                            )
                        }
                        Problem(attachmentProblem)
                    }
                }
                Note(state.receiptLine)
                Problem(state.receiptRefusal)
                state.receipt?.let { form ->
                    Section(stringResource(R.string.platform_receipt)) {
                        form.choices.forEach { choice ->
                            Row(verticalAlignment = Alignment.CenterVertically) {
                                RadioButton(selected = choice.selected, onClick = { model.choose(choice.id) }, enabled = form.editable)
                                Text(ui(choice.label))
                            }
                        }
                        if (form.noteRule != NoteRule.FORBIDDEN) {
                            OutlinedTextField(
                                value = form.note,
                                onValueChange = model::setNote,
                                enabled = form.editable,
                                label = { uiOrNull(form.noteLabel)?.let { Text(it) } },
                                modifier = Modifier.fillMaxWidth(),
                            )
                        }
                        Problem(state.problem)
                        Button(onClick = { scope.launch { model.sendReceipt() } }, enabled = form.editable && !state.sending) {
                            Text(stringResource(R.string.platform_send_receipt))
                        }
                    }
                }
            }
            Watermark(viewer)
        }
    }
    attachment?.let { bytes -> AttachmentViewer(bytes, viewer) { attachment = null } }
}
