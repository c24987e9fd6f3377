// The sync status screen against a real gateway: never synced, then 已同步 with the last success
// shown in the person's zone (Asia/Shanghai unless told otherwise), then 离线 once the gateway is
// gone with the last success kept and what waits counted; and the text of every blocked reason
// (captive portal, interception, clock, proxy…) and of the progress.
package cn.qianpi.shell.screens

import cn.qianpi.core.Attitude
import cn.qianpi.core.BlockedReason
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.SyncState
import cn.qianpi.core.SyncStatus
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AccountScreens.zh
import cn.qianpi.shell.screens.syncstatus.SyncPhase
import cn.qianpi.shell.screens.syncstatus.SyncStatusViewModel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Instant
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class SyncStatusViewModelTest : GatewayTest("k1-syncstatus") {
    private fun minute(at: Instant, zone: ZoneId) = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").format(at.atZone(zone))

    @Test
    fun `never synced, then synced at a Beijing time, then offline with the last success kept and the waiting approval counted`() = runBlocking<Unit> {
        QianpiClient(File(root, "leader").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            AccountScreens.withScope { scope ->
                val screen = SyncStatusViewModel(client, scope)
                val utc = SyncStatusViewModel(client, scope, ZoneOffset.UTC)
                val fresh = screen.state.awaitState { it.phase != SyncPhase.Loading }
                assertEquals("尚未同步", zh(fresh.lastSuccess))
                assertEquals("已同步", zh(fresh.headline))
                assertNull(fresh.waiting)

                val before = Instant.now()
                screen.syncNow().join()
                val after = Instant.now()
                val synced = screen.state.awaitState { it.phase == SyncPhase.Idle && zh(it.lastSuccess) != "尚未同步" }
                assertNull(synced.error)
                val shown = zh(synced.lastSuccess)
                // The time shown is Beijing time, whatever zone this machine runs in.
                val candidates = setOf(minute(before, ZoneId.of("Asia/Shanghai")), minute(after, ZoneId.of("Asia/Shanghai")))
                assertTrue(candidates.any { shown == "上次同步：$it" }, "shown $shown, expected one of $candidates")
                val inUtc = zh(utc.state.awaitState { zh(it.lastSuccess) != "尚未同步" }.lastSuccess)
                assertNotEquals(shown, inUtc, "a screen given another zone shows another wall-clock time")

                gateway.stop()
                try {
                    val task = client.inbox().single().taskId
                    client.approve(task, Attitude.AGREE, "同意。")
                    screen.syncNow().join()
                    val offline = screen.state.awaitState { it.phase == SyncPhase.Offline && !it.syncingNow }
                    assertEquals("离线", zh(offline.headline))
                    assertTrue(zh(assertNotNull(offline.detail)).contains("待同步"))
                    assertEquals(shown, zh(offline.lastSuccess), "the last success stays shown while offline")
                    assertEquals("1 项待同步", zh(assertNotNull(offline.waiting)))
                    val error = zh(assertNotNull(offline.error, "the failed sync says why"))
                    assertTrue(error.isNotBlank() && error.any { it.code > 0x4e00 }, "a Chinese message: $error")
                } finally {
                    gateway.start()
                }
                screen.syncNow().join()
                val back = screen.state.awaitState { it.phase == SyncPhase.Idle && it.waiting == null && !it.syncingNow }
                assertNull(back.error)
                assertEquals("已同步", zh(back.headline))
                screen.close()
                utc.close()
            }
        }
    }

    @Test
    fun `each blocked reason says what to do, and progress and the next try read in the person's zone`() {
        val last = Instant.parse("2026-12-06T23:30:00Z")
        val blocked = { reason: BlockedReason -> SyncStatusViewModel.describe(SyncStatus(SyncState.Blocked(reason), last, null, 2u, 1u)) }

        val portal = blocked(BlockedReason.CAPTIVE_PORTAL)
        assertIs<SyncPhase.Blocked>(portal.phase)
        assertEquals("无法同步", zh(portal.headline))
        assertTrue(zh(assertNotNull(portal.detail)).contains("登录"), zh(portal.detail!!))
        assertTrue(zh(assertNotNull(blocked(BlockedReason.TLS_INTERCEPTED).detail)).contains("加密连接"))
        assertTrue(zh(assertNotNull(blocked(BlockedReason.CLOCK).detail)).contains("自动校时"))
        assertTrue(zh(assertNotNull(blocked(BlockedReason.PROXY).detail)).contains("代理"))
        // Every reason has advice of its own, in both languages.
        val advice = BlockedReason.values().map { zh(SyncStatusViewModel.blockedAdvice(it)) }
        assertEquals(advice.size, advice.toSet().size, "two reasons share one text: $advice")
        BlockedReason.values().forEach { AccountScreens.en.resolve(SyncStatusViewModel.blockedAdvice(it)) }
        // 23:30 UTC is 07:30 the next day in Beijing.
        assertEquals("上次同步：2026-12-07 07:30", zh(portal.lastSuccess))
        assertEquals("2 项待同步", zh(assertNotNull(portal.waiting)))
        assertEquals("1 项未被接受", zh(assertNotNull(portal.refused)))

        val syncing = SyncStatusViewModel.describe(
            SyncStatus(SyncState.Syncing(3u, 120u, 40_000u), null, Instant.parse("2026-12-07T02:05:00Z"), 0u, 0u),
        )
        assertEquals(SyncPhase.Syncing(3u, 120u), syncing.phase)
        assertEquals("正在同步", zh(syncing.headline))
        assertEquals("已接收 3 页，120 项", zh(assertNotNull(syncing.detail)))
        assertEquals("将于 2026-12-07 10:05 自动重试", zh(assertNotNull(syncing.nextAttempt)))
        assertEquals("尚未同步", zh(syncing.lastSuccess))
        assertNull(syncing.waiting)
    }
}
