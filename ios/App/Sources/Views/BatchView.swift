// 批量审批 over `BatchModel`: the 待办 rows to pick, one presence prompt for the whole batch (the
// approval key then signs each picked task in its own record), and each row's own result — one
// refusal never hides the others. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct BatchView: View {
    let model: BatchModel
    let approvals: PresenceApprovals
    @State private var promptProblem: UIText?
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        List {
            Section {
                ErrorLine(model.problem)
                ErrorLine(promptProblem)
                if let summary = model.summaryText { Line(summary).font(.headline) }
                if model.working { ProgressView() }
            }
            ForEach(model.items) { item in
                Button { model.toggle(item.id) } label: {
                    HStack(alignment: .top) {
                        Image(systemName: item.selected ? "checkmark.circle.fill" : "circle")
                        VStack(alignment: .leading, spacing: 4) {
                            HStack {
                                if let mark = item.urgency.text { Line(mark).font(.caption.bold()).foregroundStyle(.red) }
                                Line(item.title).font(.headline)
                            }
                            Line(item.number).font(.caption).foregroundStyle(.secondary)
                            if let result = item.resultText { Line(result).font(.caption).foregroundStyle(item.refused ? Color.red : Color.green) }
                            if let reason = item.reason { Line(reason).font(.caption).foregroundStyle(.red) }
                        }
                    }
                }
                .buttonStyle(.plain)
                .disabled(item.resultText != nil)
            }
        }
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button { dismiss() } label: { Line(.key("common.cancel")) }
            }
            ToolbarItem(placement: .primaryAction) {
                Button { model.selectAll() } label: { Line(.key("app.batch.select_all")) }
            }
            ToolbarItem(placement: .bottomBar) {
                Button { approve() } label: { Line(.key("app.batch.approve")) }
                    .buttonStyle(.borderedProminent)
                    .disabled(model.working || !model.items.contains(where: \.selected))
            }
        }
        .task { await model.load() }
    }

    /// One prompt for the batch; the core then signs each picked task with the approval key.
    private func approve() {
        let count = model.items.filter(\.selected).count
        promptProblem = nil
        Task {
            do {
                try await approvals.withConfirmation(reason: .key("app.batch.reason", [String(count)])) {
                    await model.approve()
                }
            } catch is CancellationError {
                promptProblem = .key("app.batch.cancelled")
            } catch {
                if case .failed(let why) = DevicePresencePrompt.outcome(error) { promptProblem = why }
            }
        }
    }
}
