// Scanning the activation QR code with the camera (AVFoundation), kept thin: the first QR code's
// text goes to the activation model, which parses and checks it (`parseActivationInvite`). The
// camera session starts and stops off the main thread. Apple-only (AVFoundation, UIKit).
import AVFoundation
import QianpiShell
import SwiftUI

struct QRScannerView: UIViewControllerRepresentable {
    /// The text of the first QR code seen.
    let found: (String) -> Void
    /// Why the camera cannot be used (no camera, permission refused).
    let failed: (UIText) -> Void

    func makeUIViewController(context: Context) -> QRScannerController {
        QRScannerController(found: found, failed: failed)
    }

    func updateUIViewController(_ controller: QRScannerController, context: Context) {}
}

/// The capture session, used from its own queue; AVCaptureSession may be started and stopped from
/// any thread.
private final class CaptureSession: @unchecked Sendable {
    let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "cn.qianpi.app.camera")

    func start() { queue.async { self.session.startRunning() } }
    func stop() { queue.async { self.session.stopRunning() } }
}

final class QRScannerController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
    private let found: (String) -> Void
    private let failed: (UIText) -> Void
    private let capture = CaptureSession()
    private var reported = false

    init(found: @escaping (String) -> Void, failed: @escaping (UIText) -> Void) {
        self.found = found
        self.failed = failed
        super.init(nibName: nil, bundle: nil)
    }

    @available(*, unavailable)
    required init?(coder: NSCoder) { nil }

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        Task { await configure() }
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        capture.stop()
    }

    private func configure() async {
        guard await AVCaptureDevice.requestAccess(for: .video) else {
            failed(.key("app.activation.camera_denied"))
            return
        }
        let session = capture.session
        guard let camera = AVCaptureDevice.default(for: .video) else {
            failed(.key("app.activation.no_camera"))
            return
        }
        do {
            let input = try AVCaptureDeviceInput(device: camera)
            let output = AVCaptureMetadataOutput()
            guard session.canAddInput(input), session.canAddOutput(output) else {
                failed(.key("app.activation.no_camera"))
                return
            }
            session.addInput(input)
            session.addOutput(output)
            output.setMetadataObjectsDelegate(self, queue: .main)
            output.metadataObjectTypes = [.qr]
        } catch {
            failed(.key("app.activation.camera_failed", [error.localizedDescription]))
            return
        }
        let preview = AVCaptureVideoPreviewLayer(session: session)
        preview.videoGravity = .resizeAspectFill
        preview.frame = view.layer.bounds
        view.layer.addSublayer(preview)
        capture.start()
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        view.layer.sublayers?.forEach { $0.frame = view.layer.bounds }
    }

    nonisolated func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput metadataObjects: [AVMetadataObject], from connection: AVCaptureConnection) {
        let text = metadataObjects.lazy.compactMap { ($0 as? AVMetadataMachineReadableCodeObject)?.stringValue }.first
        guard let text else { return }
        // The delegate queue is the main queue (set above).
        MainActor.assumeIsolated {
            guard !reported else { return }
            reported = true
            capture.stop()
            found(text)
        }
    }
}
