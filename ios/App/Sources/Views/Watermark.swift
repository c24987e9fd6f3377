// The visible watermark over every document screen and body: the user's name and the time (in
// the unit's time zone, to the minute), tiled across the page at an angle, so a photo of the
// screen says who looked at it and when. It never takes a touch. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

private struct WatermarkNameKey: EnvironmentKey {
    static let defaultValue = ""
}

extension EnvironmentValues {
    /// The user's name for the watermark (the account's name, once unlocked).
    var watermarkName: String {
        get { self[WatermarkNameKey.self] }
        set { self[WatermarkNameKey.self] = newValue }
    }
}

struct Watermark: View {
    @Environment(\.watermarkName) private var name
    private let clock = WorkClock()

    var body: some View {
        TimelineView(.everyMinute) { timeline in
            let mark = "\(name) \(clock.string(timeline.date))"
            GeometryReader { geometry in
                let rows = Int(geometry.size.height / 120) + 2
                VStack(spacing: 90) {
                    ForEach(0..<rows, id: \.self) { row in
                        HStack(spacing: 48) {
                            ForEach(0..<3, id: \.self) { _ in Text(verbatim: mark).fixedSize() }
                        }
                        .offset(x: row.isMultiple(of: 2) ? 0 : -80)
                    }
                }
                .font(.system(size: 15, weight: .medium))
                .rotationEffect(.degrees(-30))
                .frame(width: geometry.size.width, height: geometry.size.height)
                .clipped()
            }
        }
        .foregroundStyle(Color.gray.opacity(0.22))
        .allowsHitTesting(false)
        .accessibilityHidden(true)
    }
}

extension View {
    /// Draws the watermark over this view.
    func watermarked() -> some View {
        overlay { Watermark() }
    }
}
