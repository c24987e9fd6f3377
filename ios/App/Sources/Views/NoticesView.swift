// 通知公告 over `NoticesModel` and `NoticeModel`: the list (unread first) with each notice's badge,
// and one opened notice with its body, attachments and the 回执 form (choices, the note as the
// notice's rule wants it, the deadline, what became of the reply). Opening a notice marks it
// read. The watermark lies over an opened notice. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct NoticesView: View {
    let model: NoticesModel
    let open: (AppRoute) -> Void
    @Environment(\.words) private var words

    var body: some View {
        List {
            ErrorLine(model.problem)
            ForEach(model.rows) { row in
                Button { open(.notice(row.id)) } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            if row.unread { Circle().fill(Color.red).frame(width: 8, height: 8) }
                            Line(row.title).font(row.unread ? .headline : .body).lineLimit(2)
                        }
                        HStack {
                            Line(row.publisher)
                            Spacer()
                            Line(row.time)
                        }
                        .font(.caption).foregroundStyle(.secondary)
                        HStack {
                            Line(row.badge).font(.caption.bold())
                            if let attachments = row.attachments { Line(attachments).font(.caption) }
                            if let deadline = row.receiptDeadline { Line(deadline).font(.caption).foregroundStyle(.orange) }
                        }
                    }
                }
                .buttonStyle(.plain)
            }
        }
        .listStyle(.plain)
        .refreshable { await model.refresh() }
        .navigationTitle(Text(words(.key("app.tab.notices"))))
        .task { await model.load() }
    }
}

struct NoticeView: View {
    @Bindable var model: NoticeModel
    @State private var reading: NoticeFile?

    var body: some View {
        Form {
            ErrorLine(model.problem)
            Section {
                Line(model.title).font(.title3.bold())
                HStack {
                    Line(model.publisher)
                    Spacer()
                    Line(model.time)
                }
                .font(.caption).foregroundStyle(.secondary)
                Line(model.body)
            }
            if !model.attachments.isEmpty {
                Section {
                    ForEach(model.attachments) { attachment in
                        Button {
                            Task {
                                guard let data = await model.readAttachment(attachment.id) else { return }
                                reading = NoticeFile(data: data)
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
            if model.receiptRequired { receipt }
        }
        .watermarked()
        .sheet(item: $reading) { file in
            NavigationStack { PDFBodyView(data: file.data).navigationBarTitleDisplayMode(.inline) }
        }
        .task { if !model.loaded { await model.open() } }
    }

    private var receipt: some View {
        Section {
            if let line = model.receiptLine { Line(line).font(.headline) }
            if let reason = model.receiptReason { Line(reason).foregroundStyle(.red) }
            if let deadline = model.deadlineText { Line(deadline).foregroundStyle(.secondary) }
            if model.canReply {
                if !model.choices.isEmpty {
                    Picker(selection: $model.choice) {
                        ForEach(model.choices) { choice in Line(choice.label).tag(Optional(choice.id)) }
                    } label: { Line(.key("app.notice.choice")) }
                    .pickerStyle(.inline)
                }
                if model.noteRule != .forbidden {
                    TextField(text: $model.note, axis: .vertical) {
                        Line(model.noteRule == .required ? .key("app.notice.note_required") : .key("app.notice.note"))
                    }
                }
                Button { Task { await model.send() } } label: { Line(.key("app.notice.send")) }
                    .disabled(model.sending)
            }
        } header: { Line(.key("app.notice.receipt")) }
    }
}

/// Attachment bytes to show in the PDF sheet.
private struct NoticeFile: Identifiable {
    let id = UUID()
    let data: Data
}
