// 批量审批 behind a key that asks for the person on every signature, as the Android Keystore's
// approval key does: one prompt per item, each signed only after its own confirmation; a refused
// item is that row's result; a cancelled prompt leaves the rest unsigned and nothing queued.
package cn.qianpi.shell.screens

import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.BatchViewModel
import cn.qianpi.shell.screens.lists.ListsViewModel
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertNull

class BatchPromptTest : GatewayTest("batch-prompt") {
    private val demo = "关于做好2026年春耕备耕工作的通知"
    private val batchable = "关于春耕农资价格监测的通知"
    private val needsOpinion = "关于调整农机补贴标准的请示"

    @Test
    fun `each item of a batch is confirmed and signed in turn, and a cancelled prompt signs nothing more`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        val admin = AdminApi(gateway.url, token)
        admin.leaderProcess("def-bp-batch", "办结", routeNeedsOpinion = false)
        admin.leaderProcess("def-bp-opinion", "办结", routeNeedsOpinion = true)
        admin.startFlow("def-bp-batch", "doc-bp-1", batchable, 41, "normal")
        admin.startFlow("def-bp-opinion", "doc-bp-2", needsOpinion, 42, "normal")
        val signer = PresenceSigner()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        QianpiClient(File(root, "leader").path, JcaKeyStore(), signer).use { leader ->
            try {
                leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
                val lists = ListsViewModel(leader, scope)
                lists.start()
                lists.refresh()
                val rows = lists.state.await { it.kind == ListKind.TODO && it.rows.size == 3 }.rows.associateBy { zh(it.title) }

                // Without the prompt the key refuses every silent signature.
                val silent = BatchViewModel(leader)
                listOf(demo, batchable).forEach { silent.toggle(rows.getValue(it)) }
                assertEquals(listOf(false, false), silent.approve().map { it.queued })
                assertEquals(0, signer.approvals.get())

                // A cancelled first prompt: nothing signed, nothing queued, the rows stay ticked.
                val cancelling = FingerprintPrompt(signer).apply { cancel = true }
                val stopped = BatchViewModel(leader, cancelling)
                listOf(demo, batchable).forEach { stopped.toggle(rows.getValue(it)) }
                assertEquals(emptyList(), stopped.approve())
                assertEquals("已取消，其余未签批", zh(stopped.state.value.problem))
                assertEquals(2, stopped.state.value.selected.size)
                assertEquals(0u, leader.outboxCount())

                // Confirmed one by one: one prompt and one signature per item, the refused one its own result.
                val prompt = FingerprintPrompt(signer)
                val batch = BatchViewModel(leader, prompt)
                listOf(demo, batchable, needsOpinion).forEach { batch.toggle(rows.getValue(it)) }
                val results = batch.approve()
                assertEquals(listOf(true, true, false), results.map { it.queued })
                assertEquals(2, prompt.shown.get(), "one prompt per item; the refused one is refused before any prompt")
                assertEquals(2, signer.approvals.get())
                assertEquals("批量签批（第 2 件，共 3 件）", zh(prompt.last?.title))
                assertEquals(batchable, zh(prompt.last?.subtitle))
                assertEquals(true, zh(results[2].text)?.isNotBlank(), "the refusal says why")
                assertEquals(listOf("已批，待同步", "已批，待同步"), results.take(2).map { zh(it.text) })
                assertEquals("已批 2 件，1 件未通过", zh(batch.state.value.summary))
                assertNull(batch.state.value.problem)
                assertEquals(2u, leader.outboxCount())
                assertEquals(2u, leader.sync().accepted)
            } finally {
                scope.cancel()
            }
        }
    }
}
