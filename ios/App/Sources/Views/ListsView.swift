// The lists screen over `ListsModel`: the five lists as tabs with their counts, the overdue count,
// rows with their 加急/特急, overdue and 待同步 marks, pull to refresh (one sync; offline is a line,
// not an error), and the core's full-text search. A row opens its document; search results open a
// document or a notice. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct ListsView: View {
    @Bindable var model: ListsModel
    let syncStatus: SyncStatusModel
    /// Opens a document (a task, read item, flow or draft id) or a notice.
    let open: (AppRoute) -> Void
    /// Starts batch approval over the 待办 list.
    let batch: () -> Void
    @Environment(\.words) private var words

    var body: some View {
        VStack(spacing: 0) {
            SyncStatusBar(model: syncStatus)
            tabs
            List {
                if let overdue = model.overdueText, model.tab == .todo {
                    Line(overdue).font(.footnote).foregroundStyle(.red)
                }
                if let refresh = model.refreshText { Line(refresh).font(.footnote).foregroundStyle(.secondary) }
                ErrorLine(model.errorText)
                if searchShown {
                    searchResults
                } else {
                    ForEach(model.rows) { row in
                        Button { open(.document(row.id)) } label: { ListRowView(row: row) }
                            .buttonStyle(.plain)
                    }
                    if model.loaded && model.rows.isEmpty {
                        Line(.key("app.lists.empty")).foregroundStyle(.secondary)
                    }
                }
            }
            .listStyle(.plain)
            .refreshable { await model.refresh() }
        }
        .searchable(text: $model.query, prompt: Text(words(.key("app.lists.search"))))
        .onSubmit(of: .search) { Task { await model.search() } }
        .onChange(of: model.query) { _, query in if query.isEmpty { model.clearSearch() } }
        .toolbar {
            if model.tab == .todo && !model.rows.isEmpty {
                Button(action: batch) { Line(.key("app.lists.batch")) }
            }
        }
        .navigationTitle(Text(words(.key("app.name"))))
        .task { await model.follow() }
    }

    private var searchShown: Bool { !model.results.isEmpty || model.searchError != nil || model.searching }

    private var tabs: some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack(spacing: 8) {
                ForEach(model.tabs, id: \.tab) { badge in
                    Button { model.select(badge.tab) } label: {
                        HStack(spacing: 4) {
                            Line(badge.title)
                            if badge.count > 0 {
                                Text(String(badge.count)).font(.caption2.bold())
                                    .padding(.horizontal, 6).padding(.vertical, 2)
                                    .background(Capsule().fill(badge.tab == .todo ? Color.red : Color.secondary.opacity(0.3)))
                                    .foregroundStyle(badge.tab == .todo ? Color.white : Color.primary)
                            }
                        }
                    }
                    .buttonStyle(.bordered)
                    .tint(badge.tab == model.tab ? Color.accentColor : Color.secondary)
                }
            }
            .padding(.horizontal)
            .padding(.vertical, 6)
        }
    }

    @ViewBuilder
    private var searchResults: some View {
        if model.searching { ProgressView() }
        ErrorLine(model.searchError)
        ForEach(model.results) { hit in
            Button { open(hit.opensNotice ? .notice(hit.id) : .document(hit.id)) } label: {
                VStack(alignment: .leading, spacing: 4) {
                    HStack {
                        Line(hit.kindText).font(.caption).foregroundStyle(.secondary)
                        Line(hit.title).font(.headline).lineLimit(2)
                    }
                    hit.snippet.reduce(Text(verbatim: "")) { line, piece in
                        line + Text(piece.text).fontWeight(piece.matched ? .bold : .regular)
                            .foregroundColor(piece.matched ? Color.accentColor : Color.primary)
                    }
                    .font(.subheadline)
                    Line(hit.time).font(.caption).foregroundStyle(.secondary)
                }
            }
            .buttonStyle(.plain)
        }
    }
}

/// One row: urgency mark, title, 文号, time, deadline with its overdue mark, 待同步.
struct ListRowView: View {
    let row: ListsModel.Row

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack(alignment: .firstTextBaseline, spacing: 6) {
                if let mark = row.urgency.text {
                    Line(mark).font(.caption.bold()).foregroundStyle(.white)
                        .padding(.horizontal, 4).background(RoundedRectangle(cornerRadius: 3).fill(Color.red))
                }
                Line(row.title).font(.headline).lineLimit(2)
            }
            HStack {
                Line(row.kind).font(.caption).foregroundStyle(.secondary)
                if let secrecy = row.secrecy { Line(secrecy).font(.caption.bold()).foregroundStyle(.red) }
                Line(row.number).font(.caption).foregroundStyle(.secondary)
                Spacer()
                if let time = row.time { Line(time).font(.caption).foregroundStyle(.secondary) }
            }
            HStack {
                if let deadline = row.deadline { Line(deadline).font(.caption).foregroundStyle(row.overdue ? Color.red : Color.secondary) }
                if let overdue = row.overdueText { Line(overdue).font(.caption.bold()).foregroundStyle(.red) }
                Spacer()
                if let status = row.statusText { Line(status).font(.caption).foregroundStyle(.orange) }
            }
        }
        .padding(.vertical, 4)
    }
}
