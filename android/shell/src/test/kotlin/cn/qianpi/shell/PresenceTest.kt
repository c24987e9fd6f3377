// Approvals behind the user's presence, from Kotlin against a real gateway: the approval key
// refuses to sign unless the user just authenticated (as an Android Keystore key with user
// authentication does), so the one-call approve fails and queues nothing; the shell prepares the
// action, the prompt is cancelled (nothing queued), then prepared again, authenticated, signed and
// completed, and the gateway accepts it.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.FlowAction
import cn.qianpi.core.DeviceSigner
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.TaskAction
import cn.qianpi.core.VerdictOutcome
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The approval key's alias in the core. */
internal const val APPROVAL_KEY = "qianpi.ask.v1"

/** A signer whose approval key signs once per authentication, like a key bound to BiometricPrompt. */
class PresenceSigner : DeviceSigner {
    private val inner = JcaDeviceSigner()
    private val authenticated = AtomicBoolean(false)
    val approvals = AtomicInteger()

    /** The user confirmed with a fingerprint: the next approval signature is allowed. */
    fun authenticate() = authenticated.set(true)

    override fun createKey(alias: String): ByteArray = inner.createKey(alias)

    override fun publicKey(alias: String): ByteArray = inner.publicKey(alias)

    override fun sign(alias: String, message: ByteArray): ByteArray {
        if (alias == APPROVAL_KEY) {
            if (!authenticated.getAndSet(false)) throw QianpiException.Platform("user authentication required")
            approvals.incrementAndGet()
        }
        return inner.sign(alias, message)
    }
}

class PresenceTest : GatewayTest("presence") {
    @Test
    fun `an approval is signed only behind the prompt, and a cancelled prompt queues nothing`() = runBlocking<Unit> {
        val signer = PresenceSigner()
        QianpiClient(File(root, "leader").path, JcaKeyStore(), signer).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            client.sync()
            val task = client.inbox().single().taskId
            val approve = TaskAction.Approve(Attitude.AGREE, "同意。请厅办公室牵头落实。", null)

            // Without the prompt the key refuses, and nothing waits for the gateway.
            assertFailsWith<QianpiException.Platform> { client.approve(task, Attitude.AGREE, "同意。") }
            assertEquals(0u, client.outboxCount())

            // The prompt is shown and cancelled: the prepared approval is dropped.
            val cancelled = client.prepareAction(task, approve, null)
            assertEquals(FlowAction.APPROVE, cancelled.action())
            cancelled.close()
            assertEquals(0u, client.outboxCount())

            // Shown again and confirmed: the shell signs exactly the prepared bytes.
            val prepared = client.prepareAction(task, approve, null)
            signer.authenticate()
            val signature = signer.sign(APPROVAL_KEY, prepared.toBeSigned())
            val queued = client.completeAction(prepared, signature)
            assertEquals(prepared.commandId(), queued.commandId)
            assertEquals(1u, client.outboxCount())
            assertEquals(1, signer.approvals.get())

            // Completing it twice queues nothing more.
            assertFailsWith<QianpiException.InvalidInput> { client.completeAction(prepared, signature) }

            val synced = client.sync()
            assertEquals(1u, synced.accepted)
            assertIs<VerdictOutcome.Accepted>(client.verdicts().single().outcome)
        }
    }
}
