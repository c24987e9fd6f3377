// The walking skeleton from Kotlin: the real Rust core through the generated bindings, the
// platform key services implemented here in Kotlin (JCA P-256 and AES-GCM, as Android Keystore
// would provide them), and a real gateway process started on loopback. Runs on a plain JVM; prints
// one line per test and "N passed, M failed" last; exits non-zero on any failure.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.DeviceSigner
import cn.qianpi.core.KeyStore
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import kotlinx.coroutines.runBlocking
import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
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
import kotlin.system.exitProcess

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
class GatewayProcess(private val binary: String, private val dataDir: File) {
    private val port = ServerSocket(0).use { it.localPort }
    private var process: Process? = null
    val url = "http://127.0.0.1:$port/"

    fun start() {
        val log = File(dataDir.parentFile, "gateway-$port.log")
        process = ProcessBuilder(binary, "serve", "--demo", "--data-dir", dataDir.path, "--listen", "127.0.0.1:$port")
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

class Runner {
    private var passed = 0
    private var failed = 0

    fun test(name: String, body: () -> Unit) {
        try {
            body()
            passed++
            println("ok   - $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL - $name: $e")
            e.printStackTrace(System.out)
        }
    }

    fun finish(): Int {
        println("$passed passed, $failed failed")
        return if (failed == 0) 0 else 1
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

fun main() {
    val gatewayBinary = System.getProperty("qianpi.gateway") ?: error("set -Dqianpi.gateway to the qianpi-gateway binary")
    val root = Files.createTempDirectory("qianpi-kotlin").toFile()
    val gateway = GatewayProcess(gatewayBinary, File(root, "gateway"))
    gateway.start()
    val runner = Runner()
    try {
        val keyStore = JcaKeyStore()
        val signer = JcaDeviceSigner()
        val phoneDir = File(root, "phone").path

        runner.test("a wrong activation code is refused with 401") {
            QianpiClient(File(root, "stranger").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
                gateway.issueCode("lixiaomei")
                try {
                    runBlocking { client.activate(gateway.url, "lixiaomei", "WRONGCDE", "test", "android") }
                    throw AssertionError("activation with a wrong code succeeded")
                } catch (e: QianpiException.Refused) {
                    expect(e.status.toInt() == 401) { "status ${e.status}" }
                }
            }
        }

        runner.test("activate, pull, approve offline, push after reconnect, verdict") {
            QianpiClient(phoneDir, keyStore, signer).use { client ->
                expect(keyStore.wraps.get() == 1) { "the data key was not wrapped through the Kotlin keystore" }
                val account = runBlocking { client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android") }
                expect(account.name == "王建国" && account.unitName == "山西省农业厅办公室") { "account $account" }

                val session = ApprovalSession(client)
                val first = runBlocking { session.refresh() }
                expect(first is SyncOutcome.Synced && first.summary.pulled == 1u) { "first sync $first" }
                val rows = session.inbox()
                expect(rows.size == 1) { "inbox $rows" }
                val row = rows[0]
                expect(row.headline == "[加急] 关于做好2026年春耕备耕工作的通知") { row.headline }
                expect(row.subtitle == "晋农办〔2026〕12号 · 收文 · 领导批示") { row.subtitle }
                expect(row.badge == "待办" && row.actionable) { "row $row" }

                gateway.stop()
                val offline = runBlocking { session.refresh() }
                expect(offline is SyncOutcome.Offline && offline.pending == 0u) { "offline sync $offline" }
                val queued = client.approve(row.taskId, Attitude.AGREE, "同意。请厅办公室牵头落实。")
                expect(queued.decidedOffline) { "the approval was not marked offline" }
                expect(client.outboxCount() == 1u) { "outbox ${client.outboxCount()}" }
                expect(session.inbox()[0].badge == "待同步" && !session.inbox()[0].actionable) { "queued row ${session.inbox()[0]}" }
                val stillOffline = runBlocking { session.refresh() }
                expect(stillOffline is SyncOutcome.Offline && stillOffline.pending == 1u) { "second offline sync $stillOffline" }

                gateway.start()
                val back = runBlocking { session.refresh() }
                expect(back is SyncOutcome.Synced && back.summary.accepted == 1u && back.summary.outboxRemaining == 0u) { "sync after reconnect $back" }
                val verdict = client.verdicts().single()
                expect(verdict.commandId == queued.commandId && verdict.accepted && verdict.decidedOffline) { "verdict $verdict" }
                expect(verdict.currentNode == "承办" && verdict.instanceVersion == 2uL) { "verdict $verdict" }
                expect(InboxPresenter.verdictBanner(verdict) == "已送达（离线批示），流程已转至承办") { InboxPresenter.verdictBanner(verdict) }
                expect(session.inbox()[0].badge == "已办") { "done row ${session.inbox()[0]}" }
                expect(client.list(ListKind.TODO, 50u, 0u).isEmpty()) { "待办 ${client.list(ListKind.TODO, 50u, 0u)}" }
                val done = client.list(ListKind.DONE, 50u, 0u)
                expect(done.size == 1 && done[0].id == row.taskId && !done[0].queued && done[0].urgency == "加急") { "已办 $done" }
                expect(signer.signatures.get() >= 5) { "requests and the approval were not signed by the Kotlin signer" }
            }
        }

        runner.test("a notice is read and replied offline first, reaches the publisher, and its attachment downloads") {
            val bytes = ByteArray(300_000) { (it * 31 % 251).toByte() }
            val attachment = File(root, "agenda.pdf").apply { writeBytes(bytes) }
            val sha = gateway.admin("upload-blob", "--unit", "unit-sxnyt", "--file", attachment.path, "--media-type", "application/pdf").first
            val deadline = java.time.Instant.now().plusSeconds(86_400).toString()
            val request = File(root, "notice.json").apply {
                writeText(
                    """{"title": "关于召开春耕备耕工作会议的通知", "body": "定于周五上午九时召开。",
                        "attachments": [{"id": "att-1", "name": "会议议程", "media_type": "application/pdf",
                                         "size": ${bytes.size}, "sha256": "$sha"}],
                        "publisher": "user-zhao", "scope": {"people": ["user-li"]},
                        "receipt_required": true, "receipt_deadline": "$deadline",
                        "receipt_form": {"choices": [{"id": "attend", "label": "参加"}, {"id": "absent", "label": "不参加"}],
                                         "note": "optional"}}"""
                )
            }
            val id = gateway.admin("publish-notice", "--unit", "unit-sxnyt", "--file", request.path).first
            QianpiClient(File(root, "notice-phone").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
                runBlocking { client.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android") }
                runBlocking { client.sync() }
                val listed = client.notices(20u, 0u)
                expect(listed.map { it.id } == listOf(id)) { "notices $listed" }
                expect(NoticePresenter.badge(listed[0]) == "未读" && listed[0].publisherName == "赵文") { "row ${listed[0]}" }

                gateway.stop()
                val opened = client.notice(id)
                expect(opened.title == "关于召开春耕备耕工作会议的通知" && opened.readAt != null && opened.canReply) { "opened $opened" }
                expect(opened.choices.map { it.label } == listOf("参加", "不参加")) { "choices ${opened.choices}" }
                expect(NoticePresenter.receiptLine(opened) == "请回执") { "${NoticePresenter.receiptLine(opened)}" }
                try {
                    client.replyNotice(id, null, null)
                    throw AssertionError("a reply without a choice was kept")
                } catch (e: QianpiException.ReplyNotAllowed) {
                    expect(e.code == "choice_required") { e.code }
                }
                val replied = client.replyNotice(id, "attend", "带春耕材料")
                expect(NoticePresenter.receiptLine(replied) == "回执：参加（带春耕材料），待同步") { "${NoticePresenter.receiptLine(replied)}" }
                expect(NoticePresenter.badge(client.notices(20u, 0u)[0]) == "待同步") { "badge while offline" }

                gateway.start()
                val synced = runBlocking { client.sync() }
                expect(synced.receiptsSent >= 1u && synced.receiptsRefused == 0u) { "sync $synced" }
                val settled = client.notice(id)
                expect(NoticePresenter.receiptLine(settled) == "回执：参加（带春耕材料）") { "${NoticePresenter.receiptLine(settled)}" }
                expect(NoticePresenter.badge(client.notices(20u, 0u)[0]) == "已回执") { "badge after sync" }
                val roster = gateway.admin("notice-receipts", "--unit", "unit-sxnyt", "--notice", id).second
                expect(roster.contains("1 recipients, 0 unread, 0 without a reply")) { roster }

                expect(!settled.attachments.single().stored) { "the attachment was there before the download" }
                expect(runBlocking { client.download(sha) } == bytes.size.toULong()) { "download size" }
                expect(client.readFile(sha).contentEquals(bytes)) { "the attachment read back differs" }
                expect(client.notice(id).attachments.single().stored) { "the attachment is not marked stored" }
            }
        }

        runner.test("the store reopens with the Kotlin keystore and keeps the verdict") {
            QianpiClient(phoneDir, keyStore, signer).use { client ->
                expect(keyStore.unwraps.get() >= 1) { "the data key was not unwrapped through the Kotlin keystore" }
                expect(client.verdicts().size == 1) { "verdicts after reopening ${client.verdicts()}" }
            }
        }

        runner.test("approving a task that does not exist is an input error") {
            QianpiClient(phoneDir, keyStore, signer).use { client ->
                try {
                    client.approve("no-such-task", Attitude.AGREE, "同意")
                    throw AssertionError("approving a missing task succeeded")
                } catch (e: QianpiException.InvalidInput) {
                    // expected
                }
            }
        }

        runner.test("a locked store refuses reads until unlocked through the Kotlin keystore") {
            QianpiClient(phoneDir, keyStore, signer).use { client ->
                val unwrapsBefore = keyStore.unwraps.get()
                client.lock()
                expect(client.isLocked()) { "not locked" }
                try {
                    client.verdicts()
                    throw AssertionError("a locked store answered")
                } catch (e: QianpiException.Locked) {
                    // expected
                }
                client.unlock()
                expect(keyStore.unwraps.get() == unwrapsBefore + 1) { "unlock did not go through the keystore" }
                expect(client.verdicts().size == 1) { "verdicts after unlocking ${client.verdicts()}" }
            }
        }

        runner.test("a wipe shreds the keystore's keys and leaves an empty store") {
            val wipeStore = JcaKeyStore()
            val wipeDir = File(root, "wiped").path
            QianpiClient(wipeDir, wipeStore, JcaDeviceSigner()).use { client ->
                runBlocking { client.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android") }
                client.wipe()
                expect(client.isLocked()) { "a wiped client stayed unlocked" }
                expect(wipeStore.deleted.contains("qianpi.kek.v1")) { "the wrapping key was not deleted: ${wipeStore.deleted}" }
                client.unlock()
                expect(client.account() == null) { "the account survived the wipe" }
            }
        }

        runner.test("the store refuses to open with a wrong data key") {
            try {
                QianpiClient(phoneDir, WrongKeyStore(), signer).close()
                throw AssertionError("the store opened with a wrong key")
            } catch (e: QianpiException.WrongKey) {
                // expected
            }
        }

        runner.test("another keystore cannot unwrap the data key") {
            try {
                QianpiClient(phoneDir, JcaKeyStore(), signer).close()
                throw AssertionError("the store opened through a foreign keystore")
            } catch (e: QianpiException.Platform) {
                expect(e.reason.contains("no wrapping key")) { e.reason }
            }
        }
    } finally {
        gateway.stop()
        root.deleteRecursively()
    }
    exitProcess(runner.finish())
}
