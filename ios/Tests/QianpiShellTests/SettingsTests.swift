// The settings screen against a real gateway: the account and this device with its fingerprint
// words (the ones activation showed), the lock time in force and a shorter one chosen, a standing
// delegation set for a trip, refused when its window is wrong, and taken back; signing out asks
// first, changes nothing when cancelled, and wipes the phone's data when confirmed.
import Foundation
import Qianpi
import QianpiShell
import XCTest

@MainActor
final class SettingsTests: GatewayTestCase {

    func testTheDeviceItsLockTimeADelegationAndSigningOutWithConfirmation() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        let activated = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        _ = try await client.sync()
        _ = try await client.syncPeople()
        let now = Date()
        let model = SettingsModel(client: client, now: { now })
        await model.load()
        XCTAssertNil(model.message)

        func line(_ lines: [SettingsLine], _ label: String) throws -> String? {
            for l in lines where try zhText(l.label) == label { return try zhText(l.value) }
            return nil
        }
        XCTAssertEqual(try line(model.account, "姓名"), "王建国")
        XCTAssertEqual(try line(model.account, "职务"), "厅长")
        XCTAssertEqual(try line(model.account, "单位"), "山西省农业厅办公室")
        XCTAssertEqual(try line(model.device, "设备名称"), "iPhone (Linux test)")
        XCTAssertEqual(try line(model.device, "系统"), "iOS")
        XCTAssertEqual(try line(model.device, "绑定状态"), "已绑定")
        XCTAssertEqual(try line(model.device, "服务器"), gateway.url)
        XCTAssertFalse(activated.fingerprintWords.isEmpty)
        XCTAssertEqual(try line(model.device, "设备指纹词"), activated.fingerprintWords.joined(separator: " "),
                       "the words the administrator sees, as activation showed them")

        // The lock time in force, and a shorter one.
        let inForce = client.inactivityLockSeconds()
        XCTAssertEqual(try zhText(model.lockTime), "\(inForce / 60) 分钟")
        XCTAssertTrue(model.lockChoices.allSatisfy { $0.seconds <= inForce }, "never longer than the unit allows")
        let oneMinute = try XCTUnwrap(model.lockChoices.first { $0.seconds == 60 })
        XCTAssertEqual(try zhText(oneMinute.label), "1 分钟")
        model.setLockTime(oneMinute)
        XCTAssertEqual(client.inactivityLockSeconds(), 60)
        XCTAssertEqual(try zhText(model.lockTime), "1 分钟")
        XCTAssertEqual(LockController(client: client).lockAfter, 60, "the lock follows the chosen time")

        // 委托: a window that ends before it starts is refused here; a three-day trip is set.
        await model.delegate(to: "user-li", scope: .all, start: now, end: now.addingTimeInterval(-60))
        XCTAssertEqual(try zhText(model.message), "结束时间须晚于开始时间。")
        XCTAssertTrue(model.delegations.isEmpty)
        let end = now.addingTimeInterval(3 * 86_400)
        // Begun a minute ago: the phone sends its times corrected by its offset to the gateway's
        // clock (a few milliseconds either way on loopback), so "now" itself could read as 未开始.
        await model.delegate(to: "user-li", scope: .all, start: now.addingTimeInterval(-60), end: end)
        XCTAssertNil(model.message)
        XCTAssertEqual(model.delegations.count, 1)
        let trip = model.delegations[0]
        XCTAssertEqual(try zhText(trip.who), "委托 李晓梅 代为办理")
        XCTAssertEqual(try zhText(trip.scope), "全部流程")
        XCTAssertEqual(try zhText(trip.status), "生效中")
        XCTAssertTrue(trip.canRevoke)
        let window = try XCTUnwrap(try zhText(trip.window))
        XCTAssertTrue(window.contains(" 至 "), window)
        await model.revoke(trip)
        XCTAssertNil(model.message)
        XCTAssertEqual(try zhText(model.delegations.first?.status), "已收回")
        XCTAssertEqual(model.delegations.first?.canRevoke, false)

        // Signing out asks first; cancelled, nothing changes.
        model.askSignOut()
        XCTAssertEqual(try zhText(model.confirming?.title), "退出登录并清除本机数据？")
        XCTAssertEqual(try zhText(model.confirming?.confirm), "清除并退出")
        model.cancelSignOut()
        XCTAssertNil(model.confirming)
        XCTAssertFalse(model.signedOut)
        let kept = try await client.inbox()
        XCTAssertEqual(kept.count, 1, "a cancelled sign-out keeps the data")
        await model.confirmSignOut()
        XCTAssertFalse(model.signedOut, "no sign-out without the confirmation shown")

        model.askSignOut()
        await model.confirmSignOut()
        XCTAssertTrue(model.signedOut)
        XCTAssertNil(model.confirming)
        XCTAssertTrue(client.isLocked())
        try await client.unlock()
        let account = try await client.account()
        XCTAssertNil(account, "the phone's data is gone: it must be activated again")
    }
}
