// The platform key services over Android Keystore, as the core's foreign traits: the data key is
// wrapped by an AES-256-GCM keystore key, the request key (DSK) and the approval key (ASK) are
// non-exportable P-256 keys, all in StrongBox where the phone has one and in the TEE otherwise.
// The approval key needs the user for every signature (biometric, or the screen lock from Android
// 11 on, where a CryptoObject may be bound to it); the app signs with it only through
// BiometricGate, never through sign() below. During an activation with attestation the keys are
// created with the gateway's challenge, so their certificate chains prove where they live.
// Android-only; the JVM tests implement the same interfaces with the JCA (TestPlatform.kt).
package cn.qianpi.app

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import cn.qianpi.core.DeviceSigner
import cn.qianpi.core.KeyStore
import cn.qianpi.core.QianpiException
import java.security.InvalidAlgorithmParameterException
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PrivateKey
import java.security.ProviderException
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

internal const val ANDROID_KEYSTORE = "AndroidKeyStore"

/** The core's alias of the approval key (qianpi_core::keys::APPROVAL_KEY_ALIAS). */
internal const val APPROVAL_KEY_ALIAS = "qianpi.ask.v1"

private const val GCM_IV_BYTES = 12
private const val GCM_TAG_BITS = 128
private const val SIGNATURE_ALGORITHM = "SHA256withECDSA"

internal fun androidKeystore(): java.security.KeyStore =
    java.security.KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

/**
 * Runs a keystore operation for the core: any failure reaches it as QianpiException.Platform with
 * what Android said (keystore messages name keys and states, never key material).
 */
internal inline fun <T> keystoreCall(what: String, block: () -> T): T = try {
    block()
} catch (e: QianpiException) {
    throw e
} catch (e: Exception) {
    throw QianpiException.Platform("$what: ${e.javaClass.simpleName}: ${e.message.orEmpty()}")
}

/** StrongBox, the phone's separate secure chip, when it has one. */
class StrongBox(context: Context) {
    val present: Boolean = context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    /**
     * Makes a key in StrongBox when present, and in the TEE when StrongBox refuses it (it holds
     * fewer keys, and some chips not every kind).
     */
    fun <T> generate(make: (strongBox: Boolean) -> T): T {
        if (present) {
            try {
                return make(true)
            } catch (unavailable: StrongBoxUnavailableException) {
                // Falls through to the TEE.
            }
        }
        return make(false)
    }
}

/**
 * The gateway's challenge for the activation in progress: set by the attester's begin(), read when
 * the device keys are created, dropped once the evidence is taken.
 */
class AttestationChallenge {
    @Volatile private var challenge: ByteArray? = null

    /** Whether the keys of this activation were created with the challenge. */
    @Volatile var attested: Boolean = false
        private set

    fun begin(challenge: ByteArray) {
        this.challenge = challenge.copyOf()
        attested = true
    }

    fun current(): ByteArray? = challenge?.copyOf()

    /** This phone could not attest a key: the activation goes on without evidence. */
    fun unavailable() {
        attested = false
    }

    fun end() {
        challenge = null
    }
}

/** Wraps the data key under an AES-256-GCM keystore key (the KEK), created on first use. */
class AndroidKeystoreKeyStore(private val strongBox: StrongBox) : KeyStore {
    private fun key(alias: String): SecretKey {
        (androidKeystore().getKey(alias, null) as? SecretKey)?.let { return it }
        return strongBox.generate { inStrongBox ->
            val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // No user authentication: background sync opens the store while the screen is off.
                .apply { if (inStrongBox) setIsStrongBoxBacked(true) }
                .build()
            KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE).apply { init(spec) }.generateKey()
        }
    }

    override fun wrap(alias: String, plaintext: ByteArray): ByteArray = keystoreCall("wrapping with $alias") {
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, key(alias)) // the keystore chooses the IV
        cipher.updateAAD(alias.toByteArray())
        cipher.iv + cipher.doFinal(plaintext)
    }

    override fun unwrap(alias: String, wrapped: ByteArray): ByteArray = keystoreCall("unwrapping with $alias") {
        val key = androidKeystore().getKey(alias, null) as? SecretKey
            ?: throw QianpiException.Platform("no wrapping key $alias")
        if (wrapped.size <= GCM_IV_BYTES) throw QianpiException.Platform("the wrapped key is too short")
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(GCM_TAG_BITS, wrapped, 0, GCM_IV_BYTES))
        cipher.updateAAD(alias.toByteArray())
        cipher.doFinal(wrapped, GCM_IV_BYTES, wrapped.size - GCM_IV_BYTES)
    }

    override fun delete(alias: String) {
        keystoreCall("deleting $alias") {
            val keystore = androidKeystore()
            if (keystore.containsAlias(alias)) keystore.deleteEntry(alias)
        }
    }
}

