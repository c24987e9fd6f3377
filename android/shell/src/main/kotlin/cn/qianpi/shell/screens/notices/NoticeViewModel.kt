// One opened notice: its text, publisher and time, its attachments (fetched into memory on
// demand), and the 回执 form — the publisher's choices and a note as the notice's rule says —
// checked here before it is kept on the phone and sent with the next sync.
package cn.qianpi.shell.screens.notices

import cn.qianpi.core.NoteRule
import cn.qianpi.core.NoticeDetail
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import java.time.Clock

data class ReceiptChoiceRow(val id: String, val label: UiText, val selected: Boolean)

data class NoticeAttachmentRow(val id: String, val name: UiText, val size: UiText, val onPhone: Boolean, val sha256: String)

/** The 回执 form; [editable] while a reply may be sent. */
data class ReceiptForm(
    val choices: List<ReceiptChoiceRow>,
    val note: String,
    /** Whether a note may or must be written. */
    val noteRule: NoteRule,
    /** 备注（必填） / 备注（选填）; none when no note is taken. */
    val noteLabel: UiText?,
    val editable: Boolean,
)

data class NoticeState(
    val loading: Boolean = true,
    val title: UiText? = null,
    val body: UiText? = null,
    val publisher: UiText? = null,
    val time: UiText? = null,
    val attachments: List<NoticeAttachmentRow> = emptyList(),
    /** Present when the notice asks for a 回执. */
    val receipt: ReceiptForm? = null,
    /** 请回执 / 回执：参加（带材料），待同步 / 回执未被接受：… */
    val receiptLine: UiText? = null,
    /** The publisher's gateway did not accept the 回执: why, in both languages. */
    val receiptRefusal: UiText? = null,
    /** Why the reply was not kept (a choice or note missing, or refused). */
    val problem: UiText? = null,
    val sending: Boolean = false,
    val error: UiText? = null,
)

/**
 * 通知详情: the notice (opening it marks it read), attachments ([openAttachment] gives the bytes
 * in memory), and the 回执 form: [choose] a choice, [setNote], [sendReceipt] (checked here, kept
 * on the phone, sent with the next sync). Call [load] first.
 */
class NoticeViewModel(
    private val client: QianpiClient,
    private val id: String,
    private val clock: Clock = WorkText.officeClock(),
) {
    private val _state = MutableStateFlow(NoticeState())
    val state: StateFlow<NoticeState> = _state.asStateFlow()

    suspend fun load() {
        try {
            show(client.notice(id))
        } catch (e: QianpiException) {
            _state.update { it.copy(loading = false, error = WorkText.error(e)) }
        }
    }

    private fun show(d: NoticeDetail) = _state.update { s ->
        val previous = s.receipt
        val chosen = previous?.choices?.firstOrNull { it.selected }?.id ?: d.replyChoice
        s.copy(
            loading = false,
            title = UiText.Plain(d.title),
            body = UiText.Plain(d.body),
            publisher = UiText.Plain(listOf(d.publisherName, d.publisherPost).filter { it.isNotBlank() }.joinToString(" · ")),
            time = WorkText.time(d.publishedAt, clock.zone),
            attachments = d.attachments.map { NoticeAttachmentRow(it.id, UiText.Plain(it.name), WorkText.size(it.size), it.stored, it.sha256) },
            receipt = if (!d.receiptRequired) {
                null
            } else {
                ReceiptForm(
                    choices = d.choices.map { ReceiptChoiceRow(it.id, UiText.Plain(it.label), it.id == chosen) },
                    note = previous?.note ?: d.replyNote.orEmpty(),
                    noteRule = d.noteRule,
                    noteLabel = when (d.noteRule) {
                        NoteRule.REQUIRED -> UiText.res("notices_note_required")
                        NoteRule.OPTIONAL -> UiText.res("notices_note_optional")
                        NoteRule.FORBIDDEN -> null
                    },
                    editable = d.canReply,
                )
            },
            receiptLine = receiptLine(d),
            receiptRefusal = d.refusal?.let { UiText.Both(it.reasonZh, it.reasonEn) },
            error = null,
        )
    }

    fun choose(choiceId: String) = _state.update { s ->
        val form = s.receipt ?: return@update s
        s.copy(receipt = form.copy(choices = form.choices.map { it.copy(selected = it.id == choiceId) }), problem = null)
    }

    fun setNote(note: String) = _state.update { s -> s.copy(receipt = s.receipt?.copy(note = note), problem = null) }

    /** Keeps the 回执 on the phone (sent with the next sync); false with [NoticeState.problem] when not. */
    suspend fun sendReceipt(): Boolean {
        val form = _state.value.receipt ?: return false
        val choice = form.choices.firstOrNull { it.selected }?.id
        val note = form.note.trim().ifEmpty { null }
        val missing = when {
            !form.editable -> UiText.res("notices_problem_closed")
            form.choices.isNotEmpty() && choice == null -> UiText.res("notices_problem_choose")
            form.noteRule == NoteRule.REQUIRED && note == null -> UiText.res("notices_problem_note")
            else -> null
        }
        if (missing != null) {
            _state.update { it.copy(problem = missing) }
            return false
        }
        _state.update { it.copy(sending = true, problem = null) }
        return try {
            show(client.replyNotice(id, choice, if (form.noteRule == NoteRule.FORBIDDEN) null else note))
            _state.update { it.copy(sending = false) }
            true
        } catch (e: QianpiException) {
            _state.update { it.copy(sending = false, problem = WorkText.error(e)) }
            false
        }
    }

    /** An attachment's bytes (fetched first when not on the phone), in memory. */
    suspend fun openAttachment(attachmentId: String): Result<ByteArray> {
        val row = _state.value.attachments.firstOrNull { it.id == attachmentId }
            ?: return Result.failure(IllegalArgumentException("no attachment $attachmentId"))
        return try {
            client.download(row.sha256)
            val bytes = client.readFile(row.sha256)
            load()
            Result.success(bytes)
        } catch (e: QianpiException) {
            Result.failure(e)
        }
    }

    companion object {
        /** The receipt line under a notice; none when it asks for no receipt. */
        fun receiptLine(d: NoticeDetail): UiText? {
            if (d.refusal != null) return UiText.res("notices_receipt_refused")
            if (!d.receiptRequired) return null
            if (d.repliedAt == null) return UiText.res(if (d.canReply) "notices_receipt_due" else "notices_receipt_closed")
            val choice = d.choices.firstOrNull { it.id == d.replyChoice }?.label
            val note = d.replyNote
            val pending = d.pendingSend
            return when {
                choice != null && note != null -> UiText.res(if (pending) "notices_receipt_choice_note_pending" else "notices_receipt_choice_note", choice, note)
                choice != null -> UiText.res(if (pending) "notices_receipt_choice_pending" else "notices_receipt_choice", choice)
                note != null -> UiText.res(if (pending) "notices_receipt_note_pending" else "notices_receipt_note", note)
                else -> UiText.res(if (pending) "notices_receipt_received_pending" else "notices_receipt_received")
            }
        }
    }
}
