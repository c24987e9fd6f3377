// The Flow adapters over the core's observers, against a real gateway: a lists flow follows a
// pulled page, an offline approval and the sync that settles it; the outbox flow shows the queued
// approval and then nothing; the lock flow follows lock and unlock; cancelling the collection
// stops the core's task.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.FlowAction
import cn.qianpi.core.ListKind
import cn.qianpi.core.ListsOverview
import cn.qianpi.core.QianpiClient
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ObserveTest : GatewayTest("observe") {
    /** Waits (at most 10 s) for the first value of [updates] that satisfies [wanted]. */
    private suspend fun <T> Channel<T>.awaitFirst(wanted: (T) -> Boolean): T = withTimeout(10_000) {
        var value = receive()
        while (!wanted(value)) value = receive()
        value
    }

    /** Collects [flow] into a channel on a background dispatcher until [body] returns. */
    private fun <T> following(flow: Flow<T>, body: suspend (Channel<T>) -> Unit) = runBlocking {
        val updates = Channel<T>(Channel.UNLIMITED)
        val job = launch(Dispatchers.Default) { flow.collect { updates.send(it) } }
        try {
            body(updates)
        } finally {
            job.cancel()
        }
    }

    private fun counts(result: Result<ListsOverview>) = result.getOrNull()?.counts

    @Test
    fun `the lists and outbox flows follow a pull, an offline approval and the sync that settles it`() {
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            runBlocking {
                client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            }
            following(client.listsFlow(ListKind.TODO, 20u)) { lists ->
                // Nothing pulled yet: the first value is the empty phone.
                assertEquals(0u, counts(lists.awaitFirst { true })?.todo)
                runBlocking { client.sync() }
                val pulled = lists.awaitFirst { counts(it)?.todo == 1u }.getOrThrow()
                assertEquals(1, pulled.rows.size)
                val task = pulled.rows[0].id

                following(client.outboxFlow()) { outbox ->
                    assertTrue(outbox.awaitFirst { true }.getOrThrow().queued.isEmpty())
                    gateway.stop()
                    client.approve(task, Attitude.AGREE, "同意。")
                    val moved = lists.awaitFirst { counts(it)?.todo == 0u }.getOrThrow()
                    assertEquals(1u, moved.counts.done, "the queued approval shows under 已办")
                    val queued = outbox.awaitFirst { it.getOrNull()?.queued?.size == 1 }.getOrThrow()
                    assertEquals(FlowAction.APPROVE, queued.queued[0].action)
                    assertEquals(task, queued.queued[0].taskId)

                    gateway.start()
                    runBlocking { client.sync() }
                    outbox.awaitFirst { it.getOrNull()?.queued?.isEmpty() == true }
                }
            }
        }
    }

    @Test
    fun `the lock flow follows lock and unlock, and a locked outbox flow says why`() {
        QianpiClient(File(root, "locking").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            following(client.lockFlow()) { lock ->
                assertEquals(false, lock.awaitFirst { true })
                following(client.outboxFlow()) { outbox ->
                    outbox.awaitFirst { it.isSuccess }
                    client.lock()
                    assertEquals(true, lock.awaitFirst { it })
                    outbox.awaitFirst { it.isFailure }
                    client.unlock()
                    assertEquals(false, lock.awaitFirst { !it })
                    outbox.awaitFirst { it.isSuccess }
                }
            }
        }
    }
}
