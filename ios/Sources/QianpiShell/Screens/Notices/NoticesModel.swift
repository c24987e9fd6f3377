// 通知公告: the list (unread first, as the core orders it) with each notice's badge, and one
// opened notice with its body, attachments and the receipt (回执) form: the choices, the note
// as the notice's rule wants it, the deadline, and what became of the reply (待同步, recorded,
// refused with the gateway's reason).
import Foundation
import Observation
import Qianpi

/// The notices list.
///
/// Shows: `rows` (title, publisher, time, `badge`: 未读 / 待回执 / 已回执 / 待同步 / 回执被退回 /
/// 核验失败 / 已读, `unread`, attachment count, receipt deadline), `unreadCount`, `problem`.
/// Actions: `load()`, `refresh()` (sync, then load; offline shows the phone's copy).
/// Opening a row: `NoticeModel(client:id:)`.
@MainActor @Observable
public final class NoticesModel {
    /// One notice in the list.
    public struct Row: Equatable, Sendable, Identifiable {
        public let id: String
        public let title: UIText
        public let publisher: UIText
        public let time: UIText
        public let badge: UIText
        public let unread: Bool
        /// "2 个附件", none without attachments.
        public let attachments: UIText?
        /// "回执截止 2026-03-05 18:00".
        public let receiptDeadline: UIText?
    }

    private let client: QianpiClient
    private let clock: WorkClock
    public private(set) var rows: [Row] = []
    public private(set) var unreadCount = 0
    public private(set) var problem: UIText?

    public init(client: QianpiClient, clock: WorkClock = WorkClock()) {
        self.client = client
        self.clock = clock
    }

    public func load() async {
        do {
            let notices = try await client.notices(limit: 200, offset: 0)
            problem = nil
            rows = notices.map { n in
                Row(id: n.id, title: n.tampered ? .key("notices.tampered_title") : .plain(n.title),
                    publisher: .plain(n.publisherPost.isEmpty ? n.publisherName : "\(n.publisherName) \(n.publisherPost)"),
                    time: clock.text(n.publishedAt), badge: Self.badge(n), unread: n.unread,
                    attachments: n.attachmentCount > 0 ? .key("notices.attachment_count", [String(n.attachmentCount)]) : nil,
                    receiptDeadline: n.receiptRequired ? n.receiptDeadline.map { .key("notices.receipt.deadline", [clock.string($0)]) } : nil)
            }
            unreadCount = notices.filter(\.unread).count
        } catch {
            problem = WorkText.error(error)
        }
    }

    /// Syncs, then lists again (offline: the phone's copy, and the problem says why).
    public func refresh() async {
        var offline: UIText?
        do { _ = try await client.sync() } catch { offline = WorkText.error(error) }
        await load()
        if let offline { problem = offline }
    }

    /// A row's badge: 核验失败 / 回执被退回 / 未读 / 待同步 / 待回执 / 已回执 / 已读.
    public nonisolated static func badge(_ item: NoticeListItem) -> UIText {
        if item.tampered { return .key("notices.badge.tampered") }
        if item.refusal != nil { return .key("notices.badge.refused") }
        if item.unread { return .key("notices.badge.unread") }
        if item.repliedAt != nil && item.pendingSend { return .key("notices.badge.pending") }
        if item.receiptRequired { return item.repliedAt == nil ? .key("notices.badge.reply_wanted") : .key("notices.badge.replied") }
        return .key("notices.badge.read")
    }
}

/// One opened notice and its receipt form.
///
/// Shows: `title`, `publisher`, `time`, `body`, `attachments` (name, size), the receipt form when
/// the notice wants one (`receiptRequired`): `choices` with `choice` (the picked id), `note`
/// (shown unless `noteRule == .forbidden`; required when `.required`), `deadlineText`, `canReply`;
/// `receiptLine` (请回执 / 回执：参加（带材料），待同步 / 已过回执截止时间 / 回执未被接受) with
/// `receiptReason` for a refusal, `problem` (a reply the notice's rules refuse, in the core's words).
/// Opening it marks it read. Actions: `open()`, `send()` (the 回执: kept here, sent at once when
/// online), `readAttachment(_:)`.
@MainActor @Observable
public final class NoticeModel {
    /// A receipt choice.
    public struct Choice: Equatable, Sendable, Identifiable {
        public let id: String
        public let label: UIText
    }

