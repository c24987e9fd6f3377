// Test doubles of the platform for the shell's JUnit tests: the key services implemented in Kotlin
// (JCA P-256 and AES-GCM, as Android Keystore would provide them) and the real gateway binary
// started on loopback with its demo unit.
package cn.qianpi.shell

import cn.qianpi.core.DeviceSigner
import cn.qianpi.core.KeyStore
import cn.qianpi.core.QianpiException
import java.io.File
import java.net.ServerSocket
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.SecureRandom
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** AES-256-GCM under a key held only in memory: the shape of an Android Keystore wrapping key. */
class JcaKeyStore : KeyStore {
    private val keys = ConcurrentHashMap<String, SecretKey>()
    val wraps = AtomicInteger()
    val unwraps = AtomicInteger()

    private fun key(alias: String): SecretKey = keys.getOrPut(alias) {
        KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }

    override fun wrap(alias: String, plaintext: ByteArray): ByteArray {
        wraps.incrementAndGet()
        val iv = ByteArray(12).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, key(alias), GCMParameterSpec(128, iv))
        cipher.updateAAD(alias.toByteArray())
        return iv + cipher.doFinal(plaintext)
    }

    override fun unwrap(alias: String, wrapped: ByteArray): ByteArray {
        unwraps.incrementAndGet()
        val key = keys[alias] ?: throw QianpiException.Platform("no wrapping key $alias in this keystore")
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
        cipher.updateAAD(alias.toByteArray())
        return try {
            cipher.doFinal(wrapped, 12, wrapped.size - 12)
        } catch (e: javax.crypto.AEADBadTagException) {
            throw QianpiException.Platform("the wrapped key does not open under this keystore's key")
        }
    }

    val deleted: MutableSet<String> = ConcurrentHashMap.newKeySet()

    override fun delete(alias: String) {
        deleted.add(alias)
        keys.remove(alias)
    }
}

/** A keystore that hands back a well-formed but wrong data key, as a restored backup might. */
class WrongKeyStore : KeyStore {
    override fun wrap(alias: String, plaintext: ByteArray): ByteArray = plaintext
    // 48 bytes: the size of a real data key (32) plus its salt (16), just not this store's.
    override fun unwrap(alias: String, wrapped: ByteArray): ByteArray = ByteArray(48).also { SecureRandom().nextBytes(it) }
    override fun delete(alias: String) {}
}

/** ECDSA P-256 keys from the JCA, returning DER signatures exactly as Android Keystore does. */
class JcaDeviceSigner : DeviceSigner {
    private val keys = ConcurrentHashMap<String, KeyPair>()
    val signatures = AtomicInteger()

    override fun createKey(alias: String): ByteArray {
        val generator = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }
        return generator.generateKeyPair().also { keys[alias] = it }.public.encoded
    }

    override fun publicKey(alias: String): ByteArray =
        (keys[alias] ?: throw QianpiException.Platform("no key $alias")).public.encoded

    override fun sign(alias: String, message: ByteArray): ByteArray {
        val pair = keys[alias] ?: throw QianpiException.Platform("no key $alias")
        signatures.incrementAndGet()
        return Signature.getInstance("SHA256withECDSA").run {
            initSign(pair.private)
            update(message)
            sign()
        }
    }
}

/** The gateway binary, started and stopped on one loopback port with one data folder. */
/**
 * A real gateway process on loopback. With [tls] it serves HTTPS under a private CA that
 * `qianpi-gateway tls init` makes for it first, as a bureau without a CA of its own would:
 * [caPem] and [pins] are then what the activation QR code would carry.
 */
class GatewayProcess(private val binary: String, private val dataDir: File, private val tls: Boolean = false) {
    companion object {
        /** The binary scripts/test-kotlin.sh passes as -Dqianpi.gateway. */
        fun binary(): String =
            System.getProperty("qianpi.gateway") ?: error("set -Dqianpi.gateway to the qianpi-gateway binary")
    }

    private val port = ServerSocket(0).use { it.localPort }
    private var process: Process? = null
    private val tlsDir = File(dataDir.parentFile, "tls-$port")
    val url = if (tls) "https://localhost:$port/" else "http://127.0.0.1:$port/"

    /** The CA certificate phones must trust (TLS only). */
    val caPem: String get() = File(tlsDir, "ca.pem").readText()

    /** The SPKI pins `tls init` printed: the server key's, then the CA key's (the backup). */
    val pins: List<String>
        get() = File(tlsDir, "pins.txt").readLines().filter { it.isNotBlank() }.map { it.substringBefore(' ') }

    fun start() {
        val log = File(dataDir.parentFile, "gateway-$port.log")
        val command = mutableListOf(binary, "serve", "--demo", "--data-dir", dataDir.path, "--listen", "127.0.0.1:$port")
        if (tls) {
            if (!File(tlsDir, "server.pem").exists()) {
                val init = ProcessBuilder(binary, "tls", "init", "--dir", tlsDir.path, "--name", "localhost", "--name", "127.0.0.1")
                    .redirectErrorStream(true)
                    .start()
                val out = init.inputStream.bufferedReader().readText()
                check(init.waitFor() == 0) { "tls init failed: $out" }
            }
            command += listOf("--tls-cert", File(tlsDir, "server.pem").path, "--tls-key", File(tlsDir, "server-key.pem").path)
        }
        process = ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start()
        val deadline = System.currentTimeMillis() + 30_000
        while (!log.readText().contains("listening on")) {
            check(process!!.isAlive) { "the gateway exited: ${log.readText()}" }
            check(System.currentTimeMillis() < deadline) { "the gateway did not start in 30 s" }
            Thread.sleep(50)
        }
    }

    fun stop() {
        process?.let {
            it.destroy()
            check(it.waitFor(10, TimeUnit.SECONDS)) { "the gateway did not stop" }
        }
        process = null
    }

    /** Runs an operator subcommand of the gateway on its data folder; its stdout and stderr. */
    fun admin(vararg args: String): Pair<String, String> {
        val err = File.createTempFile("gateway-cli", ".err")
        val run = ProcessBuilder(binary, *args, "--data-dir", dataDir.path)
            .redirectError(err)
            .start()
        val out = run.inputStream.bufferedReader().readText().trim()
        val status = run.waitFor()
        val stderr = err.readText().also { err.delete() }
        check(status == 0) { "qianpi-gateway ${args.toList()} failed: $stderr" }
        return out to stderr
    }

    fun issueCode(login: String): String {
        val run = ProcessBuilder(binary, "issue-code", "--data-dir", dataDir.path, "--login", login)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        val code = run.inputStream.bufferedReader().readText().trim()
        check(run.waitFor() == 0 && code.length == 8) { "issue-code failed" }
        return code
    }
}
