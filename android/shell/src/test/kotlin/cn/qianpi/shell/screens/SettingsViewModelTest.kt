// The settings screen against a real gateway: this device and its binding (name, platform, the
// fingerprint words the activation showed, activated at in Beijing time), the unit's lock time, a
// standing delegation set to a deputy from the people picker and revoked early, and signing out
// behind a confirmation, which wipes the phone's data and keys.
package cn.qianpi.shell.screens

import cn.qianpi.core.DelegationScope
import cn.qianpi.core.QianpiClient
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AccountScreens.zh
import cn.qianpi.shell.screens.settings.SettingsViewModel
import cn.qianpi.shell.screens.settings.SignOut
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Duration
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class SettingsViewModelTest : GatewayTest("k1-settings") {
    private fun minute(at: Instant) = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").format(at.atZone(ZoneId.of("Asia/Shanghai")))

    @Test
    fun `the device and its binding, the lock time, a delegation set and revoked, and sign out behind a confirmation`() = runBlocking<Unit> {
        val keys = JcaKeyStore()
        QianpiClient(File(root, "leader").path, keys, JcaDeviceSigner()).use { client ->
            val before = Instant.now()
            val account = client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel 8 (JVM test)", "android")
            val after = Instant.now()
            client.sync()
            client.setInactivityLockSeconds(300u)
            AccountScreens.withScope { scope ->
                val screen = SettingsViewModel(client, scope)
                val loaded = screen.state.awaitState { !it.loading }
                assertNull(loaded.error)
                val device = assertNotNull(loaded.device)
                assertEquals("Pixel 8 (JVM test)", zh(device.deviceName))
                assertEquals("安卓", zh(device.platform))
                assertTrue(zh(device.person).startsWith("王建国"), zh(device.person))
                assertEquals(account.fingerprintWords, device.fingerprintWords, "the words the activation showed")
                assertTrue(device.fingerprintWords.isNotEmpty())
                assertTrue(zh(device.assurance).isNotBlank())
                val activated = zh(device.activatedAt)
                assertTrue(activated in setOf("激活时间：${minute(before)}", "激活时间：${minute(after)}"), activated)
                assertNull(device.pending)
                assertEquals("5 分钟无操作后锁定", zh(assertNotNull(loaded.lockTime)))

                // 委托: the deputy comes from the people picker, shown by name.
                val li = client.peoplePicker(true).flatMap { it.people }.single { it.userId == "user-li" }
                val choice = loaded.deputies.flatMap { it.second }.single { it.userId == "user-li" }
                assertEquals(li.name, zh(choice.name))
                val start = Instant.now()
                screen.setDelegation("user-li", DelegationScope.All, start, start.minus(Duration.ofHours(1))).join()
                assertEquals("结束时间须晚于开始时间", zh(assertNotNull(screen.state.value.error)))
                screen.setDelegation("user-li", DelegationScope.All, start, start.plus(Duration.ofDays(3))).join()
                val set = screen.state.value
                assertNull(set.error)
                assertEquals("已委托 ${li.name} 代为办理", zh(assertNotNull(set.notice)))
                val row = set.delegations.single()
                assertEquals(li.name, zh(row.deputy))
                assertEquals("全部流程", zh(row.scope))
                assertEquals("生效中", zh(row.status))
                assertEquals("${minute(start)} 至 ${minute(start.plus(Duration.ofDays(3)))}", zh(row.period))
                assertTrue(row.canRevoke)

                screen.revokeDelegation(row.id).join()
                val revoked = screen.state.value
                assertEquals("已撤销对 ${li.name} 的委托", zh(assertNotNull(revoked.notice)))
                assertEquals("已撤销", zh(revoked.delegations.single().status))
                assertFalse(revoked.delegations.single().canRevoke)

                // Sign out: asked first; cancelling keeps everything.
                screen.requestSignOut()
                val asking = assertIs<SignOut.Confirming>(screen.state.value.signOut)
                assertEquals("退出并清除本机数据？", zh(asking.title))
                assertTrue(zh(asking.message).contains("尚未同步"))
                screen.cancelSignOut()
                assertEquals(SignOut.Idle, screen.state.value.signOut)
                screen.confirmSignOut().join()
                assertNotNull(client.account(), "no wipe without the dialog")

                screen.requestSignOut()
                screen.confirmSignOut().join()
                assertEquals(SignOut.Done, screen.state.value.signOut)
                assertTrue(client.isLocked())
                assertTrue(keys.deleted.isNotEmpty(), "the keystore keys are gone")
                client.unlock()
                assertNull(client.account(), "an empty, unactivated phone")
            }
        }
    }

    @Test
    fun `lock times and assurance levels read as the person expects`() {
        assertEquals("不自动锁定", zh(SettingsViewModel.lockTime(0u)))
        assertEquals("15 分钟无操作后锁定", zh(SettingsViewModel.lockTime(900u)))
        assertEquals("90 秒无操作后锁定", zh(SettingsViewModel.lockTime(90u)))
        assertEquals("软件密钥", zh(SettingsViewModel.assuranceText("software")))
        assertEquals("硬件密钥（已提交证明，由单位服务器核验）", zh(SettingsViewModel.assuranceText("attestation_sent")))
        assertEquals("硬件密钥（StrongBox 安全芯片，已核验）", zh(SettingsViewModel.assuranceText("strongbox")))
        assertEquals("iOS", zh(SettingsViewModel.platformText("ios")))
    }
}
