// 激活: the office's address, the login and the one-time code, typed or read from the
// administrator's QR code; then the fingerprint words to compare with the administrator's screen;
// then the wait for the administrator's approval (ActivationViewModel). The platform's key
// attestation (KeystoreAttester) goes with the activation.
package cn.qianpi.app.screens

import android.os.Build
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleStartEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.Services
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.QrScanner
import cn.qianpi.app.ui.rememberModel
import cn.qianpi.app.ui.ui
import cn.qianpi.app.ui.uiOrNull
import cn.qianpi.shell.screens.activation.ActivationStep
import cn.qianpi.shell.screens.activation.ActivationViewModel
import cn.qianpi.shell.text.UiText

@Composable
fun ActivationScreen(services: Services, onActivated: () -> Unit) {
    val model = rememberModel { scope ->
        ActivationViewModel(services.client, scope, deviceName = Build.MANUFACTURER + " " + Build.MODEL, attester = services.attester)
    }
    val state by model.state.collectAsStateWithLifecycle()
    var scanning by remember { mutableStateOf(false) }
    // Started again while the device still waits: back to the words and the wait.
    LaunchedEffect(model) { model.resume() }
    // The wait for approval asks the gateway only while the screen is seen.
    LifecycleStartEffect(model) {
        model.onShown()
        onStopOrDispose { model.onHidden() }
    }
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(ui(state.heading), style = MaterialTheme.typography.headlineSmall)
        state.hint?.let { Text(ui(it), style = MaterialTheme.typography.bodyMedium) }
        Problem(state.error)
        Note(state.errorDetail)
        when (val step = state.step) {
            ActivationStep.Entry -> {
                Note(state.inviteNote)
                if (scanning) {
                    QrScanner(onText = {
                        scanning = false
                        model.scanned(it)
                    })
                } else {
                    OutlinedButton(onClick = { scanning = true }) { Text(stringResource(R.string.activation_scan)) }
                }
                Field(state.serverUrl, model::editServer, R.string.activation_server, state.serverError, KeyboardType.Uri)
                Field(state.login, model::editLogin, R.string.activation_login, state.loginError, KeyboardType.Text)
                Field(state.code, model::editCode, R.string.activation_code, state.codeError, KeyboardType.Ascii)
                Button(onClick = { model.activate() }) { Text(stringResource(R.string.activation_submit)) }
            }
            ActivationStep.Activating -> CircularProgressIndicator()
            is ActivationStep.CompareWords -> {
                Words(step.words)
                Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    Button(onClick = { model.wordsMatch() }) { Text(stringResource(R.string.activation_words_match)) }
                    OutlinedButton(onClick = { model.wordsDiffer() }) { Text(stringResource(R.string.activation_words_differ)) }
                }
            }
            is ActivationStep.WaitingForApproval -> {
                Words(step.words)
                CircularProgressIndicator()
            }
            ActivationStep.WordsDiffered -> Unit
            is ActivationStep.Done -> Button(onClick = onActivated) { Text(stringResource(R.string.common_ok)) }
        }
    }
}

@Composable
private fun Field(value: String, onChange: (String) -> Unit, label: Int, error: UiText?, keyboard: KeyboardType) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(stringResource(label)) },
        isError = error != null,
        supportingText = { uiOrNull(error)?.let { Text(it) } },
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** The fingerprint words, large and numbered, to read out against the administrator's screen. */
@Composable
private fun Words(words: List<String>) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        words.forEachIndexed { i, word ->
            Text((i + 1).toString() + ". " + word, style = MaterialTheme.typography.titleLarge)
        }
    }
}
