// The people picker with the acting screen against a real gateway: after the leader's 批示 the
// office's director opens his 承办 task, chooses 转交, is told to pick someone, finds 李晓梅 in
// the picker by her initials (himself left out), sends it behind his fingerprint, and her phone
// then holds the task.
package cn.qianpi.shell.screens

import cn.qianpi.core.Attitude
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.ActionKind
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.people.PeoplePickerViewModel
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class PeoplePickerTest : GatewayTest("k2-people") {
    @Test
    fun `the director transfers his task to a colleague found by her initials`() = runBlocking<Unit> {
        val fingerprint = PresenceSigner()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val leader = QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner())
        val director = QianpiClient(File(root, "director").path, JcaKeyStore(), fingerprint)
        val colleague = QianpiClient(File(root, "colleague").path, JcaKeyStore(), JcaDeviceSigner())
        try {
            leader.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            director.activate(gateway.url, "zhaowen", gateway.issueCode("zhaowen"), "Pixel (JVM test)", "android")
            colleague.activate(gateway.url, "lixiaomei", gateway.issueCode("lixiaomei"), "Pixel (JVM test)", "android")
            leader.sync()
            leader.approve(leader.list(ListKind.TODO, 20u, 0u).single().id, Attitude.AGREE, "同意。")
            assertEquals(1u, leader.sync().accepted)

            val lists = ListsViewModel(director, scope)
            lists.start()
            lists.refresh()
            val task = lists.state.await { it.rows.isNotEmpty() }.rows.single()

            val acting = ActingViewModel(director, task.id, scope, FingerprintPrompt(fingerprint), AwtRenderer())
            acting.load()
            val labels = acting.state.value.actions.map { zh(it.label) }
            assertContains(labels, "转交")
            assertContains(labels, "传阅")
            acting.choose(ActionKind.TRANSFER)
            assertFalse(acting.send())
            assertEquals("请选择一位人员", zh(acting.state.value.problem))

            // The picker: departments without himself, then a search by initials.
            val picker = PeoplePickerViewModel(director, scope, multiple = false)
            picker.refresh()
            picker.start()
            val everyone = picker.state.await { it.groups.isNotEmpty() }.groups.flatMap { it.people }.map { it.name }
            assertEquals(setOf("王建国", "李晓梅"), everyone.toSet(), "the director is left out")
            picker.search("lxm")
            assertEquals(listOf("李晓梅"), picker.state.value.results.map { it.name })
            picker.search("zzzz")
            assertEquals("无匹配人员", zh(picker.state.value.noMatch))
            picker.search("lxm")
            val li = picker.state.value.results.single()
            picker.toggle(li.userId)
            picker.toggle(picker.state.value.groups.flatMap { it.people }.first { it.name == "王建国" }.userId)
            assertEquals(listOf("王建国"), picker.state.value.selected.map { it.name }, "one person only: the last pick")
            picker.toggle(li.userId)
            assertEquals(listOf("李晓梅"), picker.state.value.selected.map { it.name })
            assertTrue(picker.state.value.results.single().selected)

            acting.setPeople(picker.state.value.selected)
            assertTrue(acting.send(), "problem ${zh(acting.state.value.problem)}")
            lists.refresh()
            assertTrue(acting.state.await { it.verdict != null }.verdict!!.accepted)

            colleague.sync()
            assertEquals(listOf("关于做好2026年春耕备耕工作的通知"), colleague.list(ListKind.TODO, 20u, 0u).map { it.title })
        } finally {
            scope.cancel()
            leader.close()
            director.close()
            colleague.close()
        }
    }
}
