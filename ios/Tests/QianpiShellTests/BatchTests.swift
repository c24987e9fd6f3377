// 批量审批 from the 待办 list against a real gateway: three tasks picked, one on a step whose
// flow does not allow batches; each row gets its own result, the refused one with its reason,
// the others delivered.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class BatchTests: GatewayTestCase {

    @MainActor
    func testBatchApprovalWithOneRefusalAmongThem() async throws {
        let token = try operatorToken()
        try loadDefinition(token: token, id: "def-single", name: "逐件批示", start: "leader", nodes: [
            node("leader", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")]), endNode,
        ])
        try startFlow(token: token, definition: "def-incoming", document: "doc-2026-0014",
                      title: "关于春耕农资价格监测的通知", sequence: 14)
        try startFlow(token: token, definition: "def-single", document: "doc-2026-0015",
                      title: "关于春耕期间安全生产的请示", sequence: 15)
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()

        let batch = BatchModel(client: leader)
        await batch.load()
        XCTAssertEqual(batch.items.count, 3)
        await batch.approve()
        XCTAssertEqual(zh(batch.problem), "请至少选择一件。")
        batch.selectAll()
        await batch.approve()
        XCTAssertNil(batch.problem, zh(batch.problem))

        let refused = batch.items.filter(\.refused)
        XCTAssertEqual(refused.map { zh($0.title) }, ["关于春耕期间安全生产的请示"])
        XCTAssertEqual(zh(refused.first?.resultText), "未被接受")
        XCTAssertFalse(zh(refused.first?.reason).isEmpty)
        let delivered = batch.items.filter { !$0.refused }
        XCTAssertEqual(Set(delivered.map { zh($0.title) }), ["关于做好2026年春耕备耕工作的通知", "关于春耕农资价格监测的通知"])
        XCTAssertEqual(delivered.map { zh($0.resultText) }, ["已送达", "已送达"])
        XCTAssertEqual(zh(batch.summaryText), "已签批 2 件，1 件未通过")

        let todo = try await leader.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(todo.map(\.title), ["关于春耕期间安全生产的请示"], "the refused one stays to be done one by one")
    }
}
