// How the account screens (activation, unlock, sync status, outbox, settings) turn a failed call
// into text: the core's errors carry their own Chinese and English sentences (what happened and
// what to do), so they travel as .both; anything else is a fixed "unexpected" line rather than a
// raw description that could carry data into the screen.
import Foundation
import Qianpi

enum AccountText {
    /// The text a screen shows for `error`.
    static func error(_ error: Error) -> UIText {
        if let error = error as? QianpiError {
            return .both(zh: error.messageZh(), en: error.messageEn())
        }
        return .key("account.error.unexpected")
    }

    /// `date` as the screens show a moment: `yyyy-MM-dd HH:mm` in the user's time zone.
    static func moment(_ date: Date, in timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}

extension TimeZone {
    /// Where the phone's users are unless the app says otherwise (the device's own zone).
    public static let beijing: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .current
}
