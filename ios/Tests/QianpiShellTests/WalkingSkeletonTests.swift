// The walking skeleton from Swift: the real Rust core through the generated bindings, platform key
// services implemented as Swift classes conforming to the foreign-trait protocols, and a real
// gateway process on loopback.
//
// Linux has no CryptoKit, so the Swift key services keep their bookkeeping in Swift and delegate
// the cryptography to the core's software vault; on iOS, App/SecureEnclaveKeys.swift provides the
// Secure Enclave implementations of the same protocols.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Qianpi
import QianpiShell
import XCTest

/// A Swift keystore that counts its calls and wraps through the software vault.
final class SwiftKeyStore: KeyStore, @unchecked Sendable {
    private let inner: KeyStore
    private let lock = NSLock()
    private var counts = (wraps: 0, unwraps: 0)

    init(dir: String) throws {
        inner = try softwareKeyStore(dir: dir, passphrase: "swift test passphrase")
    }

    var wraps: Int { lock.lock(); defer { lock.unlock() }; return counts.wraps }
    var unwraps: Int { lock.lock(); defer { lock.unlock() }; return counts.unwraps }

    func wrap(alias: String, plaintext: Data) throws -> Data {
        lock.lock(); counts.wraps += 1; lock.unlock()
        return try inner.wrap(alias: alias, plaintext: plaintext)
    }

    func unwrap(alias: String, wrapped: Data) throws -> Data {
        lock.lock(); counts.unwraps += 1; lock.unlock()
        return try inner.unwrap(alias: alias, wrapped: wrapped)
    }

    func delete(alias: String) throws {
        try inner.delete(alias: alias)
    }
}

/// A Swift signer that counts signatures and signs through the software vault (DER, as the
/// Secure Enclave returns them).
final class SwiftSigner: DeviceSigner, @unchecked Sendable {
    private let inner: DeviceSigner
    private let lock = NSLock()
    private var count = 0

    init(dir: String) throws {
        inner = try softwareDeviceSigner(dir: dir, passphrase: "swift test passphrase")
    }

    var signatures: Int { lock.lock(); defer { lock.unlock() }; return count }

    func createKey(alias: String) throws -> Data { try inner.createKey(alias: alias) }
    func publicKey(alias: String) throws -> Data { try inner.publicKey(alias: alias) }
    func sign(alias: String, message: Data) throws -> Data {
        lock.lock(); count += 1; lock.unlock()
        return try inner.sign(alias: alias, message: message)
    }
}

