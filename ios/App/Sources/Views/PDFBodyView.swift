// A PDF body or attachment drawn by PDFKit straight from the bytes in memory
// (`PDFDocument(data:)`): no plaintext file is ever written. The watermark lies over it.
// Apple-only (PDFKit, SwiftUI).
import PDFKit
import QianpiShell
import SwiftUI

struct PDFBodyView: View {
    let data: Data

    var body: some View {
        Group {
            if let document = PDFDocument(data: data) {
                PDFKitView(document: document)
            } else {
                ContentUnavailableView { Line(.key("app.document.unreadable")) }
            }
        }
        .watermarked()
    }
}

private struct PDFKitView: UIViewRepresentable {
    let document: PDFDocument

    func makeUIView(context: Context) -> PDFView {
        let view = PDFView()
        view.autoScales = true
        view.displayMode = .singlePageContinuous
        view.displayDirection = .vertical
        view.document = document
        return view
    }

    func updateUIView(_ view: PDFView, context: Context) {
        if view.document !== document { view.document = document }
    }
}
