// Small pieces every screen uses: a view model remembered with a scope of its own (cancelled, and
// the model closed, when the screen leaves), the screen frame with its back button, and the line
// that shows a problem. Nothing here decides anything.
package cn.qianpi.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import cn.qianpi.app.R
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel

/** A view model with the scope it runs in. */
class ModelHolder<T : Any>(make: (CoroutineScope) -> T) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    val model: T = make(scope)

    fun close() {
        (model as? AutoCloseable)?.close()
        scope.cancel()
    }
}

/** The view model [make] builds, kept while [keys] stay the same and the screen is shown. */
@Composable
fun <T : Any> rememberModel(vararg keys: Any?, make: (CoroutineScope) -> T): T {
    val holder = remember(*keys) { ModelHolder(make) }
    DisposableEffect(holder) { onDispose { holder.close() } }
    return holder.model
}

/** A screen: its title, a back button when there is somewhere to go back to, and its content. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun Screen(
    title: String,
    onBack: (() -> Unit)?,
    actions: @Composable RowScope.() -> Unit = {},
    bottomBar: @Composable () -> Unit = {},
    content: @Composable (PaddingValues) -> Unit,
) {
    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(title, maxLines = 1) },
                navigationIcon = {
                    if (onBack != null) TextButton(onClick = onBack) { Text(stringResource(R.string.platform_back)) }
                },
                actions = actions,
            )
        },
        bottomBar = bottomBar,
        content = content,
    )
}

/** A problem or error line, in the error colour; nothing when there is none. */
@Composable
fun Problem(text: UiText?, modifier: Modifier = Modifier) {
    if (text == null) return
    Text(ui(text), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium, modifier = modifier)
}

/** A note line (what happened, what waits), quieter than the content. */
@Composable
fun Note(text: UiText?, modifier: Modifier = Modifier) {
    if (text == null) return
    Text(ui(text), color = MaterialTheme.colorScheme.secondary, style = MaterialTheme.typography.bodySmall, modifier = modifier)
}

/** A titled block of a long screen. */
@Composable
fun Section(title: String, content: @Composable () -> Unit) {
    Column(Modifier.padding(horizontal = 16.dp, vertical = 8.dp)) {
        Text(title, style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.primary)
        content()
    }
}
