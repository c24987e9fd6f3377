// 通讯录 from Swift: an administrator gives 李晓梅 a department and an office phone and lets the
// unit show phones (admin API over HTTP), the leader's phone fetches the address book through the
// generated bindings, and with the gateway stopped searches it by pinyin and initials and builds
// the transfer picker without himself.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Qianpi
import XCTest

/// One HTTP answer handed from URLSession's queue to the waiting test.
private final class Answer: @unchecked Sendable {
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

final class PeopleTests: GatewayTestCase {

    /// A PUT to the admin API under the operator's token; fails the test unless it answers 200.
    private func adminPut(token: String, path: String, json: String) throws {
        guard let url = URL(string: gateway.url + "v1/admin" + path) else { throw TestFailure("bad URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        let answer = Answer()
        URLSession.shared.dataTask(with: request) { data, response, _ in
            answer.set(status: (response as? HTTPURLResponse)?.statusCode ?? 0,
                       body: data.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }.resume()
        let (status, body) = answer.wait()
        guard status == 200 else { throw TestFailure("PUT \(path) answered \(status): \(body)") }
    }

    func testTheSyncedAddressBookIsSearchedOfflineByPinyinAndInitials() async throws {
        let issued = try gateway.admin(["issue-admin-token", "--operator"]).out
        let token = issued.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        try adminPut(token: token, path: "/units/unit-sxnyt/people/user-li",
                     json: #"{"department": "秘书科", "office_phone": "0351-1234567"}"#)
        try adminPut(token: token, path: "/units/unit-sxnyt/people-policy", json: #"{"show_office_phones": true}"#)

        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        let first = try await client.syncPeople()
        XCTAssertTrue(first.changed)
        XCTAssertEqual(first.people, 3)
        let again = try await client.syncPeople()
        XCTAssertFalse(again.changed, "an unchanged address book came again")

        gateway.stop()
        let li = try await client.searchPeople(query: "lxm", limit: 10)
        XCTAssertEqual(li.map(\.name), ["李晓梅"])
        XCTAssertEqual(li.first?.department, "秘书科")
        XCTAssertEqual(li.first?.officePhone, "0351-1234567")
        let wang = try await client.searchPeople(query: "wangjianguo", limit: 10)
        XCTAssertEqual(wang.map(\.name), ["王建国"])
        let zhao = try await client.searchPeople(query: "zw", limit: 10)
        XCTAssertEqual(zhao.map(\.name), ["赵文"])

        let picker = try await client.peoplePicker(excludeSelf: true)
        XCTAssertEqual(Set(picker.flatMap { $0.people.map(\.name) }), ["李晓梅", "赵文"])
        XCTAssertTrue(picker.contains { $0.name == "秘书科" }, "departments \(picker.map(\.name))")
    }
}
