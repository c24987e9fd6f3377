// A document's screen against a real gateway: the head in the user's time zone (and another when
// the app injects one), the body downloaded with progress and handed over as PDF bytes in memory,
// the attachment with its size, and the opinions and flow record following the core after the
// leader approved.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class DocumentTests: GatewayTestCase {

    @MainActor
    func testTheHeadBodyAttachmentOpinionsAndFlowRecord() async throws {
        let leader = try await activatedPhone("wangjianguo")
        _ = try await leader.sync()
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id

        let document = DocumentModel(client: leader, id: task)
        document.start()
        await eventually("the detail") { document.loaded }
        XCTAssertEqual(zh(document.title), "关于做好2026年春耕备耕工作的通知")
        XCTAssertEqual(zh(document.number), "晋农办〔2026〕12号")
        XCTAssertEqual(zh(document.urgency.text), "加急")
        let head = Dictionary(uniqueKeysWithValues: document.headFields.map { (zh($0.label), zh($0.value)) })
        XCTAssertEqual(head["文号"], "晋农办〔2026〕12号")
        XCTAssertEqual(head["公文类型"], "收文")
        XCTAssertEqual(head["紧急程度"], "加急")
        XCTAssertEqual(head["来文单位"], "山西省人民政府办公厅")
        XCTAssertEqual(head["收文时间"], "2026-03-02 09:00", "Beijing time")
        XCTAssertEqual(head["主送"], "各市人民政府")
        XCTAssertEqual(zh(document.stateText), "流转中")
        XCTAssertEqual(document.currentNodes.map(zh), ["领导批示"])
        XCTAssertTrue(document.hasTask)
        let info = try XCTUnwrap(document.bodyInfo)
        XCTAssertEqual(zh(info.format), "PDF")
        XCTAssertEqual(zh(info.pages), "1 页")
        XCTAssertEqual(info.mediaType, "application/pdf")
        XCTAssertFalse(info.held)

        // Another time zone, injected: the same instant.
        let utc = DocumentModel(client: leader, id: task, clock: WorkClock(timeZone: TimeZone(identifier: "UTC")!))
        await utc.load()
        XCTAssertEqual(utc.headFields.first { zh($0.label) == "收文时间" }.map { zh($0.value) }, "2026-03-02 01:00")

        // The body: downloaded with progress, then PDF bytes in memory.
        XCTAssertNil(document.body)
        await document.readBody()
        XCTAssertEqual(document.download, .done)
        let body = try XCTUnwrap(document.body)
        XCTAssertEqual(String(decoding: body.prefix(5), as: UTF8.self), "%PDF-")
        await eventually("the body shows as held") { document.bodyInfo?.held == true }

        // The attachment, with its size.
        let attachment = try XCTUnwrap(document.attachments.first)
        XCTAssertEqual(zh(attachment.name), "2026年春耕备耕任务分解表")
        XCTAssertTrue(zh(attachment.size).hasSuffix("KB") || zh(attachment.size).hasSuffix("字节"), zh(attachment.size))
        let read = await document.readAttachment(attachment.id)
        let bytes = try XCTUnwrap(read)
        XCTAssertEqual(String(decoding: bytes.prefix(5), as: UTF8.self), "%PDF-")

        // After the approval the opinion and the step show, first 待同步, then confirmed.
        _ = try await leader.actOnTask(
            taskId: task, action: .approve(attitude: .agree, opinion: "同意。请办公室抓紧落实。", route: nil), actingFor: nil)
        await eventually("the pending opinion") { document.columns.flatMap(\.opinions).contains { zh($0.pendingText) == "待同步" } }
        _ = try await leader.sync()
        await eventually("the confirmed opinion") {
            document.columns.flatMap(\.opinions).contains { zh($0.text) == "同意。请办公室抓紧落实。" && $0.pendingText == nil }
        }
        let column = try XCTUnwrap(document.columns.first { zh($0.name) == "领导批示" })
        let opinion = try XCTUnwrap(column.opinions.first)
        XCTAssertEqual(zh(opinion.author), "王建国")
        XCTAssertEqual(zh(opinion.attitude), "同意")
        XCTAssertNotNil(opinion.time)
        let approved = try XCTUnwrap(document.flowRecord.last { zh($0.action) == "同意" })
        XCTAssertEqual(zh(approved.actor), "王建国")
        XCTAssertEqual(zh(approved.node), "领导批示")
        XCTAssertNil(approved.pendingText)
        XCTAssertEqual(document.currentNodes.map(zh), ["承办"])
        document.stop()
    }
}
