// The sync status bar above the lists and its detail sheet, over `SyncStatusModel`: the headline
// coloured by its kind, what the user can do about a block, when it tries again by itself, the
// last success, what waits or was refused, and the retry button. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct SyncStatusBar: View {
    let model: SyncStatusModel
    @State private var showingDetail = false

    var body: some View {
        Button {
            showingDetail = true
        } label: {
            HStack(spacing: 8) {
                if model.syncing { ProgressView().controlSize(.small) } else { Image(systemName: icon) }
                Line(model.headline).lineLimit(1)
                Spacer()
                if let waiting = model.waiting { Line(waiting).font(.caption) }
                if let refused = model.refused { Line(refused).font(.caption).foregroundStyle(.red) }
            }
            .font(.footnote)
            .foregroundStyle(colour)
            .padding(.horizontal)
            .padding(.vertical, 6)
        }
        .buttonStyle(.plain)
        .task { await model.run() }
        .sheet(isPresented: $showingDetail) { SyncStatusDetail(model: model) }
    }

    private var icon: String {
        switch model.kind {
        case .idle: return "checkmark.circle"
        case .syncing: return "arrow.triangle.2.circlepath"
        case .offline: return "wifi.slash"
        case .blocked: return "exclamationmark.triangle"
        }
    }

    private var colour: Color {
        switch model.kind {
        case .idle, .syncing: return .secondary
        case .offline: return .orange
        case .blocked: return .red
        }
    }
}

struct SyncStatusDetail: View {
    let model: SyncStatusModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            List {
                Section {
                    Line(model.headline).font(.headline)
                    if let advice = model.advice { Line(advice) }
                    if let next = model.nextAttempt { Line(next).foregroundStyle(.secondary) }
                    if let last = model.lastSuccess { Line(last).foregroundStyle(.secondary) }
                    if let waiting = model.waiting { Line(waiting) }
                    if let refused = model.refused { Line(refused).foregroundStyle(.red) }
                    ErrorLine(model.message)
                }
                Section {
                    Button {
                        Task { await model.syncNow() }
                    } label: {
                        Line(.key("sync.now"))
                    }
                    .disabled(model.syncing)
                }
            }
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button { dismiss() } label: { Line(.key("common.ok")) }
                }
            }
        }
    }
}
