// 全文检索 from Swift: the leader's phone syncs the demo unit's document through the generated
// bindings, and with the gateway stopped finds it by a Chinese word (as his task, with the match
// marked in the snippet and the 收文时间 as a date), by the 文号's digits and by its issuing
// office, opens its detail from the result, and is told in both languages which query cannot
// be searched.
import Foundation
import Qianpi
import XCTest

final class SearchTests: GatewayTestCase {

    func testASyncedDocumentIsFoundOfflineByAChineseWordAndOpensFromTheResult() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")), signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        let before = try await client.search(query: "春耕", limit: 20)
        XCTAssertTrue(before.isEmpty, "found before any sync")
        _ = try await client.sync()

        gateway.stop()
        let hits = try await client.search(query: "春耕", limit: 20)
        XCTAssertEqual(hits.count, 1)
        let hit = try XCTUnwrap(hits.first)
        XCTAssertEqual(hit.kind, .task)
        XCTAssertEqual(hit.title, "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(hit.snippet.map(\.text).joined(), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(hit.snippet.filter(\.matched).map(\.text), ["春耕"])
        let received = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-03-02T01:00:00Z"))
        XCTAssertEqual(hit.at, received)
        let todo = try await client.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(todo.map(\.id), [hit.id], "the result is his 待办 task")
        let detail = try await client.documentDetail(id: hit.id)
        XCTAssertEqual(detail.head.number, "晋农办〔2026〕12号")

        for query in ["12号", "政府办公厅", "耕"] {
            let found = try await client.search(query: query, limit: 20)
            XCTAssertEqual(found.map(\.id), [hit.id], query)
        }
        let none = try await client.search(query: "防汛", limit: 20)
        XCTAssertTrue(none.isEmpty)

        let empty = await thrown { try await client.search(query: " ，。 ", limit: 20) }
        guard case QianpiError.InvalidSearch(let problem, let reasonZh, _)? = empty else {
            return XCTFail("expected InvalidSearch, got \(String(describing: empty))")
        }
        XCTAssertEqual(problem, .empty)
        XCTAssertTrue(reasonZh.contains("请输入"), reasonZh)
        let long = await thrown { try await client.search(query: String(repeating: "春", count: 65), limit: 20) }
        guard case QianpiError.InvalidSearch(let tooLong, _, let reasonEn)? = long else {
            return XCTFail("expected InvalidSearch, got \(String(describing: long))")
        }
        XCTAssertEqual(tooLong, .tooLong(found: 65, max: 64))
        XCTAssertTrue(reasonEn.contains("64"), reasonEn)
    }
}
