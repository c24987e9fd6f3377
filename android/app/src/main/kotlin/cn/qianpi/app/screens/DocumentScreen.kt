// 公文详情: head fields, 办理时限 and 超期, the body (fetched with progress, rendered page by page
// from memory), attachments, opinions by 意见栏 and the 流转记录, under the watermark with the
// viewer's name and the time. DocumentViewModel holds it all; a PDF attachment opens in the same
// in-memory viewer, other kinds are not shown on the phone (they would need a file).
package cn.qianpi.app.screens

import androidx.compose.foundation.Image
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Dialog
import androidx.compose.ui.window.DialogProperties
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.MemoryPdf
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.Section
import cn.qianpi.app.ui.Watermark
import cn.qianpi.app.ui.fill
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.shell.screens.document.BodyState
import cn.qianpi.shell.screens.document.DocumentState
import cn.qianpi.shell.screens.document.DocumentViewModel
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

private const val PDF = "application/pdf"

@Composable
fun DocumentScreen(model: DocumentViewModel, viewer: String, onBack: () -> Unit, onAct: (String) -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var attachment by remember { mutableStateOf<ByteArray?>(null) }
    var attachmentProblem by remember { mutableStateOf<UiText?>(null) }
    LaunchedEffect(model) { model.start() }

    Screen(uiOrNull(state.title) ?: stringResource(R.string.platform_document_title), onBack, actions = {
        state.taskId?.let { task -> TextButton(onClick = { onAct(task) }) { Text(stringResource(R.string.platform_act)) } }
    }) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            val ready = state.body as? BodyState.Ready
            val pdf = ready?.takeIf { it.mediaType == PDF }?.let { rememberMemoryPdf(it.bytes) }
            LazyColumn(Modifier.fillMaxSize()) {
                item { Head(state) }
                bodySection(state.body, pdf, onOpen = { scope.launch { model.openBody() } })
                if (state.attachments.isNotEmpty()) {
                    item { Section(stringResource(R.string.platform_attachments)) {} }
                    items(state.attachments, key = { it.id }) { row ->
                        ListItem(
                            modifier = Modifier.clickable {
                                scope.launch {
                                    model.openFile(row.sha256).fold(
                                        onSuccess = { attachment = it },
                                        onFailure = { attachmentProblem = WorkText.error(it) },
                                    )
                                }
                            },
                            headlineContent = { Text(ui(row.name)) },
                            supportingContent = { Text(ui(row.size)) },
                        )
                    }
                    item { Problem(attachmentProblem, Modifier.padding(horizontal = 16.dp)) }
                }
                state.opinions.forEach { column ->
                    item { Section(ui(column.name)) {} }
                    items(column.opinions) { o ->
                        ListItem(
                            overlineContent = { Text(listOfNotNull(ui(o.author), ui(o.attitude), uiOrNull(o.time)).joinToString(stringResource(R.string.platform_separator))) },
                            headlineContent = { Text(ui(o.text)) },
                            supportingContent = {
                                val extra = listOfNotNull(uiOrNull(o.onBehalf), uiOrNull(o.pending))
                                if (extra.isNotEmpty()) Text(extra.joinToString(stringResource(R.string.platform_separator)))
                            },
                        )
                    }
                }
                if (state.flow.isNotEmpty()) {
                    item { Section(stringResource(R.string.platform_flow_record)) {} }
                    items(state.flow) { step ->
                        ListItem(
                            overlineContent = { Text(listOfNotNull(uiOrNull(step.time), uiOrNull(step.node)).joinToString(stringResource(R.string.platform_separator))) },
                            headlineContent = { Text(listOf(ui(step.actor), ui(step.action)).joinToString(" ")) },
                            supportingContent = {
                                val extra = listOfNotNull(uiOrNull(step.detail), uiOrNull(step.pending))
                                if (extra.isNotEmpty()) Text(extra.joinToString(stringResource(R.string.platform_separator)))
                            },
                        )
                    }
                }
            }
            Watermark(viewer)
        }
    }
    attachment?.let { bytes -> AttachmentViewer(bytes, viewer) { attachment = null } }
}

