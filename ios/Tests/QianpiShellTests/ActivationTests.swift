// The activation screen against a real gateway: the fields are checked before anything is sent; a
// QR code that is not an activation code says so, a good one fills the fields; activation with a
// code issued for approval shows the fingerprint words (the device's, as the settings show them),
// waits for the administrator while asking with a growing pause (a test clock, no waiting), and
// finishes once approved; words that differ wipe the binding.
import Foundation
import Qianpi
import QianpiShell
import XCTest

/// What happened during an activation, in order.
private final class ActivationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var events: [String] { lock.withLock { items } }
}

/// A signer that logs each key it creates.
private final class LoggingSigner: DeviceSigner, @unchecked Sendable {
    private let inner: SwiftSigner
    private let log: ActivationLog
    init(dir: String, log: ActivationLog) throws { inner = try SwiftSigner(dir: dir); self.log = log }
    func createKey(alias: String) throws -> Data { log.add("key " + alias); return try inner.createKey(alias: alias) }
    func publicKey(alias: String) throws -> Data { try inner.publicKey(alias: alias) }
    func sign(alias: String, message: Data) throws -> Data { try inner.sign(alias: alias, message: message) }
}

/// The platform's attestation as a phone without App Attest gives it: the challenge taken, no
/// evidence.
private final class RecordingAttester: Attester, @unchecked Sendable {
    private let log: ActivationLog
    init(log: ActivationLog) { self.log = log }
    func begin(challenge: Data) throws { log.add("begin \(challenge.count)") }
    func evidence(approvalAlias: String, clientData: Data) throws -> PlatformAttestation? {
        log.add("evidence " + approvalAlias + (clientData.isEmpty ? " empty" : ""))
        return nil
    }
}

@MainActor
final class ActivationTests: GatewayTestCase {

    private func phone() throws -> QianpiClient {
        try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
    }

    func testFirstActivationShowsTheFingerprintWordsAndWaitsUntilTheAdministratorApproves() async throws {
        let client = try phone()
        let clock = HandClock()
        let model = ActivationModel(client: client, deviceName: "iPhone (Linux test)", clock: clock, firstPause: 5, longestPause: 60)
        XCTAssertEqual(try zhText(model.heading), "激活本机")

        // Nothing is sent before the fields are right.
        await model.activate()
        XCTAssertEqual(model.step, .entry)
        XCTAssertEqual(try zhText(model.serverError), "请输入服务器地址。")
        XCTAssertEqual(try zhText(model.loginError), "请输入登录名。")
        XCTAssertEqual(try zhText(model.codeError), "请输入激活码。")
        model.serverUrl = "http://qianpi.example.gov.cn/"
        model.login = "wangjianguo"
        model.code = "12"
        await model.activate()
        XCTAssertEqual(try zhText(model.serverError), "服务器地址须以 https:// 开头。")
        XCTAssertNil(model.loginError)
        XCTAssertEqual(try zhText(model.codeError), "激活码为 8 位字母或数字，请核对。")
        let none = try await client.account()
        XCTAssertNil(none, "nothing was sent")

        // Another QR code is not taken; the administrator's fills the fields.
        model.scanned("https://weixin.qq.com/some/other/code")
        XCTAssertEqual(try zhText(model.error), "这不是签批的激活二维码。")
        XCTAssertNotNil(model.errorDetail, "the core's word on what is wrong with it")
        let code = try gateway.admin(["issue-code", "--login", "wangjianguo", "--needs-approval"]).out
        let invite = "qianpi://activate?v=1&url=\(gateway.url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&login=wangjianguo&code=\(code)"
        model.scanned(invite)
        XCTAssertNil(model.error)
        XCTAssertEqual(try zhText(model.inviteNote), "已从二维码读取服务器地址、登录名和激活码。")
        XCTAssertEqual(model.serverUrl, gateway.url)
        XCTAssertEqual(model.login, "wangjianguo")
        XCTAssertEqual(model.code, code)

        await model.activate()
        XCTAssertNil(model.error)
        XCTAssertEqual(model.step, .compareWords)
        XCTAssertEqual(try zhText(model.heading), "请核对设备指纹词")
        XCTAssertEqual(model.words.count, 6)
        let info = try await client.deviceInfo()
        let device = try XCTUnwrap(info)
        XCTAssertEqual(model.words, device.fingerprintWords, "the words the device's keys give, as the administrator sees them")
        XCTAssertTrue(device.pendingApproval)
        let listing = try gateway.admin(["devices", "--unit", "unit-sxnyt"]).out
        let row = try XCTUnwrap(listing.split(separator: "\n").first { $0.contains(device.deviceId) }, listing)
        XCTAssertTrue(row.contains(model.words.joined(separator: " ")), "the administrator's screen shows the same words: \(row)")

        // Words compared: waiting, the gateway asked after 5 s, then 10 s.
        model.wordsMatch()
        XCTAssertEqual(model.step, .waitingForApproval)
        XCTAssertEqual(try zhText(model.heading), "等待管理员批准")
        let waiting = Task { await model.waitForApproval() }
        defer { waiting.cancel() }
        var at = clock.now()
        try await awaitState("the first pause") { clock.deadlines == [at.addingTimeInterval(5)] }
        clock.advance(by: 5)
        try await awaitState("the first check") { model.checks == 1 }
        XCTAssertEqual(model.step, .waitingForApproval, "not approved yet")
        XCTAssertNil(model.error)
        at = clock.now()
        try await awaitState("a longer pause") { clock.deadlines == [at.addingTimeInterval(10)] }

        _ = try gateway.admin(["device", "approve", "--device", device.deviceId])
        clock.advance(by: 10)
        try await awaitState("the approval") { model.step == .done }
        XCTAssertEqual(model.checks, 2)
        XCTAssertEqual(model.account?.name, "王建国")
        XCTAssertEqual(model.account?.pendingApproval, false)
        let synced = try await client.sync()
        XCTAssertEqual(synced.pulled, 1, "the approved phone syncs its 待办")
    }

