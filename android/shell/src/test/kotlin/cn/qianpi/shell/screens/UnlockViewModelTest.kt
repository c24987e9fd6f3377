// The lock and the unlock screen against the real library: the data key is wrapped by a key that
// opens only right after the person confirmed (as an Android Keystore key with user
// authentication), the unlock screen shows the prompt, a cancelled or failed prompt keeps the data
// locked and says so, a confirmed one opens it; the app locks after the inactivity time by a clock
// the test moves (touches restart the period), and at once when it leaves the foreground.
package cn.qianpi.shell.screens

import cn.qianpi.core.KeyStore
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.GatewayTest
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AccountScreens.zh
import cn.qianpi.shell.screens.unlock.LockController
import cn.qianpi.shell.screens.unlock.PresencePrompt
import cn.qianpi.shell.screens.unlock.PresenceResult
import cn.qianpi.shell.screens.unlock.UnlockPhase
import cn.qianpi.shell.screens.unlock.UnlockViewModel
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A keystore whose key opens the data key once per confirmation, like a Keystore key bound to the user's authentication. */
class AuthBoundKeyStore : KeyStore {
    private val inner = JcaKeyStore()
    private val authenticated = AtomicBoolean(false)

    /** From now on the key needs a confirmation for each use (set once the app is installed and activated). */
    @Volatile
    var bound = false

    /** The person just confirmed. */
    fun authenticate() = authenticated.set(true)

    override fun wrap(alias: String, plaintext: ByteArray): ByteArray = inner.wrap(alias, plaintext)

    override fun unwrap(alias: String, wrapped: ByteArray): ByteArray {
        if (bound && !authenticated.getAndSet(false)) throw QianpiException.Platform("user authentication required")
        return inner.unwrap(alias, wrapped)
    }

    override fun delete(alias: String) = inner.delete(alias)
}

/** The platform prompt, answered by the test; it authenticates the keystore when it confirms for real. */
class ScriptedPrompt(private val keys: AuthBoundKeyStore) : PresencePrompt {
    val answers = Channel<PresenceResult>(Channel.UNLIMITED)
    val shown = AtomicInteger()
    var lastTitle: UiText? = null

    override suspend fun confirm(title: UiText, subtitle: UiText): PresenceResult {
        shown.incrementAndGet()
        lastTitle = title
        val answer = answers.receive()
        if (answer == PresenceResult.Confirmed) keys.authenticate()
        return answer
    }
}

class UnlockViewModelTest : GatewayTest("k1-unlock") {
    @Test
    fun `unlock — a cancelled or failed prompt keeps the data locked and says so, a confirmed one opens it`() = runBlocking<Unit> {
        val keys = AuthBoundKeyStore()
        QianpiClient(File(root, "unlock").path, keys, JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            keys.bound = true
            client.sync()
            AccountScreens.withScope { scope ->
                val prompt = ScriptedPrompt(keys)
                val screen = UnlockViewModel(client, scope, prompt)
                assertEquals(UnlockPhase.Unlocked, screen.state.value.phase)

                client.lock()
                val locked = screen.state.awaitState { it.phase == UnlockPhase.Locked }
                assertEquals("签批已锁定", zh(locked.title))
                assertEquals("请验证身份后继续", zh(locked.hint))
                assertFailsWith<QianpiException.Locked> { client.inbox() }

                prompt.answers.send(PresenceResult.Cancelled)
                screen.unlock().join()
                assertEquals("解锁签批", zh(assertNotNull(prompt.lastTitle)))
                val cancelled = screen.state.value
                assertEquals(UnlockPhase.Locked, cancelled.phase)
                assertEquals("已取消验证，签批仍处于锁定状态", zh(assertNotNull(cancelled.message)))
                assertTrue(client.isLocked())

                prompt.answers.send(PresenceResult.Failed(UiText.Both("尝试次数过多，请稍后再试", "Too many attempts")))
                screen.unlock().join()
                assertEquals("尝试次数过多，请稍后再试", zh(assertNotNull(screen.state.value.message)))
                assertTrue(client.isLocked())

                prompt.answers.send(PresenceResult.Confirmed)
                screen.unlock().join()
                val open = screen.state.awaitState { it.phase == UnlockPhase.Unlocked }
                assertNull(open.message)
                assertFalse(client.isLocked())
                assertEquals(1, client.inbox().size, "the data reads again")
                assertEquals(3, prompt.shown.get())
                screen.close()
            }
        }
    }

