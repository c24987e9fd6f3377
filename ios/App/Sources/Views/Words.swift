// The one place views turn a model's `UIText` into a string: QianpiShell's `StringTable` of the
// user's language (zh-Hans, or en when the phone prefers English), handed down the view tree in
// the environment. Views hold no literal text: every word is a `UIText` from a model or a key of
// the app's own table (App.strings). A key missing from the tables shows as the key in brackets
// (the package's StringsTests and AppFilesTests keep that from shipping), never as a blank.
import QianpiShell
import SwiftUI

/// Resolves texts in one language.
struct Words: Sendable {
    let table: StringTable?

    func callAsFunction(_ text: UIText) -> String {
        guard let table else { return Self.fallback(text) }
        do {
            return try table.resolve(text)
        } catch {
            return Self.fallback(text)
        }
    }

    /// A key shown as itself, data as it is.
    private static func fallback(_ text: UIText) -> String {
        switch text {
        case .key(let key, _): return "[\(key)]"
        case .both(let zh, _): return zh
        case .plain(let value): return value
        }
    }

    /// The language the phone prefers among the two the app has.
    static var preferredLanguage: String {
        Locale.preferredLanguages.first.map { $0.hasPrefix("en") ? "en" : "zh-Hans" } ?? "zh-Hans"
    }
}

private struct WordsKey: EnvironmentKey {
    static let defaultValue = Words(table: nil)
}

extension EnvironmentValues {
    var words: Words {
        get { self[WordsKey.self] }
        set { self[WordsKey.self] = newValue }
    }
}

/// A line of text from a model.
struct Line: View {
    @Environment(\.words) private var words
    let text: UIText

    init(_ text: UIText) { self.text = text }

    var body: some View { Text(words(text)) }
}

/// An error line in the error colour, with the core's sentence; nothing when there is none.
struct ErrorLine: View {
    let text: UIText?

    init(_ text: UIText?) { self.text = text }

    var body: some View {
        if let text {
            Line(text).font(.callout).foregroundStyle(.red)
        }
    }
}
