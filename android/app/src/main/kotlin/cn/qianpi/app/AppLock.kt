// The app's side of the lock, driven by the process lifecycle: leaving the app locks the data
// (LockController, from :shell, also locks after the unit's inactivity time and is told of every
// touch), and the screens show only after the person proved presence in this visit. Two platform
// details live here: the screen-lock prompt is another app's activity, so the app "leaves" while
// the person types their PIN — that must not lock the data under the prompt; and background sync
// may open the data while the app is away — it never counts as the person's presence, and the
// data is locked again before anyone can look.
package cn.qianpi.app

import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.screens.unlock.LockController
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import java.time.Clock
import java.time.Duration

class AppLock(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    activated: Boolean,
) : DefaultLifecycleObserver {
    /** Locking closes the store (disk work): the controller runs off the main thread. */
    private val background = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    val controller = LockController(client, background, Clock.systemUTC()) {
        Duration.ofSeconds(client.inactivityLockSeconds().toLong())
    }

    private val present = MutableStateFlow(false)

    private val mutableActivated = MutableStateFlow(activated)

    /**
     * Whether this phone holds an account. Before activation there is nothing to lock (and the
     * activation needs the fresh store open), so the lock applies only after it.
     */
    val activated: StateFlow<Boolean> = mutableActivated.asStateFlow()

    /** The person unlocked (or activated) in this visit; screens with data show only then. */
    val userPresent: StateFlow<Boolean> = present.asStateFlow()

    @Volatile private var foreground = false

    @Volatile private var prompting = false

    private var watching: Job? = null

    /** The app is on screen. */
    val inForeground: Boolean get() = foreground

    /** The person confirmed presence (an unlock prompt, or the activation itself). */
    fun userConfirmed() {
        present.value = true
    }

    /** The phone was activated here (the person was present), or wiped. */
    fun setActivated(now: Boolean) {
        mutableActivated.value = now
        if (now) {
            present.value = true
            if (foreground) watching = controller.watch()
        } else {
            watching?.cancel()
            watching = null
            openForActivation()
        }
    }

    private fun openForActivation() {
        if (client.isLocked()) scope.launch { runCatching { client.unlock() } }
    }

    /** A touch: the inactivity time starts again. */
    fun userActivity() = controller.onUserActivity()

    /** A presence prompt is (or is no longer) on screen. */
    fun promptShowing(showing: Boolean) {
        prompting = showing
        // The person left the app from the prompt: lock now, as leaving would have.
        if (!showing && !foreground) leave()
    }

    override fun onStart(owner: LifecycleOwner) {
        foreground = true
        if (!mutableActivated.value) return openForActivation()
        // Data a background sync opened is closed again; the screens wait for the person anyway
        // (userPresent), so this need not happen before the first frame.
        background.launch {
            if (!present.value && !client.isLocked()) controller.onBackground()
            controller.onForeground()
        }
        watching = controller.watch()
    }

    override fun onStop(owner: LifecycleOwner) {
        foreground = false
        if (!prompting) leave()
    }

    private fun leave() {
        present.value = false
        watching?.cancel()
        watching = null
        if (mutableActivated.value) background.launch { controller.onBackground() }
    }

    /**
     * Runs [block] with the data open for a background sync: unlocks it only while the app is
     * away, and locks it again afterwards unless the person came back and unlocked meanwhile.
     * Null when the app is on screen (its own sync runs there).
     */
    suspend fun <T> whileAway(block: suspend () -> T): T? {
        if (foreground || !mutableActivated.value) return null
        val opened = client.isLocked()
        if (opened) client.unlock()
        try {
            if (foreground) return null
            return block()
        } finally {
            if (opened && !present.value) client.lock()
        }
    }
}
