// The activation screen, the phone's first: the office's server address and the person's login
// typed in, or all of it read from the administrator's QR code (address, CA pins, code); the
// one-time code; then the device's fingerprint words, which the person compares with the words on
// the administrator's screen (a mismatch means the phone talked to someone else: the binding is
// wiped at once); then, when the office approves new devices by hand, waiting for that approval,
// asking the gateway with a growing pause while the screen is shown.
package cn.qianpi.shell.screens.activation

import cn.qianpi.core.AccountInfo
import cn.qianpi.core.Attester
import cn.qianpi.core.ConnectionSettings
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.parseActivationInvite
import cn.qianpi.shell.screens.settings.errorText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.time.Duration

/** Where the activation stands. */
sealed interface ActivationStep {
    /** The form: address, login, code. */
    data object Entry : ActivationStep

    /** The gateway is binding this phone. */
    data object Activating : ActivationStep

    /** The words to compare with the administrator's screen. */
    data class CompareWords(val words: List<String>) : ActivationStep

    /** Words confirmed; the administrator has not approved the device yet. */
    data class WaitingForApproval(val words: List<String>, val checks: Int) : ActivationStep

    /** The words differed: the binding was wiped and the person is told to call the administrator. */
    data object WordsDiffered : ActivationStep

    /** Activated and approved: the app goes on to its lists. */
    data class Done(val account: AccountInfo) : ActivationStep
}

/** What the activation screen draws. */
data class ActivationState(
    val step: ActivationStep = ActivationStep.Entry,
    val serverUrl: String = "",
    val login: String = "",
    val code: String = "",
    val serverError: UiText? = null,
    val loginError: UiText? = null,
    val codeError: UiText? = null,
    /** 已从二维码读取… after a good scan. */
    val inviteNote: UiText? = null,
    /** The step's heading (请输入激活信息 / 请核对设备指纹词 / 等待管理员批准 …). */
    val heading: UiText = UiText.res("activation_heading_entry"),
    /** The step's explanation. */
    val hint: UiText? = UiText.res("activation_hint_entry"),
    /** Why the last step failed (the core's message), or a bad QR code. */
    val error: UiText? = null,
    /** Under a bad QR code's [error]: the core's word on what is wrong with it. */
    val errorDetail: UiText? = null,
)

/**
 * The activation screen. Shows: the form with its field errors, the fingerprint words, the wait for
 * approval, the end. Actions: [editServer] / [editLogin] / [editCode], [scanned] (a QR code's
 * text), [activate], [wordsMatch] / [wordsDiffer], [onShown] / [onHidden] (polling runs only while
 * shown). [attester] is the platform's key attestation, passed on to the core.
 */
class ActivationViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val deviceName: String,
    private val platform: String = "android",
    private val attester: Attester? = null,
    /** The pause before the n-th check (0-based) while waiting for approval. */
    private val pause: (Int) -> Duration = ::defaultPause,
) : AutoCloseable {
    private val mutableState = MutableStateFlow(ActivationState())
    val state: StateFlow<ActivationState> = mutableState.asStateFlow()

    /** The QR code's CA certificates and pins, while the address is the one it carried. */
    private var inviteSettings: ConnectionSettings? = null
    private var polling: Job? = null
    private var shown = true

    fun editServer(text: String) {
        // Pins belong to the address they came with.
        inviteSettings = null
        mutableState.update { it.copy(serverUrl = text.trim(), serverError = null, inviteNote = null, error = null, errorDetail = null) }
    }

    fun editLogin(text: String) = mutableState.update { it.copy(login = text.trim(), loginError = null, error = null, errorDetail = null) }

    fun editCode(text: String) = mutableState.update { it.copy(code = text.trim(), codeError = null, error = null, errorDetail = null) }

    /** The text of a scanned QR code: fills the form, or says why it is not an activation code. */
    fun scanned(text: String) {
        val invite = try {
            parseActivationInvite(text)
        } catch (e: QianpiException) {
            mutableState.update { it.copy(error = UiText.res("activation_bad_invite"), errorDetail = errorText(e), inviteNote = null) }
            return
        }
        inviteSettings = invite.settings
        mutableState.update {
            it.copy(
                serverUrl = invite.serverUrl,
                login = invite.login ?: it.login,
                code = invite.code,
                serverError = null,
                loginError = null,
                codeError = null,
                error = null,
                errorDetail = null,
                inviteNote = UiText.res(if (invite.settings != null) "activation_invite_read_pinned" else "activation_invite_read"),
            )
        }
    }

    /** Checks the form and binds this phone. */
    fun activate(): Job = scope.launch {
        val form = mutableState.value
        if (form.step != ActivationStep.Entry) return@launch
        val serverError = when {
            form.serverUrl.isEmpty() -> UiText.res("activation_server_required")
            !form.serverUrl.startsWith("https://") && !form.serverUrl.startsWith("http://") -> UiText.res("activation_server_scheme")
            else -> null
        }
        val loginError = if (form.login.isEmpty()) UiText.res("activation_login_required") else null
        val codeError = if (form.code.isEmpty()) UiText.res("activation_code_required") else null
        if (serverError != null || loginError != null || codeError != null) {
            mutableState.update { it.copy(serverError = serverError, loginError = loginError, codeError = codeError) }
            return@launch
        }
        mutableState.update { it.copy(step = ActivationStep.Activating, heading = UiText.res("activation_heading_activating"), hint = null, error = null) }
        try {
            val account = client.activate(form.serverUrl, form.login, form.code, deviceName, platform, inviteSettings, attester)
            mutableState.update {
                it.copy(
                    step = ActivationStep.CompareWords(account.fingerprintWords),
                    heading = UiText.res("activation_heading_words"),
                    hint = UiText.res("activation_hint_words"),
                )
            }
        } catch (e: QianpiException) {
            mutableState.update {
                it.copy(step = ActivationStep.Entry, heading = UiText.res("activation_heading_entry"), hint = UiText.res("activation_hint_entry"), error = errorText(e))
            }
        }
    }

    /** The words are the administrator's: wait for the approval, or go on. */
    fun wordsMatch(): Job = scope.launch {
        val step = mutableState.value.step as? ActivationStep.CompareWords ?: return@launch
        val account = client.account()
        if (account != null && !account.pendingApproval) {
            finish(account)
        } else {
            waiting(step.words, 0)
            startPolling()
        }
    }

    /** The words differ: someone else may stand between the phone and the office. The binding is wiped. */
    fun wordsDiffer(): Job = scope.launch {
        if (mutableState.value.step !is ActivationStep.CompareWords) return@launch
        val error = try {
            client.wipe()
            client.unlock()
            null
        } catch (e: QianpiException) {
            errorText(e)
        }
        mutableState.update {
            it.copy(step = ActivationStep.WordsDiffered, heading = UiText.res("activation_heading_differ"), hint = UiText.res("activation_hint_differ"), error = error)
        }
    }

    /**
     * The app started again on a phone bound but still waiting for the administrator: go
     * straight back to the words and the wait (nothing to type again); an approved or unbound
     * phone is left as it is.
     */
    fun resume(): Job = scope.launch {
        val account = try {
            client.account()
        } catch (e: QianpiException) {
            mutableState.update { it.copy(error = errorText(e)) }
            return@launch
        }
        if (account == null || !account.pendingApproval) return@launch
        waiting(account.fingerprintWords, 0)
        startPolling()
    }

    /** The screen is visible again: resume asking for the approval. */
    fun onShown() {
        shown = true
        if (mutableState.value.step is ActivationStep.WaitingForApproval) startPolling()
    }

    /** The screen left the foreground: stop asking the gateway. */
    fun onHidden() {
        shown = false
        polling?.cancel()
        polling = null
    }

    override fun close() = onHidden()

    private fun startPolling() {
        if (!shown || polling?.isActive == true) return
        polling = scope.launch {
            // The pauses start short again each time the screen is shown: the person is looking now.
            var round = 0
            var attempt = (mutableState.value.step as? ActivationStep.WaitingForApproval)?.checks ?: 0
            while (isActive) {
                delay(pause(round++).toMillis())
                val account = try {
                    client.checkActivation()
                } catch (e: QianpiException) {
                    mutableState.update { it.copy(error = errorText(e)) }
                    null
                }
                ensureActive()
                attempt += 1
                if (account != null && !account.pendingApproval) {
                    finish(account)
                    return@launch
                }
                val step = mutableState.value.step as? ActivationStep.WaitingForApproval ?: return@launch
                waiting(step.words, attempt, keepError = account == null)
            }
        }
    }

    private fun waiting(words: List<String>, checks: Int, keepError: Boolean = false) = mutableState.update {
        it.copy(
            step = ActivationStep.WaitingForApproval(words, checks),
            heading = UiText.res("activation_heading_waiting"),
            hint = UiText.res("activation_hint_waiting"),
            error = if (keepError) it.error else null,
        )
    }

    private fun finish(account: AccountInfo) = mutableState.update {
        it.copy(step = ActivationStep.Done(account), heading = UiText.res("activation_heading_done", account.name), hint = null, error = null)
    }

    companion object {
        /** 2 s, 4 s, 8 s … at most a minute between checks. */
        fun defaultPause(attempt: Int): Duration = Duration.ofSeconds(minOf(60L, 2L shl minOf(attempt, 5)))
    }
}
