// The acting sheet over `ActingModel`: 代签 line, the opinion with the common phrases and the
// handwriting pad, the route when there is a choice, only the permitted actions (people picked
// first for 转交/委派/传阅/加签, a step chosen for 退回), the confirmation for a body never opened,
// and then what became of it (working, 待同步, delivered, refused with the reason, cancelled).
// The approval key signs behind the presence prompt the model asks for. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct ActingView: View {
    @Bindable var model: ActingModel
    /// A people picker for an action that needs people.
    let makePicker: (PeoplePickerModel.Purpose) -> PeoplePickerModel
    @State private var picking: PeopleRequest?
    @State private var choosingReturn = false
    @State private var showingPad = false
    @State private var askingUnopened = false
    @Environment(\.words) private var words

    var body: some View {
        Form {
            if let actingFor = model.actingForText { Section { Line(actingFor).font(.headline) } }
            if model.routes.count > 1 {
                Section {
                    Picker(selection: $model.selectedRoute) {
                        ForEach(model.routes) { route in Line(route.label).tag(Optional(route.id)) }
                    } label: { Line(.key("app.acting.route")) }
                    .pickerStyle(.inline)
                }
            }
            Section {
                TextEditor(text: $model.opinion).frame(minHeight: 100)
                if !model.phrases.isEmpty {
                    ScrollView(.horizontal, showsIndicators: false) {
                        HStack {
                            ForEach(Array(model.phrases.enumerated()), id: \.offset) { index, phrase in
                                Button { model.usePhrase(index) } label: { Text(verbatim: phrase).lineLimit(1) }
                                    .buttonStyle(.bordered)
                            }
                        }
                    }
                }
                Button { showingPad = true } label: {
                    Line(model.pad.isEmpty ? .key("app.acting.handwriting") : .key("app.acting.handwriting.written"))
                }
            } header: { Line(.key("app.acting.opinion")) }
            Section {
                ErrorLine(model.problem)
                if let status = model.statusText { Line(status).foregroundStyle(.secondary) }
                if let verdict = model.verdictText { Line(verdict).font(.headline) }
                if let reason = model.verdictReason { Line(reason).foregroundStyle(.red) }
                if model.phase == .working { ProgressView() }
                if model.phase == .waiting {
                    Button { Task { await model.deliver() } } label: { Line(.key("app.acting.deliver")) }
                }
            }
            Section {
                ForEach(model.actions, id: \.self) { action in
                    Button { start(action) } label: { Line(action.title) }
                        .disabled(busy)
                }
                Button { Task { await model.saveDraft() } } label: { Line(.key("app.acting.draft")) }
                    .disabled(busy)
            }
        }
        .task { if model.phase == .loading { await model.load() } }
        .sheet(isPresented: $showingPad) { HandwritingPadView(pad: $model.pad) }
        .sheet(item: $picking) { request in
            PeoplePickerView(model: request.picker) { ids in
                picking = nil
                run(request.action, people: ids)
            }
        }
        .confirmationDialog(words(.key("app.acting.return_to")), isPresented: $choosingReturn) {
            ForEach(model.returnChoices) { choice in
                Button { run(.returnTo, target: choice.id) } label: { Line(choice.label) }
            }
        }
        .alert(words(.key("app.acting.unopened")), isPresented: $askingUnopened) {
            Button { Task { await model.confirmUnopened() } } label: { Line(.key("common.ok")) }
            Button(role: .cancel) {} label: { Line(.key("common.cancel")) }
        } message: {
            if let status = model.statusText { Line(status) }
        }
    }

    private var busy: Bool { model.phase == .working || model.phase == .loading }

    private func start(_ action: ActingModel.Action) {
        if let purpose = Self.purpose(action) {
            picking = PeopleRequest(action: action, picker: makePicker(purpose))
        } else if action == .returnTo {
            choosingReturn = true
        } else {
            run(action)
        }
    }

    /// Whom the picker picks for `action`; nil when it needs no people.
    private static func purpose(_ action: ActingModel.Action) -> PeoplePickerModel.Purpose? {
        switch action {
        case .transfer: return .transfer
        case .delegate: return .delegate
        case .addSigners: return .addSigners
        case .circulate: return .circulate
        default: return nil
        }
    }

    /// Performs `action`; when the unit wants a confirmation for a body never opened, asks it.
    private func run(_ action: ActingModel.Action, people: [String] = [], target: String? = nil) {
        Task {
            await model.perform(action, people: people, target: target)
            if model.phase == .confirmUnopened { askingUnopened = true }
        }
    }
}

/// An action waiting for its people, with the picker that picks them.
private struct PeopleRequest: Identifiable {
    let action: ActingModel.Action
    let picker: PeoplePickerModel
    var id: String { action.rawValue }
}
