// Every screen text exists in both languages, and the resolver fails loudly on a missing key.
import QianpiShell
import XCTest

final class StringsTests: XCTestCase {
    func testChineseAndEnglishHaveTheSameKeys() throws {
        let zh = try StringTable.load("zh-Hans")
        let en = try StringTable.load("en")
        XCTAssertEqual(zh.keys.subtracting(en.keys), [], "keys only in Chinese")
        XCTAssertEqual(en.keys.subtracting(zh.keys), [], "keys only in English")
    }

    func testATextResolvesInEachLanguageAndAMissingKeyIsAnError() throws {
        XCTAssertEqual(try StringTable.load("zh-Hans").resolve(.key("app.name")), "签批")
        XCTAssertEqual(try StringTable.load("en").resolve(.key("app.name")), "Qianpi")
        XCTAssertEqual(try StringTable.load("en").resolve(.both(zh: "已送达", en: "Delivered")), "Delivered")
        XCTAssertThrowsError(try StringTable.load("zh-Hans").resolve(.key("no.such.text")))
    }
}
