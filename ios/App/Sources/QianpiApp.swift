// The app's entry point: registers the background refresh before launch ends, opens the store,
// and draws the root view. While the scene is not active a cover hides every screen (the app
// switcher's snapshot shows no document); on leaving for the background the data locks and the
// next refresh is asked for. Apple-only: not compiled on Linux.
import SwiftUI
import UIKit

@main
struct QianpiApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup {
            RootView(services: delegate.services)
        }
    }
}

/// Holds the services for the app's life; registers the refresh handler in time (BGTaskScheduler
/// requires it before `application(_:didFinishLaunchingWithOptions:)` returns).
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate {
    let services = AppServices()

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        BackgroundRefresh.register(services: services)
        return true
    }
}

/// Opening, a failure to open, or the session; the cover over everything while inactive.
struct RootView: View {
    let services: AppServices
    @Environment(\.scenePhase) private var scenePhase

    var body: some View {
        ZStack {
            switch services.phase {
            case .opening:
                ProgressView()
            case .failed(let why):
                VStack(spacing: 16) {
                    ErrorLine(why).multilineTextAlignment(.center)
                    Button { Task { await services.open() } } label: { Line(.key("common.retry")) }
                        .buttonStyle(.borderedProminent)
                }
                .padding(32)
            case .ready(let session):
                SessionView(session: session) { Task { await services.restart() } }
            }
            if scenePhase != .active {
                CoverView()
            }
        }
        .environment(\.words, services.words)
        .task { await services.open() }
        .onChange(of: scenePhase) { _, phase in
            if phase == .background { services.enteredBackground() }
        }
    }
}
