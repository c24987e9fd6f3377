// The unlock screen and the lock, against a real gateway: a cancelled prompt leaves the data
// locked and says so; a confirmed one unlocks and the 待办 are readable again; a keystore that
// fails shows the core's Chinese sentence. The lock comes after the inactivity time without a
// touch (a test clock, no waiting), a touch starts the time again, and leaving the app locks at once.
import Foundation
import Qianpi
import QianpiShell
import XCTest

@MainActor
final class UnlockTests: GatewayTestCase {

    func testACancelledPromptStaysLockedAConfirmedOneUnlocksAndAKeystoreFailureShowsItsChineseMessage() async throws {
        let keyStore = try FailingKeyStore(dir: path("vault"))
        let client = try await activatedLeader(keyStore: keyStore)
        _ = try await client.sync()
        client.lock()

        let prompt = ScriptedPresence([.cancelled])
        let model = UnlockModel(client: client, prompt: prompt)
        XCTAssertEqual(model.phase, .locked)
        XCTAssertEqual(try zhText(model.title), "签批已锁定")
        await model.unlock()
        XCTAssertEqual(model.phase, .locked)
        XCTAssertEqual(try zhText(model.message), "已取消验证，签批仍处于锁定状态。")
        XCTAssertTrue(client.isLocked(), "a cancelled prompt unlocks nothing")
        XCTAssertEqual(try prompt.reasons.map { try zhText($0) }, ["验证身份以解锁签批"])
        let locked = await thrown { try await client.inbox() }
        guard case QianpiError.Locked? = locked else { return XCTFail("read while locked: \(String(describing: locked))") }

        // The keystore cannot unwrap (the passcode was removed): the core's own sentence.
        keyStore.failing = true
        prompt.answer(.confirmed)
        await model.unlock()
        XCTAssertEqual(model.phase, .locked)
        XCTAssertEqual(try zhText(model.message), "系统密钥服务出错（指纹或锁屏验证未完成），请重试。")
        XCTAssertTrue(client.isLocked())

        keyStore.failing = false
        prompt.answer(.confirmed)
        await model.unlock()
        XCTAssertEqual(model.phase, .unlocked)
        XCTAssertNil(model.message)
        XCTAssertFalse(client.isLocked())
        let inbox = try await client.inbox()
        XCTAssertEqual(inbox.map(\.title), ["关于做好2026年春耕备耕工作的通知"])
    }

    func testTheAppLocksAfterTheInactivityTimeATouchStartsItAgainAndLeavingTheAppLocksAtOnce() async throws {
        let client = try await activatedLeader()
        _ = try await client.sync()
        client.setInactivityLockSeconds(seconds: 300)
        let clock = HandClock()
        let controller = LockController(client: client, clock: clock)
        XCTAssertEqual(controller.lockAfter, 300, "the lock time in force")
        XCTAssertFalse(controller.locked)
        let running = Task { await controller.run() }
        defer { running.cancel() }
        let start = clock.now()
        try await awaitState("the timer armed for five minutes") { clock.deadlines == [start.addingTimeInterval(300)] }

        // Four minutes in the user touches the screen; at five nothing locks.
        clock.advance(by: 240)
        controller.activity()
        clock.advance(by: 60)
        try await awaitState("the timer armed again from the touch") { clock.deadlines == [start.addingTimeInterval(540)] }
        XCTAssertFalse(controller.locked)
        XCTAssertFalse(client.isLocked())

        // Five minutes after the touch without another: locked.
        clock.advance(by: 240)
        try await awaitState("the inactivity lock") { controller.locked }
        XCTAssertTrue(client.isLocked())
        let unreadable = await thrown { try await client.inbox() }
        guard case QianpiError.Locked? = unreadable else { return XCTFail("read while locked: \(String(describing: unreadable))") }

        // Unlocked through the unlock screen: the time starts from the unlock.
        let unlock = UnlockModel(client: client, prompt: ScriptedPresence([.confirmed, .confirmed]))
        XCTAssertEqual(unlock.phase, .locked)
        await unlock.unlock()
        XCTAssertEqual(unlock.phase, .unlocked)
        try await awaitState("the controller follows the unlock") { !controller.locked }
        let unlockedAt = clock.now()
        try await awaitState("the timer armed from the unlock") { clock.deadlines == [unlockedAt.addingTimeInterval(300)] }

        // Leaving the app locks at once, whatever the timer says.
        controller.enteredBackground()
        XCTAssertTrue(controller.locked)
        XCTAssertTrue(client.isLocked())
        unlock.relocked()
        XCTAssertEqual(unlock.phase, .locked)

        // The unlock screen following the core comes back by itself at the next lock.
        let following = Task { await unlock.run() }
        defer { following.cancel() }
        await unlock.unlock()
        XCTAssertEqual(unlock.phase, .unlocked)
        try await awaitState("the controller follows the second unlock") { !controller.locked }
        controller.lockNow()
        try await awaitState("the unlock screen back") { unlock.phase == .locked }
    }
}
