// 解锁: the data is locked; the button shows the presence prompt (UnlockViewModel decides what
// follows). The prompt shows by itself when the screen appears.
package cn.qianpi.app.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.qianpi.app.R
import cn.qianpi.app.ui.Problem
import cn.qianpi.app.ui.ui
import cn.qianpi.shell.screens.unlock.UnlockPhase
import cn.qianpi.shell.screens.unlock.UnlockViewModel

@Composable
fun UnlockScreen(model: UnlockViewModel) {
    val state by model.state.collectAsStateWithLifecycle()
    LaunchedEffect(model) { model.unlock() }
    Column(
        Modifier.fillMaxSize().padding(32.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Text(ui(state.title), style = MaterialTheme.typography.headlineSmall)
        Text(ui(state.hint), style = MaterialTheme.typography.bodyMedium)
        Problem(state.message)
        when (state.phase) {
            UnlockPhase.Prompting, UnlockPhase.Unlocking -> CircularProgressIndicator()
            else -> Button(onClick = { model.unlock() }) { Text(stringResource(R.string.unlock_button)) }
        }
    }
}
