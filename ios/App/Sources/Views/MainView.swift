// The app's screens once unlocked: four tabs (公文 lists, 通知公告, 待发送/未被接受, 设置), each
// its own navigation stack; a row opens its document, a document its acting screen. Every touch
// tells the lock the user is here. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct MainView: View {
    let session: AppSession
    @State private var workPath: [AppRoute] = []
    @State private var noticesPath: [AppRoute] = []
    @State private var outboxPath: [AppRoute] = []
    @State private var batch: BatchSheet?

    var body: some View {
        TabView {
            NavigationStack(path: $workPath) {
                ListsView(model: session.lists, syncStatus: session.syncStatus, open: { workPath.append($0) }, batch: { batch = BatchSheet(model: session.batch()) })
                    .navigationDestination(for: AppRoute.self) { route in
                        RouteView(session: session, route: route) { workPath.append($0) }
                    }
            }
            .tabItem { Label { Line(.key("app.tab.work")) } icon: { Image(systemName: "doc.text") } }

            NavigationStack(path: $noticesPath) {
                NoticesView(model: session.notices) { noticesPath.append($0) }
                    .navigationDestination(for: AppRoute.self) { route in
                        RouteView(session: session, route: route) { noticesPath.append($0) }
                    }
            }
            .tabItem { Label { Line(.key("app.tab.notices")) } icon: { Image(systemName: "megaphone") } }

            NavigationStack(path: $outboxPath) {
                OutboxView(model: session.outbox) { outboxPath.append(.document($0)) }
                    .navigationDestination(for: AppRoute.self) { route in
                        RouteView(session: session, route: route) { outboxPath.append($0) }
                    }
            }
            .tabItem { Label { Line(.key("app.tab.outbox")) } icon: { Image(systemName: "tray.and.arrow.up") } }

            NavigationStack {
                SettingsView(model: session.settings) { session.picker(.deputy) }
            }
            .tabItem { Label { Line(.key("app.tab.settings")) } icon: { Image(systemName: "gearshape") } }
        }
        .sheet(item: $batch) { sheet in
            NavigationStack { BatchView(model: sheet.model, approvals: session.approvals) }
        }
        .simultaneousGesture(TapGesture().onEnded { session.lock.activity() })
        .environment(\.watermarkName, session.watermarkName)
        .task { await session.readAccount() }
    }
}

/// The batch screen's model while its sheet is up.
private struct BatchSheet: Identifiable {
    let id = UUID()
    let model: BatchModel
}

/// The screen a route leads to, with its model made once for the screen's life.
struct RouteView: View {
    let session: AppSession
    let route: AppRoute
    let open: (AppRoute) -> Void

    var body: some View {
        switch route {
        case .document(let id): DocumentScreen(session: session, id: id, open: open)
        case .acting(let id): ActingScreen(session: session, taskId: id, actingFor: nil)
        case .actingFor(let id, let leader): ActingScreen(session: session, taskId: id, actingFor: leader)
        case .notice(let id): NoticeScreen(session: session, id: id)
        }
    }
}

private struct DocumentScreen: View {
    @State private var model: DocumentModel
    private let session: AppSession
    private let open: (AppRoute) -> Void

    init(session: AppSession, id: String, open: @escaping (AppRoute) -> Void) {
        _model = State(initialValue: session.document(id))
        self.session = session
        self.open = open
    }

    var body: some View {
        DocumentView(
            model: model, act: { open(.acting(model.id)) },
            actFor: { leader in open(.actingFor(taskId: model.id, leader: leader)) },
            makeLeaderPicker: { session.picker(.transfer) })
    }
}

private struct ActingScreen: View {
    @State private var model: ActingModel
    private let session: AppSession

    init(session: AppSession, taskId: String, actingFor: String?) {
        _model = State(initialValue: session.acting(taskId, actingFor: actingFor))
        self.session = session
    }

    var body: some View {
        ActingView(model: model) { session.picker($0) }
    }
}

private struct NoticeScreen: View {
    @State private var model: NoticeModel

    init(session: AppSession, id: String) {
        _model = State(initialValue: session.notice(id))
    }

    var body: some View {
        NoticeView(model: model)
    }
}
