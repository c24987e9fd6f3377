// Reading the iOS app's files (ios/App) from the Linux tests, which cannot compile them: the
// folders, the plists, and a small Swift lexer that tells code, comments and string literals
// apart (interpolations and nested literals included), so that the checks on the app's sources
// look at code and literals only, never at what a comment says.
import Foundation

/// The app's folders, found from this file's place in the repository.
enum AppFiles {
    /// ios/
    static let ios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// ios/App/
    static let app = ios.appendingPathComponent("App")
    /// The repository's root.
    static let repository = ios.deletingLastPathComponent()

    /// The text of a file below the repository's root.
    static func text(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    /// A plist below the repository's root, as a dictionary.
    static func plist(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: repository.appendingPathComponent(path))
        guard let dictionary = try PropertyListSerialization.propertyList(from: data, options: [], format: nil) as? [String: Any] else {
            throw TestFailure("\(path) is not a dictionary")
        }
        return dictionary
    }

    /// Every Swift file of the app (ios/App/Sources, recursively), by path below ios/App.
    static func swiftSources() throws -> [(path: String, source: SwiftSource)] {
        let root = app.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw TestFailure("no \(root.path)")
        }
        var out: [(String, SwiftSource)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            out.append((String(url.path.dropFirst(app.path.count + 1)), try SwiftSource(text)))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The top-level declarations (struct, class, enum, extension) of `code`, each with its body.
    static func declarations(in code: String) -> [String] {
        guard let regex = try? NSRegularExpression(
            pattern: #"^(?:@\w+\s+)*(?:private |fileprivate |public )?(?:final )?(?:struct|class|enum|extension) "#,
            options: [.anchorsMatchLines])
        else { return [code] }
        let starts = regex.matches(in: code, range: NSRange(code.startIndex..., in: code)).compactMap { Range($0.range, in: code)?.lowerBound }
        return zip(starts, starts.dropFirst().map { Optional($0) } + [nil]).map { start, end in
            String(code[start..<(end ?? code.endIndex)])
        }
    }

    /// What follows each `name(` in `code` up to its matching parenthesis, one string per call,
    /// with everything nested deeper than the call's own parentheses left out.
    static func calls(of name: String, in code: String) -> [String] {
        var out: [String] = []
        var rest = Substring(code)
        while let found = rest.range(of: name + "(") {
            // A longer name ending in `name` (`XListsModel(` for `ListsModel(`) is another call.
            if let before = rest[..<found.lowerBound].last, before.isLetter || before.isNumber || before == "_" {
                rest = rest[found.upperBound...]
                continue
            }
            var depth = 1
            var inner = ""
            var index = found.upperBound
            while index < rest.endIndex, depth > 0 {
                let c = rest[index]
                if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 }
                // A closing bracket that brings the depth back to 1 belongs to a nested call.
                if depth == 1 && !")]}".contains(c) { inner.append(c) }
                index = rest.index(after: index)
            }
            out.append(inner)
            rest = rest[index...]
        }
        return out
    }

    /// The argument labels of a call or parameter list's top level (`_` for an unlabelled one),
    /// with whether each has a default value.
    static func labels(_ list: String) -> [(label: String, defaulted: Bool)] {
        list.split(separator: ",").compactMap { part in
            let text = part.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let colon = text.firstIndex(of: ":") else { return text.isEmpty ? nil : ("_", false) }
            let label = text[..<colon].split(separator: " ").first.map(String.init) ?? "_"
            return (label, text.contains("="))
        }
    }

    /// The first capture of `pattern` in `text`, or nil.
    static func capture(_ pattern: String, in text: String) -> String? {
        captures(pattern, in: text).first
    }

    /// The first capture group of every match of `pattern` in `text`.
    static func captures(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}

/// A Swift file split into its code and its string literals.
struct SwiftSource {
    /// The code without comments; literals kept.
    let code: String
    /// The code without comments, each literal replaced by `""`.
    let bare: String
    /// The contents of every string literal (escapes resolved to the escaped character).
    let literals: [String]

    private enum Mode: Equatable {
        /// Code; `depth` counts open parentheses inside an interpolation.
        case code(depth: Int)
        case string
        case multiline
    }

    init(_ text: String) throws {
        let chars = Array(text)
        var stack: [Mode] = [.code(depth: 0)]
        var buffers: [String] = []
        var code = ""
        var bare = ""
        var literals: [String] = []
        var i = 0
        func starts(_ s: String) -> Bool {
            let pattern = Array(s)
            return i + pattern.count <= chars.count && Array(chars[i..<i + pattern.count]) == pattern
        }
        func emit(_ s: String, literal: Bool = false) {
            code += s
            if !literal { bare += s }
        }
        while i < chars.count {
            let c = chars[i]
            switch stack[stack.count - 1] {
            case .code(let depth):
                if starts("//") {
                    while i < chars.count && chars[i] != "\n" { i += 1 }
                } else if starts("/*") {
                    var nesting = 0
                    repeat {
                        if starts("/*") { nesting += 1; i += 2 } else if starts("*/") { nesting -= 1; i += 2 } else { i += 1 }
                    } while nesting > 0 && i < chars.count
                } else if starts("\"\"\"") {
                    stack.append(.multiline); buffers.append(""); emit("\"\"\"", literal: true); bare += "\"\""; i += 3
                } else if c == "\"" {
                    stack.append(.string); buffers.append(""); emit("\"", literal: true); bare += "\"\""; i += 1
                } else if stack.count > 1 && c == "(" {
                    stack[stack.count - 1] = .code(depth: depth + 1); emit("("); i += 1
                } else if stack.count > 1 && c == ")" {
                    if depth == 0 { stack.removeLast() } else { stack[stack.count - 1] = .code(depth: depth - 1) }
                    emit(")"); i += 1
                } else {
                    emit(String(c)); i += 1
                }
            case .string, .multiline:
                let multiline = stack[stack.count - 1] == .multiline
                if c == "\\" && i + 1 < chars.count {
                    if chars[i + 1] == "(" {
                        stack.append(.code(depth: 0)); code += "\\("; bare += "("; i += 2
                    } else {
                        buffers[buffers.count - 1].append(chars[i + 1]); code += String(chars[i...i + 1]); i += 2
                    }
                } else if multiline ? starts("\"\"\"") : c == "\"" {
                    stack.removeLast()
                    literals.append(buffers.removeLast())
                    code += multiline ? "\"\"\"" : "\""
                    i += multiline ? 3 : 1
                } else if !multiline && c == "\n" {
                    throw TestFailure("a string literal runs past its line")
                } else {
                    buffers[buffers.count - 1].append(c); code.append(c); i += 1
                }
            }
        }
        guard stack == [.code(depth: 0)] else { throw TestFailure("unbalanced literal or interpolation") }
        self.code = code
        self.bare = bare
        self.literals = literals
    }
}
