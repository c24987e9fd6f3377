// Screen text as the observable models hand it to the SwiftUI views: a string key with its
// arguments, never a literal. Keys live in Resources/<language>.lproj/*.strings (zh-Hans is the
// default, en the second language); the views and the Linux tests resolve them through the same
// StringTable, so a test that reads "待同步" off a screen also proves the string exists in both
// languages. Text the core already carries in both languages (an error's or a refusal's reason)
// travels as .both. Mirrors android/shell's text/UiText.kt.
import Foundation

/// One piece of text a screen draws.
public enum UIText: Hashable, Sendable {
    /// The string `key` of the tables, formatted with `args` (`%1$@`, `%2$@`…).
    case key(String, [String] = [])
    /// Text given in both languages by the core (errors, refusal reasons, server messages).
    case both(zh: String, en: String)
    /// Data shown as it is (a title, a name, a document number): never translated.
    case plain(String)
}

/// The strings of one language, read from the package's Resources/<language>.lproj/*.strings.
public struct StringTable: Sendable {
    /// The language: `zh-Hans` or `en`.
    public let language: String
    private let strings: [String: String]

    /// Why a table or a string could not be had.
    public enum Failure: Error, Equatable {
        /// No `.lproj` folder for the language.
        case noLanguage(String)
        /// A line of a `.strings` file that is not `"key" = "value";`.
        case badLine(file: String, line: Int)
        /// The key is defined twice.
        case duplicate(String)
        /// No string has this key.
        case missing(String)
        /// The pattern wants more arguments than were given.
        case tooFewArguments(String)
    }

    /// The keys this language has.
    public var keys: Set<String> { Set(strings.keys) }

    /// The table of `language` (`zh-Hans`, `en`) shipped with this package.
    public static func load(_ language: String) throws -> StringTable {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw Failure.noLanguage(language)
        }
        return try load(language, from: root)
    }

    /// The table of `language` from a Resources folder holding `<language>.lproj/*.strings`.
    public static func load(_ language: String, from root: URL) throws -> StringTable {
        let folder = root.appendingPathComponent("\(language).lproj")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let files = names.filter { $0.hasSuffix(".strings") }.sorted()
        if files.isEmpty { throw Failure.noLanguage(language) }
        var strings: [String: String] = [:]
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("//") || line.hasPrefix("/*") || line.hasPrefix("*") { continue }
                guard let (key, value) = parse(line) else { throw Failure.badLine(file: file, line: number + 1) }
                if strings.updateValue(value, forKey: key) != nil { throw Failure.duplicate(key) }
            }
        }
        return StringTable(language: language, strings: strings)
    }

    /// The text of `text` in this language; a missing key is an error, not a blank.
    public func resolve(_ text: UIText) throws -> String {
        switch text {
        case .plain(let value): return value
        case .both(let zh, let en): return language.hasPrefix("en") ? en : zh
        case .key(let key, let args):
            guard var out = strings[key] else { throw Failure.missing(key) }
            for (i, arg) in args.enumerated() {
                out = out.replacingOccurrences(of: "%\(i + 1)$@", with: arg)
            }
            if out.range(of: #"%\d+\$@"#, options: .regularExpression) != nil { throw Failure.tooFewArguments(key) }
            return out
        }
    }

    /// `"key" = "value";` with `\"`, `\\` and `\n` escapes.
    private static func parse(_ line: String) -> (String, String)? {
        var chars = Substring(line)
        func quoted() -> String? {
            guard chars.first == "\"" else { return nil }
            chars = chars.dropFirst()
            var out = ""
            while let c = chars.first {
                chars = chars.dropFirst()
                if c == "\"" { return out }
                if c == "\\", let next = chars.first {
                    chars = chars.dropFirst()
                    out.append(next == "n" ? "\n" : next)
                } else {
                    out.append(c)
                }
            }
            return nil
        }
        guard let key = quoted() else { return nil }
        chars = chars.drop(while: { $0 == " " })
        guard chars.first == "=" else { return nil }
        chars = chars.dropFirst().drop(while: { $0 == " " })
        guard let value = quoted() else { return nil }
        guard chars.trimmingCharacters(in: .whitespaces) == ";" else { return nil }
        return (key, value)
    }
}
