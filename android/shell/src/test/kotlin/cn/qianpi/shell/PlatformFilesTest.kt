// The Android app's platform files, checked here although the app itself cannot be built on this
// machine: the manifest asks only for the permissions the app uses and declares one activity,
// which sets FLAG_SECURE before drawing anything; backup and device transfer carry nothing and the
// store lives in the folder Android never backs up; no document body is ever written to a file;
// every string resource the app's Kotlin names exists in Chinese and English, and none of it holds
// Chinese text of its own; the approval key's API-level guards are in place; the Gradle versions
// are explicit; and the Android library script refuses clearly without an NDK.
package cn.qianpi.shell

import cn.qianpi.shell.text.StringTable
import org.junit.jupiter.api.Test
import org.w3c.dom.Element
import java.io.File
import java.util.concurrent.TimeUnit
import javax.xml.parsers.DocumentBuilderFactory
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.test.fail

private const val ANDROID_NS = "http://schemas.android.com/apk/res/android"

class PlatformFilesTest {
    private val android: File = listOf("android", "..", ".").map(::File)
        .firstOrNull { File(it, "app/src/main/AndroidManifest.xml").isFile }
        ?.canonicalFile
        ?: error("android/app/src/main/AndroidManifest.xml not found from ${File(".").absolutePath}")
    private val app = File(android, "app/src/main")
    private val kotlinFiles = File(app, "kotlin").walk().filter { it.isFile && it.extension == "kt" }.toList()

    private fun xml(file: File): Element {
        val factory = DocumentBuilderFactory.newInstance().apply {
            isNamespaceAware = true
            setFeature("http://apache.org/xml/features/disallow-doctype-decl", true)
        }
        return factory.newDocumentBuilder().parse(file).documentElement
    }

    private fun Element.children(tag: String): List<Element> {
        val nodes = getElementsByTagName(tag)
        return (0 until nodes.length).map { nodes.item(it) as Element }
    }

    private fun Element.androidAttr(name: String): String = getAttributeNS(ANDROID_NS, name)

    /** The app's Kotlin without comments: what the compiler sees. */
    private fun code(file: File): String = stripComments(file.readText())

    private fun appCode(): Map<String, String> = kotlinFiles.associate { it.relativeTo(app).path to code(it) }

    @Test
    fun `the manifest asks only for the permissions the app uses`() {
        val manifest = xml(File(app, "AndroidManifest.xml"))
        val permissions = manifest.children("uses-permission").map { it.androidAttr("name") }.toSet()
        assertEquals(
            setOf(
                "android.permission.INTERNET",
                "android.permission.ACCESS_NETWORK_STATE",
                "android.permission.USE_BIOMETRIC",
                "android.permission.CAMERA",
            ),
            permissions,
        )
        // Notifications would need POST_NOTIFICATIONS: the app posts none.
        val notifying = appCode().filterValues { "NotificationManager" in it || "NotificationCompat" in it }.keys
        assertEquals(emptySet(), notifying, "files posting notifications without the permission")
        // The camera serves the QR code only and may be missing.
        val camera = manifest.children("uses-feature").single { it.androidAttr("name").startsWith("android.hardware.camera") }
        assertEquals("false", camera.androidAttr("required"))
    }

    @Test
    fun `one activity holds every screen and sets FLAG_SECURE before drawing`() {
        val manifest = xml(File(app, "AndroidManifest.xml"))
        val activities = manifest.children("activity").map { it.androidAttr("name") }
        assertEquals(listOf(".MainActivity"), activities)
        // No other Activity class hides in the sources (it would show without FLAG_SECURE).
        val activityClasses = appCode().filterValues { Regex("""class \w+\s*(\([^)]*\))?\s*:\s*\w*Activity\(""").containsMatchIn(it) }.keys
        assertEquals(setOf("kotlin/cn/qianpi/app/MainActivity.kt"), activityClasses)
        val main = code(File(app, "kotlin/cn/qianpi/app/MainActivity.kt"))
        val onCreate = main.indexOf("override fun onCreate(")
        val secure = main.indexOf("WindowManager.LayoutParams.FLAG_SECURE", onCreate)
        val content = main.indexOf("setContent", onCreate)
        assertTrue(onCreate >= 0 && secure > onCreate, "MainActivity.onCreate sets FLAG_SECURE")
        assertTrue(content > secure, "FLAG_SECURE is set before the content is drawn")
        assertTrue(Regex("""window\.(setFlags|addFlags)\(\s*WindowManager\.LayoutParams\.FLAG_SECURE""").containsMatchIn(main))
        // Dialogs inherit the window's flag unless told otherwise: nothing tells them otherwise.
        val insecure = appCode().filterValues { "SecureFlagPolicy.SecureOff" in it || "clearFlags(" in it }.keys
        assertEquals(emptySet(), insecure)
    }

