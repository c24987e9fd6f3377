// What the iOS app's files (ios/App: SwiftUI views, Secure Enclave keys, App Attest, background
// refresh, Info.plist, entitlements, the XcodeGen project) promise each other, checked here on
// Linux where the app cannot be compiled: the refresh task the code registers is the one
// Info.plist permits, every usage description exists in both languages, every text key a view
// uses exists in both string tables, no app source holds Chinese text or swallows an error with
// `try?`, the views use only what their models declare, the approval key's alias is the core's,
// documents are drawn from memory under the watermark, the app hides its screens and locks when
// left, and the XCFramework recipe stops with a clear message on a machine without Xcode.
import Foundation
import QianpiShell
import XCTest

final class AppFilesTests: XCTestCase {

    func testTheRefreshTaskTheCodeRegistersIsTheOneInfoPlistPermits() throws {
        let code = try SwiftSource(AppFiles.text("ios/App/Sources/Platform/BackgroundRefresh.swift")).code
        let identifier = try XCTUnwrap(AppFiles.capture(#"static let identifier = "([^"]+)""#, in: code))
        XCTAssertTrue(code.contains("register(forTaskWithIdentifier: identifier"), "the handler is registered under the identifier")
        XCTAssertTrue(code.contains("BGAppRefreshTaskRequest(identifier: identifier)"), "the request asks for the identifier")
        XCTAssertTrue(code.contains("expirationHandler"), "the expiration handler ends the work")
        let plist = try AppFiles.plist("ios/App/Info.plist")
        XCTAssertEqual(plist["BGTaskSchedulerPermittedIdentifiers"] as? [String], [identifier])
        XCTAssertTrue((plist["UIBackgroundModes"] as? [String] ?? []).contains("fetch"), "app refresh needs the fetch mode")
        // The app registers it before launch ends.
        let app = try SwiftSource(AppFiles.text("ios/App/Sources/QianpiApp.swift")).code
        XCTAssertTrue(app.contains("didFinishLaunchingWithOptions") && app.contains("BackgroundRefresh.register"))
    }

    func testEveryUsageDescriptionExistsInBothLanguagesForWhatTheCodeUses() throws {
        let plist = try AppFiles.plist("ios/App/Info.plist")
        XCTAssertEqual(plist["CFBundleDevelopmentRegion"] as? String, "zh-Hans")
        XCTAssertEqual(Set(plist["CFBundleLocalizations"] as? [String] ?? []), ["zh-Hans", "en"])
        let code = try AppFiles.swiftSources().map(\.source.code).joined(separator: "\n")
        // Each framework that shows a system prompt, with the description the prompt shows.
        let uses = ["NSFaceIDUsageDescription": "LAContext", "NSCameraUsageDescription": "AVCaptureDevice"]
        let resources = AppFiles.app.appendingPathComponent("Resources")
        for language in ["zh-Hans", "en"] {
            let table = try StringTable.load(language, from: resources)
            for (key, framework) in uses {
                XCTAssertTrue(code.contains(framework), "\(framework) is used, so \(key) is needed")
                XCTAssertFalse((plist[key] as? String ?? "").isEmpty, "\(key) in Info.plist")
                XCTAssertFalse(try table.resolve(.key(key)).isEmpty, "\(key) in \(language) InfoPlist.strings")
            }
        }
        let descriptions = plist.keys.filter { $0.hasSuffix("UsageDescription") }
        XCTAssertEqual(Set(descriptions), Set(uses.keys), "no usage description without a use")
    }

    func testTheProjectBuildsInSwift6WithTheEntitlementsInfoPlistAndTheXCFrameworkTheRecipeMakes() throws {
        let project = try AppFiles.text("ios/App/project.yml")
        func setting(_ name: String) -> String? { AppFiles.capture("\(name): \"?([^\"\\n]+)\"?", in: project) }
        XCTAssertEqual(setting("SWIFT_VERSION"), "6.0")
        XCTAssertEqual(setting("SWIFT_STRICT_CONCURRENCY"), "complete")
        let entitlementsPath = try XCTUnwrap(setting("CODE_SIGN_ENTITLEMENTS"))
        let infoPath = try XCTUnwrap(setting("INFOPLIST_FILE"))
        let entitlements = try AppFiles.plist("ios/App/" + entitlementsPath)
        let environment = entitlements["com.apple.developer.devicecheck.appattest-environment"] as? String
        XCTAssertTrue(["production", "development"].contains(environment ?? ""), "the App Attest entitlement")
        XCTAssertNotNil(try AppFiles.plist("ios/App/" + infoPath)["CFBundleIdentifier"])
        // The project links the XCFramework where the recipe puts it.
        let linked = try XCTUnwrap(AppFiles.capture(#"framework: (\S+\.xcframework)"#, in: project))
        let recipe = try AppFiles.text("scripts/xcframework.sh")
        let out = try XCTUnwrap(AppFiles.capture(#"\nout=(\S+)"#, in: recipe))
        XCTAssertEqual(AppFiles.app.appendingPathComponent(linked).standardized.path,
                       AppFiles.repository.appendingPathComponent(out + "/QianpiFFI.xcframework").standardized.path)
        for target in ["aarch64-apple-ios", "aarch64-apple-ios-sim", "x86_64-apple-ios"] {
            XCTAssertTrue(recipe.contains(target), "the recipe builds \(target)")
        }
        XCTAssertTrue(recipe.contains("xcodebuild -create-xcframework"))
    }

    func testEveryTextKeyTheAppUsesExistsInBothLanguages() throws {
        let zh = try StringTable.load("zh-Hans")
        let en = try StringTable.load("en")
        var used = 0
        for (path, source) in try AppFiles.swiftSources() {
            for key in AppFiles.captures(#"\.key\("([^"]+)"\)"#, in: source.code) {
                used += 1
                // Used without arguments: it must resolve as it is.
                XCTAssertNoThrow(try zh.resolve(.key(key)), "\(path): \(key) in Chinese")
                XCTAssertNoThrow(try en.resolve(.key(key)), "\(path): \(key) in English")
            }
            for key in AppFiles.captures(#"\.key\("([^"]+)", \["#, in: source.code) {
                used += 1
                XCTAssertTrue(zh.keys.contains(key), "\(path): \(key) in Chinese")
                XCTAssertTrue(en.keys.contains(key), "\(path): \(key) in English")
            }
        }
        XCTAssertGreaterThan(used, 20, "the views' keys were found")
    }

    func testNoAppSourceHoldsChineseText() throws {
        var literals = 0
        for (path, source) in try AppFiles.swiftSources() {
            literals += source.literals.count
            for literal in source.literals where literal.unicodeScalars.contains(where: Self.isChinese) {
                XCTFail("\(path) holds the literal \"\(literal)\": put it in a string table")
            }
        }
        XCTAssertGreaterThan(literals, 50, "the sources' literals were read")
    }

    func testNoAppSourceSwallowsAnErrorWithTryQuestionMarkOrTrapsWithTryBang() throws {
        for (path, source) in try AppFiles.swiftSources() {
            XCTAssertFalse(source.bare.contains("try?"), "\(path) swallows an error with try?")
            XCTAssertFalse(source.bare.contains("try!"), "\(path) traps on an error with try!")
            XCTAssertFalse(source.bare.contains("fatalError("), "\(path) traps with fatalError")
        }
    }

    func testTheApprovalKeyIsTheCoresAndIsCreatedBehindPresenceInTheSecureEnclaveWhenThereIsOne() throws {
        let core = try AppFiles.text("core/src/keys.rs")
        let coreAlias = try XCTUnwrap(AppFiles.capture(#"APPROVAL_KEY_ALIAS: &str = "([^"]+)""#, in: core))
        let keys = try SwiftSource(AppFiles.text("ios/App/Sources/Platform/SecureEnclaveKeys.swift")).code
        XCTAssertEqual(AppFiles.capture(#"let approvalKeyAlias = "([^"]+)""#, in: keys), coreAlias)
        XCTAssertTrue(keys.contains("presence: alias == approvalKeyAlias"), "only the approval key asks for presence")
        let keychain = try SwiftSource(AppFiles.text("ios/App/Sources/Platform/Keychain.swift")).code
        for needed in ["kSecAttrTokenIDSecureEnclave", ".privateKeyUsage", ".userPresence",
                       "kSecAttrAccessibleWhenUnlockedThisDeviceOnly", "kSecUseAuthenticationContext",
                       "interactionNotAllowed = true"] {
            XCTAssertTrue(keychain.contains(needed), "Keychain.swift uses \(needed)")
        }
    }

    func testDocumentsAreDrawnFromMemoryUnderTheWatermarkAndTheAppHidesAndLocksWhenLeft() throws {
        let sources = try AppFiles.swiftSources()
        let all = sources.map(\.source.code).joined(separator: "\n")
        // Bodies and attachments: PDFKit from the bytes in memory, never from a file.
        XCTAssertTrue(all.contains("PDFDocument(data:"))
        for (path, source) in sources {
            for writes in ["PDFDocument(url:", ".write(to:", "createFile(", "temporaryDirectory"] {
                XCTAssertFalse(source.code.contains(writes), "\(path) uses \(writes)")
            }
        }
        // The watermark lies over every screen that shows a document's or notice's content.
        for view in ["DocumentView", "NoticesView", "PDFBodyView"] {
            let code = try XCTUnwrap(sources.first { $0.path == "Sources/Views/\(view).swift" }?.source.code, view)
            XCTAssertTrue(code.contains(".watermarked()"), "\(view) is watermarked")
        }
        // The cover while not active (the app switcher's snapshot), the lock on leaving.
        let app = try SwiftSource(AppFiles.text("ios/App/Sources/QianpiApp.swift")).code
        XCTAssertTrue(app.contains("if scenePhase != .active") && app.contains("CoverView()"))
        XCTAssertTrue(app.contains("phase == .background") && app.contains("services.enteredBackground()"))
        let session = try SwiftSource(AppFiles.text("ios/App/Sources/AppSession.swift")).code
        XCTAssertTrue(session.contains("lock.enteredBackground()"))
        // The store's folder has its data protection class and stays out of backups.
        let folder = try SwiftSource(AppFiles.text("ios/App/Sources/Platform/StoreFolder.swift")).code
        XCTAssertTrue(folder.contains("FileProtectionType.completeUnlessOpen") && folder.contains("isExcludedFromBackup = true"))
    }

    func testTheViewsUseOnlyWhatTheirModelsDeclare() throws {
        let shell = AppFiles.ios.appendingPathComponent("Sources/QianpiShell")
        guard let walker = FileManager.default.enumerator(at: shell, includingPropertiesForKeys: nil) else {
            throw TestFailure("no \(shell.path)")
        }
        var declarations: [String: String] = [:]
        for case let url as URL in walker where url.pathExtension == "swift" {
            let code = try SwiftSource(String(contentsOf: url, encoding: .utf8)).code
            for type in AppFiles.captures(#"final class (\w+)"#, in: code) { declarations[type] = code }
        }
        var checked = 0
        for (path, source) in try AppFiles.swiftSources() where path.hasPrefix("Sources/Views/") {
            // Each view struct of the file on its own: two views may draw two kinds of model.
            for view in AppFiles.declarations(in: source.code) {
                guard let type = AppFiles.capture(#"(?:let|var) model: (\w+)"#, in: view) else { continue }
                let model = try XCTUnwrap(declarations[type], "\(path) draws \(type), which QianpiShell does not declare")
                for member in Set(AppFiles.captures(#"\bmodel\.(\w+)"#, in: view)) {
                    checked += 1
                    XCTAssertNotNil(AppFiles.capture("(?:var|let|func|case) (\(member))\\b", in: model),
                                    "\(path) uses \(type).\(member), which it does not declare")
                }
            }
        }
        XCTAssertGreaterThan(checked, 40, "the views' uses of their models were found")
    }

    func testTheAppMakesEachModelWithTheArgumentsItsInitializerTakes() throws {
        var initializers: [String: [(label: String, defaulted: Bool)]] = [:]
        let shell = AppFiles.ios.appendingPathComponent("Sources/QianpiShell")
        guard let walker = FileManager.default.enumerator(at: shell, includingPropertiesForKeys: nil) else {
            throw TestFailure("no \(shell.path)")
        }
        for case let url as URL in walker where url.pathExtension == "swift" {
            let code = try SwiftSource(String(contentsOf: url, encoding: .utf8)).bare
            for declaration in AppFiles.declarations(in: code) {
                guard let type = AppFiles.capture(#"final class (\w+Model)\b"#, in: declaration),
                      let parameters = AppFiles.calls(of: "public init", in: declaration).first
                else { continue }
                initializers[type] = AppFiles.labels(parameters)
            }
        }
        XCTAssertGreaterThan(initializers.count, 10, "the models' initializers were found")
        var made = 0
        for (path, source) in try AppFiles.swiftSources() {
            for (type, parameters) in initializers {
                for call in AppFiles.calls(of: type, in: source.bare) {
                    made += 1
                    let given = AppFiles.labels(call).map(\.label)
                    let taken = parameters.map(\.label)
                    XCTAssertEqual(given.filter { !taken.contains($0) }, [], "\(path) makes \(type) with labels it does not take")
                    let required = parameters.filter { !$0.defaulted }.map(\.label)
                    XCTAssertEqual(required.filter { !given.contains($0) }, [], "\(path) makes \(type) without what it requires")
                    // In the initializer's order.
                    XCTAssertEqual(given, taken.filter { given.contains($0) }, "\(path) makes \(type) with its labels out of order")
                }
            }
        }
        XCTAssertGreaterThan(made, 10, "the app's models were found being made")
    }

    #if os(Linux)
    func testTheXCFrameworkRecipeStopsWithAClearMessageWithoutXcode() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [AppFiles.repository.appendingPathComponent("scripts/xcframework.sh").path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(said.contains("needs macOS with Xcode"), said)
        XCTAssertTrue(said.contains("Linux"), said)
    }
    #endif

    /// CJK ideographs and the Chinese punctuation a sentence would carry.
    private static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3000...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFFEF: return true
        default: return false
        }
    }
}
