// 全文检索 from Kotlin: the leader's phone syncs the demo unit's document through the generated
// bindings, and with the gateway stopped finds it by a Chinese word (as his task, with the match
// marked in the snippet and the 收文时间 as a timestamp), by the 文号's digits and by its issuing
// office, opens its detail from the result, and is told in both languages which query cannot
// be searched.
package cn.qianpi.shell

import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SearchKind
import cn.qianpi.core.SearchProblem
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class SearchTest : GatewayTest("search") {
    @Test
    fun `a synced document is found offline by a Chinese word and opens from the result`() = runBlocking<Unit> {
        QianpiClient(File(root, "phone").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            assertTrue(client.search("春耕", 20u).isEmpty(), "found before any sync")
            client.sync()

            gateway.stop()
            val hit = client.search("春耕", 20u).single()
            assertEquals(SearchKind.TASK, hit.kind)
            assertEquals("关于做好2026年春耕备耕工作的通知", hit.title)
            assertEquals("关于做好2026年春耕备耕工作的通知", hit.snippet.joinToString("") { it.text })
            assertEquals(listOf("春耕"), hit.snippet.filter { it.matched }.map { it.text })
            assertEquals(Instant.parse("2026-03-02T01:00:00Z"), hit.at)
            assertEquals(client.list(ListKind.TODO, 20u, 0u).single().id, hit.id, "the result is his 待办 task")
            assertEquals("晋农办〔2026〕12号", client.documentDetail(hit.id).head.number)

            assertEquals(listOf(hit.id), client.search("12号", 20u).map { it.id })
            assertEquals(listOf(hit.id), client.search("政府办公厅", 20u).map { it.id })
            assertEquals(listOf(hit.id), client.search("耕", 20u).map { it.id })
            assertTrue(client.search("防汛", 20u).isEmpty())

            val empty = assertFailsWith<QianpiException.InvalidSearch> { runBlocking { client.search(" ，。 ", 20u) } }
            assertEquals(SearchProblem.Empty, empty.problem)
            assertTrue(empty.messageZh().contains("请输入"), empty.messageZh())
            val long = assertFailsWith<QianpiException.InvalidSearch> { runBlocking { client.search("春".repeat(65), 20u) } }
            assertEquals(SearchProblem.TooLong(65u, 64u), long.problem)
            assertTrue(long.messageEn().contains("64"), long.messageEn())
            gateway.start()
        }
    }
}