/// Pure Swift: hands back a well-formed (48-byte) but wrong data key.
final class WrongKeyStore: KeyStore, @unchecked Sendable {
    func wrap(alias: String, plaintext: Data) throws -> Data { plaintext }
    func unwrap(alias: String, wrapped: Data) throws -> Data {
        var rng = SystemRandomNumberGenerator()
        return Data((0..<48).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
    func delete(alias: String) throws {}
}

/// The gateway binary on one loopback port and one data folder; stop and start keep both.
final class GatewayProcess {
    private let binary: String
    private let dataDir: URL
    private var process: Process?
    private(set) var url = ""
    private var listen = "127.0.0.1:0"
    /// With TLS: the folder `qianpi-gateway tls init` fills with a private CA and certificate.
    private let tlsDir: URL?

    /// With `tls`, the gateway serves HTTPS under a private CA `tls init` makes for it first, as a
    /// bureau without a CA of its own would; `caPem` and `pins` are then what the activation QR
    /// code would carry.
    init(binary: String, dataDir: URL, tls: Bool = false) {
        self.binary = binary
        self.dataDir = dataDir
        tlsDir = tls ? dataDir.deletingLastPathComponent().appendingPathComponent("tls") : nil
    }

    /// The CA certificate phones must trust (TLS only).
    func caPem() throws -> String {
        guard let tlsDir else { throw TestFailure("the gateway serves plain HTTP") }
        return try String(contentsOf: tlsDir.appendingPathComponent("ca.pem"), encoding: .utf8)
    }

    /// The SPKI pins `tls init` printed: the server key's, then the CA key's (the backup).
    func pins() throws -> [String] {
        guard let tlsDir else { throw TestFailure("the gateway serves plain HTTP") }
        let text = try String(contentsOf: tlsDir.appendingPathComponent("pins.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    func start() throws {
        let out = dataDir.deletingLastPathComponent().appendingPathComponent("gateway-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        var arguments = ["serve", "--demo", "--data-dir", dataDir.path, "--listen", listen]
        if let tlsDir {
            let chain = tlsDir.appendingPathComponent("server.pem")
            if !FileManager.default.fileExists(atPath: chain.path) {
                let initialise = Process()
                initialise.executableURL = URL(fileURLWithPath: binary)
                initialise.arguments = ["tls", "init", "--dir", tlsDir.path, "--name", "localhost", "--name", "127.0.0.1"]
                initialise.standardOutput = FileHandle.nullDevice
                initialise.standardError = FileHandle.nullDevice
                try initialise.run()
                initialise.waitUntilExit()
                guard initialise.terminationStatus == 0 else { throw TestFailure("qianpi-gateway tls init failed") }
            }
            arguments += ["--tls-cert", chain.path, "--tls-key", tlsDir.appendingPathComponent("server-key.pem").path]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(30)
        while true {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                url = String(line.dropFirst("listening on ".count))
                // Come back on the same address after a stop, as a real gateway would.
                listen = url.replacingOccurrences(of: "https://", with: "")
                    .replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "/", with: "")
                return
            }
            guard p.isRunning, Date() < deadline else { throw TestFailure("the gateway did not start: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// A hard outage: SIGKILL. (A child of Foundation's Process inherits the test's blocked signal
    /// mask, so SIGTERM would never reach the gateway's handler.)
    func stop() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// Runs an operator subcommand of the gateway on its data folder; its stdout and stderr.
    func admin(_ args: [String]) throws -> (out: String, err: String) {
        let p = Process()
        let out = Pipe()
        let err = Pipe()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args + ["--data-dir", dataDir.path]
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = { (data: Data) in String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard p.terminationStatus == 0 else { throw TestFailure("qianpi-gateway \(args) failed: \(text(stderr))") }
        return (text(stdout), text(stderr))
    }

    func issueCode(login: String) throws -> String {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["issue-code", "--data-dir", dataDir.path, "--login", login]
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let code = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, code.count == 8 else { throw TestFailure("issue-code failed") }
        return code
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class WalkingSkeletonTests: GatewayTestCase {

    @MainActor
    func testAnApprovalMadeOfflineIsAcceptedAfterReconnect() async throws {
        let keyStore = try SwiftKeyStore(dir: path("vault"))
        let signer = try SwiftSigner(dir: path("vault"))
        let client = try QianpiClient(dataDir: path("phone"), keyStore: keyStore, signer: signer)
        XCTAssertEqual(keyStore.wraps, 1, "the data key is wrapped through the Swift keystore")

        let account = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        XCTAssertEqual(account.name, "王建国")
        XCTAssertEqual(account.unitName, "山西省农业厅办公室")

        let session = ApprovalSession(client: client)
        guard case .synced(let first) = try await session.refresh() else { return XCTFail("the first sync failed") }
        XCTAssertEqual(first.pulled, 1)
        let lists = ListsModel(client: client)
        lists.start()
        await eventually("the demo task in 待办") { lists.rows.count == 1 }
        let row = lists.rows[0]
        XCTAssertEqual(zh(row.urgency.text), "加急")
        XCTAssertEqual(zh(row.title), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(zh(row.number), "晋农办〔2026〕12号")
        XCTAssertNil(row.statusText)
        let rows = try await client.inbox()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].kind.labelZh(), "收文")
        XCTAssertEqual(rows[0].nodeName, "领导批示")
        XCTAssertEqual(rows[0].status, .pending)
        XCTAssertTrue(rows[0].canApprove)

        gateway.stop()
        guard case .offline(let pending, _) = try await session.refresh() else { return XCTFail("sync succeeded without a gateway") }
        XCTAssertEqual(pending, 0)
        let queued = try await client.approve(taskId: row.id, attitude: .agree, opinion: "同意。请厅办公室牵头落实。")
        XCTAssertTrue(queued.decidedOffline)
        let waiting = try await client.outboxCount()
        XCTAssertEqual(waiting, 1)
        lists.select(.done)
        await eventually("待同步 in 已办") { lists.rows.first.map { zh($0.statusText) } == "待同步" }
        let queuedRow = try await client.inbox()[0]
        XCTAssertEqual(queuedRow.status, .queued)
        XCTAssertFalse(queuedRow.canApprove)

        try gateway.start()
        guard case .synced(let back) = try await session.refresh() else { return XCTFail("sync after reconnect failed") }
        XCTAssertEqual(back.accepted, 1)
        XCTAssertEqual(back.outboxRemaining, 0)
        let verdicts = try await client.verdicts()
        XCTAssertEqual(verdicts.count, 1)
        XCTAssertEqual(verdicts[0].commandId, queued.commandId)
        guard case .accepted(_, let version, let node) = verdicts[0].outcome else {
            return XCTFail("refused: \(verdicts[0])")
        }
        XCTAssertEqual(version, 2)
        XCTAssertEqual(node, "承办")
        XCTAssertTrue(verdicts[0].decidedOffline)
        XCTAssertEqual(zh(ActingText.verdict(verdicts[0])), "已送达（离线批示），流程已转至承办")
        await eventually("delivered: 已办 without 待同步") { lists.rows.first.map { $0.statusText == nil } == true }
        lists.stop()
        let doneRow = try await client.inbox()[0]
        XCTAssertEqual(doneRow.status, .done)
        let todo = try await client.list(kind: .todo, limit: 50, offset: 0)
        XCTAssertTrue(todo.isEmpty)
        let done = try await client.list(kind: .done, limit: 50, offset: 0)
        XCTAssertEqual(done.map(\.id), [row.id])
        XCTAssertEqual(done.first?.urgency, .urgent)
        XCTAssertEqual(done.first?.urgency.labelZh(), "加急")
        XCTAssertGreaterThan(done.first?.at ?? .distantPast, Date().addingTimeInterval(-600), "finished just now")
        XCTAssertGreaterThanOrEqual(signer.signatures, 5, "requests and the approval are signed through the Swift signer")
    }

    func testANoticeIsReadAndRepliedOfflineFirstAndReachesThePublisher() async throws {
        let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let request = root.appendingPathComponent("notice.json")
        try """
        {"title": "关于召开春耕备耕工作会议的通知", "body": "定于周五上午九时召开。",
         "publisher": "user-zhao", "scope": {"people": ["user-li"]},
         "receipt_required": true, "receipt_deadline": "\(deadline)",
         "receipt_form": {"choices": [{"id": "attend", "label": "参加"}, {"id": "absent", "label": "不参加"}],
                          "note": "optional"}}
        """.write(to: request, atomically: true, encoding: .utf8)
        let id = try gateway.admin(["publish-notice", "--unit", "unit-sxnyt", "--file", request.path]).out
        let client = try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(serverUrl: gateway.url, login: "lixiaomei", code: try gateway.issueCode(login: "lixiaomei"), deviceName: "iPhone (Linux test)", platform: "ios")
        _ = try await client.sync()
        let listed = try await client.notices(limit: 20, offset: 0)
        XCTAssertEqual(listed.map(\.id), [id])
        XCTAssertEqual(listed.first.map { zh(NoticesModel.badge($0)) }, "未读")
        XCTAssertEqual(listed.first?.publisherName, "赵文")

        gateway.stop()
        let opened = try await client.notice(id: id)
        XCTAssertEqual(opened.title, "关于召开春耕备耕工作会议的通知")
        XCTAssertNotNil(opened.readAt)
        XCTAssertEqual(opened.choices.map(\.label), ["参加", "不参加"])
        XCTAssertEqual(zh(NoticeModel.receipt(opened).line), "请回执")
        let refused = await thrown { try await client.replyNotice(id: id, choice: "maybe", note: nil) }
        guard case QianpiError.ReplyNotAllowed(let code, _)? = refused else { return XCTFail("expected ReplyNotAllowed, got \(String(describing: refused))") }
        XCTAssertEqual(code, "unknown_choice")
        XCTAssertEqual((refused as? QianpiError)?.messageZh(), "所选回执选项不在通知的选项中。")
        let replied = try await client.replyNotice(id: id, choice: "absent", note: "出差")
        XCTAssertEqual(zh(NoticeModel.receipt(replied).line), "回执：不参加（出差），待同步")

        try gateway.start()
        let synced = try await client.sync()
        XCTAssertGreaterThanOrEqual(synced.receiptsSent, 1)
        XCTAssertEqual(synced.receiptsRefused, 0)
        let settled = try await client.notice(id: id)
        XCTAssertEqual(zh(NoticeModel.receipt(settled).line), "回执：不参加（出差）")
        let relisted = try await client.notices(limit: 20, offset: 0)
        XCTAssertEqual(relisted.first.map { zh(NoticesModel.badge($0)) }, "已回执")
        let roster = try gateway.admin(["notice-receipts", "--unit", "unit-sxnyt", "--notice", id]).err
        XCTAssertTrue(roster.contains("1 recipients, 0 unread, 0 without a reply"), roster)
    }

    func testALockedStoreRefusesReadsUntilUnlockedAndAWipeLeavesItEmpty() async throws {
        let keyStore = try SwiftKeyStore(dir: path("vault"))
        let client = try QianpiClient(dataDir: path("phone"), keyStore: keyStore, signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"), deviceName: "t", platform: "ios")
        client.lock()
        XCTAssertTrue(client.isLocked())
        let locked = await thrown { try await client.account() }
        guard case QianpiError.Locked? = locked else { return XCTFail("expected Locked, got \(String(describing: locked))") }
        let unwraps = keyStore.unwraps
        try await client.unlock()
        XCTAssertEqual(keyStore.unwraps, unwraps + 1, "unlocking goes through the Swift keystore")
        let account = try await client.account()
        XCTAssertEqual(account?.name, "王建国")
        try await client.wipe()
        XCTAssertTrue(client.isLocked())
        try await client.unlock()
        let wiped = try await client.account()
        XCTAssertNil(wiped, "the account survived the wipe")
    }

    func testAWrongActivationCodeIsRefused() async throws {
        let client = try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try gateway.issueCode(login: "lixiaomei")
        do {
            _ = try await client.activate(serverUrl: gateway.url, login: "lixiaomei", code: "WRONGCDE", deviceName: "t", platform: "ios")
            XCTFail("activation with a wrong code succeeded")
        } catch QianpiError.Refused(let status, _, _) {
            XCTAssertEqual(status, 401)
        }
    }

    func testTheStoreRefusesAWrongDataKey() throws {
        let signer = try SwiftSigner(dir: path("vault"))
        _ = try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: signer)
        XCTAssertThrowsError(try QianpiClient(dataDir: path("phone"), keyStore: WrongKeyStore(), signer: signer)) { error in
            guard case QianpiError.WrongKey = error else { return XCTFail("expected WrongKey, got \(error)") }
        }
    }

    func testApprovingAnUnknownTaskIsAnInputError() async throws {
        let client = try QianpiClient(dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"), deviceName: "t", platform: "ios")
        let error = await thrown { try await client.approve(taskId: "no-such-task", attitude: .agree, opinion: "同意") }
        guard case QianpiError.InvalidInput? = error else { return XCTFail("expected InvalidInput, got \(String(describing: error))") }
    }
}
