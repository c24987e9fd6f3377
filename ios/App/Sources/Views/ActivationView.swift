// The activation screen over `ActivationModel`: the server address, login and one-time code typed
// or read from the administrator's QR code (the camera kept thin: the code's text goes to the
// model), then the fingerprint words to compare with the administrator's screen, then waiting for
// the approval. App Attest rides along through the model's attester. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct ActivationView: View {
    @Bindable var model: ActivationModel
    @State private var scanning = false
    @State private var cameraProblem: UIText?

    var body: some View {
        Form {
            Section {
                Line(model.heading).font(.title2.bold())
                if let hint = model.hint { Line(hint).foregroundStyle(.secondary) }
                ErrorLine(model.error)
                ErrorLine(model.errorDetail)
            }
            switch model.step {
            case .entry: entry
            case .activating: ProgressView()
            case .compareWords: compare
            case .waitingForApproval:
                wordsSection
                ProgressView().task { await model.waitForApproval() }
            case .wordsDiffered, .done: EmptyView()
            }
        }
        // Opened again while the device still waits: back to the words and the wait.
        .task { if model.step == .entry { await model.resume() } }
        .sheet(isPresented: $scanning) {
            QRScannerView(
                found: { text in
                    scanning = false
                    model.scanned(text)
                },
                failed: { why in
                    scanning = false
                    cameraProblem = why
                })
            .ignoresSafeArea()
        }
    }

    private var entry: some View {
        Section {
            Button { scanning = true } label: { Label { Line(model.scanTitle) } icon: { Image(systemName: "qrcode.viewfinder") } }
            ErrorLine(cameraProblem)
            if let note = model.inviteNote { Line(note).font(.callout).foregroundStyle(.green) }
            field(.key("app.activation.server"), text: $model.serverUrl, error: model.serverError)
                .keyboardType(.URL)
            field(.key("app.activation.login"), text: $model.login, error: model.loginError)
            field(.key("app.activation.code"), text: $model.code, error: model.codeError)
                .textInputAutocapitalization(.characters)
            Button { Task { await model.activate() } } label: { Line(model.activateTitle).frame(maxWidth: .infinity) }
                .buttonStyle(.borderedProminent)
        }
    }

    private func field(_ label: UIText, text: Binding<String>, error: UIText?) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            TextField(text: text) { Line(label) }
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
            ErrorLine(error)
        }
    }

    private var wordsSection: some View {
        Section {
            ForEach(Array(model.words.enumerated()), id: \.offset) { _, word in
                Text(verbatim: word).font(.title.monospaced())
            }
        }
    }

    @ViewBuilder
    private var compare: some View {
        wordsSection
        Section {
            Button { model.wordsMatch() } label: { Line(model.wordsMatchTitle).frame(maxWidth: .infinity) }
                .buttonStyle(.borderedProminent)
            Button(role: .destructive) { Task { await model.wordsDiffer() } } label: { Line(model.wordsDifferTitle).frame(maxWidth: .infinity) }
        }
    }
}
