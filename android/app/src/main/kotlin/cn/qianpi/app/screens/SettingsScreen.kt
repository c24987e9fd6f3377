// 设置: this phone and its binding (who, which device, how its keys are held, the fingerprint
// words, when activated, the server), the unit's lock time, standing delegations (委托) with a new
// one for a trip, 代签 for secretaries, and signing out, which wipes this phone's data after a
// confirmation (SettingsViewModel).
package cn.qianpi.app.screens

import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.Services
import cn.qianpi.app.ui.Note
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.Section
import cn.qianpi.app.ui.fill
import cn.qianpi.app.ui.rememberModel
import cn.qianpi.app.ui.ui
import cn.qianpi.core.DelegationScope
import cn.qianpi.shell.screens.settings.SettingsViewModel
import cn.qianpi.shell.screens.settings.SignOut
import java.time.Duration
import java.time.Instant

/** How long a new delegation runs: the choices offered, in days. */
private val DELEGATION_DAYS = listOf(1L, 3L, 7L, 14L)

@Composable
fun SettingsScreen(services: Services, onActingFor: () -> Unit, onWiped: () -> Unit) {
    val model = rememberModel { scope -> SettingsViewModel(services.client, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    var deputy by remember { mutableStateOf<String?>(null) }
    var days by remember { mutableStateOf(DELEGATION_DAYS.first()) }
    if (state.signOut == SignOut.Done) LaunchedEffect(Unit) { onWiped() }

    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(vertical = 8.dp)) {
        Text(stringResource(R.string.settings_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.padding(horizontal = 16.dp))
        Problem(state.error, Modifier.padding(horizontal = 16.dp))
        Note(state.notice, Modifier.padding(horizontal = 16.dp))
        state.device?.let { d ->
            Section(stringResource(R.string.settings_device_section)) {
                Text(ui(d.person))
                Text(ui(d.deviceName) + stringResource(R.string.platform_separator) + ui(d.platform))
                Text(ui(d.assurance))
                Text(ui(d.activatedAt))
                Text(ui(d.server))
                d.pending?.let { Problem(it) }
                Text(stringResource(R.string.settings_fingerprint_words), style = MaterialTheme.typography.labelLarge)
                Text(d.fingerprintWords.joinToString(" "), style = MaterialTheme.typography.titleMedium)
            }
        }
        state.lockTime?.let { lock ->
            Section(stringResource(R.string.settings_lock_time)) { Text(ui(lock)) }
        }
        Section(stringResource(R.string.settings_delegations)) {
            state.delegations.forEach { row ->
                Column(Modifier.padding(vertical = 4.dp)) {
                    Text(ui(row.deputy) + stringResource(R.string.platform_separator) + ui(row.status))
                    Text(ui(row.scope) + stringResource(R.string.platform_separator) + ui(row.period), style = MaterialTheme.typography.bodySmall)
                    if (row.canRevoke) {
                        TextButton(onClick = { model.revokeDelegation(row.id) }, enabled = !state.busy) {
                            Text(stringResource(R.string.settings_delegation_revoke))
                        }
                    }
                }
            }
            Text(stringResource(R.string.settings_delegation_new), style = MaterialTheme.typography.labelLarge)
            state.deputies.forEach { (department, people) ->
                Text(ui(department), style = MaterialTheme.typography.labelMedium)
                Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    people.forEach { p ->
                        FilterChip(selected = deputy == p.userId, onClick = { deputy = p.userId }, label = { Text(ui(p.name)) })
                    }
                }
            }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                DELEGATION_DAYS.forEach { d ->
                    FilterChip(selected = days == d, onClick = { days = d }, label = { Text(fill(stringResource(R.string.platform_days), listOf(d.toString()))) })
                }
            }
            Button(
                onClick = {
                    val to = deputy ?: return@Button
                    val start = Instant.now()
                    model.setDelegation(to, DelegationScope.All, start, start.plus(Duration.ofDays(days)))
                },
                enabled = deputy != null && !state.busy,
            ) { Text(stringResource(R.string.platform_delegate)) }
        }
        Section(stringResource(R.string.platform_acting_for)) {
            OutlinedButton(onClick = onActingFor) { Text(stringResource(R.string.platform_acting_for_pick)) }
        }
        Section(stringResource(R.string.settings_sign_out)) {
            OutlinedButton(onClick = { model.requestSignOut() }, enabled = state.signOut == SignOut.Idle) {
                Text(stringResource(R.string.settings_sign_out), color = MaterialTheme.colorScheme.error)
            }
        }
    }
    val dialog = state.signOut
    if (dialog is SignOut.Confirming) {
        AlertDialog(
            onDismissRequest = { model.cancelSignOut() },
            title = { Text(ui(dialog.title)) },
            text = { Text(ui(dialog.message)) },
            confirmButton = {
                TextButton(onClick = { model.confirmSignOut() }) {
                    Text(stringResource(R.string.settings_sign_out_confirm), color = MaterialTheme.colorScheme.error)
                }
            },
            dismissButton = { TextButton(onClick = { model.cancelSignOut() }) { Text(stringResource(R.string.common_cancel)) } },
        )
    }
}
