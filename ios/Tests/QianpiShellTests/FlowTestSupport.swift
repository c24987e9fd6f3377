// What the scenarios of the remaining actions share (mirrors flows/FlowSupport.kt): the demo
// unit's three people on their own phones, a manual step as a definition file writes it with its
// optional actions, a list row found by title, the gateway's verdict on one queued command as the
// phone that sent it sees it after its sync, and the confirmed actions of a flow record.
import Foundation
import Qianpi
import QianpiShell
import XCTest

/// 王建国 the leader, 李晓梅 who drafts and starts flows, 赵文 the office's head.
struct Office {
    let leader: QianpiClient
    let drafter: QianpiClient
    let head: QianpiClient
    let token: String
}

extension GatewayTestCase {
    /// The demo unit's three people, each on an activated phone.
    func office() async throws -> Office {
        Office(leader: try await activatedPhone("wangjianguo"), drafter: try await activatedPhone("lixiaomei"),
               head: try await activatedPhone("zhaowen"), token: try operatorToken())
    }

    /// 拟办 (李晓梅) → 领导批示 (王建国, with `allow`); a flow of it started by 李晓梅 and sent on by her
    /// to the leader: his task.
    func atTheLeader(_ office: Office, id: String, title: String, sequence: Int, allow: [String: Bool]) async throws -> String {
        try loadDefinition(token: office.token, id: id, name: "签报办理", start: "draft", nodes: [
            node("draft", "拟办", handlers: ["user-li"], routes: [("送批示", "lead")]),
            node("lead", "领导批示", handlers: ["user-wang"], routes: [("办结", "end")], allow: allow),
            endNode,
        ])
        try startFlow(token: office.token, definition: id, document: "doc-\(id)", title: title, sequence: sequence)
        _ = try await office.drafter.sync()
        let drafting = try await heldRow(office.drafter, .todo, title)
        _ = try await accepted(office.drafter, try await office.drafter.actOnTask(
            taskId: drafting.id, action: .approve(attitude: .agree, opinion: "拟请王厅长审示。", route: nil), actingFor: nil))
        _ = try await office.leader.sync()
        return try await heldRow(office.leader, .todo, title, "at the leader").id
    }
}

/// The row of `kind` titled `title` on `phone`, if it holds one.
func row(_ phone: QianpiClient, _ kind: ListKind, _ title: String) async throws -> ListEntry? {
    try await phone.list(kind: kind, limit: 50, offset: 0).first { $0.title == title }
}

/// The row of `kind` titled `title` on `phone`; fails the test when it holds none.
func heldRow(_ phone: QianpiClient, _ kind: ListKind, _ title: String, _ message: String = "") async throws -> ListEntry {
    let found = try await row(phone, kind, title)
    return try XCTUnwrap(found, message)
}

/// Syncs `phone` and gives the gateway's verdict on `queued`; fails unless it was applied.
func accepted(_ phone: QianpiClient, _ queued: ApprovalQueued,
              file: StaticString = #filePath, line: UInt = #line) async throws -> InstanceState? {
    _ = try await phone.sync()
    let verdicts = try await phone.verdicts()
    let verdict = try XCTUnwrap(verdicts.first { $0.commandId == queued.commandId }, "no verdict")
    guard case .accepted(let state, _, _) = verdict.outcome else {
        XCTFail("refused: \(verdict.outcome)", file: file, line: line)
        return nil
    }
    return state
}

/// The confirmed actions of the document's 流转记录, oldest first, without the 打开 marks.
func record(_ detail: DocumentDetail) -> [FlowAction] {
    detail.flowRecord.filter { !$0.pending && $0.action != .open }.map(\.action)
}