/** The device's request key and approval key. */
class AndroidKeystoreSigner(
    private val strongBox: StrongBox,
    private val attestation: AttestationChallenge,
) : DeviceSigner {
    override fun createKey(alias: String): ByteArray = keystoreCall("creating $alias") {
        val keystore = androidKeystore()
        if (keystore.containsAlias(alias)) keystore.deleteEntry(alias)
        val challenge = attestation.current()
        val pair = try {
            strongBox.generate { inStrongBox -> generate(alias, inStrongBox, challenge) }
        } catch (e: ProviderException) {
            if (challenge == null) throw e
            // A phone without provisioned attestation keys cannot attest: the key is made without
            // the challenge, no evidence is sent, and the unit's policy at the gateway decides.
            attestation.unavailable()
            strongBox.generate { inStrongBox -> generate(alias, inStrongBox, null) }
        }
        pair.public.encoded
    }

    private fun generate(alias: String, inStrongBox: Boolean, challenge: ByteArray?): KeyPair {
        val builder = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
        if (inStrongBox) builder.setIsStrongBoxBacked(true)
        if (challenge != null) builder.setAttestationChallenge(challenge)
        if (alias == APPROVAL_KEY_ALIAS) requirePresence(builder)
        val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, ANDROID_KEYSTORE)
        try {
            generator.initialize(builder.build())
        } catch (e: InvalidAlgorithmParameterException) {
            if (alias != APPROVAL_KEY_ALIAS) throw e
            throw QianpiException.Platform(
                "the approval key needs a secure screen lock" +
                    (if (Build.VERSION.SDK_INT < Build.VERSION_CODES.R) " and an enrolled fingerprint" else "") +
                    ": set one in the phone's settings and activate again (${e.message.orEmpty()})",
            )
        }
        return generator.generateKeyPair()
    }

    /** Every use of the approval key needs the user, checked by the keystore itself. */
    private fun requirePresence(builder: KeyGenParameterSpec.Builder) {
        builder.setUserAuthenticationRequired(true)
        // A new fingerprint must not be able to approve with a key made before it was enrolled.
        builder.setInvalidatedByBiometricEnrollment(true)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            // Per use (timeout 0), by a strong biometric or the screen lock.
            builder.setUserAuthenticationParameters(
                0,
                KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
            )
        } else {
            // Android 9 and 10: per use means biometric only (the screen lock cannot authorise a
            // single operation before Android 11).
            @Suppress("DEPRECATION")
            builder.setUserAuthenticationValidityDurationSeconds(-1)
        }
    }

    override fun publicKey(alias: String): ByteArray = keystoreCall("reading $alias") {
        androidKeystore().getCertificate(alias)?.publicKey?.encoded
            ?: throw QianpiException.Platform("no key $alias")
    }

    /**
     * Signs with the request key. The approval key refuses here (the user has not just
     * authenticated for this operation), so a one-call approval fails and queues nothing; the app
     * approves through prepare → BiometricGate.sign → complete.
     */
    override fun sign(alias: String, message: ByteArray): ByteArray = keystoreCall("signing with $alias") {
        val key = androidKeystore().getKey(alias, null) as? PrivateKey
            ?: throw QianpiException.Platform("no key $alias")
        Signature.getInstance(SIGNATURE_ALGORITHM).run {
            initSign(key)
            update(message)
            sign()
        }
    }

    /**
     * A signature over the approval key, initialised and waiting for the user: it can sign once,
     * after a BiometricPrompt with it as its CryptoObject succeeds.
     */
    fun approvalSignature(): Signature = keystoreCall("opening the approval key") {
        val key = androidKeystore().getKey(APPROVAL_KEY_ALIAS, null) as? PrivateKey
            ?: throw QianpiException.Platform("no approval key: this device is not activated")
        try {
            Signature.getInstance(SIGNATURE_ALGORITHM).apply { initSign(key) }
        } catch (invalidated: KeyPermanentlyInvalidatedException) {
            throw QianpiException.Platform(
                "the approval key was invalidated by a change of the phone's fingerprints or screen lock: " +
                    "this device must be activated again",
            )
        }
    }
}