    @Test
    fun `a key the platform no longer opens shows the core's message and stays locked`() = runBlocking<Unit> {
        val keys = AuthBoundKeyStore()
        QianpiClient(File(root, "invalidated").path, keys, JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            keys.bound = true
            AccountScreens.withScope { scope ->
                // The prompt says yes, but the key refuses (a new fingerprint enrolled invalidates it).
                val screen = UnlockViewModel(client, scope) { _, _ -> PresenceResult.Confirmed }
                client.lock()
                screen.state.awaitState { it.phase == UnlockPhase.Locked }
                screen.unlock().join()
                val failed = screen.state.value
                assertEquals(UnlockPhase.Locked, failed.phase)
                val message = zh(assertNotNull(failed.message))
                assertTrue(message.any { it.code > 0x4e00 }, "the core's Chinese message: $message")
                assertTrue(client.isLocked())
                screen.close()
            }
        }
    }

    @Test
    fun `the app locks after the inactivity time by the clock, touches restart it, and leaving the app locks at once`() = runBlocking<Unit> {
        val keys = AuthBoundKeyStore()
        QianpiClient(File(root, "inactive").path, keys, JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            keys.bound = true
            AccountScreens.withScope { scope ->
                val clock = TestClock()
                val lock = LockController(client, scope, clock) { Duration.ofMinutes(5) }
                val prompt = ScriptedPrompt(keys)
                val screen = UnlockViewModel(client, scope, prompt)
                assertFalse(lock.locked.value)

                clock.advance(Duration.ofMinutes(4))
                assertFalse(lock.checkNow(), "4 minutes idle: still open")
                lock.onUserActivity()
                clock.advance(Duration.ofMinutes(4))
                assertFalse(lock.checkNow(), "a touch restarted the 5 minutes")
                assertFalse(client.isLocked())
                clock.advance(Duration.ofMinutes(1))
                assertTrue(lock.checkNow(), "5 minutes without a touch: locked")
                assertTrue(client.isLocked())
                assertEquals("签批已锁定", zh(screen.state.awaitState { it.phase == UnlockPhase.Locked }.title))
                lock.locked.awaitState { it }

                // Unlocking starts a fresh period: the time on the unlock screen is not idle time.
                clock.advance(Duration.ofMinutes(30))
                prompt.answers.send(PresenceResult.Confirmed)
                screen.unlock().join()
                lock.locked.awaitState { !it }
                assertFalse(lock.checkNow())

                lock.onBackground()
                assertTrue(client.isLocked(), "leaving the app locks at once")
                screen.state.awaitState { it.phase == UnlockPhase.Locked }
                lock.close()
                screen.close()
            }
        }
    }

    @Test
    fun `the app's lock follows the unit's lock time as the core has it`() = runBlocking<Unit> {
        QianpiClient(File(root, "unit-time").path, JcaKeyStore(), JcaDeviceSigner()).use { client ->
            client.activate(gateway.url, "wangjianguo", gateway.issueCode("wangjianguo"), "Pixel (JVM test)", "android")
            client.sync()
            client.setInactivityLockSeconds(120u)
            AccountScreens.withScope { scope ->
                val clock = TestClock()
                val lock = LockController.forUnit(client, scope, clock)
                clock.advance(Duration.ofSeconds(119))
                assertFalse(lock.checkNow())
                clock.advance(Duration.ofSeconds(1))
                assertTrue(lock.checkNow(), "two minutes, as the unit's time says")
                assertTrue(client.isLocked())
                lock.close()
            }
        }
    }
}
