// 通讯录 from Swift: an administrator gives 李晓梅 a department and an office phone and lets the
// unit show phones (admin API over HTTP), the leader's phone fetches the address book through the
// generated bindings, and with the gateway stopped searches it by pinyin and initials and builds
// the transfer picker without himself.
import Foundation
import Qianpi
import XCTest

final class PeopleTests: GatewayTestCase {

    func testTheSyncedAddressBookIsSearchedOfflineByPinyinAndInitials() async throws {
        let issued = try gateway.admin(["issue-admin-token", "--operator"]).out
        let token = issued.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        try adminPut(token: token, path: "/units/unit-sxnyt/people/user-li",
                     json: Data(#"{"department": "秘书科", "office_phone": "0351-1234567"}"#.utf8))
        try adminPut(token: token, path: "/units/unit-sxnyt/people-policy", json: Data(#"{"show_office_phones": true}"#.utf8))

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
