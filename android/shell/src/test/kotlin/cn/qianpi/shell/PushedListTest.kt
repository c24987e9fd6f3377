// A list change pushed by the gateway: the leader's phone runs the foreground sync runner and
// follows its 待办 through listsFlow; 李晓梅 sends a 请示 on from her own phone, kept in sync by its
// own runner, and the new 待办 shows on the leader's list, its kind, urgency and secrecy with it,
// with no sync called on either phone.
package cn.qianpi.shell

import cn.qianpi.core.Attitude
import cn.qianpi.core.DocumentKind
import cn.qianpi.core.ListKind
import cn.qianpi.core.ListsOverview
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.SecrecyLevel
import cn.qianpi.core.TaskAction
import cn.qianpi.core.Urgency
import cn.qianpi.shell.screens.AdminApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class PushedListTest : GatewayTest("pushed") {
    private val title = "关于调整春耕补贴标准的请示"

    /** Waits (at most 20 s) for the first overview that satisfies [wanted]. */
    private suspend fun Channel<ListsOverview>.awaitFirst(wanted: (ListsOverview) -> Boolean): ListsOverview = withTimeout(20_000) {
        var value = receive()
        while (!wanted(value)) value = receive()
        value
    }

    @Test
    fun `a 待办 another person's action produced at the gateway reaches the leader's list with no sync called`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        val admin = AdminApi(gateway.url, token)
        admin.returnableProcess("def-pushed")
        admin.startFlow("def-pushed", "doc-pushed", title, 31, "urgent")
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { leader ->
            QianpiClient(File(root, "drafter").path, JcaKeyStore(), JcaDeviceSigner()).use { drafter ->
                leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
                drafter.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android")
                val lists = Channel<ListsOverview>(Channel.UNLIMITED)
                val job = launch(Dispatchers.Default) {
                    leader.listsFlow(ListKind.TODO, 20u).collect { result -> result.getOrNull()?.let { lists.send(it) } }
                }
                val leaderRunner = leader.startSync(true)
                val drafterRunner = drafter.startSync(true)
                try {
                    // The runner's first sync brings the demo document; the 请示 is still at 拟办.
                    val before = lists.awaitFirst { it.counts.todo == 1u }
                    assertTrue(before.rows.none { it.title == title }, "${before.rows}")

                    // 李晓梅's runner brought her 拟办; she sends it on to the leader.
                    val drafting = withTimeout(20_000) {
                        var found = drafter.list(ListKind.TODO, 20u, 0u).firstOrNull { it.title == title }
                        while (found == null) {
                            delay(50)
                            found = drafter.list(ListKind.TODO, 20u, 0u).firstOrNull { it.title == title }
                        }
                        found
                    }
                    drafter.actOnTask(drafting.id, TaskAction.Approve(Attitude.AGREE, "拟请王厅长审示。", null), null)

                    val after = lists.awaitFirst { overview -> overview.rows.any { it.title == title } }
                    assertEquals(2u, after.counts.todo)
                    val row = after.rows.single { it.title == title }
                    assertEquals(Urgency.URGENT, row.urgency)
                    assertEquals(DocumentKind.INTERNAL_REQUEST, row.kind)
                    assertEquals(SecrecyLevel.NONE, row.secrecy)
                    assertFalse(row.queued)
                } finally {
                    leaderRunner.stop()
                    leaderRunner.close()
                    drafterRunner.stop()
                    drafterRunner.close()
                    job.cancel()
                }
            }
        }
    }
}
