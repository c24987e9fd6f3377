// Screen text as the view models hand it to the app: a string-resource name with its arguments,
// never a literal. The app resolves a name through its resources (res/values: 中文, the default;
// res/values-en: English); the JUnit tests resolve it through the same XML files with
// StringTable, so a test that reads "待同步" off a screen also proves the resource exists in both
// languages. Text the core already carries in both languages (an error's or a refusal's reason)
// travels as Both.
package cn.qianpi.shell.text

/** One piece of text a screen draws. */
sealed interface UiText {
    /** The string resource `key` (`R.string.<key>` in the app), formatted with `args` (`%1$s`…). */
    data class Res(val key: String, val args: List<String> = emptyList()) : UiText

    /** Text given in both languages by the core (errors, refusal reasons, server messages). */
    data class Both(val zh: String, val en: String) : UiText

    /** Data shown as it is (a title, a name, a document number): never translated. */
    data class Plain(val text: String) : UiText

    companion object {
        fun res(key: String, vararg args: String): UiText = Res(key, args.toList())
    }
}
