// 办理: the permitted actions only, for 同意 the attitude and route, for 退回 the step, the opinion
// typed or taken from 常用意见, the handwriting pad, the people picker for 转交 / 委派 / 加签 / 传阅,
// the rule before sending, and 代签 when a secretary acts for a leader. ActingViewModel holds it
// all; sending goes through the presence prompt that signs the prepared bytes (BiometricGate).
package cn.qianpi.app.screens

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.border
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.PAD_ASPECT
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Screen
import cn.qianpi.app.ui.Section
import cn.qianpi.app.ui.rememberModel
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.core.Attitude
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.SignPlace
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.ActionKind
import cn.qianpi.shell.screens.acting.PadPoint
import cn.qianpi.shell.screens.acting.PeopleNeed
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.screens.people.PeoplePickerViewModel
import kotlinx.coroutines.launch

@Composable
fun ActingScreen(model: ActingViewModel, client: QianpiClient, onBack: () -> Unit, onOpenDocument: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var picking by remember { mutableStateOf(false) }
    LaunchedEffect(model) { model.load() }

    Screen(uiOrNull(state.title) ?: stringResource(R.string.platform_act), onBack, actions = {
        TextButton(onClick = onOpenDocument) { Text(stringResource(R.string.platform_document_title)) }
    }) { padding ->
        Column(
            Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            if (state.loading) CircularProgressIndicator()
            Note(state.actingFor)
            Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                state.actions.forEach { choice ->
                    FilterChip(selected = state.chosen == choice.kind, onClick = { model.choose(choice.kind) }, label = { Text(ui(choice.label)) })
                }
            }
            val chosen = state.chosen
            if (chosen == ActionKind.APPROVE) {
                Row(verticalAlignment = Alignment.CenterVertically) {
                    listOf(Attitude.AGREE, Attitude.DISAGREE).forEach { attitude ->
                        RadioButton(selected = state.attitude == attitude, onClick = { model.setAttitude(attitude) })
                        Text(ui(WorkText.attitude(attitude)))
                    }
                }
                state.routes.forEach { route ->
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        RadioButton(selected = route.selected, onClick = { model.selectRoute(route.id) })
                        Text(ui(route.label))
                    }
                }
            }
            if (chosen == ActionKind.RETURN) {
                state.returnTargets.forEach { target ->
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        RadioButton(selected = target.selected, onClick = { model.selectReturnTarget(target.id) })
                        Text(ui(target.label))
                    }
                }
            }
            if (chosen != null && chosen.people != PeopleNeed.NONE) {
                OutlinedButton(onClick = { picking = true }) { Text(stringResource(R.string.platform_pick_people)) }
                if (state.people.isNotEmpty()) Text(state.people.joinToString(stringResource(R.string.platform_list_separator)) { it.name })
                if (chosen == ActionKind.ADD_SIGNERS) {
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        RadioButton(selected = state.signPlace == SignPlace.BEFORE, onClick = { model.setSignPlace(SignPlace.BEFORE) })
                        Text(stringResource(R.string.platform_sign_before))
                        RadioButton(selected = state.signPlace == SignPlace.AFTER, onClick = { model.setSignPlace(SignPlace.AFTER) })
                        Text(stringResource(R.string.platform_sign_after))
                    }
                }
            }
            Problem(state.rule)
            OutlinedTextField(
                value = state.opinion,
                onValueChange = model::setOpinion,
                label = { Text(stringResource(R.string.platform_opinion)) },
                minLines = 3,
                modifier = Modifier.fillMaxWidth(),
            )
            if (state.phrases.isNotEmpty()) {
                Section(stringResource(R.string.platform_phrases)) {
                    Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        state.phrases.forEachIndexed { index, phrase ->
                            FilterChip(selected = false, onClick = { model.usePhrase(index) }, label = { Text(ui(phrase)) })
                        }
                    }
                }
            }
            Section(stringResource(R.string.platform_handwriting)) {
                HandwritingPad(state.strokes, onBegin = model::beginStroke, onExtend = model::extendStroke)
                Row {
                    TextButton(onClick = model::undoStroke) { Text(stringResource(R.string.platform_undo)) }
                    TextButton(onClick = model::clearPad) { Text(stringResource(R.string.platform_clear)) }
                }
            }
            Problem(state.problem)
            Note(state.sent)
            state.verdict?.let { verdict ->
                Text(ui(verdict.title), color = if (verdict.accepted) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error)
                verdict.reason?.let { Problem(it) }
            }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                if (state.canSaveDraft) {
                    OutlinedButton(onClick = { scope.launch { model.saveDraft() } }, enabled = !state.sending) {
                        Text(stringResource(R.string.platform_save_draft))
                    }
                }
                Button(onClick = { scope.launch { model.send() } }, enabled = !state.sending && state.actions.isNotEmpty()) {
                    Text(stringResource(R.string.platform_send))
                }
            }
        }
    }
    if (picking) {
        val many = state.chosen?.people == PeopleNeed.MANY
        val picker = rememberModel(many) { scope -> PeoplePickerViewModel(client, scope, many) }
        PeoplePicker(
            picker,
            onDone = {
                model.setPeople(it)
                picking = false
            },
            onCancel = { picking = false },
        )
    }
}

/** The pad: strokes drawn with a finger, kept by the view model as points from 0 to 1. */
@Composable
private fun HandwritingPad(
    strokes: List<cn.qianpi.shell.screens.acting.Stroke>,
    onBegin: (PadPoint) -> Unit,
    onExtend: (PadPoint) -> Unit,
) {
    val ink = MaterialTheme.colorScheme.onSurface
    Canvas(
        Modifier
            .fillMaxWidth()
            .aspectRatio(PAD_ASPECT)
            .border(1.dp, MaterialTheme.colorScheme.outline)
            .pointerInput(Unit) {
                fun point(at: Offset) = PadPoint(
                    (at.x / size.width).coerceIn(0f, 1f),
                    (at.y / size.height).coerceIn(0f, 1f),
                )
                detectDragGestures(
                    onDragStart = { onBegin(point(it)) },
                    onDrag = { change, _ -> onExtend(point(change.position)) },
                )
            },
    ) {
        strokes.forEach { stroke ->
            stroke.points.zipWithNext { a, b ->
                drawLine(
                    ink,
                    Offset(a.x * size.width, a.y * size.height),
                    Offset(b.x * size.width, b.y * size.height),
                    strokeWidth = 3.dp.toPx(),
                    cap = StrokeCap.Round,
                )
            }
        }
    }
}

