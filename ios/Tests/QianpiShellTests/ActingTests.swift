// Acting from the screen models against a real gateway: the leader opens his 加急 document,
// reads its body and approves with a common phrase behind Face ID (a cancelled prompt sends
// nothing; the approval key refuses without the prompt); a return needs an opinion (refused empty
// with its words, then sent); an approval made offline shows 待同步 and then the verdict once
// online.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class ActingTests: GatewayTestCase {

    @MainActor
    func testOpenAnUrgentDocumentReadItsBodyAndApproveWithAPhraseBehindFaceID() async throws {
        let faceID = try PresenceSigner(dir: path("wangjianguo-vault"))
        let leader = try await activatedPhone("wangjianguo", signer: faceID)
        let lists = ListsModel(client: leader)
        lists.start()
        await lists.refresh()
        await eventually("the 加急 row") { lists.rows.count == 1 }
        let row = lists.rows[0]
        XCTAssertEqual(zh(row.urgency.text), "加急")

        let document = DocumentModel(client: leader, id: row.id)
        document.start()
        await document.readBody()
        XCTAssertEqual(String(decoding: try XCTUnwrap(document.body).prefix(5), as: UTF8.self), "%PDF-")

        // Only what the flags permit: the leader's step allows 同意/不同意, 暂存, no 退回 or 转交.
        let acting = ActingModel(client: leader, taskId: row.id, prompt: BiometricPrompt(signer: faceID, cancels: true))
        await acting.load()
        XCTAssertEqual(acting.phase, .editing)
        XCTAssertTrue(acting.actions.contains(.approve))
        XCTAssertTrue(acting.actions.contains(.disagree))
        XCTAssertFalse(acting.actions.contains(.returnTo))
        XCTAssertFalse(acting.actions.contains(.transfer))
        XCTAssertEqual(acting.routes.map { zh($0.label) }, ["送承办"])
        XCTAssertEqual(acting.selectedRoute, acting.routes.first?.id)
        XCTAssertEqual(acting.actions.map { zh($0.title) }.prefix(2), ["同意", "不同意"])
        let phrase = try XCTUnwrap(acting.phrases.firstIndex(of: "同意。"), "the unit's phrases: \(acting.phrases)")

        // The prompt is cancelled: nothing signed, nothing queued.
        acting.usePhrase(phrase)
        XCTAssertEqual(acting.opinion, "同意。")
        await acting.perform(.approve)
        XCTAssertEqual(acting.phase, .cancelled)
        XCTAssertEqual(zh(acting.statusText), "已取消，未提交")
        var waiting = try await leader.outboxCount()
        XCTAssertEqual(waiting, 0)
        XCTAssertEqual(faceID.approvals, 0)

        // Confirmed with Face ID: signed once, delivered, and the gateway's verdict shows.
        let prompt = BiometricPrompt(signer: faceID)
        let confirmed = ActingModel(client: leader, taskId: row.id, prompt: prompt, renderer: TestRenderer())
        await confirmed.load()
        confirmed.usePhrase(phrase)
        confirmed.pad.begin(at: PadPoint(x: 10, y: 20))
        confirmed.pad.extend(to: PadPoint(x: 40, y: 60))
        await confirmed.perform(.approve)
        XCTAssertNil(confirmed.problem, zh(confirmed.problem))
        XCTAssertEqual(prompt.reasons, ["确认签批：关于做好2026年春耕备耕工作的通知"])
        XCTAssertEqual(faceID.approvals, 1)
        XCTAssertEqual(confirmed.phase, .delivered)
        XCTAssertEqual(zh(confirmed.verdictText), "已送达，流程已转至承办")
        XCTAssertTrue(confirmed.pad.isEmpty)
        waiting = try await leader.outboxCount()
        XCTAssertEqual(waiting, 0)

        await eventually("the opinion on the document") {
            document.columns.flatMap(\.opinions).contains { zh($0.text) == "同意。" && $0.pendingText == nil && $0.hasHandwriting }
        }
        await eventually("待办 empty") { lists.tabs[0].count == 0 }
        lists.stop()
        document.stop()
    }

    @MainActor
    func testAReturnNeedsAnOpinionRefusedEmptyWithItsWordsThenSent() async throws {
        let token = try operatorToken()
        try loadDefinition(token: token, id: "def-review", name: "核稿批示", start: "review", nodes: [
            node("review", "核稿", handlers: ["user-li"], routes: [("送领导批示", "leader")]),
            node("leader", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")], returns: true),
            endNode,
        ])
        try startFlow(token: token, definition: "def-review", document: "doc-2026-0020",
                      title: "关于春耕资金使用情况的报告", sequence: 20)
        let drafter = try await activatedPhone("lixiaomei")
        _ = try await drafter.sync()
        let drafts = try await drafter.list(kind: .todo, limit: 20, offset: 0)
        let review = try XCTUnwrap(drafts.first { $0.title == "关于春耕资金使用情况的报告" })
        let sending = ActingModel(client: drafter, taskId: review.id)
        await sending.load()
        await sending.perform(.approve)
        XCTAssertEqual(sending.phase, .delivered, zh(sending.problem))

        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let todo = try await leader.list(kind: .todo, limit: 20, offset: 0)
        let task = try XCTUnwrap(todo.first { $0.title == "关于春耕资金使用情况的报告" })
        let acting = ActingModel(client: leader, taskId: task.id)
        await acting.load()
        XCTAssertTrue(acting.actions.contains(.returnTo))
        XCTAssertEqual(acting.returnTargets, ["review"])
        XCTAssertEqual(acting.returnChoices.map { zh($0.label) }, ["核稿"], "the step by its name, not its id")

        // Empty: refused with its words, nothing signed.
        await acting.perform(.returnTo, target: "review")
        XCTAssertEqual(zh(acting.problem), "退回须填写意见，说明退回理由。")
        XCTAssertEqual(try StringTable.load("en").resolve(acting.problem!), "A return needs an opinion saying why.")
        XCTAssertEqual(acting.phase, .editing)
        let nothing = try await leader.outboxCount()
        XCTAssertEqual(nothing, 0)

        acting.opinion = "资金数据需与财务处核对，请重新核稿。"
        await acting.perform(.returnTo, target: "review")
        XCTAssertNil(acting.problem, zh(acting.problem))
        XCTAssertEqual(acting.phase, .delivered)
        XCTAssertEqual(zh(acting.verdictText), "已送达，流程已转至核稿")

        _ = try await drafter.sync()
        let back = try await drafter.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertTrue(back.contains { $0.title == "关于春耕资金使用情况的报告" }, "the return did not reach the drafter")
        let document = DocumentModel(client: drafter, id: back[0].id)
        await document.load()
        XCTAssertTrue(document.flowRecord.contains { zh($0.action) == "退回" && zh($0.detail) == "退回至 核稿" },
                      "\(document.flowRecord.map { zh($0.action) + zh($0.detail) })")
    }

    @MainActor
    func testAnApprovalMadeOfflineShowsWaitingThenTheVerdictOnceOnline() async throws {
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id
        let acting = ActingModel(client: leader, taskId: task)
        await acting.load()

        // On the road: the pull to refresh finds no gateway.
        gateway.stop()
        let lists = ListsModel(client: leader)
        await lists.refresh()
        XCTAssertEqual(zh(lists.refreshText), "无法连接网关，显示的是本机数据")
        acting.opinion = "同意。请厅办公室牵头落实。"
        await acting.perform(.approve)
        XCTAssertEqual(acting.phase, .waiting)
        XCTAssertEqual(zh(acting.statusText), "已保存在本机，待同步")
        XCTAssertNil(acting.verdictText)
        lists.select(.done)
        lists.start()
        await eventually("待同步 in 已办") { lists.rows.first.map { zh($0.statusText) } == "待同步" }

        // Still offline: it stays waiting.
        await acting.deliver()
        XCTAssertEqual(acting.phase, .waiting)

        try gateway.start()
        await acting.deliver()
        XCTAssertEqual(acting.phase, .delivered)
        XCTAssertEqual(zh(acting.verdictText), "已送达（离线批示），流程已转至承办")
        XCTAssertEqual(try StringTable.load("en").resolve(acting.verdictText!), "Delivered (decided offline); the flow moved to 承办")
        await eventually("no longer waiting") { lists.rows.first?.statusText == nil }
        lists.stop()
    }

    @MainActor
    func testASecretarySignsForHerLeader代签() async throws {
        let token = try operatorToken()
        let secretary = try adminPost(token: token, path: "/units/unit-sxnyt/users", json: [
            "login": "sunmishu", "name": "孙丽", "post": "秘书", "role": "secretary", "secretary_for": ["user-wang"],
        ])
        XCTAssertEqual(secretary["name"] as? String, "孙丽")
        try startFlow(token: token, definition: "def-incoming", document: "doc-2026-0016",
                      title: "关于春耕备耕督查情况的通报", sequence: 16)
        let phone = try await activatedPhone("sunmishu")
        _ = try await phone.sync()
        _ = try await phone.syncPeople()
        let held = try await phone.tasksHeldBy(leader: "user-wang")
        XCTAssertFalse(held.isEmpty, "the gateway sent the secretary none of her leader's tasks")
        let mine = try await phone.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertTrue(mine.isEmpty, "the leader's tasks are not the secretary's own 待办")

        let acting = ActingModel(client: phone, taskId: held[0], actingFor: "user-wang")
        await acting.load()
        XCTAssertEqual(zh(acting.actingForText), "代 王建国 签批")
        XCTAssertEqual(acting.actions, [.approve, .disagree])
        await acting.perform(.disagree)
        XCTAssertEqual(zh(acting.problem), "不同意须填写意见。")
        acting.opinion = "同意。请办公室承办。"
        await acting.perform(.approve)
        XCTAssertNil(acting.problem, zh(acting.problem))
        XCTAssertEqual(acting.phase, .delivered)
        XCTAssertEqual(zh(acting.verdictText), "已送达，流程已转至承办")

        // The leader's phone: his opinion, entered by his secretary.
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        _ = try await leader.syncPeople()
        let document = DocumentModel(client: leader, id: held[0])
        await document.load()
        let opinion = try XCTUnwrap(document.columns.flatMap(\.opinions).first { zh($0.text) == "同意。请办公室承办。" })
        XCTAssertEqual(zh(opinion.author), "王建国")
        XCTAssertEqual(zh(opinion.enteredBy), "孙丽 代签")
    }

    @MainActor
    func testApprovingABodyNeverOpenedAsksFirstWhereTheUnitWantsAWarning() async throws {
        _ = try gateway.admin(["set-policy", "--unit", "unit-sxnyt", "--unopened-body", "warn"])
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id
        let acting = ActingModel(client: leader, taskId: task)
        await acting.load()
        acting.opinion = "同意。"
        await acting.perform(.approve)
        XCTAssertEqual(acting.phase, .confirmUnopened)
        XCTAssertEqual(zh(acting.statusText), "正文尚未在本机打开，确定要签批吗？")
        let nothing = try await leader.outboxCount()
        XCTAssertEqual(nothing, 0)

        await acting.confirmUnopened()
        XCTAssertEqual(acting.phase, .delivered, zh(acting.problem))
        XCTAssertEqual(zh(acting.verdictText), "已送达，流程已转至承办")
    }
}
