// The lists screen against a real gateway: the counts follow the core live (a pull to refresh
// brings the demo 加急 document and an overdue one), the rows carry their urgency, deadline and
// overdue marks, an action taken offline shows 待同步 in 已办 and the refresh line says what
// waits; and the core's full-text search from the search box, with its refusals in words.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class ListsTests: GatewayTestCase {

    @MainActor
    func testCountsAndMarksFollowTheCoreAndAnOfflineActionWaitsIn已办() async throws {
        // A 特急 document whose step gives the leader one hour; the screen's clock is two hours on.
        let token = try operatorToken()
        try loadDefinition(token: token, id: "def-timed", name: "限时批示", start: "leader", nodes: [
            node("leader", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")], hours: 1), endNode,
        ])
        try startFlow(token: token, definition: "def-timed", document: "doc-2026-0013",
                      title: "关于报送春耕物资储备情况的通知", sequence: 13, urgency: "extra_urgent")
        let leader = try await activatedPhone("wangjianguo")
        let later = Date().addingTimeInterval(2 * 3_600)
        let lists = ListsModel(client: leader, clock: WorkClock(now: { later }))
        lists.start()
        await eventually("the first answer") { lists.loaded }
        XCTAssertEqual(lists.tabs.map { zh($0.title) }, ["待办", "已办", "待阅", "已发", "草稿"])
        XCTAssertEqual(lists.tabs[0].count, 0)

        await lists.refresh()
        XCTAssertEqual(lists.refreshState, .synced)
        XCTAssertEqual(zh(lists.refreshText), "已同步")
        await eventually("both tasks in 待办") { lists.tabs[0].count == 2 && lists.rows.count == 2 }
        XCTAssertNil(lists.overdueText, "nothing is overdue yet by the core's clock")
        let urgent = try XCTUnwrap(lists.rows.first { zh($0.title) == "关于做好2026年春耕备耕工作的通知" })
        XCTAssertEqual(zh(urgent.urgency.text), "加急")
        XCTAssertEqual(zh(urgent.kind), "收文", "the row says what kind of document it is")
        XCTAssertNil(urgent.secrecy, "无 carries no mark")
        XCTAssertEqual(zh(urgent.number), "晋农办〔2026〕12号")
        XCTAssertFalse(urgent.overdue)
        XCTAssertNil(urgent.statusText)
        let late = try XCTUnwrap(lists.rows.first { zh($0.title) == "关于报送春耕物资储备情况的通知" })
        XCTAssertEqual(zh(late.urgency.text), "特急")
        XCTAssertTrue(late.overdue)
        XCTAssertEqual(zh(late.overdueText), "已超期")
        XCTAssertTrue(zh(late.deadline).hasPrefix("限 20"), zh(late.deadline))

        // Offline: the refresh says so; an approval waits, 待同步 in 已办, and the counts move.
        gateway.stop()
        await lists.refresh()
        XCTAssertEqual(lists.refreshState, .offline(waiting: 0))
        XCTAssertEqual(zh(lists.refreshText), "无法连接网关，显示的是本机数据")
        _ = try await leader.actOnTask(
            taskId: urgent.id, action: .approve(attitude: .agree, opinion: "同意。", route: nil), actingFor: nil)
        await eventually("待办 shrinks") { lists.tabs[0].count == 1 && lists.tabs[1].count == 1 }
        await lists.refresh()
        XCTAssertEqual(zh(lists.refreshText), "无法连接网关，1 项待同步，联网后自动发送")
        lists.select(.done)
        await eventually("已办 shown") { lists.tab == .done && lists.rows.count == 1 }
        XCTAssertEqual(lists.rows[0].id, urgent.id)
        XCTAssertTrue(lists.rows[0].queued)
        XCTAssertEqual(zh(lists.rows[0].statusText), "待同步")

        try gateway.start()
        await lists.refresh()
        XCTAssertEqual(zh(lists.refreshText), "已同步")
        await eventually("delivered") { lists.rows.first?.queued == false }
        XCTAssertNil(lists.rows[0].statusText)
        lists.stop()
    }

    @MainActor
    func testTheSearchBoxFindsTheDocumentAndSaysWhyAQueryCannotBeSearched() async throws {
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let lists = ListsModel(client: leader, clock: WorkClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!))
        lists.query = "春耕"
        await lists.search()
        XCTAssertNil(lists.searchError)
        XCTAssertEqual(lists.results.count, 1)
        let hit = try XCTUnwrap(lists.results.first)
        XCTAssertEqual(zh(hit.title), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(zh(hit.kindText), "待办")
        XCTAssertEqual(hit.snippet.filter(\.matched).map(\.text), ["春耕"])
        XCTAssertEqual(zh(hit.time), "2026-03-02 09:00", "received at 09:00 Beijing time")
        XCTAssertFalse(hit.opensNotice)

        lists.query = "防汛"
        await lists.search()
        XCTAssertTrue(lists.results.isEmpty)
        XCTAssertEqual(zh(lists.searchError), "没有找到“防汛”")

        lists.query = " ，。 "
        await lists.search()
        XCTAssertTrue(zh(lists.searchError).contains("请输入"), zh(lists.searchError))
        XCTAssertEqual(try StringTable.load("en").resolve(lists.searchError!).isEmpty, false)

        lists.clearSearch()
        XCTAssertTrue(lists.results.isEmpty)
        XCTAssertNil(lists.searchError)
    }
}
