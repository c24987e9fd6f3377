// What the account-side screen tests share: a view-model scope of their own, waiting for a state
// (never sleeping), a clock the tests move by hand, and the Chinese string table the app uses.
package cn.qianpi.shell.screens

import cn.qianpi.shell.text.StringTable
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import java.time.Clock
import java.time.Duration
import java.time.Instant
import java.time.ZoneId
import java.time.ZoneOffset

object AccountScreens {
    /** The app's Chinese strings, as the phone resolves them. */
    val zh: StringTable by lazy { StringTable.zh(StringTable.appResources()) }

    /** The app's English strings. */
    val en: StringTable by lazy { StringTable.en(StringTable.appResources()) }

    fun zh(text: UiText): String = zh.resolve(text)

    /** Runs [body] with a scope for view models, cancelled afterwards. */
    suspend fun <T> withScope(body: suspend (CoroutineScope) -> T): T {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            return body(scope)
        } finally {
            scope.cancel()
        }
    }
}

/** The first state (within 15 s) that satisfies [wanted]; the last one seen is in the failure. */
suspend fun <T> StateFlow<T>.awaitState(wanted: (T) -> Boolean): T = try {
    withTimeout(15_000) { first(wanted) }
} catch (e: kotlinx.coroutines.TimeoutCancellationException) {
    throw AssertionError("no wanted state within 15 s; last: $value")
}

/** A clock that moves only when the test says so. */
class TestClock(private var now: Instant = Instant.parse("2026-12-07T01:00:00Z")) : Clock() {
    @Synchronized
    fun advance(by: Duration) {
        now = now.plus(by)
    }

    @Synchronized
    override fun instant(): Instant = now

    override fun getZone(): ZoneId = ZoneOffset.UTC

    override fun withZone(zone: ZoneId?): Clock = this
}
