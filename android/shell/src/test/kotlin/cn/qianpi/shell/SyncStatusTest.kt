// The sync status Flow against a real gateway: a sync shows as syncing, then idle with the time it
// succeeded; once the gateway stops, a sync that cannot reach it shows offline and the last
// success stays shown.
package cn.qianpi.shell

import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SyncState
import cn.qianpi.core.SyncStatus
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class SyncStatusTest : GatewayTest("syncstatus") {
    /** Waits (at most 10 s) for the first status that satisfies [wanted]. */
    private suspend fun Channel<SyncStatus>.awaitFirst(wanted: (SyncStatus) -> Boolean): SyncStatus = withTimeout(10_000) {
        var value = receive()
        while (!wanted(value)) value = receive()
        value
    }

    @Test
    fun `the status shows syncing, then idle with the last success, then offline once the gateway stops`() = runBlocking<Unit> {
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            val updates = Channel<SyncStatus>(Channel.UNLIMITED)
            val job = launch(Dispatchers.Default) { client.syncStatusFlow().collect { updates.send(it.getOrThrow()) } }
            try {
                val fresh = updates.awaitFirst { true }
                assertEquals(SyncState.Idle, fresh.state)
                assertNull(fresh.lastSuccess, "never synced yet")
                assertEquals(0u, fresh.outbox)

                val before = Instant.now().minusSeconds(1)
                client.sync()
                val syncing = updates.awaitFirst { it.state != SyncState.Idle }
                assertTrue(syncing.state is SyncState.Syncing, "a sync shows as syncing first: $syncing")
                val idle = updates.awaitFirst { it.state == SyncState.Idle }
                val last = assertNotNull(idle.lastSuccess, "an idle phone after a sync says when it synced")
                assertTrue(!last.isBefore(before) && !last.isAfter(Instant.now()), "last success $last")

                gateway.stop()
                assertFailsWith<QianpiException> { client.sync() }
                val offline = updates.awaitFirst { it.state != SyncState.Idle && it.state !is SyncState.Syncing }
                assertEquals(SyncState.Offline, offline.state)
                assertEquals(last, offline.lastSuccess, "the last success stays shown while offline")
                gateway.start()
            } finally {
                job.cancel()
            }
        }
    }
}
