// The view models' UiText as the phone shows it: a string resource by name (res/values is 中文,
// the default; res/values-en English), text the core gave in both languages, or data as it is.
// Arguments are put in the same way as StringTable does in the JVM tests (%1$s, %1$d by
// position), so what a test reads off a view model is what the phone draws.
package cn.qianpi.app.ui

import android.annotation.SuppressLint
import android.content.Context
import android.content.res.Configuration
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import cn.qianpi.shell.text.UiText
import java.util.concurrent.ConcurrentHashMap

private val resourceIds = ConcurrentHashMap<String, Int>()

/**
 * The id of the string resource [key] (R.string.<key>). The view models name resources as data,
 * so they are found by name; StringsTest and PlatformFilesTest check every name exists in both
 * languages, and res/raw/keep.xml keeps them through resource shrinking.
 */
@SuppressLint("DiscouragedApi")
fun stringId(context: Context, key: String): Int = resourceIds.getOrPut(key) {
    context.resources.getIdentifier(key, "string", context.packageName)
}

private fun english(configuration: Configuration): Boolean = configuration.locales[0].language == "en"

/** Puts [args] into [pattern] by position. */
fun fill(pattern: String, args: List<String>): String {
    var out = pattern
    args.forEachIndexed { i, arg -> out = out.replace("%${i + 1}\$s", arg).replace("%${i + 1}\$d", arg) }
    return out
}

/** [text] outside composition (prompts, notifications of errors). */
fun Context.resolve(text: UiText): String = when (text) {
    is UiText.Plain -> text.text
    is UiText.Both -> if (english(resources.configuration)) text.en else text.zh
    is UiText.Res -> {
        val id = stringId(this, text.key)
        // A missing name shows itself rather than crashing a screen; the tests keep it from shipping.
        if (id == 0) text.key else fill(getString(id), text.args)
    }
}

/** [text] in a composable, following the phone's language. */
@Composable
fun ui(text: UiText): String = when (text) {
    is UiText.Plain -> text.text
    is UiText.Both -> if (english(LocalConfiguration.current)) text.en else text.zh
    is UiText.Res -> {
        val context = LocalContext.current
        val id = remember(text.key) { stringId(context, text.key) }
        if (id == 0) text.key else fill(stringResource(id), text.args)
    }
}

/** [text] or nothing. */
@Composable
fun uiOrNull(text: UiText?): String? = text?.let { ui(it) }
