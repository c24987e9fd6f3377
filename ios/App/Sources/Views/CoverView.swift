// What the app switcher's snapshot and a glance at an inactive app show: the app's name on a plain
// background, never a document. Drawn over everything while the scene is not active.
// Apple-only (SwiftUI).
import SwiftUI

struct CoverView: View {
    var body: some View {
        ZStack {
            Rectangle().fill(.background).ignoresSafeArea()
            VStack(spacing: 12) {
                Image(systemName: "lock.shield").font(.system(size: 48)).foregroundStyle(.secondary)
                Line(.key("app.name")).font(.title.bold())
            }
        }
        .accessibilityHidden(true)
    }
}
