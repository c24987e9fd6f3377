// Bodies from Swift against a real gateway: the demo leader opens his document's detail, sees which
// file a viewer should open and that he has not read it, downloads it with progress, reads it
// through the core's stream (no plaintext file anywhere) and checks its SHA-256 himself; a prefetch
// on mobile data fetches nothing, on Wi-Fi it fetches the attachment he lacks.
import Foundation
import Qianpi
import XCTest

/// Collects what a listener is told; the core calls it from its own threads.
final class Recorder<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

final class DownloadRecorder: DownloadListener, @unchecked Sendable {
    let seen = Recorder<(UInt64, UInt64)>()
    func onProgress(received: UInt64, total: UInt64) { seen.add((received, total)) }
}

final class PrefetchRecorder: PrefetchListener, @unchecked Sendable {
    let seen = Recorder<PrefetchProgress>()
    func onProgress(progress: PrefetchProgress) { seen.add(progress) }
}

final class BodyTests: GatewayTestCase {

    func testTheLeaderDownloadsHisBodyWithProgressAndReadsItThroughTheStream() async throws {
        let client = try QianpiClient(
            dataDir: path("phone"), keyStore: try SwiftKeyStore(dir: path("vault")),
            signer: try SwiftSigner(dir: path("vault")))
        _ = try await client.activate(
            serverUrl: gateway.url, login: "wangjianguo", code: try gateway.issueCode(login: "wangjianguo"),
            deviceName: "iPhone (Linux test)", platform: "ios")
        _ = try await client.sync()
        let task = try await client.inbox()[0].taskId
        let detail = try await client.documentDetail(id: task)
        let body = try XCTUnwrap(detail.bodies.first { $0.current })
        XCTAssertEqual(body.viewMediaType, "application/pdf")
        XCTAssertFalse(body.held)
        XCTAssertFalse(detail.reading.opened)
        XCTAssertEqual(detail.reading.versionId, body.id)
        XCTAssertEqual(detail.myTask?.unopenedBody, .clear, "the demo unit allows it")

        let downloads = DownloadRecorder()
        let size = try await client.downloadWithProgress(sha256: body.viewSha256, listener: downloads)
        XCTAssertEqual(size, body.size)
        let seen = downloads.seen.all
        XCTAssertEqual(seen.last?.0, size)
        XCTAssertEqual(seen.last?.1, size)
        XCTAssertTrue(zip(seen, seen.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "progress never goes back")

        let stream = try await client.openFile(sha256: body.viewSha256)
        XCTAssertEqual(stream.size(), size)
        var bytes = Data()
        while true {
            let piece = try await stream.read(maxBytes: 1000)
            if piece.isEmpty { break }
            XCTAssertLessThanOrEqual(piece.count, 1000)
            bytes.append(piece)
        }
        XCTAssertEqual(sha256Hex(bytes), body.viewSha256)
        XCTAssertEqual(String(decoding: bytes.prefix(5), as: UTF8.self), "%PDF-")
        let read = try await client.readFile(sha256: body.viewSha256)
        XCTAssertEqual(read, bytes)

        let reread = try await client.documentDetail(id: task)
        XCTAssertTrue(try XCTUnwrap(reread.bodies.first { $0.current }).held)
        XCTAssertTrue(reread.reading.opened, "reading through the stream counts as opening the body")

        let metered = try await client.prefetchPending(network: .metered, budgetBytes: nil, listener: nil)
        XCTAssertTrue(metered.metered)
        XCTAssertEqual(metered.downloaded, 0)
        XCTAssertFalse(try XCTUnwrap(reread.attachments.first).held)

        let prefetch = PrefetchRecorder()
        let wifi = try await client.prefetchPending(network: .unmetered, budgetBytes: nil, listener: prefetch)
        XCTAssertFalse(wifi.metered)
        XCTAssertEqual(wifi.downloaded, 1, "the attachment")
        XCTAssertEqual(wifi.alreadyHeld, 1, "the body")
        let after = try await client.documentDetail(id: task)
        let attachment = try XCTUnwrap(after.attachments.first)
        XCTAssertTrue(attachment.held)
        XCTAssertEqual(prefetch.seen.all.last?.bytesDone, attachment.size)
        let attached = try await client.readFile(sha256: attachment.sha256)
        XCTAssertEqual(sha256Hex(attached), attachment.sha256)
    }
}

/// SHA-256 (FIPS 180-4) as lowercase hex. Linux has no CryptoKit, and the check must not be the
/// core's own.
func sha256Hex(_ data: Data) -> String {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var message = [UInt8](data)
    let bitLength = UInt64(message.count) * 8
    message.append(0x80)
    while message.count % 64 != 56 { message.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8((bitLength >> UInt64(shift)) & 0xff)) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    for block in stride(from: 0, to: message.count, by: 64) {
        for i in 0..<16 {
            let b = block + i * 4
            w[i] = UInt32(message[b]) << 24 | UInt32(message[b + 1]) << 16 | UInt32(message[b + 2]) << 8 | UInt32(message[b + 3])
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h = zip(h, [a, b, c, d, e, f, g, hh]).map { $0 &+ $1 }
    }
    return h.map { String(format: "%08x", $0) }.joined()
}

final class Sha256Tests: XCTestCase {
    func testTheHelperMatchesTheStandardVectors() {
        XCTAssertEqual(sha256Hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256Hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            sha256Hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
