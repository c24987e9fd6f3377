// 意见 from Swift through the generated bindings against a real gateway: an administrator sets
// the unit's 常用意见 (admin API over HTTP); the leader's phone fetches them, adds one of his own,
// writes his opinion from a phrase, signs a handwriting image on the pad and approves behind Face
// ID; after the sync the handler's phone shows the phrase and the handwriting (hash, media type,
// size) in the document's opinions and downloads the very same image. Mirrors OpinionTest.kt.
import Foundation
import Qianpi
import XCTest

final class OpinionTests: GatewayTestCase {
    private let defaults = ["同意。", "请晓梅同志阅处。", "已阅。", "拟同意，请领导审定。", "请办公室研提意见。"]

    /// Sets the unit's default phrases under the operator's token; fails unless it answers 200.
    private func setUnitPhrases(token: String) throws {
        try adminPut(token: token, path: "/units/unit-sxnyt/phrases",
                     json: try JSONSerialization.data(withJSONObject: ["phrases": defaults]))
    }

    /// A small image as a signature pad would hand it over.
    private func handwriting() -> Data {
        var image = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        image.append(contentsOf: (0..<4096).map { UInt8($0 * 7 % 251) })
        return image
    }

    func testTheLeaderApprovesWithAPhraseAndHisHandwritingAndTheHandlerSeesBoth() async throws {
        let issued = try gateway.admin(["issue-admin-token", "--operator"]).out
        let token = issued.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        try setUnitPhrases(token: token)
        let faceID = try PresenceSigner(dir: path("leader-vault"))
        let leader = try QianpiClient(dataDir: path("leader"), keyStore: try SwiftKeyStore(dir: path("leader-vault")), signer: faceID)
        let handler = try QianpiClient(
            dataDir: path("handler"), keyStore: try SwiftKeyStore(dir: path("handler-vault")), signer: try SwiftSigner(dir: path("handler-vault")))
        for (client, login) in [(leader, "wangjianguo"), (handler, "zhaowen")] {
            _ = try await client.activate(
                serverUrl: gateway.url, login: login, code: try gateway.issueCode(login: login),
                deviceName: "iPhone (Linux test)", platform: "ios")
        }
        _ = try await leader.sync()

        // 常用意见: the unit's, then one of his own, kept offline and sent with the sync.
        let fetched = try await leader.syncPhrases()
        XCTAssertEqual(fetched.unit, defaults)
        let edited = try await leader.addPhrase(text: "同意。请办公室抓紧落实。")
        XCTAssertTrue(edited.editPending)
        _ = try await leader.sync()
        let phrases = try await leader.phrases()
        XCTAssertFalse(phrases.editPending)
        XCTAssertEqual(phrases.own, ["同意。请办公室抓紧落实。"])
        XCTAssertEqual(phrases.all.first, "同意。请办公室抓紧落实。")

        // The opinion from the phrase, the handwriting from the pad, behind Face ID.
        let task = try await leader.list(kind: .todo, limit: 20, offset: 0)[0].id
        let image = handwriting()
        let prepared = try await leader.prepareActionWithMedia(
            taskId: task,
            action: .approve(attitude: .agree, opinion: phrases.all[0], route: nil),
            handwriting: OpinionMedia(bytes: image, mediaType: "image/png", durationMs: nil),
            voice: nil,
            actingFor: nil)
        faceID.authenticate()
        let signature = try faceID.sign(alias: approvalKey, message: prepared.toBeSigned())
        _ = try await leader.completeAction(prepared: prepared, signature: signature)
        let synced = try await leader.sync()
        XCTAssertEqual(synced.accepted, 1)

        // The handler's phone: the opinion with its handwriting, and the same bytes.
        _ = try await handler.sync()
        let handling = try await handler.list(kind: .todo, limit: 20, offset: 0)[0].id
        let detail = try await handler.documentDetail(id: handling)
        let opinion = try XCTUnwrap(detail.opinionColumns.flatMap(\.opinions).first { $0.author.userId == "user-wang" })
        XCTAssertEqual(opinion.text, "同意。请办公室抓紧落实。")
        let file = try XCTUnwrap(opinion.handwriting, "no handwriting on \(opinion)")
        XCTAssertEqual(file.mediaType, "image/png")
        XCTAssertEqual(file.size, UInt64(image.count))
        XCTAssertEqual(file.sha256.count, 64)
        let downloaded = try await handler.download(sha256: file.sha256)
        XCTAssertEqual(downloaded, UInt64(image.count))
        let drawn = try await handler.readFile(sha256: file.sha256)
        XCTAssertEqual(drawn, image)
    }
}
