// The handwriting pad's strokes drawn into a PNG in memory (QianpiShell's `HandwritingRenderer`):
// black round-capped lines on white at the pad's size, twice the points for sharpness. The PNG
// goes into the opinion as its handwriting image; no file is written. Apple-only (UIKit).
import QianpiShell
import UIKit

struct PadRenderer: HandwritingRenderer {
    func png(_ pad: HandwritingPad) async throws -> Data {
        await Self.draw(pad)
    }

    @MainActor
    private static func draw(_ pad: HandwritingPad) -> Data {
        let size = CGSize(width: pad.width, height: pad.height)
        let format = UIGraphicsImageRendererFormat()
        format.scale = 2
        format.opaque = true
        return UIGraphicsImageRenderer(size: size, format: format).pngData { context in
            UIColor.white.setFill()
            context.fill(CGRect(origin: .zero, size: size))
            let path = UIBezierPath()
            path.lineWidth = 3
            path.lineCapStyle = .round
            path.lineJoinStyle = .round
            for stroke in pad.strokes {
                guard let first = stroke.first else { continue }
                path.move(to: CGPoint(x: first.x, y: first.y))
                if stroke.count == 1 {
                    // A dot: a zero-length line with round caps.
                    path.addLine(to: CGPoint(x: first.x + 0.1, y: first.y))
                }
                for point in stroke.dropFirst() { path.addLine(to: CGPoint(x: point.x, y: point.y)) }
            }
            UIColor.black.setStroke()
            path.stroke()
        }
    }
}
