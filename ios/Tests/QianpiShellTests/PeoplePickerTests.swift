// The people picker from the screen models against a real gateway: after the leader's approval
// the office's director passes the work on (转交): the picker leaves him out, finds 李晓梅 by her
// pinyin initials and by her name, takes one person for a transfer, and the acting sheet refuses
// a transfer with nobody picked before sending it to her.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class PeoplePickerTests: GatewayTestCase {

    @MainActor
    func testTheDirectorPicksAColleagueByPinyinAndTransfersTheWork() async throws {
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id
        _ = try await leader.actOnTask(taskId: task, action: .approve(attitude: .agree, opinion: "同意。", route: nil), actingFor: nil)
        _ = try await leader.sync()

        let director = try await activatedPhone("zhaowen")
        _ = try await director.sync()
        let handling = try await director.list(kind: .todo, limit: 20, offset: 0)[0].id
        let acting = ActingModel(client: director, taskId: handling)
        await acting.load()
        XCTAssertTrue(acting.actions.contains(.transfer))
        XCTAssertTrue(acting.actions.contains(.circulate))
        XCTAssertFalse(acting.actions.contains(.returnTo))
        XCTAssertTrue(ActingModel.Action.transfer.needsPeople)

        let picker = PeoplePickerModel(client: director, purpose: .transfer)
        XCTAssertEqual(zh(picker.title), "转交给")
        XCTAssertFalse(picker.multiple)
        await picker.load()
        XCTAssertNil(picker.problem, zh(picker.problem))
        let everyone = picker.groups.flatMap(\.people)
        XCTAssertFalse(everyone.contains { zh($0.name) == "赵文" }, "the picker offers the director himself")
        XCTAssertTrue(everyone.contains { zh($0.name) == "王建国" })

        picker.query = "lxm"
        await picker.search()
        XCTAssertEqual(picker.results.first.map { zh($0.name) }, "李晓梅")
        XCTAssertEqual(picker.results.first.map { zh($0.post) }, "秘书科科员")
        picker.query = "晓梅"
        await picker.search()
        let li = try XCTUnwrap(picker.results.first)
        XCTAssertEqual(zh(li.name), "李晓梅")
        picker.query = "zhaowen"
        await picker.search()
        XCTAssertTrue(picker.results.isEmpty, "found the director himself")
        XCTAssertEqual(zh(picker.problem), "没有找到“zhaowen”")

        XCTAssertFalse(picker.canConfirm)
        picker.toggle("user-wang")
        picker.toggle(li.id)
        XCTAssertEqual(picker.chosen, [li.id], "a transfer goes to one person")
        XCTAssertTrue(picker.canConfirm)
        XCTAssertEqual(picker.groups.flatMap(\.people).filter(\.selected).map { zh($0.name) }, ["李晓梅"])

        await acting.perform(.transfer)
        XCTAssertEqual(zh(acting.problem), "请选择一人。")
        await acting.perform(.transfer, people: picker.chosen)
        XCTAssertNil(acting.problem, zh(acting.problem))
        XCTAssertEqual(acting.phase, .delivered)
        XCTAssertEqual(zh(acting.verdictText), "已送达，流程已转至承办")

        let colleague = try await activatedPhone("lixiaomei")
        _ = try await colleague.sync()
        let passed = try await colleague.list(kind: .todo, limit: 20, offset: 0)
        XCTAssertEqual(passed.map(\.title), ["关于做好2026年春耕备耕工作的通知"])
    }

    @MainActor
    func testCirculationTakesSeveralPeople() async throws {
        let director = try await activatedPhone("zhaowen")
        let picker = PeoplePickerModel(client: director, purpose: .circulate)
        XCTAssertTrue(picker.multiple)
        XCTAssertEqual(zh(picker.title), "传阅给")
        await picker.load()
        let ids = picker.groups.flatMap(\.people).map(\.id)
        XCTAssertEqual(Set(ids), ["user-wang", "user-li"])
        for id in ids { picker.toggle(id) }
        XCTAssertEqual(picker.chosen, ids)
        picker.toggle(ids[0])
        XCTAssertEqual(picker.chosen, [ids[1]])
    }
}
