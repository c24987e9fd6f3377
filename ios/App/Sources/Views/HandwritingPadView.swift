// The handwriting pad (手写签批) over the acting model's `HandwritingPad`: a finger or a pencil
// writes strokes into the model (in the pad's own coordinates, whatever the screen's size), which
// `PadRenderer` later draws into the PNG the opinion carries. Undo takes back a stroke, clear
// empties the pad. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct HandwritingPadView: View {
    @Binding var pad: HandwritingPad
    @Environment(\.dismiss) private var dismiss
    @State private var drawing = false

    var body: some View {
        NavigationStack {
            GeometryReader { geometry in
                let scale = pad.width / max(1, geometry.size.width)
                Canvas { context, _ in
                    for stroke in pad.strokes where !stroke.isEmpty {
                        var path = Path()
                        let points = stroke.map { CGPoint(x: $0.x / scale, y: $0.y / scale) }
                        path.move(to: points[0])
                        if points.count == 1 {
                            path.addEllipse(in: CGRect(x: points[0].x - 1.5, y: points[0].y - 1.5, width: 3, height: 3))
                        }
                        for point in points.dropFirst() { path.addLine(to: point) }
                        context.stroke(path, with: .color(.black), style: StrokeStyle(lineWidth: 3 / scale, lineCap: .round, lineJoin: .round))
                    }
                }
                .background(Color.white)
                .contentShape(Rectangle())
                .gesture(
                    DragGesture(minimumDistance: 0)
                        .onChanged { value in
                            let point = PadPoint(x: value.location.x * scale, y: value.location.y * scale)
                            if drawing {
                                pad.extend(to: point)
                            } else {
                                drawing = true
                                pad.begin(at: point)
                            }
                        }
                        .onEnded { _ in drawing = false }
                )
            }
            .aspectRatio(pad.width / max(1, pad.height), contentMode: .fit)
            .border(Color.secondary)
            .padding()
            .interactiveDismissDisabled()
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button { dismiss() } label: { Line(.key("common.ok")) }
                }
                ToolbarItemGroup(placement: .bottomBar) {
                    Button { pad.undo() } label: { Line(.key("app.handwriting.undo")) }.disabled(pad.isEmpty)
                    Spacer()
                    Button(role: .destructive) { pad.clear() } label: { Line(.key("app.handwriting.clear")) }.disabled(pad.isEmpty)
                }
            }
        }
    }
}
