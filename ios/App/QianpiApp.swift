// The 待办 screen in SwiftUI: draws what ApprovalSession and InboxPresenter (QianpiShell, tested on
// Linux) return. Apple-only; add this folder to an Xcode app target that depends on the package.
#if canImport(SwiftUI)
import Qianpi
import QianpiShell
import SwiftUI

@main
struct QianpiApp: App {
    var body: some Scene {
        WindowGroup { InboxView() }
    }
}

@MainActor
final class InboxModel: ObservableObject {
    @Published var rows: [InboxRow] = []
    @Published var status = ""
    private let client: QianpiClient?
    private let session: ApprovalSession?

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("qianpi")
        client = try? QianpiClient(dataDir: dir.path, keyStore: SecureEnclaveKeyStore(), signer: SecureEnclaveSigner())
        session = client.map { ApprovalSession(client: $0) }
    }

    func refresh() async {
        guard let session else { status = "无法打开本地存储"; return }
        switch try? await session.refresh() {
        case .synced?: status = "已同步"
        case .offline(let pending, _)?: status = "离线：\(pending) 条待同步"
        case nil: status = "同步失败"
        }
        rows = (try? await session.inbox()) ?? []
    }

    func approve(_ row: InboxRow) async {
        _ = try? await client?.approve(taskId: row.taskId, attitude: .agree, opinion: "同意")
        await refresh()
    }
}

struct InboxView: View {
    @StateObject private var model = InboxModel()

    var body: some View {
        NavigationStack {
            List(model.rows, id: \.taskId) { row in
                HStack {
                    VStack(alignment: .leading) {
                        Text(row.headline)
                        Text(row.subtitle).font(.caption).foregroundStyle(.secondary)
                    }
                    Spacer()
                    if row.actionable {
                        Button("同意") { Task { await model.approve(row) } }
                    } else {
                        Text(row.badge).font(.caption)
                    }
                }
            }
            .navigationTitle("待办")
            .toolbar { Text(model.status).font(.caption) }
            .task { await model.refresh() }
            .refreshable { await model.refresh() }
        }
    }
}
#endif
