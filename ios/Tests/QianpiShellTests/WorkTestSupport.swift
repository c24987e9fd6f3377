// What the work screens' tests share: the Chinese table the assertions resolve through, waiting
// for an observable model to show something, the presence prompt of a biometric signer, a
// handwriting renderer, and the admin calls that put more flows before the demo leader.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Qianpi
import QianpiShell
import XCTest

/// The Chinese string table, loaded once.
let chinese: StringTable = {
    do { return try StringTable.load("zh-Hans") } catch { fatalError("no Chinese table: \(error)") }
}()

/// `text` in Chinese; "" for none, a marker for a missing key (so the assertion shows it).
func zh(_ text: UIText?) -> String {
    guard let text else { return "" }
    return (try? chinese.resolve(text)) ?? "<missing \(text)>"
}

/// Waits (up to 20 s) until `condition` holds on the main actor; fails the test when it never does.
@MainActor
func eventually(_ what: String, file: StaticString = #filePath, line: UInt = #line,
                _ condition: @MainActor () -> Bool) async {
    let deadline = Date().addingTimeInterval(20)
    while !condition() {
        if Date() > deadline {
            XCTFail("never: \(what)", file: file, line: line)
            return
        }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
}

/// Face ID as the app shows it: confirming lets the approval key sign once; a cancelled prompt
/// throws and signs nothing.
final class BiometricPrompt: ApprovalPrompt, @unchecked Sendable {
    private let signer: PresenceSigner
    private let cancels: Bool
    private let lock = NSLock()
    private var seen: [String] = []

    init(signer: PresenceSigner, cancels: Bool = false) {
        self.signer = signer
        self.cancels = cancels
    }

    /// The reasons the prompt showed, in Chinese.
    var reasons: [String] { lock.withLock { seen } }

    func sign(_ message: Data, reason: UIText) async throws -> Data {
        lock.withLock { seen.append(zh(reason)) }
        if cancels { throw CancellationError() }
        signer.authenticate()
        return try signer.sign(alias: approvalKey, message: message)
    }
}

/// Draws the pad as UIKit would hand it over: a PNG signature followed by the strokes' points.
struct TestRenderer: HandwritingRenderer {
    func png(_ pad: HandwritingPad) async throws -> Data {
        var out = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        for stroke in pad.strokes {
            for point in stroke { out.append(contentsOf: [UInt8(Int(point.x) % 256), UInt8(Int(point.y) % 256)]) }
            out.append(0xff)
        }
        return out
    }
}

/// One HTTP answer handed from URLSession's queue to the waiting test.
private final class Answer: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value = (status: 0, body: "")
    func set(_ status: Int, _ body: String) { value = (status, body); done.signal() }
    func wait() -> (Int, String) { done.wait(); return value }
}

extension GatewayTestCase {
    /// A new operator token of the gateway's admin API.
    func operatorToken() throws -> String {
        let issued = try gateway.admin(["issue-admin-token", "--operator"]).out
        return issued.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    }

    /// A POST of `json` to the admin API at `path` (under /v1/admin); the answer's JSON. Throws
    /// unless it answers 201 or 200.
    @discardableResult
    func adminPost(token: String, path: String, json: Any) throws -> [String: Any] {
        guard let url = URL(string: gateway.url + "v1/admin" + path) else { throw TestFailure("bad URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        let answer = Answer()
        URLSession.shared.dataTask(with: request) { data, response, _ in
            answer.set((response as? HTTPURLResponse)?.statusCode ?? 0, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }.resume()
        let (status, body) = answer.wait()
        guard status == 201 || status == 200 else { throw TestFailure("POST \(path) answered \(status): \(body)") }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// Loads a definition into the demo unit: `nodes` as the definition file writes them.
    func loadDefinition(token: String, id: String, name: String, start: String, nodes: [[String: Any]]) throws {
        try adminPost(token: token, path: "/units/unit-sxnyt/definitions",
                      json: ["id": id, "name": name, "start": start, "nodes": nodes])
    }

    /// Starts a flow of `definition` in the demo unit on a new incoming document; its instance id.
    @discardableResult
    func startFlow(token: String, definition: String, document id: String, title: String, sequence: Int,
                   urgency: String = "normal", deadline: Date? = nil, drafter: String = "user-li") throws -> String {
        var handling: [String: Any] = [:]
        if let deadline { handling["deadline"] = ISO8601DateFormatter().string(from: deadline) }
        let document: [String: Any] = [
            "id": id, "unit_id": "unit-sxnyt", "kind": "incoming", "title": title,
            "number": ["organ": "晋农办", "year": 2026, "sequence": sequence],
            "urgency": urgency, "secrecy": "none", "from_organ": "山西省人民政府办公厅",
            "received_at": "2026-03-03T10:30:00+08:00", "handling": handling,
        ]
        let started = try adminPost(token: token, path: "/units/unit-sxnyt/flows",
                                    json: ["definition_id": definition, "drafter": drafter, "document": document])
        return started["instance_id"] as? String ?? ""
    }

    /// A phone of `login` on this test's gateway, activated.
    func activatedPhone(_ login: String, signer: DeviceSigner? = nil) async throws -> QianpiClient {
        let client = try QianpiClient(
            dataDir: path("\(login)-phone"), keyStore: try SwiftKeyStore(dir: path("\(login)-vault")),
            signer: try signer ?? SwiftSigner(dir: path("\(login)-vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: login, code: try gateway.issueCode(login: login),
            deviceName: "iPhone (Linux test)", platform: "ios")
        return client
    }
}

/// A manual node as a definition file writes it.
func node(_ id: String, _ name: String, handlers: [String], routes: [(String, String)],
          allow: [String: Bool] = [:], returns: Bool = false, hours: Int? = nil) -> [String: Any] {
    var out: [String: Any] = [
        "id": id, "name": name, "kind": "manual",
        "handlers": handlers.map { ["user": $0, "weight": 1] },
        "routes": routes.enumerated().map { ["id": "r\($0.offset + 1)", "label": $0.element.0, "to": $0.element.1] },
        "allow": allow, "opinion_column": name,
    ]
    if returns { out["returns"] = ["allowed": true] }
    if let hours { out["time_limit_hours"] = hours }
    return out
}

/// The end node.
let endNode: [String: Any] = ["id": "end", "name": "结束", "kind": "end"]
