// A document's screen state: its head, the body as bytes in memory (PDFKit opens them with
// PDFDocument(data:); no plaintext file is ever written), the download's progress, attachments
// with their sizes, the opinions by opinion column, the flow record in order and the deadline,
// with times in the user's time zone. Follows the core's detail, so an action taken here or a
// verdict from the gateway shows without reloading.
import Foundation
import Observation
import Qianpi

/// One document (公文详情).
///
/// Shows: `title`, `urgency` (加急/特急 mark), `headFields` (文号, 类型, 密级, 来文单位, 收文时间 …
/// as label/value pairs), `stateText` (流转中 / 办结 …) and `currentNodes`, `deadlineText` with
/// `overdue`, the current body's `bodyInfo` (format, pages, size), `download` (its progress),
/// `body` (the PDF bytes once read: hand them to PDFDocument(data:)), `attachments` (name and
/// size), `columns` (opinions by 意见栏: author, time, attitude, text, 代签/待同步 marks,
/// handwriting), `flowRecord` (步骤 in order) and `errorText`.
/// `hasTask` says the user has a pending task here: show the acting bar (`ActingModel`).
/// Actions: `follow()` (run it while the screen is shown), `load()` (once, without following),
/// `readBody()` (download with progress, then the bytes), `readAttachment(_:)` (its bytes).
@MainActor @Observable
public final class DocumentModel {
    /// A label and its value in the head.
    public struct Field: Equatable, Sendable {
        public let label: UIText
        public let value: UIText
    }

    /// The body version a viewer opens.
    public struct BodyInfo: Equatable, Sendable {
        /// PDF / OFD / Word.
        public let format: UIText
        /// "1 页", when known.
        public let pages: UIText?
        /// "12.3 KB".
        public let size: UIText
        public let mediaType: String
        /// On the phone already.
        public let held: Bool
    }

    /// Where the body's download stands.
    public enum Download: Equatable, Sendable {
        case notStarted
        /// `fraction` is 0…1 once the size is known.
        case running(received: UInt64, total: UInt64)
        case done
        case failed(UIText)

        /// 0…1 while running with a known size.
        public var fraction: Double? {
            guard case .running(let received, let total) = self, total > 0 else { return nil }
            return min(1, Double(received) / Double(total))
        }
    }

    /// An attachment.
    public struct Attachment: Equatable, Sendable, Identifiable {
        public let id: String
        public let name: UIText
        public let size: UIText
        public let held: Bool
        let sha256: String
    }

    /// One opinion.
    public struct Opinion: Equatable, Sendable {
        public let author: UIText
        /// 同意 / 不同意 / 已阅.
        public let attitude: UIText
        public let text: UIText
        public let time: UIText?
        /// "秘书 张三 代签", when a secretary entered it.
        public let enteredBy: UIText?
        /// "待同步" while it waits for the gateway.
        public let pendingText: UIText?
        public let hasHandwriting: Bool
    }

    /// An opinion column (拟办, 领导批示 …) with its opinions, oldest first.
    public struct Column: Equatable, Sendable {
        public let name: UIText
        public let opinions: [Opinion]
    }

    /// One step of the flow record.
    public struct Step: Equatable, Sendable {
        /// 同意 / 退回 / 转交 …
        public let action: UIText
        public let actor: UIText
        public let node: UIText?
        public let time: UIText
        /// "→ 李晓梅" for a transfer, circulation, added signers; "退回至 拟办" for a return.
        public let detail: UIText?
        public let pendingText: UIText?
    }

    public let id: String
    private let client: QianpiClient
    private let clock: WorkClock

    public private(set) var loaded = false
    public private(set) var title: UIText = .plain("")
    public private(set) var number: UIText = .plain("")
    public private(set) var urgency: UrgencyMark = .none
    public private(set) var headFields: [Field] = []
    public private(set) var stateText: UIText?
    public private(set) var currentNodes: [UIText] = []
    public private(set) var deadlineText: UIText?
    public private(set) var overdue = false
    public private(set) var bodyInfo: BodyInfo?
    public private(set) var download: Download = .notStarted
    /// The body's bytes in memory, once read.
    public private(set) var body: Data?
    public private(set) var attachments: [Attachment] = []
    public private(set) var columns: [Column] = []
    public private(set) var flowRecord: [Step] = []
    public private(set) var hasTask = false
    public private(set) var errorText: UIText?

