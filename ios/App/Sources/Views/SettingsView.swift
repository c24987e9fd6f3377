// The settings screen over `SettingsModel`: the account and the device with its binding
// (fingerprint words, how its keys are held), the lock time, the standing delegations with their
// window and state (收回 where allowed), a form to name a deputy (picked with the people picker),
// and signing out, which wipes the phone's data after a confirmation (the session then starts the
// app afresh). Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct SettingsView: View {
    let model: SettingsModel
    /// A people picker for the deputy.
    let makePicker: () -> PeoplePickerModel
    @State private var addingDelegation = false
    @Environment(\.words) private var words

    var body: some View {
        Form {
            ErrorLine(model.message)
            Section { lines(model.account) }
            Section { lines(model.device) }
            Section {
                Picker(selection: lockSeconds) {
                    ForEach(model.lockChoices) { choice in Line(choice.label).tag(choice.seconds) }
                } label: { Line(model.lockTitle) }
            }
            Section {
                ForEach(model.delegations) { row in
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            Line(row.who).font(.subheadline.bold())
                            Spacer()
                            Line(row.status).font(.caption)
                        }
                        Line(row.scope).font(.caption)
                        Line(row.window).font(.caption).foregroundStyle(.secondary)
                        if row.canRevoke {
                            Button { Task { await model.revoke(row) } } label: { Line(model.revokeTitle) }
                        }
                    }
                }
                Button { addingDelegation = true } label: { Line(model.addDelegationTitle) }
            } header: { Line(model.delegationTitle) }
            Section {
                Button(role: .destructive) { model.askSignOut() } label: { Line(model.signOutTitle) }
                    .disabled(model.busy)
            }
        }
        .navigationTitle(Text(words(model.title)))
        .task { await model.load() }
        .sheet(isPresented: $addingDelegation) {
            DelegationForm(model: model, picker: makePicker())
        }
        .alert(words(model.confirming?.title ?? .plain("")), isPresented: confirming, presenting: model.confirming) { confirmation in
            Button(role: .destructive) { Task { await model.confirmSignOut() } } label: { Line(confirmation.confirm) }
            Button(role: .cancel) { model.cancelSignOut() } label: { Line(confirmation.cancel) }
        } message: { confirmation in
            Line(confirmation.message)
        }
    }

    private func lines(_ lines: [SettingsLine]) -> some View {
        ForEach(Array(lines.enumerated()), id: \.offset) { _, line in
            LabeledContent { Line(line.value).multilineTextAlignment(.trailing) } label: { Line(line.label) }
        }
    }

    /// The picked lock time; picking one sets it.
    private var lockSeconds: Binding<UInt64> {
        Binding(
            get: { model.lockChoices.first { $0.label == model.lockTime }?.seconds ?? 0 },
            set: { seconds in
                if let choice = model.lockChoices.first(where: { $0.seconds == seconds }) { model.setLockTime(choice) }
            })
    }

    /// Whether the sign-out confirmation is up; closing it cancels.
    private var confirming: Binding<Bool> {
        Binding(get: { model.confirming != nil }, set: { shown in if !shown { model.cancelSignOut() } })
    }
}

/// 设置委托: a deputy from the people picker, and the window, for every flow.
private struct DelegationForm: View {
    let model: SettingsModel
    let picker: PeoplePickerModel
    @State private var deputy: String?
    @State private var picking = false
    @State private var start = Date()
    @State private var end = Date().addingTimeInterval(3 * 86_400)
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Form {
                ErrorLine(model.message)
                Button { picking = true } label: {
                    Line(deputyName.map { .plain($0) } ?? .key("people.title.deputy"))
                }
                DatePicker(selection: $start) { Line(.key("app.settings.delegation.start")) }
                DatePicker(selection: $end, in: start...) { Line(.key("app.settings.delegation.end")) }
            }
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button { dismiss() } label: { Line(.key("common.cancel")) }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button {
                        guard let deputy else { return }
                        Task {
                            await model.delegate(to: deputy, scope: .all, start: start, end: end)
                            if model.message == nil { dismiss() }
                        }
                    } label: { Line(.key("common.ok")) }
                    .disabled(deputy == nil)
                }
            }
            .sheet(isPresented: $picking) {
                PeoplePickerView(model: picker) { ids in
                    deputy = ids.first
                    picking = false
                }
            }
        }
    }

    private var deputyName: String? {
        guard let deputy else { return nil }
        let people = picker.groups.flatMap(\.people) + picker.results
        guard let person = people.first(where: { $0.id == deputy }) else { return deputy }
        if case .plain(let name) = person.name { return name }
        return deputy
    }
}
