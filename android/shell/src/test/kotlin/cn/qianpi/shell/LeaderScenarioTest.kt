// The leader's and the handler's day through the generated bindings against a real gateway: the
// leader opens the document and follows its detail screen, chooses the action the detail offers,
// approves offline behind a signer that demands his fingerprint, and sees the verdict; the
// handler's 待办 list follows the change the gateway sends, and he passes the work on (转交) to a
// colleague picked from the people picker, whose phone then holds it.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.DocumentDetail
import cn.qianpi.core.FlowAction
import cn.qianpi.core.InstanceState
import cn.qianpi.core.ListKind
import cn.qianpi.core.ListsOverview
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.TaskAction
import cn.qianpi.core.Urgency
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.screens.acting.VerdictText
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.lists.RefreshState
import cn.qianpi.shell.screens.zh
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

class LeaderScenarioTest : GatewayTest("scenario") {
    /** Waits (at most 10 s) for the first value of this channel that satisfies [wanted]. */
    private suspend fun <T> Channel<T>.awaitFirst(wanted: (T) -> Boolean): T = withTimeout(10_000) {
        var value = receive()
        while (!wanted(value)) value = receive()
        value
    }

    /** Collects [flow] into a channel on a background dispatcher until [body] returns. */
    private suspend fun <T> following(flow: Flow<T>, body: suspend (Channel<T>) -> Unit) {
        val updates = Channel<T>(Channel.UNLIMITED)
        runBlocking {
            val job = launch(Dispatchers.Default) { flow.collect { updates.send(it) } }
            try {
                body(updates)
            } finally {
                job.cancel()
            }
        }
    }

    private fun todo(result: Result<ListsOverview>) = result.getOrNull()?.counts?.todo

    private fun myTaskApprovable(result: Result<DocumentDetail>) =
        result.getOrNull()?.myTask?.item?.canApprove == true

    @Test
    fun `the leader approves the document he read behind his fingerprint and the handler passes it on through the picker`() = runBlocking<Unit> {
        val fingerprint = PresenceSigner()
        // Opened off the test's thread, as a screen opens it (the store may migrate first).
        val leader = QianpiClient.open(File(root, "leader").path, JcaKeyStore(), fingerprint)
        val handler = QianpiClient(File(root, "handler").path, JcaKeyStore(), JcaDeviceSigner())
        val colleague = QianpiClient(File(root, "colleague").path, JcaKeyStore(), JcaDeviceSigner())
        try {
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            handler.activate(gateway.url, "zhaowen", gateway.issueCode("zhaowen"), "Pixel (JVM test)", "android")
            colleague.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android")
            leader.sync()
            val task = leader.list(ListKind.TODO, 20u, 0u).single().id

            following(leader.documentFlow(task)) { detail ->
                // The document as the leader opens it: its head, its body and the step he is at.
                val opened = detail.awaitFirst(::myTaskApprovable).getOrThrow()
                assertEquals("晋农办〔2026〕12号", opened.head.number)
                assertEquals(Urgency.URGENT, opened.head.urgency)
                assertEquals("加急", opened.head.urgency.labelZh())
                assertEquals(InstanceState.RUNNING, opened.instanceState)
                assertTrue(opened.bodies.isNotEmpty(), "no body on ${opened.head.title}")
                val myTask = assertNotNull(opened.myTask)
                val route = myTask.item.routes.single()
                assertEquals("送承办", route.label)

                // Offline, behind the fingerprint: prepared, shown, confirmed, queued.
                gateway.stop()
                assertIs<RefreshState.Offline>(ListsViewModel(leader, this).refresh())
                val prepared = leader.prepareAction(task, TaskAction.Approve(Attitude.AGREE, "同意。请办公室抓紧落实。", route.id), null)
                fingerprint.authenticate()
                val queued = leader.completeAction(prepared, fingerprint.sign(APPROVAL_KEY, prepared.toBeSigned()))
                assertTrue(queued.decidedOffline, "the approval was not marked offline")
                // The open detail follows: the action shows as waiting, the buttons are gone.
                val waiting = detail.awaitFirst { !myTaskApprovable(it) }.getOrThrow()
                assertTrue(waiting.flowRecord.any { it.pending && it.action == FlowAction.APPROVE }, "record ${waiting.flowRecord}")
                assertFalse(waiting.myTask?.item?.canApprove ?: false)

                gateway.start()
                assertEquals(1u, leader.sync().accepted)
                val verdict = leader.verdicts().single()
                val accepted = assertIs<VerdictOutcome.Accepted>(verdict.outcome)
                assertEquals("承办", accepted.currentNode)
                assertEquals("已送达（离线批示），流程已转至承办", zh.resolve(VerdictText.of(verdict).title))
                // Settled: the gateway's record holds his opinion, nothing waits any more.
                val settled = detail.awaitFirst { r ->
                    r.getOrNull()?.opinionColumns?.flatMap { it.opinions }?.any { it.author.userId == "user-wang" && !it.pending } == true
                }.getOrThrow()
                assertTrue(settled.flowRecord.none { it.pending }, "record ${settled.flowRecord}")
                val opinion = settled.opinionColumns.flatMap { it.opinions }.first { it.author.userId == "user-wang" }
                assertEquals("同意。请办公室抓紧落实。", opinion.text)
                assertEquals(listOf("承办"), settled.currentNodes)
            }

            // The handler's 待办 follows what the gateway sends.
            following(handler.listsFlow(ListKind.TODO, 20u)) { lists ->
                assertEquals(0u, todo(lists.awaitFirst { it.isSuccess }))
                handler.sync()
                val arrived = lists.awaitFirst { todo(it) == 1u }.getOrThrow()
                val handling = arrived.rows.single()
                assertEquals("关于做好2026年春耕备耕工作的通知", handling.title)

                // 转交 to a colleague chosen from the picker, which leaves the handler himself out.
                handler.syncPeople()
                following(handler.peopleFlow(excludeSelf = true)) { people ->
                    val groups = people.awaitFirst { it.getOrNull()?.isNotEmpty() == true }.getOrThrow()
                    val everyone = groups.flatMap { it.people }
                    assertFalse(everyone.any { it.name == "赵文" }, "the picker offers the handler himself")
                    val li = assertNotNull(everyone.firstOrNull { it.name == "李晓梅" }, "picker $groups")
                    val controls = handler.controls(handling.id)
                    assertTrue(controls.canTransfer, "承办 allows 转交: $controls")
                    handler.actOnTask(handling.id, TaskAction.Transfer(li.userId), null)
                }
                lists.awaitFirst { todo(it) == 0u }
                assertEquals(1u, handler.sync().accepted)
            }
            colleague.sync()
            val passed = colleague.list(ListKind.TODO, 20u, 0u).single()
            assertEquals("关于做好2026年春耕备耕工作的通知", passed.title)
        } finally {
            leader.close()
            handler.close()
            colleague.close()
        }
    }
}
