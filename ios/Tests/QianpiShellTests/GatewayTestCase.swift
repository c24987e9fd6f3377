// What every Swift scenario starts from: a fresh temporary folder and a real gateway process
// (QIANPI_GATEWAY, set by scripts/test-swift.sh) serving the demo unit in it, stopped and removed
// after each test.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// One HTTP answer handed from URLSession's queue to the waiting test.
private final class AdminAnswer: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value = (status: 0, body: "")

    func set(status: Int, body: String) {
        value = (status, body)
        done.signal()
    }

    func wait() -> (Int, String) {
        done.wait()
        return value
    }
}

class GatewayTestCase: XCTestCase {
    private(set) var root: URL!
    private(set) var gateway: GatewayProcess!

    /// Whether this case's gateway serves HTTPS under its own private CA (see `GatewayProcess`).
    var servesTls: Bool { false }

    override func setUpWithError() throws {
        guard let binary = ProcessInfo.processInfo.environment["QIANPI_GATEWAY"] else {
            throw TestFailure("set QIANPI_GATEWAY to the qianpi-gateway binary")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("qianpi-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        gateway = GatewayProcess(binary: binary, dataDir: root.appendingPathComponent("gateway"), tls: servesTls)
        try gateway.start()
    }

    override func tearDownWithError() throws {
        gateway?.stop()
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    /// A path inside this test's folder.
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// A PUT of `json` to the admin API at `path` (under /v1/admin) with `token`; throws unless it
    /// answers 200.
    func adminPut(token: String, path: String, json: Data) throws {
        guard let url = URL(string: gateway.url + "v1/admin" + path) else { throw TestFailure("bad URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = json
        let answer = AdminAnswer()
        URLSession.shared.dataTask(with: request) { data, response, _ in
            answer.set(status: (response as? HTTPURLResponse)?.statusCode ?? 0,
                       body: data.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }.resume()
        let (status, body) = answer.wait()
        guard status == 200 else { throw TestFailure("PUT \(path) answered \(status): \(body)") }
    }

    /// The error `body` throws when awaited; fails the test when it throws none. (XCTest's own
    /// `XCTAssertThrowsError` cannot await.)
    func thrown<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> Error? {
        do {
            _ = try await body()
            XCTFail("no error was thrown", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }
}
