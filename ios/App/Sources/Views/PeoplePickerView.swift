// The people picker over `PeoplePickerModel`: the address book by department, or the people
// matching the search (name, pinyin, initials), with the picked ones marked; confirm hands the
// picked user ids back. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct PeoplePickerView: View {
    @Bindable var model: PeoplePickerModel
    /// A title of the caller's own (代签's "代哪位领导签批"), instead of the purpose's.
    var title: UIText?
    let done: ([String]) -> Void
    @Environment(\.dismiss) private var dismiss
    @Environment(\.words) private var words

    var body: some View {
        NavigationStack {
            List {
                ErrorLine(model.problem)
                if model.query.isEmpty {
                    ForEach(Array(model.groups.enumerated()), id: \.offset) { _, group in
                        Section { ForEach(group.people) { person in row(person) } } header: { Line(group.name) }
                    }
                } else {
                    ForEach(model.results) { person in row(person) }
                }
            }
            .searchable(text: $model.query, prompt: Text(words(.key("app.people.search"))))
            .onChange(of: model.query) { _, _ in Task { await model.search() } }
            .navigationTitle(Text(words(title ?? model.title)))
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button { dismiss() } label: { Line(.key("common.cancel")) }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button { done(model.chosen) } label: { Line(.key("common.ok")) }
                        .disabled(!model.canConfirm)
                }
            }
            .task { await model.load() }
        }
    }

    private func row(_ person: PeoplePickerModel.Person) -> some View {
        Button { model.toggle(person.id) } label: {
            HStack {
                VStack(alignment: .leading) {
                    Line(person.name)
                    HStack {
                        Line(person.post)
                        Line(person.department)
                    }
                    .font(.caption).foregroundStyle(.secondary)
                }
                Spacer()
                if person.selected { Image(systemName: "checkmark").foregroundStyle(Color.accentColor) }
            }
        }
        .buttonStyle(.plain)
    }
}