    @ObservationIgnored private var bodySha256: String?
    /// Names from the address book on the phone, for people the flow names by id only.
    @ObservationIgnored private var names: [String: String] = [:]
    @ObservationIgnored private var observation: Task<Void, Never>?

    /// `id`: a task, read item, 已发 flow or document id, as a list row or search result gives it.
    public init(client: QianpiClient, id: String, clock: WorkClock = WorkClock()) {
        self.client = client
        self.id = id
        self.clock = clock
    }

    /// Follows the document until the calling task is cancelled.
    public func follow() async {
        start()
        while !Task.isCancelled {
            do { try await Task.sleep(nanoseconds: 3_600_000_000_000) } catch { break }
        }
        stop()
    }

    /// Starts following the document; `stop()` ends it.
    public func start() {
        observation?.cancel()
        let updates = client.documentUpdates(id: id)
        observation = Task { [weak self] in
            await self?.loadNames()
            for await update in updates {
                guard let self, !Task.isCancelled else { return }
                switch update {
                case .success(let detail): self.apply(detail)
                case .failure(let error): self.errorText = WorkText.error(error)
                }
            }
        }
    }

    public func stop() {
        observation?.cancel()
        observation = nil
    }

    /// Reads the detail once.
    public func load() async {
        await loadNames()
        do {
            apply(try await client.documentDetail(id: id))
        } catch {
            errorText = WorkText.error(error)
        }
    }

    /// Downloads the body (with progress) when it is not on the phone, then reads it into
    /// `body`. Reading it counts as opening it (the unit may require that before approving).
    public func readBody() async {
        if bodySha256 == nil { await load() }
        guard let sha256 = bodySha256 else {
            download = .failed(.key("document.body.none"))
            return
        }
        download = .running(received: 0, total: 0)
        let listener = DownloadProgress { [weak self] received, total in
            Task { @MainActor in self?.progressed(received: received, total: total) }
        }
        do {
            _ = try await client.downloadWithProgress(sha256: sha256, listener: listener)
            body = try await client.readFile(sha256: sha256)
            download = .done
        } catch {
            download = .failed(WorkText.error(error))
        }
    }

    /// The bytes of attachment `id` (downloaded first when needed), or nil with `errorText` set.
    public func readAttachment(_ id: String) async -> Data? {
        guard let attachment = attachments.first(where: { $0.id == id }) else { return nil }
        do {
            return try await client.fileBytes(sha256: attachment.sha256)
        } catch {
            errorText = WorkText.error(error)
            return nil
        }
    }

