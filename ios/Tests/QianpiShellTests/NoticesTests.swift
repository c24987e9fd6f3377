// Notices from the screen models against a real gateway: the list puts the unread notice first
// with its badge, opening it shows the body and the receipt form, a reply the form refuses is
// refused in the core's words, the reply made offline shows 待同步 and, once online, is recorded
// at the gateway.
import Foundation
import Qianpi
import QianpiShell
import XCTest

final class NoticesTests: GatewayTestCase {

    private let agenda = Data("一、春耕备耕工作情况通报；二、部署下一阶段工作。".utf8)

    /// Publishes a notice to 李晓梅 (and an older one without a receipt); the wanted one's id.
    private func publish() throws -> String {
        let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let plain = root.appendingPathComponent("plain.json")
        try """
        {"title": "关于调整厅机关作息时间的通知", "body": "自下周一起执行夏季作息时间。",
         "publisher": "user-zhao", "scope": {"people": ["user-li"]}, "receipt_required": false}
        """.write(to: plain, atomically: true, encoding: .utf8)
        _ = try gateway.admin(["publish-notice", "--unit", "unit-sxnyt", "--file", plain.path]).out
        let file = root.appendingPathComponent("agenda.txt")
        try agenda.write(to: file)
        let sha256 = try gateway.admin(["upload-blob", "--unit", "unit-sxnyt", "--file", file.path, "--media-type", "text/plain"]).out
        let request = root.appendingPathComponent("notice.json")
        try """
        {"title": "关于召开春耕备耕工作会议的通知", "body": "定于周五上午九时召开。",
         "attachments": [{"id": "agenda", "name": "会议议程", "media_type": "text/plain", "size": \(agenda.count), "sha256": "\(sha256)"}],
         "publisher": "user-zhao", "scope": {"people": ["user-li"]},
         "receipt_required": true, "receipt_deadline": "\(deadline)",
         "receipt_form": {"choices": [{"id": "attend", "label": "参加"}, {"id": "absent", "label": "不参加"}],
                          "note": "optional"}}
        """.write(to: request, atomically: true, encoding: .utf8)
        return try gateway.admin(["publish-notice", "--unit", "unit-sxnyt", "--file", request.path]).out
    }

    @MainActor
    func testReadANoticeAndSendItsReceipt() async throws {
        let id = try publish()
        let officer = try await activatedPhone("lixiaomei")
        let notices = NoticesModel(client: officer)
        await notices.refresh()
        XCTAssertNil(notices.problem, zh(notices.problem))
        XCTAssertEqual(notices.rows.count, 2)
        XCTAssertEqual(notices.unreadCount, 2)
        let row = try XCTUnwrap(notices.rows.first { $0.id == id })
        XCTAssertEqual(zh(row.badge), "未读")
        XCTAssertTrue(row.unread)
        XCTAssertEqual(zh(row.publisher), "赵文 办公室主任")
        XCTAssertEqual(zh(row.attachments), "1 个附件")
        XCTAssertTrue(zh(row.receiptDeadline).hasPrefix("回执截止 20"), zh(row.receiptDeadline))

        let notice = NoticeModel(client: officer, id: id)
        await notice.open()
        XCTAssertEqual(zh(notice.title), "关于召开春耕备耕工作会议的通知")
        XCTAssertEqual(zh(notice.body), "定于周五上午九时召开。")
        XCTAssertTrue(notice.receiptRequired)
        XCTAssertEqual(notice.choices.map { zh($0.label) }, ["参加", "不参加"])
        XCTAssertEqual(notice.noteRule, .optional)
        XCTAssertTrue(notice.canReply)
        XCTAssertEqual(zh(notice.receiptLine), "请回执")
        let attachment = try XCTUnwrap(notice.attachments.first)
        XCTAssertEqual(zh(attachment.name), "会议议程")
        XCTAssertEqual(zh(attachment.size), "\(agenda.count) 字节")
        let read = await notice.readAttachment(attachment.id)
        XCTAssertEqual(read, agenda)
        await notices.load()
        XCTAssertEqual(notices.rows.first { $0.id == id }.map { zh($0.badge) }, "待回执", "opened: read, the receipt still wanted")

        // No choice: the notice's form refuses it, in the core's words; nothing is kept.
        await notice.send()
        XCTAssertEqual(zh(notice.problem), "请先选择回执选项。")
        XCTAssertEqual(zh(notice.receiptLine), "请回执")

        // Offline: kept on the phone, 待同步.
        gateway.stop()
        notice.choice = "absent"
        notice.note = "出差"
        await notice.send()
        XCTAssertNil(notice.problem, zh(notice.problem))
        XCTAssertEqual(zh(notice.receiptLine), "回执：不参加（出差），待同步")
        await notices.load()
        XCTAssertEqual(notices.rows.first { $0.id == id }.map { zh($0.badge) }, "待同步")

        // Online: recorded at the gateway.
        try gateway.start()
        await notices.refresh()
        XCTAssertNil(notices.problem, zh(notices.problem))
        XCTAssertEqual(notices.rows.first { $0.id == id }.map { zh($0.badge) }, "已回执")
        await notice.open()
        XCTAssertEqual(zh(notice.receiptLine), "回执：不参加（出差）")
        let roster = try gateway.admin(["notice-receipts", "--unit", "unit-sxnyt", "--notice", id]).err
        XCTAssertTrue(roster.contains("1 recipients, 0 unread, 0 without a reply"), roster)
    }
}
