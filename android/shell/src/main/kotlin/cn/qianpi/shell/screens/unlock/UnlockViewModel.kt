// The unlock screen: the data is locked (after inactivity, on leaving the app, or on request);
// the person proves presence with the platform's prompt (fingerprint, face or the device's PIN,
// BiometricPrompt on Android) and the core opens the data key. A cancelled or failed prompt
// leaves the data locked and says so; the core's own failure is shown with its message.
package cn.qianpi.shell.screens.unlock

import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.lockFlow
import cn.qianpi.shell.screens.settings.errorText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** What the platform's presence prompt answered. */
sealed interface PresenceResult {
    /** The person confirmed (biometric or device credential). */
    data object Confirmed : PresenceResult

    /** The person closed the prompt. */
    data object Cancelled : PresenceResult

    /** The prompt failed (too many tries, no credential set up…); [message] is the platform's text. */
    data class Failed(val message: UiText) : PresenceResult
}

/** The platform's presence prompt, implemented by the app (BiometricPrompt with BIOMETRIC_STRONG or DEVICE_CREDENTIAL). */
fun interface PresencePrompt {
    /** Shows the prompt with [title] and [subtitle] and returns what the person did. */
    suspend fun confirm(title: UiText, subtitle: UiText): PresenceResult
}

/** Where the unlock stands. */
sealed interface UnlockPhase {
    data object Locked : UnlockPhase
    data object Prompting : UnlockPhase
    data object Unlocking : UnlockPhase
    data object Unlocked : UnlockPhase
}

/** What the unlock screen draws. */
data class UnlockState(
    val phase: UnlockPhase,
    /** 签批已锁定 */
    val title: UiText = UiText.res("unlock_title"),
    /** 请验证身份后继续 */
    val hint: UiText = UiText.res("unlock_hint"),
    /** Why the last try did not unlock (cancelled, the prompt's failure, the core's error). */
    val message: UiText? = null,
) {
    val locked: Boolean get() = phase != UnlockPhase.Unlocked
}

/**
 * The unlock screen. Shows: locked, the prompt running, unlocking, or unlocked, with the reason
 * the last try failed. Action: [unlock] (show the prompt, then open the data). Follows the core's
 * lock state, so a lock from anywhere (inactivity, background) brings the screen back.
 */
class UnlockViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val prompt: PresencePrompt,
) : AutoCloseable {
    private val mutableState = MutableStateFlow(
        UnlockState(if (client.isLocked()) UnlockPhase.Locked else UnlockPhase.Unlocked),
    )
    val state: StateFlow<UnlockState> = mutableState.asStateFlow()

    private val following: Job = scope.launch {
        client.lockFlow().collect { locked ->
            mutableState.update { old ->
                when {
                    !locked -> old.copy(phase = UnlockPhase.Unlocked, message = null)
                    // A lock while the prompt or the unlock runs is the state it started from.
                    old.phase == UnlockPhase.Unlocked -> old.copy(phase = UnlockPhase.Locked, message = null)
                    else -> old
                }
            }
        }
    }

    /** Shows the presence prompt and, once confirmed, opens the data. */
    fun unlock(): Job = scope.launch {
        val phase = mutableState.value.phase
        if (phase != UnlockPhase.Locked) return@launch
        mutableState.update { it.copy(phase = UnlockPhase.Prompting, message = null) }
        val message: UiText? = when (val answer = prompt.confirm(UiText.res("unlock_prompt_title"), UiText.res("unlock_prompt_subtitle"))) {
            PresenceResult.Cancelled -> UiText.res("unlock_cancelled")
            is PresenceResult.Failed -> answer.message
            PresenceResult.Confirmed -> {
                mutableState.update { it.copy(phase = UnlockPhase.Unlocking) }
                try {
                    client.unlock()
                    null
                } catch (e: QianpiException) {
                    errorText(e)
                }
            }
        }
        mutableState.update {
            if (message == null) {
                it.copy(phase = UnlockPhase.Unlocked, message = null)
            } else {
                it.copy(phase = if (client.isLocked()) UnlockPhase.Locked else UnlockPhase.Unlocked, message = message)
            }
        }
    }

    override fun close() = following.cancel()
}
