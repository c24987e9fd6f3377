// 批量审批 from the 待办 list: the user picks rows, every picked task is approved in its own
// signed record (同意 with the standard text), and each row shows its own result: signed and
// waiting, delivered, or refused with the reason; one refusal never stops the others. With the
// app's approval prompt (a key that asks for the person on every use), each item is prepared,
// confirmed and signed in turn; a cancelled prompt stops the rest, which stay unsigned.
import Foundation
import Observation
import Qianpi

/// The batch approval screen.
///
/// Shows: `items` (the 待办 rows: title, 文号, urgency, whether picked, and after approving
/// `resultText` with `refused` and `reason` per row), `summaryText` (已签批 2 件，1 件未通过),
/// `problem` (nothing picked, an error) and `working`.
/// Actions: `load()`, `toggle(_:)`, `selectAll()`, `approve()` (signs each picked task and tries
/// to deliver), `deliver()` (sync again and update each row from the gateway's verdicts).
@MainActor @Observable
public final class BatchModel {
    /// One 待办 row of the batch.
    public struct Item: Equatable, Sendable, Identifiable {
        public let id: String
        public let title: UIText
        public let number: UIText
        public let urgency: UrgencyMark
        public var selected: Bool
        /// 已签批，待同步 / 已送达 / 未被接受, once approved.
        public var resultText: UIText?
        /// Refused, on the phone or by the gateway.
        public var refused: Bool
        /// Why it was refused.
        public var reason: UIText?
        var commandId: String?
    }

    private let client: QianpiClient
    private let prompt: ApprovalPrompt?
    public private(set) var items: [Item] = []
    public private(set) var summaryText: UIText?
    public private(set) var problem: UIText?
    public private(set) var working = false

    /// `prompt`: the app's presence prompt over the approval key; without it (a key that signs
    /// without asking: the tests' software vault) the core signs the whole batch at once.
    public init(client: QianpiClient, prompt: ApprovalPrompt? = nil) {
        self.client = client
        self.prompt = prompt
    }

    /// Reads the 待办 rows.
    public func load() async {
        do {
            let rows = try await client.list(kind: .todo, limit: 200, offset: 0)
            items = rows.map {
                Item(id: $0.id, title: .plain($0.title), number: .plain($0.documentNumber),
                     urgency: UrgencyMark($0.urgency), selected: false, resultText: nil, refused: false,
                     reason: nil, commandId: nil)
            }
        } catch {
            problem = WorkText.error(error)
        }
    }

    public func toggle(_ id: String) {
        guard let index = items.firstIndex(where: { $0.id == id }) else { return }
        items[index].selected.toggle()
    }

    public func selectAll() {
        for index in items.indices { items[index].selected = true }
    }

    /// Approves every picked task, each in its own record; one result per row.
    public func approve() async {
        let picked = items.filter(\.selected)
        guard !picked.isEmpty else {
            problem = .key("acting.batch.none_selected")
            return
        }
        problem = nil
        working = true
        defer { working = false }
        if let prompt {
            await approveOneByOne(picked, prompt: prompt)
            summarise()
            await deliver()
            return
        }
        let results: [BatchResult]
        do {
            results = try await client.batchApprove(items: picked.map { BatchItem(taskId: $0.id, route: nil) })
        } catch {
            problem = WorkText.error(error)
            return
        }
        for result in results {
            guard let index = items.firstIndex(where: { $0.id == result.taskId }) else { continue }
            switch result.verdict {
            case .queued(let queued):
                items[index].commandId = queued.commandId
                items[index].resultText = .key("acting.batch.queued")
                items[index].refused = false
            case .refused(let code, let reasonZh, let reasonEn):
                items[index].resultText = .key("acting.verdict.refused")
                items[index].refused = true
                items[index].reason = code == "not_on_phone"
                    ? .key("acting.batch.not_on_phone")
                    : .both(zh: reasonZh, en: reasonEn)
            }
        }
        summarise()
        await deliver()
    }

    /// Each picked item prepared, confirmed in the prompt and signed, in turn: a refusal is that
    /// row's result; a cancelled prompt stops here and leaves the rest unsigned.
    private func approveOneByOne(_ picked: [Item], prompt: ApprovalPrompt) async {
        for (position, item) in picked.enumerated() {
            guard let index = items.firstIndex(where: { $0.id == item.id }) else { continue }
            let prepared: PreparedApproval
            do {
                prepared = try await client.prepareBatchItem(taskId: item.id, route: nil)
            } catch {
                items[index].resultText = .key("acting.verdict.refused")
                items[index].refused = true
                items[index].reason = WorkText.error(error)
                continue
            }
            // A row's title is the document's own text (never translated).
            guard case .plain(let title) = item.title else { continue }
            let reason = UIText.key("acting.batch.prompt_reason", [String(position + 1), String(picked.count), title])
            let signature: Data
            do {
                signature = try await prompt.sign(prepared.toBeSigned(), reason: reason)
            } catch {
                problem = .key("acting.batch.cancelled")
                return
            }
            do {
                let queued = try await client.completeAction(prepared: prepared, signature: signature)
                items[index].commandId = queued.commandId
                items[index].resultText = .key("acting.batch.queued")
                items[index].refused = false
            } catch {
                items[index].resultText = .key("acting.verdict.refused")
                items[index].refused = true
                items[index].reason = WorkText.error(error)
            }
        }
    }

    /// Syncs and updates each signed row from the gateway's verdict (offline: they stay 待同步).
    public func deliver() async {
        guard (try? await client.sync()) != nil, let verdicts = try? await client.verdicts() else { return }
        for index in items.indices {
            guard let id = items[index].commandId, let verdict = verdicts.first(where: { $0.commandId == id }) else { continue }
            switch verdict.outcome {
            case .accepted:
                items[index].resultText = .key("acting.batch.delivered")
            case .refused(_, let reasonZh, let reasonEn, _):
                items[index].resultText = ActingText.verdict(verdict)
                items[index].refused = true
                items[index].reason = .both(zh: reasonZh, en: reasonEn)
            }
        }
        summarise()
    }

    private func summarise() {
        let done = items.filter { $0.resultText != nil }
        let refused = done.filter(\.refused).count
        let signed = done.count - refused
        summaryText = refused == 0
            ? .key("acting.batch.summary_all", [String(signed)])
            : .key("acting.batch.summary", [String(signed), String(refused)])
    }
}