    private func loadNames() async {
        guard names.isEmpty, let groups = try? await client.peoplePicker(excludeSelf: false) else { return }
        names = Dictionary(groups.flatMap(\.people).map { ($0.userId, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// A person as the flow names them: the name the record carries, else the address book's,
    /// else the id.
    private func name(_ person: Person) -> String {
        person.name ?? names[person.userId] ?? person.userId
    }

    private func progressed(received: UInt64, total: UInt64) {
        guard case .running(let seen, _) = download, received >= seen else { return }
        download = .running(received: received, total: total)
    }

    private func apply(_ detail: DocumentDetail) {
        errorText = nil
        let head = detail.head
        title = .plain(head.title)
        number = .plain(head.number)
        urgency = UrgencyMark(head.urgency)
        headFields = fields(head)
        stateText = detail.instanceState.map(DocumentText.state)
        currentNodes = detail.currentNodes.map(UIText.plain)
        let deadline = detail.myTask?.deadline ?? detail.deadline
        deadlineText = deadline.map { .key("document.deadline", [clock.string($0.due)]) }
        overdue = deadline?.overdue ?? false
        if let current = detail.bodies.last(where: \.current) ?? detail.bodies.last {
            bodySha256 = current.viewSha256
            bodyInfo = BodyInfo(
                format: current.viewMediaType == "application/pdf" ? .plain("PDF") : DocumentText.format(current.format),
                pages: current.pages.map { .key("document.body.pages", [String($0)]) },
                size: WorkText.size(current.rendition?.size ?? current.size),
                mediaType: current.viewMediaType,
                held: current.rendition?.held ?? current.held)
        } else {
            bodySha256 = nil
            bodyInfo = nil
        }
        attachments = detail.attachments.map {
            Attachment(id: $0.id, name: .plain($0.name), size: WorkText.size($0.size), held: $0.held, sha256: $0.sha256)
        }
        columns = detail.opinionColumns.map { column in
            Column(name: .plain(column.name), opinions: column.opinions.map(opinion))
        }
        flowRecord = detail.flowRecord.map(step)
        hasTask = detail.myTask != nil
        loaded = true
    }

    private func fields(_ head: DocumentHead) -> [Field] {
        var out: [Field] = [
            Field(label: .key("document.field.number"), value: .plain(head.number)),
            Field(label: .key("document.field.kind"), value: DocumentText.kind(head.kind)),
        ]
        if let text = UrgencyMark(head.urgency).text { out.append(Field(label: .key("document.field.urgency"), value: text)) }
        if head.secrecy != .none { out.append(Field(label: .key("document.field.secrecy"), value: DocumentText.secrecy(head.secrecy))) }
        if let organ = head.fromOrgan { out.append(Field(label: .key("document.field.from_organ"), value: .plain(organ))) }
        if let number = head.fromNumber { out.append(Field(label: .key("document.field.from_number"), value: .plain(number))) }
        if let at = head.receivedAt { out.append(Field(label: .key("document.field.received_at"), value: clock.text(at))) }
        if !head.issuingOrgans.isEmpty { out.append(Field(label: .key("document.field.issuing_organs"), value: .plain(head.issuingOrgans.joined(separator: "、")))) }
        if !head.signers.isEmpty { out.append(Field(label: .key("document.field.signers"), value: .plain(head.signers.joined(separator: "、")))) }
        if !head.mainRecipients.isEmpty { out.append(Field(label: .key("document.field.main_recipients"), value: .plain(head.mainRecipients.joined(separator: "、")))) }
        if !head.copyTo.isEmpty { out.append(Field(label: .key("document.field.copy_to"), value: .plain(head.copyTo.joined(separator: "、")))) }
        if let date = head.date { out.append(Field(label: .key("document.field.date"), value: clock.text(date))) }
        if let note = head.note { out.append(Field(label: .key("document.field.note"), value: .plain(note))) }
        return out
    }

    private func opinion(_ entry: OpinionEntry) -> Opinion {
        Opinion(
            author: .plain(name(entry.author)),
            attitude: DocumentText.attitude(entry.attitude),
            text: .plain(entry.text),
            time: entry.at.map(clock.text),
            enteredBy: entry.enteredBy.map { .key("document.opinion.entered_by", [name($0)]) },
            pendingText: entry.pending ? .key("lists.queued") : nil,
            hasHandwriting: entry.hasHandwriting)
    }

    private func step(_ step: FlowStep) -> Step {
        var detail: UIText?
        if let target = step.returnedTo {
            detail = .key("document.flow.returned_to", [target])
        } else if !step.to.isEmpty {
            detail = .key("document.flow.to", [step.to.map(name).joined(separator: "、")])
        }
        return Step(
            action: DocumentText.action(step.action), actor: .plain(name(step.actor)),
            node: step.nodeName.map(UIText.plain), time: clock.text(step.at), detail: detail,
            pendingText: step.pending ? .key("lists.queued") : nil)
    }
}

/// Hands the core's download progress (on its threads) to a closure.
final class DownloadProgress: DownloadListener, @unchecked Sendable {
    private let report: @Sendable (UInt64, UInt64) -> Void
    init(_ report: @escaping @Sendable (UInt64, UInt64) -> Void) { self.report = report }
    func onProgress(received: UInt64, total: UInt64) { report(received, total) }
}
