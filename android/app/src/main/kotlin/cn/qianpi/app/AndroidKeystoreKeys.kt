// The platform key services over Android Keystore: the data key is wrapped by an AES-256-GCM
// keystore key (StrongBox when the device has one), and the request and approval keys are
// non-exportable P-256 keys. The approval key needs the user's fingerprint or screen lock for
// every signature. Android-only; the same interfaces are implemented with the JCA in the JVM tests.
package cn.qianpi.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.qianpi.core.DeviceSigner
import cn.qianpi.core.KeyStore
import cn.qianpi.core.QianpiException
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

private const val PROVIDER = "AndroidKeyStore"
private const val APPROVAL_KEY_ALIAS = "qianpi.ask.v1"

private fun keystore(): java.security.KeyStore = java.security.KeyStore.getInstance(PROVIDER).apply { load(null) }

class AndroidKeystoreKeyStore : KeyStore {
    private fun key(alias: String): SecretKey {
        (keystore().getKey(alias, null) as? SecretKey)?.let { return it }
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER).apply { init(spec) }.generateKey()
    }

    override fun wrap(alias: String, plaintext: ByteArray): ByteArray {
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, key(alias)) // the keystore chooses the IV
        cipher.updateAAD(alias.toByteArray())
        return cipher.iv + cipher.doFinal(plaintext)
    }

    override fun unwrap(alias: String, wrapped: ByteArray): ByteArray {
        val key = keystore().getKey(alias, null) as? SecretKey ?: throw QianpiException.Platform("no wrapping key $alias")
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
        cipher.updateAAD(alias.toByteArray())
        return cipher.doFinal(wrapped, 12, wrapped.size - 12)
    }

    override fun delete(alias: String) {
        keystore().deleteEntry(alias)
    }
}

class AndroidKeystoreSigner : DeviceSigner {
    override fun createKey(alias: String): ByteArray {
        val builder = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
        if (alias == APPROVAL_KEY_ALIAS) {
            // Every approval needs the person: biometric or device credential, per use.
            builder.setUserAuthenticationRequired(true)
                .setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL)
        }
        val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, PROVIDER)
        generator.initialize(builder.build())
        return generator.generateKeyPair().public.encoded
    }

    override fun publicKey(alias: String): ByteArray =
        keystore().getCertificate(alias)?.publicKey?.encoded ?: throw QianpiException.Platform("no key $alias")

    override fun sign(alias: String, message: ByteArray): ByteArray {
        val entry = keystore().getEntry(alias, null) as? java.security.KeyStore.PrivateKeyEntry
            ?: throw QianpiException.Platform("no key $alias")
        // For the approval key the caller has shown a BiometricPrompt bound to this Signature.
        return Signature.getInstance("SHA256withECDSA").run {
            initSign(entry.privateKey)
            update(message)
            sign()
        }
    }
}