@Composable
private fun Head(state: DocumentState) {
    Column(Modifier.padding(16.dp)) {
        if (state.loading) CircularProgressIndicator()
        Problem(state.error)
        val marks = listOfNotNull(uiOrNull(state.urgency), uiOrNull(state.overdue))
        if (marks.isNotEmpty()) Text(marks.joinToString(stringResource(R.string.platform_separator)), color = MaterialTheme.colorScheme.error)
        state.title?.let { Text(ui(it), style = MaterialTheme.typography.titleLarge) }
        state.head.forEach { field ->
            Row { Text(fill(stringResource(R.string.platform_field), listOf(ui(field.label), ui(field.value))), style = MaterialTheme.typography.bodyMedium) }
        }
        Note(state.deadline)
        Note(state.state)
        Note(state.currentNodes)
    }
    HorizontalDivider()
}

private fun LazyListScope.bodySection(body: BodyState, pdf: Result<MemoryPdf>?, onOpen: () -> Unit) {
    when (body) {
        BodyState.None -> Unit
        is BodyState.NotLoaded -> item {
            Button(onClick = onOpen, modifier = Modifier.padding(16.dp)) {
                Text(fill(stringResource(R.string.platform_open_body), listOf(ui(body.size))))
            }
        }
        is BodyState.Downloading -> item {
            Column(Modifier.padding(16.dp)) {
                LinearProgressIndicator(progress = { body.fraction }, modifier = Modifier.fillMaxWidth())
                Text(ui(body.text), style = MaterialTheme.typography.bodySmall)
            }
        }
        is BodyState.Failed -> item { Problem(body.message, Modifier.padding(16.dp)) }
        is BodyState.Ready -> if (body.mediaType == PDF) {
            pdfPages(pdf)
        } else {
            item { Note(UiText.res("platform_body_not_pdf"), Modifier.padding(16.dp)) }
        }
    }
}

/** [bytes] opened as a PDF in memory while shown: null while opening, a failure if it is not one. */
@Composable
private fun rememberMemoryPdf(bytes: ByteArray): Result<MemoryPdf>? {
    val pdf by produceState<Result<MemoryPdf>?>(null, bytes) {
        val opened = withContext(Dispatchers.IO) { runCatching { MemoryPdf.open(bytes) } }
        value = opened
        awaitDispose { opened.getOrNull()?.close() }
    }
    return pdf
}

/** The pages of [bytes] as list items, each rendered to the screen's width when it scrolls into view. */
private fun LazyListScope.pdfPages(pdf: Result<MemoryPdf>?) {
    val document = pdf?.getOrNull()
    when {
        pdf == null -> item { CircularProgressIndicator(Modifier.padding(16.dp)) }
        document == null -> item { Note(UiText.res("platform_body_unreadable"), Modifier.padding(16.dp)) }
        else -> items(document.pageCount) { index -> PdfPage(document, index) }
    }
}

@Composable
private fun PdfPage(document: MemoryPdf, index: Int) {
    BoxWithConstraints(Modifier.fillMaxWidth()) {
        val width = with(LocalDensity.current) { maxWidth.roundToPx() }
        val page by produceState<ImageBitmap?>(null, document, index, width) {
            value = withContext(Dispatchers.Default) { runCatching { document.render(index, width).asImageBitmap() }.getOrNull() }
        }
        Column {
            page?.let { Image(it, contentDescription = null, contentScale = ContentScale.FillWidth, modifier = Modifier.fillMaxWidth()) }
            HorizontalDivider()
        }
    }
}

/** A PDF attachment over the document, watermarked too. */
@Composable
fun AttachmentViewer(bytes: ByteArray, viewer: String, onClose: () -> Unit) {
    Dialog(onDismissRequest = onClose, properties = DialogProperties(usePlatformDefaultWidth = false)) {
        Screen(stringResource(R.string.platform_attachments), onClose) { padding ->
            Box(Modifier.padding(padding).fillMaxSize()) {
                val pdf = rememberMemoryPdf(bytes)
                LazyColumn(Modifier.fillMaxSize()) { pdfPages(pdf) }
                Watermark(viewer)
            }
        }
    }
}
