// The user's presence, asked through BiometricPrompt. Unlocking asks for a strong biometric or the
// screen lock (a weak biometric too on Android 9 and 10, where the screen lock cannot be combined
// with a strong one). An approval is signed with a Signature over the approval key bound to the
// prompt as its CryptoObject: the keystore lets it sign exactly once, after this prompt, and it
// signs exactly the bytes the core prepared. The screen lock may stand in for the fingerprint from
// Android 11 on (before that a CryptoObject cannot be bound to it). Keystore work runs on
// Dispatchers.IO, the prompt on the main thread.
package cn.qianpi.app

import android.os.Build
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_WEAK
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import cn.qianpi.app.ui.resolve
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.acting.ApprovalPrompt
import cn.qianpi.shell.screens.acting.PromptRequest
import cn.qianpi.shell.screens.unlock.PresencePrompt
import cn.qianpi.shell.screens.unlock.PresenceResult
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

class BiometricGate(
    private val activity: FragmentActivity,
    private val signer: AndroidKeystoreSigner,
    private val locks: AppLock,
) : PresencePrompt, ApprovalPrompt {
    private val credentialWithCrypto = Build.VERSION.SDK_INT >= Build.VERSION_CODES.R

    /** The unlock prompt; a confirmation counts as the person's presence for this visit. */
    override suspend fun confirm(title: UiText, subtitle: UiText): PresenceResult {
        val authenticators = if (credentialWithCrypto) BIOMETRIC_STRONG or DEVICE_CREDENTIAL else BIOMETRIC_WEAK or DEVICE_CREDENTIAL
        return try {
            requireEnrolled(authenticators)
            val info = BiometricPrompt.PromptInfo.Builder()
                .setTitle(activity.resolve(title))
                .setSubtitle(activity.resolve(subtitle))
                .setAllowedAuthenticators(authenticators)
                .build()
            if (prompt(info, null) == null) {
                PresenceResult.Cancelled
            } else {
                locks.userConfirmed()
                PresenceResult.Confirmed
            }
        } catch (e: QianpiException.Platform) {
            PresenceResult.Failed(UiText.Plain(e.reason))
        }
    }

    /**
     * Signs exactly [request]'s bytes with the approval key behind the prompt; null when the
     * person cancelled (nothing is signed, the prepared action is dropped).
     */
    override suspend fun sign(request: PromptRequest): ByteArray? {
        val signature = withContext(Dispatchers.IO) { signer.approvalSignature() }
        val authenticators = if (credentialWithCrypto) BIOMETRIC_STRONG or DEVICE_CREDENTIAL else BIOMETRIC_STRONG
        requireEnrolled(authenticators)
        val builder = BiometricPrompt.PromptInfo.Builder()
            .setTitle(activity.resolve(request.title))
            .setSubtitle(activity.resolve(request.subtitle))
            .setConfirmationRequired(true)
            .setAllowedAuthenticators(authenticators)
        request.warning?.let { builder.setDescription(activity.resolve(it)) }
        // Without the screen lock the prompt needs a button of its own to step back.
        if (!credentialWithCrypto) builder.setNegativeButtonText(activity.getString(R.string.common_cancel))
        val result = prompt(builder.build(), BiometricPrompt.CryptoObject(signature)) ?: return null
        val authorised = result.cryptoObject?.signature
            ?: throw QianpiException.Platform("the prompt returned without the approval key")
        return withContext(Dispatchers.IO) {
            keystoreCall("signing the approval") {
                authorised.update(request.toBeSigned)
                authorised.sign()
            }
        }
    }

    private fun requireEnrolled(authenticators: Int) {
        if (BiometricManager.from(activity).canAuthenticate(authenticators) != BiometricManager.BIOMETRIC_SUCCESS) {
            throw QianpiException.Platform(activity.getString(R.string.platform_no_screen_lock))
        }
    }

    private suspend fun prompt(
        info: BiometricPrompt.PromptInfo,
        crypto: BiometricPrompt.CryptoObject?,
    ): BiometricPrompt.AuthenticationResult? = withContext(Dispatchers.Main) {
        // The screen-lock activity sends the app to the background for a moment: that must not
        // lock the data under the prompt.
        locks.promptShowing(true)
        try {
            suspendCancellableCoroutine { continuation ->
                val executor = ContextCompat.getMainExecutor(activity)
                val prompt = BiometricPrompt(activity, executor, object : BiometricPrompt.AuthenticationCallback() {
                    override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                        if (continuation.isActive) continuation.resume(result)
                    }

                    override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                        if (!continuation.isActive) return
                        when (errorCode) {
                            BiometricPrompt.ERROR_NEGATIVE_BUTTON,
                            BiometricPrompt.ERROR_USER_CANCELED,
                            BiometricPrompt.ERROR_CANCELED,
                            -> continuation.resume(null)
                            // Lockout, no hardware, nothing enrolled: Android's own words, in the
                            // phone's language.
                            else -> continuation.resumeWithException(QianpiException.Platform(errString.toString()))
                        }
                    }
                })
                continuation.invokeOnCancellation { executor.execute { prompt.cancelAuthentication() } }
                if (crypto == null) prompt.authenticate(info) else prompt.authenticate(info, crypto)
            }
        } finally {
            locks.promptShowing(false)
        }
    }
}