    func testAnAppStartedAgainWhileTheDeviceWaitsGoesBackToTheWordsAndTheWait() async throws {
        let code = try gateway.admin(["issue-code", "--login", "wangjianguo", "--needs-approval"]).out
        let words = try await {
            let client = try phone()
            return try await client.activate(
                serverUrl: gateway.url, login: "wangjianguo", code: code, deviceName: "iPhone (Linux test)", platform: "ios"
            ).fingerprintWords
        }()
        // The app is opened again: the same store, a new screen.
        let client = try phone()
        let clock = HandClock()
        let model = ActivationModel(client: client, deviceName: "iPhone (Linux test)", clock: clock, firstPause: 5, longestPause: 60)
        await model.resume()
        XCTAssertEqual(model.step, .waitingForApproval)
        XCTAssertEqual(model.words, words, "the same words as before the restart")
        XCTAssertEqual(try zhText(model.heading), "等待管理员批准")
        let waiting = Task { await model.waitForApproval() }
        defer { waiting.cancel() }
        let info = try await client.deviceInfo()
        let device = try XCTUnwrap(info)
        _ = try gateway.admin(["device", "approve", "--device", device.deviceId])
        let at = clock.now()
        try await awaitState("the first pause") { clock.deadlines == [at.addingTimeInterval(5)] }
        clock.advance(by: 5)
        try await awaitState("the approval") { model.step == .done }

        // An approved phone opened again stays where it is.
        let again = ActivationModel(client: try phone(), deviceName: "iPhone (Linux test)", clock: HandClock())
        await again.resume()
        XCTAssertEqual(again.step, .entry)
    }

    func testWordsThatDifferWipeTheBinding() async throws {
        let client = try phone()
        let model = ActivationModel(client: client, deviceName: "iPhone (Linux test)")
        model.serverUrl = gateway.url
        model.login = "wangjianguo"
        model.code = try gateway.issueCode(login: "wangjianguo").lowercased()
        await model.activate()
        XCTAssertNil(model.error)
        XCTAssertEqual(model.step, .compareWords)
        XCTAssertEqual(model.account?.pendingApproval, false)

        await model.wordsDiffer()
        XCTAssertEqual(model.step, .wordsDiffered)
        XCTAssertEqual(try zhText(model.heading), "指纹词不一致，已取消激活")
        XCTAssertTrue(model.words.isEmpty)
        let account = try await client.account()
        XCTAssertNil(account, "the binding made with the suspect words is gone")
    }

    func testAnApprovedCodeFinishesWhenTheWordsMatch() async throws {
        let client = try phone()
        let model = ActivationModel(client: client, deviceName: "iPhone (Linux test)")
        model.serverUrl = gateway.url
        model.login = "wangjianguo"
        model.code = try gateway.issueCode(login: "wangjianguo")
        await model.activate()
        XCTAssertEqual(model.step, .compareWords)
        model.wordsMatch()
        XCTAssertEqual(model.step, .done)
        XCTAssertEqual(model.account?.unitName, "山西省农业厅办公室")
    }

    func testThePlatformsAttesterTakesTheChallengeBeforeTheKeysAreMade() async throws {
        let log = ActivationLog()
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try LoggingSigner(dir: path("vault"), log: log))
        let model = ActivationModel(client: client, deviceName: "iPhone (Linux test)", attester: RecordingAttester(log: log))
        model.serverUrl = gateway.url
        model.login = "wangjianguo"
        model.code = try gateway.issueCode(login: "wangjianguo")
        await model.activate()
        XCTAssertNil(model.error)
        XCTAssertEqual(model.step, .compareWords)
        let events = log.events
        XCTAssertEqual(events.first, "begin 32", "the gateway's challenge comes before any key: \(events)")
        XCTAssertEqual(events.last, "evidence qianpi.ask.v1", "the evidence is asked for the approval key, after the keys: \(events)")
        XCTAssertEqual(events.filter { $0.hasPrefix("key ") }.count, 2, "\(events)")

        model.wordsMatch()
        let settings = SettingsModel(client: client)
        await settings.load()
        let assurance = try settings.device.first { try zhText($0.label) == "密钥保护" }.map { try zhText($0.value) }
        XCTAssertEqual(assurance, "硬件密钥（未证明）", "no evidence: the gateway records the keys as unattested")
    }
}