    /// The note's rule.
    public enum NoteRule: Sendable, Equatable { case forbidden, optional, required }

    /// An attachment.
    public struct Attachment: Equatable, Sendable, Identifiable {
        public let id: String
        public let name: UIText
        public let size: UIText
        public let held: Bool
        let sha256: String
    }

    public let id: String
    private let client: QianpiClient
    private let clock: WorkClock

    public private(set) var loaded = false
    public private(set) var title: UIText = .plain("")
    public private(set) var publisher: UIText = .plain("")
    public private(set) var time: UIText = .plain("")
    public private(set) var body: UIText = .plain("")
    public private(set) var attachments: [Attachment] = []
    public private(set) var receiptRequired = false
    public private(set) var choices: [Choice] = []
    public var choice: String?
    public var note = ""
    public private(set) var noteRule: NoteRule = .optional
    public private(set) var deadlineText: UIText?
    public private(set) var canReply = false
    public private(set) var receiptLine: UIText?
    public private(set) var receiptReason: UIText?
    public private(set) var problem: UIText?
    public private(set) var sending = false

    public init(client: QianpiClient, id: String, clock: WorkClock = WorkClock()) {
        self.client = client
        self.id = id
        self.clock = clock
    }

    /// Opens the notice (checked against the gateway's signature; marks it read).
    public func open() async {
        do {
            apply(try await client.notice(id: id))
        } catch {
            problem = WorkText.error(error)
        }
    }

    /// Sends the 回执 with the picked choice and the note: kept on the phone at once (a reply the
    /// notice's rules refuse is not kept, and `problem` says why), then sent if the gateway is
    /// reachable.
    public func send() async {
        sending = true
        defer { sending = false }
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            apply(try await client.replyNotice(id: id, choice: choice, note: text.isEmpty ? nil : text))
            problem = nil
        } catch {
            problem = WorkText.error(error)
            return
        }
        guard (try? await client.sync()) != nil else { return }
        await open()
    }

    /// The bytes of attachment `id` (downloaded first when needed).
    public func readAttachment(_ id: String) async -> Data? {
        guard let attachment = attachments.first(where: { $0.id == id }) else { return nil }
        do {
            return try await client.fileBytes(sha256: attachment.sha256)
        } catch {
            problem = WorkText.error(error)
            return nil
        }
    }

    private func apply(_ d: NoticeDetail) {
        title = .plain(d.title)
        publisher = .plain(d.publisherPost.isEmpty ? d.publisherName : "\(d.publisherName) \(d.publisherPost)")
        time = clock.text(d.publishedAt)
        body = .plain(d.body)
        attachments = d.attachments.map {
            Attachment(id: $0.id, name: .plain($0.name), size: WorkText.size($0.size), held: $0.stored, sha256: $0.sha256)
        }
        receiptRequired = d.receiptRequired
        choices = d.choices.map { Choice(id: $0.id, label: .plain($0.label)) }
        switch d.noteRule {
        case .forbidden: noteRule = .forbidden
        case .optional: noteRule = .optional
        case .required: noteRule = .required
        }
        if let replied = d.replyChoice { choice = replied }
        if let replied = d.replyNote, note.isEmpty { note = replied }
        deadlineText = d.receiptDeadline.map { .key("notices.receipt.deadline", [clock.string($0)]) }
        canReply = d.canReply
        (receiptLine, receiptReason) = Self.receipt(d)
        loaded = true
    }

    /// The receipt line under an opened notice (none when it asks for no receipt), and a
    /// refusal's reason.
    public nonisolated static func receipt(_ d: NoticeDetail) -> (line: UIText?, reason: UIText?) {
        if let refusal = d.refusal {
            return (.key("notices.receipt.refused"), .both(zh: refusal.reasonZh, en: refusal.reasonEn))
        }
        guard d.receiptRequired else { return (nil, nil) }
        guard d.repliedAt != nil else {
            return (d.canReply ? .key("notices.receipt.wanted") : .key("notices.receipt.closed"), nil)
        }
        let pending = d.pendingSend ? "_pending" : ""
        let label = d.choices.first(where: { $0.id == d.replyChoice })?.label
        var args: [String] = label.map { [$0] } ?? []
        var key = label == nil ? "notices.receipt.acknowledged" : "notices.receipt.replied"
        if let note = d.replyNote, !note.isEmpty {
            key += "_note"
            args.append(note)
        }
        return (.key(key + pending, args), nil)
    }
}
