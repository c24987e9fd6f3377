// The app's string resources read off the JVM: every res/values*/strings*.xml of the Android app,
// by language, so the view models' texts can be resolved (and checked) in the Linux tests exactly
// as the app resolves them on a phone. Only what the app uses is supported: <string name="…">
// with Android's escapes and positional %n$s arguments.
package cn.qianpi.shell.text

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/** A language's strings: `zh` is res/values (the default), `en` res/values-en. */
class StringTable private constructor(private val strings: Map<String, String>, private val english: Boolean) {
    /** The keys this language has. */
    val keys: Set<String> get() = strings.keys

    /** The text of `text` in this language; a missing key is an error, not a blank. */
    fun resolve(text: UiText): String = when (text) {
        is UiText.Plain -> text.text
        is UiText.Both -> if (english) text.en else text.zh
        is UiText.Res -> format(strings[text.key] ?: throw MissingString(text.key), text.args)
    }

    /** Thrown for a key neither the tests nor the app could resolve. */
    class MissingString(key: String) : IllegalStateException("no string resource named $key")

    companion object {
        /** res/values (中文) of the app whose `res` folder is `res`. */
        fun zh(res: File): StringTable = load(File(res, "values"), english = false)

        /** res/values-en (English). */
        fun en(res: File): StringTable = load(File(res, "values-en"), english = true)

        /** The app's resource folder, found from the working directory or the repository root. */
        fun appResources(): File {
            val candidates = listOf("android/app/src/main/res", "../app/src/main/res", "app/src/main/res")
            return candidates.map(::File).firstOrNull { File(it, "values").isDirectory }
                ?: error("android/app/src/main/res not found from ${File(".").absolutePath}")
        }

        private fun load(dir: File, english: Boolean): StringTable {
            val strings = mutableMapOf<String, String>()
            val files = dir.listFiles { f -> f.name.startsWith("strings") && f.name.endsWith(".xml") }.orEmpty()
            val factory = DocumentBuilderFactory.newInstance().apply {
                // Resource files are ours, but an XML parser never needs outside entities.
                setFeature("http://apache.org/xml/features/disallow-doctype-decl", true)
            }
            for (file in files.sortedBy { it.name }) {
                val nodes = factory.newDocumentBuilder().parse(file).getElementsByTagName("string")
                for (i in 0 until nodes.length) {
                    val node = nodes.item(i)
                    val name = node.attributes.getNamedItem("name").nodeValue
                    check(strings.put(name, unescape(node.textContent)) == null) {
                        "string $name is defined twice in ${dir.name}"
                    }
                }
            }
            return StringTable(strings, english)
        }

        private fun unescape(raw: String): String =
            raw.replace("\\'", "'").replace("\\\"", "\"").replace("\\n", "\n").replace("\\@", "@")

        private fun format(pattern: String, args: List<String>): String {
            var out = pattern
            args.forEachIndexed { i, arg -> out = out.replace("%${i + 1}\$s", arg).replace("%${i + 1}\$d", arg) }
            check(!Regex("%\\d+\\$[sd]").containsMatchIn(out)) { "too few arguments for \"$pattern\"" }
            return out
        }
    }
}