    @Test
    fun `backup and device transfer carry nothing, and the store is in the folder never backed up`() {
        val application = xml(File(app, "AndroidManifest.xml")).children("application").single()
        assertEquals("false", application.androidAttr("allowBackup"))
        assertEquals("@xml/data_extraction_rules", application.androidAttr("dataExtractionRules"))
        assertEquals("@xml/backup_rules", application.androidAttr("fullBackupContent"))
        val everything = setOf("root", "file", "database", "sharedpref", "external")

        fun excludesAll(section: Element, where: String) {
            assertEquals(0, section.children("include").size, "$where includes something")
            val excluded = section.children("exclude").filter { it.getAttribute("path") == "." }.map { it.getAttribute("domain") }.toSet()
            assertEquals(emptySet(), everything - excluded, "$where does not exclude every domain")
        }
        val rules = xml(File(app, "res/xml/data_extraction_rules.xml"))
        assertEquals(1, rules.children("cloud-backup").size)
        assertEquals(1, rules.children("device-transfer").size)
        excludesAll(rules.children("cloud-backup").single(), "cloud-backup")
        excludesAll(rules.children("device-transfer").single(), "device-transfer")
        excludesAll(xml(File(app, "res/xml/backup_rules.xml")), "full-backup-content")

        // The client's folder is under noBackupFilesDir, and nothing else in the app opens a
        // folder that backups or other apps could reach.
        val opening = appCode().filterValues { "QianpiClient.open(" in it }
        assertEquals(listOf("kotlin/cn/qianpi/app/QianpiApp.kt"), opening.keys.toList())
        assertTrue("noBackupFilesDir.resolve(\"qianpi\")" in opening.values.single())
        val elsewhere = appCode().filterValues { code ->
            listOf("filesDir", "cacheDir", "getExternalFilesDir", "externalCacheDir", "openFileOutput", "getDatabasePath")
                .any { Regex("""(?<![A-Za-z])$it""").containsMatchIn(code) }
        }.keys
        assertEquals(emptySet(), elsewhere, "app code touching backed-up or shared folders")
    }

    @Test
    fun `a document body is never written to a file`() {
        val fileWriters = listOf("FileOutputStream(", "createTempFile", "ParcelFileDescriptor.open(", "writeBytes(", "RandomAccessFile(")
        val offenders = appCode().filter { (_, code) -> fileWriters.any { it in code } }.keys
        assertEquals(emptySet(), offenders)
        val pdf = code(File(app, "kotlin/cn/qianpi/app/ui/MemoryPdf.kt"))
        assertTrue("Os.memfd_create(" in pdf && "SharedMemory.create(" in pdf, "the body goes to anonymous memory")
        assertTrue("Build.VERSION.SDK_INT >= Build.VERSION_CODES.R" in pdf, "memfd_create is API 30: guarded")
    }

