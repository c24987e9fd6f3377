// A phone reaching its deployment's gateway over HTTPS from Swift: the gateway serves under a
// private CA made by `qianpi-gateway tls init`, and the phone is given that CA and the two pins it
// printed, as the activation QR code carries them. A wrong pin set or a missing CA each fail with
// their own typed error and a message a person can act on.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class TlsTests: GatewayTestCase {
    override var servesTls: Bool { true }

    private func phone(_ name: String) throws -> QianpiClient {
        try QianpiClient(
            dataDir: path(name), keyStore: try SwiftKeyStore(dir: path("\(name)-vault")),
            signer: try SwiftSigner(dir: path("\(name)-vault")))
    }

    func testWithTheDeploymentsCaAndPinsTheLeaderActivatesAndSyncsOverHttps() async throws {
        XCTAssertTrue(gateway.url.hasPrefix("https://"), gateway.url)
        let pins = try gateway.pins()
        XCTAssertEqual(pins.count, 2, "tls init prints the server pin and the backup pin")
        let client = try phone("leader")
        let settings = ConnectionSettings(trustAnchorsPem: try gateway.caPem(), pins: pins, proxy: nil)
        let account = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios", settings: settings)
        XCTAssertEqual(account.name, "王建国")
        // Later syncs use the CA and pins kept with the account, without being given them.
        let outcome = try await ApprovalSession(client: client).refresh()
        guard case .synced = outcome else { return XCTFail("not synced: \(outcome)") }
        let inbox = try await client.inbox()
        XCTAssertEqual(inbox.count, 1, "the demo document waits for the leader")
    }

    func testPinsThatMatchNoCertificateOfTheGatewayRefuseTheConnection() async throws {
        let client = try phone("pinned-wrong")
        let wrong = [
            "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=",
        ]
        let settings = ConnectionSettings(trustAnchorsPem: try gateway.caPem(), pins: wrong, proxy: nil)
        let code = try gateway.issueCode(login: "lixiaomei")
        let error = await thrown {
            try await client.activate(
                serverUrl: gateway.url, login: "lixiaomei", code: code,
                deviceName: "test", platform: "ios", settings: settings)
        }
        guard case .PinMismatch = error as? QianpiError else { return XCTFail("not a pin mismatch: \(String(describing: error))") }
        let message = (error as? QianpiError)?.messageZh() ?? ""
        XCTAssertFalse(message.isEmpty, "a Chinese message for the person")
    }

    func testWithoutTheDeploymentsCaTheGatewaysCertificateIsFromAnUnknownAuthority() async throws {
        let client = try phone("no-ca")
        let code = try gateway.issueCode(login: "zhaowen")
        let error = await thrown {
            try await client.activate(
                serverUrl: gateway.url, login: "zhaowen", code: code, deviceName: "test", platform: "ios")
        }
        guard case .UnknownCa = error as? QianpiError else { return XCTFail("not an unknown CA: \(String(describing: error))") }
        XCTAssertFalse(((error as? QianpiError)?.messageEn() ?? "").isEmpty)
    }
}
