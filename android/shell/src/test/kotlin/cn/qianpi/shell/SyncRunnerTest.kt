// The app keeping the phone in sync while it is in the foreground, as the core's runner does it:
// started once, it syncs on its own (the status Flow shows its success), and an approval goes to
// the gateway as soon as it is queued, its verdict back with no sync called.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.SyncState
import cn.qianpi.core.SyncStatus
import cn.qianpi.core.VerdictOutcome
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertIs

class SyncRunnerTest : GatewayTest("syncrunner") {
    /** Waits (at most 15 s) for the first status that satisfies [wanted]. */
    private suspend fun Channel<SyncStatus>.awaitFirst(wanted: (SyncStatus) -> Boolean): SyncStatus = withTimeout(15_000) {
        var value = receive()
        while (!wanted(value)) value = receive()
        value
    }

    @Test
    fun `in the foreground the runner syncs by itself and sends an approval as soon as it is queued`() = runBlocking<Unit> {
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            val updates = Channel<SyncStatus>(Channel.UNLIMITED)
            val job = launch(Dispatchers.Default) { client.syncStatusFlow().collect { updates.send(it.getOrThrow()) } }
            val runner = client.startSync(true)
            try {
                // No sync called: the runner's first sync brings the leader's task.
                updates.awaitFirst { it.state == SyncState.Idle && it.lastSuccess != null }
                val task = withTimeout(15_000) {
                    var inbox = client.inbox()
                    while (inbox.isEmpty()) {
                        delay(50)
                        inbox = client.inbox()
                    }
                    inbox.single()
                }

                client.approve(task.taskId, Attitude.AGREE, "同意。")
                val verdict = withTimeout(15_000) {
                    var verdicts = client.verdicts()
                    while (verdicts.isEmpty()) {
                        delay(50)
                        verdicts = client.verdicts()
                    }
                    verdicts.single()
                }
                assertIs<VerdictOutcome.Accepted>(verdict.outcome, "the verdict came back without a sync called")
                assertEquals(0u, client.outboxCount())
            } finally {
                runner.stop()
                runner.close()
                job.cancel()
            }
        }
    }
}
