// The platform seams of acting: the presence prompt that lets the approval key sign (Face ID /
// Touch ID / the passcode, a Secure Enclave key with .userPresence) and the handwriting pad's
// renderer (UIKit draws the strokes into a PNG). The models keep the state; the platform only
// asks the user and draws.
import Foundation

/// Shows the platform's presence prompt and signs with the approval key.
public protocol ApprovalPrompt: Sendable {
    /// Asks the user to confirm (`reason` says what is being signed) and, once confirmed, signs
    /// exactly `message` with the approval key (ECDSA P-256, SHA-256, DER). Throws when the user
    /// cancels or the key refuses: nothing is then queued.
    func sign(_ message: Data, reason: UIText) async throws -> Data
}

/// A point of the handwriting pad, in the pad's own coordinates.
public struct PadPoint: Equatable, Sendable {
    public let x: Double
    public let y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// What the user wrote on the handwriting pad (手写签批): strokes of points on a pad of a size.
public struct HandwritingPad: Equatable, Sendable {
    public var width: Double
    public var height: Double
    /// Each stroke is the points of one finger or pencil movement, in order.
    public private(set) var strokes: [[PadPoint]] = []

    public init(width: Double = 600, height: Double = 300) {
        self.width = width
        self.height = height
    }

    public var isEmpty: Bool { strokes.allSatisfy(\.isEmpty) }

    /// A finger touched the pad.
    public mutating func begin(at point: PadPoint) { strokes.append([point]) }

    /// The finger moved.
    public mutating func extend(to point: PadPoint) {
        if strokes.isEmpty { strokes.append([]) }
        strokes[strokes.count - 1].append(point)
    }

    /// Takes back the last stroke.
    public mutating func undo() { if !strokes.isEmpty { strokes.removeLast() } }

    public mutating func clear() { strokes.removeAll() }
}

/// Draws the pad's strokes into a PNG (UIGraphicsImageRenderer on iOS).
public protocol HandwritingRenderer: Sendable {
    func png(_ pad: HandwritingPad) async throws -> Data
}
