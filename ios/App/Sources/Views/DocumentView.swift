// A document's screen over `DocumentModel`: head fields, the state and deadline, the body (read
// into memory and drawn by PDFKit), attachments, opinions by column, the flow record; with the
// watermark over all of it. When the user has a task here, the acting button opens the acting
// screen. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct DocumentView: View {
    let model: DocumentModel
    /// Opens the acting screen for this document's task.
    let act: () -> Void
    /// 代签: opens the acting screen for the task on behalf of a leader (a user id).
    let actFor: (String) -> Void
    /// A one-person picker for the leader.
    let makeLeaderPicker: () -> PeoplePickerModel
    @State private var reading: ReadFile?
    @State private var pickingLeader: PeoplePickerModel?
    @Environment(\.words) private var words

    var body: some View {
        List {
            ErrorLine(model.errorText)
            head
            bodySection
            if !model.attachments.isEmpty { attachments }
            ForEach(Array(model.columns.enumerated()), id: \.offset) { _, column in
                Section { ForEach(Array(column.opinions.enumerated()), id: \.offset) { _, opinion in OpinionRow(opinion: opinion) } }
                    header: { Line(column.name) }
            }
            if !model.flowRecord.isEmpty {
                Section {
                    ForEach(Array(model.flowRecord.enumerated()), id: \.offset) { _, step in StepRow(step: step) }
                } header: { Line(.key("app.document.flow")) }
            }
        }
        .watermarked()
        .navigationTitle(Text(words(model.number)))
        .navigationBarTitleDisplayMode(.inline)
        .safeAreaInset(edge: .bottom) {
            if model.hasTask {
                Button(action: act) { Line(.key("app.document.act")).frame(maxWidth: .infinity) }
                    .buttonStyle(.borderedProminent)
                    .controlSize(.large)
                    .padding()
                    .background(.bar)
            } else if model.loaded {
                // Not this person's task: a secretary may enter the leader's decision (代签);
                // the core refuses it unless this person may act for that leader.
                Button { pickingLeader = makeLeaderPicker() } label: { Line(.key("app.document.act_for")).frame(maxWidth: .infinity) }
                    .buttonStyle(.bordered)
                    .padding()
                    .background(.bar)
            }
        }
        .sheet(isPresented: Binding(get: { pickingLeader != nil }, set: { if !$0 { pickingLeader = nil } })) {
            if let picker = pickingLeader {
                PeoplePickerView(model: picker, title: .key("app.document.act_for.pick")) { ids in
                    pickingLeader = nil
                    if let leader = ids.first { actFor(leader) }
                }
            }
        }
        .sheet(item: $reading) { file in
            NavigationStack { PDFBodyView(data: file.data).navigationBarTitleDisplayMode(.inline) }
        }
        .task { await model.follow() }
    }

    private var head: some View {
        Section {
            HStack(alignment: .firstTextBaseline) {
                if let mark = model.urgency.text { Line(mark).font(.caption.bold()).foregroundStyle(.red) }
                Line(model.title).font(.title3.bold())
            }
            ForEach(Array(model.headFields.enumerated()), id: \.offset) { _, field in
                LabeledContent { Line(field.value) } label: { Line(field.label) }
            }
            if let state = model.stateText { Line(state).font(.subheadline) }
            ForEach(Array(model.currentNodes.enumerated()), id: \.offset) { _, node in Line(node).foregroundStyle(.secondary) }
            if let deadline = model.deadlineText { Line(deadline).foregroundStyle(model.overdue ? Color.red : Color.primary) }
        }
    }

    private var bodySection: some View {
        Section {
            if let info = model.bodyInfo {
                HStack {
                    Line(info.format)
                    if let pages = info.pages { Line(pages) }
                    Line(info.size)
                }
                .font(.callout).foregroundStyle(.secondary)
                switch model.download {
                case .notStarted:
                    Button { Task { await model.readBody() } } label: { Line(.key("app.document.read")) }
                case .running:
                    if let fraction = model.download.fraction { ProgressView(value: fraction) } else { ProgressView() }
                case .done:
                    if let data = model.body, info.mediaType == "application/pdf" {
                        Button { reading = ReadFile(data: data) } label: { Line(.key("app.document.read")) }
                    } else {
                        Line(.key("app.document.no_viewer")).foregroundStyle(.secondary)
                    }
                case .failed(let why):
                    ErrorLine(why)
                    Button { Task { await model.readBody() } } label: { Line(.key("common.retry")) }
                }
            } else if model.loaded {
                Line(.key("app.document.no_body")).foregroundStyle(.secondary)
            }
        } header: { Line(.key("app.document.body")) }
    }

    private var attachments: some View {
        Section {
            ForEach(model.attachments) { attachment in
                Button {
                    Task {
                        guard let data = await model.readAttachment(attachment.id) else { return }
                        reading = ReadFile(data: data)
                    }
                } label: {
                    HStack {
                        Image(systemName: "paperclip")
                        Line(attachment.name)
                        Spacer()
                        Line(attachment.size).font(.caption).foregroundStyle(.secondary)
                    }
                }
            }
        } header: { Line(.key("app.document.attachments")) }
    }
}

/// Bytes to show in the PDF sheet.
private struct ReadFile: Identifiable {
    let id = UUID()
    let data: Data
}

private struct OpinionRow: View {
    let opinion: DocumentModel.Opinion

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Line(opinion.author).font(.subheadline.bold())
                Line(opinion.attitude).font(.caption)
                Spacer()
                if let time = opinion.time { Line(time).font(.caption).foregroundStyle(.secondary) }
            }
            Line(opinion.text)
            if opinion.hasHandwriting { Image(systemName: "signature").foregroundStyle(.secondary) }
            HStack {
                if let by = opinion.enteredBy { Line(by).font(.caption).foregroundStyle(.secondary) }
                if let pending = opinion.pendingText { Line(pending).font(.caption).foregroundStyle(.orange) }
            }
        }
    }
}

private struct StepRow: View {
    let step: DocumentModel.Step

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack {
                Line(step.actor).font(.subheadline.bold())
                Line(step.action).font(.subheadline)
                if let node = step.node { Line(node).font(.caption).foregroundStyle(.secondary) }
            }
            if let detail = step.detail { Line(detail).font(.caption) }
            HStack {
                Line(step.time).font(.caption).foregroundStyle(.secondary)
                if let pending = step.pendingText { Line(pending).font(.caption).foregroundStyle(.orange) }
            }
        }
    }
}
