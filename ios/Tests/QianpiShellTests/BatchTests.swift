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

/// The batch behind a key that asks for the person on every use, as on a phone: one prompt per
/// item, each signed only after its own confirmation; the refused one is that row's result.
final class BatchPromptTests: GatewayTestCase {

    @MainActor
    func testEachItemOfABatchIsConfirmedAndSignedInTurnBehindThePrompt() async throws {
        let token = try operatorToken()
        try loadDefinition(token: token, id: "def-single", name: "逐件批示", start: "leader", nodes: [
            node("leader", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")]), endNode,
        ])
        try startFlow(token: token, definition: "def-incoming", document: "doc-2026-0014",
                      title: "关于春耕农资价格监测的通知", sequence: 14)
        try startFlow(token: token, definition: "def-single", document: "doc-2026-0015",
                      title: "关于春耕期间安全生产的请示", sequence: 15)
        let faceID = try PresenceSigner(dir: path("wangjianguo-vault"))
        let leader = try await activatedPhone("wangjianguo", signer: faceID)
        _ = try await leader.sync()

        // Without a prompt the core signs every item at once, which such a key refuses.
        let unprompted = BatchModel(client: leader)
        await unprompted.load()
        unprompted.selectAll()
        await unprompted.approve()
        XCTAssertEqual(unprompted.items.filter(\.refused).count, 3, "a key asking on every use refuses a silent batch")
        XCTAssertEqual(faceID.approvals, 0)

        let prompt = BiometricPrompt(signer: faceID)
        let batch = BatchModel(client: leader, prompt: prompt)
        await batch.load()
        batch.selectAll()
        await batch.approve()
        XCTAssertNil(batch.problem, zh(batch.problem))
        XCTAssertEqual(faceID.approvals, 2, "the two batchable items each signed once behind its prompt")
        XCTAssertEqual(prompt.reasons.count, 2)
        XCTAssertTrue(prompt.reasons.allSatisfy { $0.hasPrefix("批量签批（第 ") && $0.contains("共 3 件") }, "\(prompt.reasons)")
        let refused = batch.items.filter(\.refused)
        XCTAssertEqual(refused.map { zh($0.title) }, ["关于春耕期间安全生产的请示"])
        XCTAssertFalse(zh(refused.first?.reason).isEmpty)
        XCTAssertEqual(batch.items.filter { !$0.refused }.map { zh($0.resultText) }, ["已送达", "已送达"])
        XCTAssertEqual(zh(batch.summaryText), "已签批 2 件，1 件未通过")
    }

    @MainActor
    func testACancelledPromptStopsTheBatchAndLeavesTheRestUnsigned() async throws {
        let token = try operatorToken()
        try startFlow(token: token, definition: "def-incoming", document: "doc-2026-0014",
                      title: "关于春耕农资价格监测的通知", sequence: 14)
        let faceID = try PresenceSigner(dir: path("wangjianguo-vault"))
        let leader = try await activatedPhone("wangjianguo", signer: faceID)
        _ = try await leader.sync()
        let batch = BatchModel(client: leader, prompt: BiometricPrompt(signer: faceID, cancels: true))
        await batch.load()
        batch.selectAll()
        await batch.approve()
        XCTAssertEqual(zh(batch.problem), "已取消，其余未签批。")
        XCTAssertEqual(faceID.approvals, 0)
        let waiting = try await leader.outboxCount()
        XCTAssertEqual(waiting, 0, "nothing queued")
        let todo = try await leader.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(todo.count, 2)
    }
}
