// What the work screens (lists, a document, acting, notices, the people picker) share: times in
// the user's time zone (Asia/Shanghai unless the app injects another), the 加急/特急 mark, file
// sizes, and an error as the text the user reads (the core's own sentence in both languages).
// Values only: every model turns the core's records into these on the main actor.
import Foundation
import Qianpi

/// How the work screens print times: in `timeZone` (the unit's, Asia/Shanghai by default), as
/// 2026-03-02 09:00; `now` decides what is overdue and is injectable for tests.
public struct WorkClock: Sendable {
    public let timeZone: TimeZone
    public let now: @Sendable () -> Date

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.timeZone = timeZone
        self.now = now
    }

    /// `date` as 2026-03-02 09:00 in this clock's time zone.
    public func text(_ date: Date) -> UIText { .plain(string(date)) }

    /// `date` as 2026-03-02 09:00 in this clock's time zone, for a text's argument.
    public func string(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let two = { (n: Int?) in String(format: "%02d", n ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }

    /// A calendar date (成文日期) as 2026-03-02.
    public func text(_ date: CalendarDate) -> UIText {
        .plain(String(format: "%04d-%02d-%02d", Int(date.year), Int(date.month), Int(date.day)))
    }
}

/// 紧急程度 as a list row or a document head marks it: nothing for 平件.
public enum UrgencyMark: Sendable, Equatable {
    case none
    /// 加急.
    case urgent
    /// 特急.
    case extraUrgent

    init(_ urgency: Urgency) {
        switch urgency {
        case .normal: self = .none
        case .urgent: self = .urgent
        case .extraUrgent: self = .extraUrgent
        }
    }

    /// The mark's word, none for 平件.
    public var text: UIText? {
        switch self {
        case .none: return nil
        case .urgent: return .key("work.urgent")
        case .extraUrgent: return .key("work.extra_urgent")
        }
    }
}

extension QianpiClient {
    /// The bytes of the file `sha256` (an attachment), downloaded first when the phone lacks them;
    /// held in memory only.
    func fileBytes(sha256: String) async throws -> Data {
        _ = try await download(sha256: sha256)
        return try await readFile(sha256: sha256)
    }
}

/// Shared wording of the work screens.
enum WorkText {
    /// What the user reads for a failure: the core's sentence in both languages, or a general one.
    static func error(_ error: Error) -> UIText {
        if let error = error as? QianpiError {
            return .both(zh: error.messageZh(), en: error.messageEn())
        }
        return .key("work.error.unexpected")
    }

    /// Whether `error` says the gateway is out of reach (the action waits in the outbox).
    static func isOffline(_ error: Error) -> Bool {
        if case QianpiError.Unreachable? = error as? QianpiError { return true }
        return false
    }

    /// A file size as 12.3 KB / 1.2 MB / 800 B.
    static func size(_ bytes: UInt64) -> UIText {
        if bytes < 1024 { return .key("work.size.bytes", [String(bytes)]) }
        if bytes < 1024 * 1024 { return .key("work.size.kb", [String(format: "%.1f", Double(bytes) / 1024)]) }
        return .key("work.size.mb", [String(format: "%.1f", Double(bytes) / 1_048_576)])
    }
}
