// The outbox screen over `OutboxModel`: what waits for the gateway and what it refused, each
// refused item with the gateway's reason and what the user can do next (open the document to act
// again or to see where it stands). Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct OutboxView: View {
    let model: OutboxModel
    /// Opens the document screen of a task.
    let open: (String) -> Void

    var body: some View {
        List {
            ErrorLine(model.message)
            if let empty = model.empty {
                Line(empty).foregroundStyle(.secondary)
            }
            if !model.queued.isEmpty {
                Section { ForEach(model.queued) { row in OutboxRowView(row: row, open: open) } } header: { Line(model.queuedTitle) }
            }
            if !model.refused.isEmpty {
                Section { ForEach(model.refused) { row in OutboxRowView(row: row, open: open) } } header: { Line(model.refusedTitle) }
            }
        }
        .navigationTitle(Text(words(model.title)))
        .toolbar {
            Button {
                Task { await model.syncNow() }
            } label: {
                Line(model.syncTitle)
            }
            .disabled(model.syncing)
        }
        .refreshable { await model.syncNow() }
        .task { await model.run() }
    }

    @Environment(\.words) private var words
}

private struct OutboxRowView: View {
    let row: OutboxRow
    let open: (String) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Line(row.title).font(.headline)
                Spacer()
                Line(row.status).font(.caption).foregroundStyle(row.reason == nil ? Color.secondary : Color.red)
            }
            if let action = row.action { Line(action).font(.subheadline) }
            if let reason = row.reason { Line(reason).font(.subheadline).foregroundStyle(.red) }
            Line(row.decided).font(.caption).foregroundStyle(.secondary)
            switch row.next {
            case .actAgain(let taskId), .openDocument(let taskId):
                Button { open(taskId) } label: { Line(row.nextText) }.buttonStyle(.bordered)
            case .waitForSync, .nothing:
                Line(row.nextText).font(.caption).foregroundStyle(.secondary)
            }
        }
        .padding(.vertical, 4)
    }
}
