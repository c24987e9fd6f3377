// When the app locks its data: after the unit's inactivity time without a touch, and as soon as
// the app leaves the foreground (a phone left on a desk or handed to someone shows nothing). The
// core also locks by itself after the same time without a use of the data; this controller adds
// what only the app sees — touches and scrolling that read nothing new, and leaving the app.
// Time comes from an injected java.time.Clock, so tests move it instead of sleeping.
package cn.qianpi.shell.screens.unlock

import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.lockFlow
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.time.Clock
import java.time.Duration
import java.time.Instant

/**
 * Locks [client] after [lockAfter] without user activity and when the app goes to the background.
 * [lockAfter] is asked each time (the unit's policy may change it at a sync); zero or less means
 * the unit set no inactivity lock. The app calls [onUserActivity] on every touch, [onBackground]
 * and [onForeground] from the process lifecycle, and shows the unlock screen while [locked].
 */
class LockController(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val clock: Clock,
    private val lockAfter: () -> Duration,
) : AutoCloseable {
    @Volatile
    private var lastActivity: Instant = clock.instant()

    private val mutableLocked = MutableStateFlow(client.isLocked())

    /** Whether the data is locked now (the core's word, followed). */
    val locked: StateFlow<Boolean> = mutableLocked.asStateFlow()

    private val following: Job = scope.launch {
        client.lockFlow().collect { now ->
            // Unlocking starts a fresh inactivity period: the time spent on the unlock screen is not idle time.
            if (mutableLocked.value && !now) lastActivity = clock.instant()
            mutableLocked.value = now
        }
    }

    private var watching: Job? = null

    /** A touch, a scroll, a key: the inactivity period starts again. */
    fun onUserActivity() {
        lastActivity = clock.instant()
    }

    /** The app left the foreground: lock at once. */
    fun onBackground() {
        client.lock()
        mutableLocked.value = true
    }

    /** The app came back: lock if the inactivity time passed meanwhile (the unlock screen shows anyway after [onBackground]). */
    fun onForeground() {
        checkNow()
    }

    /** When the data locks if nobody touches the app; none while locked or without an inactivity lock. */
    fun deadline(): Instant? {
        val after = lockAfter()
        if (after.isZero || after.isNegative || client.isLocked()) return null
        return lastActivity.plus(after)
    }

    /** Locks if the inactivity time has passed by the clock; whether it locked now. */
    fun checkNow(): Boolean {
        val due = deadline() ?: return false
        if (clock.instant().isBefore(due)) return false
        client.lock()
        mutableLocked.value = true
        return true
    }

    /**
     * Checks at the deadline while the app is in the foreground: waits (real time) until the clock
     * says the deadline passed, at most [step] at a time so a clock moved meanwhile is noticed.
     */
    fun watch(step: Duration = Duration.ofSeconds(1)): Job {
        watching?.cancel()
        return scope.launch {
            while (isActive) {
                val due = deadline()
                val wait = if (due == null) step else Duration.between(clock.instant(), due).coerceIn(Duration.ZERO, step)
                delay(wait.toMillis().coerceAtLeast(1))
                checkNow()
            }
        }.also { watching = it }
    }

    override fun close() {
        watching?.cancel()
        following.cancel()
    }

    companion object {
        /** The controller the app uses: the unit's lock time as the core has it now (the policy of the last sync). */
        fun forUnit(client: QianpiClient, scope: CoroutineScope, clock: Clock = Clock.systemUTC()): LockController =
            LockController(client, scope, clock) { Duration.ofSeconds(client.inactivityLockSeconds().coerceAtMost(Long.MAX_VALUE.toULong()).toLong()) }
    }
}

private fun Duration.coerceIn(min: Duration, max: Duration): Duration = when {
    this < min -> min
    this > max -> max
    else -> this
}
