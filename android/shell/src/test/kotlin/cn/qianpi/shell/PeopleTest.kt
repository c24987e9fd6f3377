// 通讯录 from Kotlin: an administrator gives 李晓梅 a department and an office phone and lets the
// unit show phones (admin API over HTTP), the leader's phone fetches the address book through the
// generated bindings, and with the gateway stopped searches it by pinyin and initials and builds
// the transfer picker without himself.
package cn.qianpi.shell

import cn.qianpi.core.QianpiClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class PeopleTest : GatewayTest("people") {
    @Test
    fun `the synced address book is searched offline by pinyin and initials`() = runBlocking<Unit> {
        val token = gateway.admin("issue-admin-token", "--operator").first.lines().last().trim()
        adminPut(token, "/units/unit-sxnyt/people/user-li", """{"department": "秘书科", "office_phone": "0351-1234567"}""")
        adminPut(token, "/units/unit-sxnyt/people-policy", """{"show_office_phones": true}""")

        QianpiClient(File(root, "phone").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            runBlocking { client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android") }
            val first = runBlocking { client.syncPeople() }
            assertTrue(first.changed)
            assertEquals(3u, first.people)
            assertFalse(runBlocking { client.syncPeople() }.changed, "an unchanged address book came again")

            gateway.stop()
            val li = client.searchPeople("lxm", 10u).single()
            assertEquals("李晓梅", li.name)
            assertEquals("秘书科", li.department)
            assertEquals("0351-1234567", li.officePhone)
            assertEquals(listOf("王建国"), client.searchPeople("wangjianguo", 10u).map { it.name })
            assertEquals(listOf("赵文"), client.searchPeople("zw", 10u).map { it.name })
            assertEquals(3, client.searchPeople("", 10u).size)

            val picker = client.peoplePicker(true)
            val everyone = picker.flatMap { group -> group.people.map { it.name } }
            assertEquals(setOf("李晓梅", "赵文"), everyone.toSet())
            assertTrue(picker.any { it.name == "秘书科" }, "departments ${picker.map { it.name }}")
            gateway.start()
        }
    }
}
