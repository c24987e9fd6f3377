// What every Swift scenario starts from: a fresh temporary folder and a real gateway process
// (QIANPI_GATEWAY, set by scripts/test-swift.sh) serving the demo unit in it, stopped and removed
// after each test.
import Foundation
import XCTest

class GatewayTestCase: XCTestCase {
    private(set) var root: URL!
    private(set) var gateway: GatewayProcess!

    override func setUpWithError() throws {
        guard let binary = ProcessInfo.processInfo.environment["QIANPI_GATEWAY"] else {
            throw TestFailure("set QIANPI_GATEWAY to the qianpi-gateway binary")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("qianpi-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        gateway = GatewayProcess(binary: binary, dataDir: root.appendingPathComponent("gateway"))
        try gateway.start()
    }

    override func tearDownWithError() throws {
        gateway?.stop()
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    /// A path inside this test's folder.
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

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
