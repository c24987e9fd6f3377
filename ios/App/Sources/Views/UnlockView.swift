// The unlock screen over `UnlockModel`: the app's name, why it is locked, one button that shows
// the presence prompt, and why the last try did not unlock. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct UnlockView: View {
    let model: UnlockModel

    var body: some View {
        VStack(spacing: 20) {
            Image(systemName: "lock.fill").font(.system(size: 44)).foregroundStyle(.secondary)
            Line(.key("app.name")).font(.largeTitle.bold())
            Line(model.title).font(.title3)
            Line(model.hint).font(.callout).foregroundStyle(.secondary).multilineTextAlignment(.center)
            Button {
                Task { await model.unlock() }
            } label: {
                Line(model.buttonTitle).frame(maxWidth: .infinity)
            }
            .buttonStyle(.borderedProminent)
            .controlSize(.large)
            .disabled(model.busy)
            if model.busy { ProgressView() }
            ErrorLine(model.message).multilineTextAlignment(.center)
        }
        .padding(32)
    }
}