    @Test
    fun `every string the app names exists in both languages, and its Kotlin holds no Chinese text`() {
        val res = File(app, "res")
        val zh = StringTable.zh(res).keys
        val en = StringTable.en(res).keys
        val named = appCode().values.flatMap { code ->
            Regex("""R\.string\.([a-z0-9_]+)""").findAll(code).map { it.groupValues[1] } +
                Regex("""UiText\.res\("([a-z0-9_]+)"""").findAll(code).map { it.groupValues[1] }
        }.toSet()
        assertTrue(named.size > 30, "the app names its strings (found ${named.size})")
        assertEquals(emptySet(), named - zh, "named in the app, missing in res/values")
        assertEquals(emptySet(), named - en, "named in the app, missing in res/values-en")

        val han = Regex("""[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]""")
        val chinese = kotlinFiles.flatMap { file ->
            stringLiterals(file.readText()).filter { han.containsMatchIn(it) }.map { "${file.name}: \"$it\"" }
        }
        assertEquals(emptyList(), chinese, "Chinese text in Kotlin literals instead of string resources")
    }

    @Test
    fun `the approval key needs the person on every use, with guards for Android 9 and 10`() {
        val keys = code(File(app, "kotlin/cn/qianpi/app/AndroidKeystoreKeys.kt"))
        // setUserAuthenticationParameters is API 30: only behind the guard, with the API 28/29
        // per-use form in the else branch.
        val guarded = Regex(
            """if \(Build\.VERSION\.SDK_INT >= Build\.VERSION_CODES\.R\) \{\s*(//[^\n]*\s*)*builder\.setUserAuthenticationParameters\(\s*0,""",
        )
        assertTrue(guarded.containsMatchIn(keys), "setUserAuthenticationParameters(0, …) only on API 30+")
        assertEquals(1, Regex("""setUserAuthenticationParameters\(""").findAll(keys).count())
        assertTrue("setUserAuthenticationValidityDurationSeconds(-1)" in keys)
        assertTrue("setIsStrongBoxBacked(true)" in keys && "catch (unavailable: StrongBoxUnavailableException)" in keys)
        assertTrue("setAttestationChallenge(" in keys)
        val gate = code(File(app, "kotlin/cn/qianpi/app/BiometricGate.kt"))
        assertTrue("BiometricPrompt.CryptoObject(signature)" in gate, "the approval prompt is bound to the signature")
        assertTrue("authorised.update(request.toBeSigned)" in gate, "it signs exactly the prepared bytes")
        // The core's one-call approve must fail on a phone: sign() never reaches a prompt.
        assertTrue("BiometricPrompt" !in keys)
    }

    @Test
    fun `every Gradle version is explicit`() {
        val catalog = File(android, "gradle/libs.versions.toml").readLines()
        val versions = catalog.dropWhile { it.trim() != "[versions]" }.drop(1).takeWhile { !it.startsWith("[") }
            .filter { "=" in it }
        assertTrue(versions.size >= 10)
        for (line in versions) {
            val value = line.substringAfter("=").trim().trim('"')
            assertTrue(Regex("""\d+(\.\d+)+""").matches(value), "not an exact version: $line")
        }
        val builds = android.walk().filter { it.name == "build.gradle.kts" || it.name == "settings.gradle.kts" }.toList()
        assertTrue(builds.size >= 6)
        for (build in builds) {
            val text = build.readText()
            assertTrue(Regex(""":\+|\+"|latest\.""").find(text) == null, "a dynamic version in $build")
        }
        val keep = File(android, "app/proguard-rules.pro").readText() + File(android, "qianpi/consumer-rules.pro").readText()
        assertTrue("-keep class com.sun.jna.** { *; }" in keep && "-keep class cn.qianpi.core.** { *; }" in keep)
    }

    @Test
    fun `the Android library script stops with a clear message when there is no NDK`() {
        val script = File(android.parentFile, "scripts/android-libs.sh")
        assertTrue(script.canExecute(), "$script is executable")
        val empty = kotlin.io.path.createTempDirectory("no-sdk").toFile()
        try {
            val process = ProcessBuilder("bash", script.path)
                .directory(android.parentFile)
                .redirectErrorStream(true)
                .apply {
                    val env = environment()
                    listOf("ANDROID_NDK_HOME", "ANDROID_NDK_ROOT", "ANDROID_NDK", "NDK_HOME").forEach(env::remove)
                    env["ANDROID_HOME"] = empty.path
                    env["ANDROID_SDK_ROOT"] = empty.path
                }
                .start()
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly()
                fail("android-libs.sh did not stop without an NDK")
            }
            val output = process.inputStream.bufferedReader().readText()
            assertNotEquals(0, process.exitValue(), output)
            assertTrue("NDK" in output && "ANDROID_NDK_HOME" in output, "the message says what is missing: $output")
        } finally {
            empty.deleteRecursively()
        }
    }
}

/** [source] without its comments (strings kept as they are). */
internal fun stripComments(source: String): String {
    val out = StringBuilder()
    var i = 0
    while (i < source.length) {
        when {
            source.startsWith("//", i) -> while (i < source.length && source[i] != '\n') i++
            source.startsWith("/*", i) -> {
                val end = source.indexOf("*/", i + 2)
                i = if (end < 0) source.length else end + 2
            }
            source[i] == '"' -> {
                val end = literalEnd(source, i)
                out.append(source, i, end)
                i = end
            }
            source[i] == '\'' -> {
                // A character literal: copied whole, so a quote inside it opens nothing.
                var j = i + 1
                while (j < source.length && source[j] != '\'') j += if (source[j] == '\\') 2 else 1
                out.append(source, i, minOf(j + 1, source.length))
                i = j + 1
            }
            else -> out.append(source[i++])
        }
    }
    return out.toString()
}

/** Where the string literal opening at [start] ends (past its closing quote). */
private fun literalEnd(source: String, start: Int): Int {
    if (source.startsWith("\"\"\"", start)) {
        val end = source.indexOf("\"\"\"", start + 3)
        return if (end < 0) source.length else end + 3
    }
    var j = start + 1
    while (j < source.length && source[j] != '"' && source[j] != '\n') j += if (source[j] == '\\') 2 else 1
    return minOf(j + 1, source.length)
}

/** The contents of every string literal in [source], comments skipped. */
internal fun stringLiterals(source: String): List<String> {
    val code = stripComments(source)
    val literals = mutableListOf<String>()
    var i = 0
    while (i < code.length) {
        when (code[i]) {
            '"' -> {
                val end = literalEnd(code, i)
                literals += code.substring(i, end).trim('"')
                i = end
            }
            '\'' -> {
                var j = i + 1
                while (j < code.length && code[j] != '\'') j += if (code[j] == '\\') 2 else 1
                literals += code.substring(i + 1, minOf(j, code.length))
                i = j + 1
            }
            else -> i++
        }
    }
    return literals
}
