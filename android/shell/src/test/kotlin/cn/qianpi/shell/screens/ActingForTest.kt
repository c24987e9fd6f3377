// 代签 against a real gateway: the leader's secretary, on her own phone, finds his task among
// those she may enter for, is offered what she may enter in his name (同意, 驳回; not his 转交),
// approves it for him behind her own fingerprint, and the leader's
// document screen shows the opinion as his, entered by her (named from the address book).
package cn.qianpi.shell.screens

import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.ActionKind
import cn.qianpi.shell.screens.document.DocumentViewModel
import cn.qianpi.shell.screens.people.PersonRow
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ActingForTest : GatewayTest("k2-acting-for") {
    @Test
    fun `the secretary approves for her leader and his document shows who entered it`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        val admin = AdminApi(gateway.url, token)
        admin.post(
            "/units/unit-sxnyt/users",
            """{"login": "zhangmishu", "name": "张秘书", "post": "厅长秘书", "role": "secretary", "secretary_for": ["user-wang"]}""",
        )
        // The gateway sends a secretary her leader's tasks made from then on.
        // 领导批示 where the leader may also 驳回 and 转交: his secretary may enter the first for him,
        // not the second.
        admin.post(
            "/units/unit-sxnyt/definitions",
            """{"id": "def-k2-for", "name": "签报办理", "start": "lead", "nodes": [
                 {"id": "lead", "name": "领导批示", "handlers": [{"user": "user-wang"}],
                  "reject": {"policy": "terminate"}, "allow": {"transfer": true},
                  "routes": [{"id": "r-end", "label": "办结", "to": "end"}]},
                 {"id": "end", "name": "办结", "kind": "end"}]}""",
        )
        admin.startFlow("def-k2-for", "doc-k2-for", "关于春耕物资调拨的请示", 41, "urgent")
        val fingerprint = PresenceSigner()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val secretary = QianpiClient(File(root, "secretary").path, JcaKeyStore(), fingerprint)
        val leader = QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner())
        try {
            secretary.activate(gateway.url, "zhangmishu", gateway.issueCode("zhangmishu"), "Pixel (JVM test)", "android")
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            secretary.sync()
            val held = ActingViewModel.tasksHeldBy(secretary, "user-wang")
            assertEquals(1, held.size, "the leader's task on her phone: $held")

            val wang = PersonRow("user-wang", "王建国", UiText.Plain("厅长"), UiText.Plain(""), null)
            val acting = ActingViewModel(secretary, held.single(), scope, FingerprintPrompt(fingerprint), AwtRenderer(), actingFor = wang)
            acting.load()
            assertEquals("代王建国签批", zh(acting.state.value.actingFor))
            assertEquals(listOf("同意", "驳回"), acting.state.value.actions.map { zh(it.label) }, "the leader's flags she may enter for him")
            acting.choose(ActionKind.APPROVE)
            acting.setOpinion("同意。请办公室抓紧落实。")
            assertTrue(acting.send(), "problem ${zh(acting.state.value.problem)}")
            assertEquals(1, fingerprint.approvals.get(), "signed with her own key, behind her prompt")
            assertEquals(1u, secretary.sync().accepted)
            assertEquals("已送达，流程已办结", zh(acting.state.await { it.verdict != null }.verdict!!.title))

            leader.sync()
            leader.syncPeople()
            val document = DocumentViewModel(leader, "doc-k2-for", scope)
            document.start()
            val shown = document.state.await { s -> s.opinions.any { c -> c.opinions.isNotEmpty() } }
            val opinion = shown.opinions.flatMap { it.opinions }.single()
            assertEquals("王建国", zh(opinion.author))
            assertEquals("同意。请办公室抓紧落实。", zh(opinion.text))
            assertEquals("由张秘书代签", zh(opinion.onBehalf))
        } finally {
            scope.cancel()
            secretary.close()
            leader.close()
        }
    }
}
