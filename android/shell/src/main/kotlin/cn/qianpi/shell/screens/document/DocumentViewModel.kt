// A document's screen state: its head as labelled fields, the body fetched with progress and held
// in memory only (the app hands the bytes to PdfRenderer through a memory file descriptor; nothing
// is written to a file), attachments with sizes, opinions by 意见栏, the 流转记录 in order and the
// 办理时限. It follows the core's observer, so an action queued here or a pulled change shows
// without asking.
package cn.qianpi.shell.screens.document

import cn.qianpi.core.DocumentDetail
import cn.qianpi.core.DownloadListener
import cn.qianpi.core.FlowStep
import cn.qianpi.core.OpinionEntry
import cn.qianpi.core.Person
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.documentFlow
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.io.ByteArrayOutputStream
import java.time.Clock

/** One labelled line of the head: 文号 晋农办〔2026〕12号. */
data class HeadField(val label: UiText, val value: UiText)

/** The body as the viewer gets it. */
sealed interface BodyState {
    /** The document has no body. */
    data object None : BodyState

    /** Not fetched yet; [size] tells what opening it costs. */
    data class NotLoaded(val size: UiText, val onPhone: Boolean) : BodyState

    /** Fetching: [fraction] 0..1 for the progress bar, [text] 35 KB / 120 KB. */
    data class Downloading(val fraction: Float, val text: UiText) : BodyState

    /** The bytes in memory, for the viewer (PdfRenderer over a memory file descriptor). */
    class Ready(val bytes: ByteArray, val mediaType: String, val pages: Int?) : BodyState

    data class Failed(val message: UiText) : BodyState
}

data class AttachmentRow(val id: String, val name: UiText, val size: UiText, val onPhone: Boolean, val sha256: String)

data class OpinionRow(
    val author: UiText,
    val attitude: UiText,
    val text: UiText,
    val time: UiText?,
    /** 代 王建国 (委托) or 由 李晓梅 代签; none when the author wrote it himself. */
    val onBehalf: UiText?,
    /** 待同步 while it waits for the gateway. */
    val pending: UiText?,
    /** The handwriting image's hash, to fetch with [DocumentViewModel.openFile]. */
    val handwriting: String?,
)

data class OpinionColumnRow(val name: UiText, val opinions: List<OpinionRow>)

/** One step of the 流转记录, in order. */
data class FlowRow(val action: UiText, val actor: UiText, val time: UiText?, val node: UiText?, val detail: UiText?, val pending: UiText?)

data class DocumentState(
    val loading: Boolean = true,
    val title: UiText? = null,
    val number: UiText? = null,
    /** 加急 / 特急 beside the title. */
    val urgency: UiText? = null,
    val head: List<HeadField> = emptyList(),
    /** 办理时限 2026-03-05 18:00, and 超期 when it passed. */
    val deadline: UiText? = null,
    val overdue: UiText? = null,
    val state: UiText? = null,
    val currentNodes: UiText? = null,
    val body: BodyState = BodyState.None,
    val attachments: List<AttachmentRow> = emptyList(),
    val opinions: List<OpinionColumnRow> = emptyList(),
    val flow: List<FlowRow> = emptyList(),
    /** The viewer has a task here: the acting screen opens on [taskId]. */
    val taskId: String? = null,
    val error: UiText? = null,
)

/**
 * 公文详情: head fields (文号, 发文机关, 紧急程度, 密级, 签发人, dates, 主送/抄送), the body (fetched
 * with progress, kept in memory), attachments with sizes, opinions by 意见栏, the 流转记录 in
 * order, 办理时限 and 超期; times in [clock]'s zone. Actions: [openBody], [openFile] (an
 * attachment or a handwriting image, as bytes). [id] is a task, read item, 已发 row or document
 * id. Call [start] once; the observation ends with [scope].
 */
class DocumentViewModel(
    private val client: QianpiClient,
    private val id: String,
    private val scope: CoroutineScope,
    private val clock: Clock = WorkText.officeClock(),
) {
    private val _state = MutableStateFlow(DocumentState())
    val state: StateFlow<DocumentState> = _state.asStateFlow()
    private var observing: Job? = null
    private var detail: DocumentDetail? = null
    private var directory: Map<String, String> = emptyMap()

    fun start() {
        observing?.cancel()
        observing = scope.launch {
            // The detail names only the viewer; the others' names come from the address book.
            directory = runCatching { client.peoplePicker(false) }.getOrDefault(emptyList())
                .flatMap { it.people }.associate { it.userId to it.name }
            client.documentFlow(id).collect { result ->
                result.fold(
                    onSuccess = { d ->
                        detail = d
                        _state.update { show(it, d) }
                    },
                    onFailure = { e -> _state.update { it.copy(loading = false, error = WorkText.error(e)) } },
                )
            }
        }
    }

    private fun show(state: DocumentState, d: DocumentDetail): DocumentState {
        val zone = clock.zone
        val h = d.head
        val fields = listOfNotNull(
            field("document_field_number", UiText.Plain(h.number)),
            field("document_field_kind", WorkText.kind(h.kind)),
            field("document_field_urgency", WorkText.urgency(h.urgency)),
            field("document_field_secrecy", WorkText.secrecy(h.secrecy)),
            joined("document_field_issuer", h.issuingOrgans),
            h.fromOrgan?.let { field("document_field_from", UiText.Plain(it)) },
            h.fromNumber?.let { field("document_field_from_number", UiText.Plain(it)) },
            joined("document_field_signers", h.signers),
            WorkText.time(h.receivedAt, zone)?.let { field("document_field_received", it) },
            WorkText.date(h.date)?.let { field("document_field_date", it) },
            joined("document_field_recipients", h.mainRecipients),
            joined("document_field_copy_to", h.copyTo),
            h.printedBy?.let { field("document_field_printed_by", UiText.Plain(it)) },
            WorkText.date(h.printedOn)?.let { field("document_field_printed_on", it) },
            d.flowName?.let { field("document_field_flow", UiText.Plain(it)) },
        )
        val deadline = d.myTask?.deadline ?: d.deadline
        val body = d.bodies.lastOrNull { it.current }
        return state.copy(
            loading = false,
            title = UiText.Plain(h.title),
            number = UiText.Plain(h.number),
            urgency = WorkText.urgencyMark(h.urgency),
            head = fields,
            deadline = deadline?.let { WorkText.time(it.due, zone) }?.let { UiText.res("document_deadline", plain(it)) },
            overdue = if (deadline?.overdue == true) UiText.res("document_overdue") else null,
            state = d.instanceState?.let(WorkText::state),
            currentNodes = d.currentNodes.takeIf { it.isNotEmpty() }?.let { UiText.res("document_current_nodes", it.joinToString("、")) },
            body = when {
                state.body is BodyState.Ready || state.body is BodyState.Downloading -> state.body
                body == null -> BodyState.None
                else -> BodyState.NotLoaded(WorkText.size(body.size), body.held)
            },
            attachments = d.attachments.map { AttachmentRow(it.id, UiText.Plain(it.name), WorkText.size(it.size), it.held, it.sha256) },
            opinions = d.opinionColumns.map { c -> OpinionColumnRow(UiText.Plain(c.name), c.opinions.map(::opinion)) },
            flow = d.flowRecord.map(::step),
            taskId = d.myTask?.item?.taskId,
            error = null,
        )
    }

    private fun plain(text: UiText): String = (text as UiText.Plain).text

    private fun field(key: String, value: UiText) = HeadField(UiText.res(key), value)

    private fun joined(key: String, values: List<String>): HeadField? =
        values.takeIf { it.isNotEmpty() }?.let { field(key, UiText.Plain(it.joinToString("、"))) }

    private fun name(person: Person): String = person.name ?: directory[person.userId] ?: person.userId

    private fun opinion(o: OpinionEntry) = OpinionRow(
        author = UiText.Plain(name(o.author)),
        attitude = WorkText.attitude(o.attitude),
        text = UiText.Plain(o.text),
        time = WorkText.time(o.at, clock.zone),
        onBehalf = o.enteredBy?.let { UiText.res("document_entered_by", name(it)) }
            ?: o.onBehalfOf?.let { UiText.res("document_on_behalf_of", name(it)) },
        pending = if (o.pending) UiText.res("document_pending_sync") else null,
        handwriting = o.handwriting?.sha256,
    )

    private fun step(s: FlowStep) = FlowRow(
        action = WorkText.flowAction(s.action),
        actor = UiText.Plain(name(s.actor)),
        time = WorkText.time(s.at, clock.zone),
        node = s.nodeName?.let { UiText.Plain(it) },
        detail = s.returnedTo?.let { UiText.res("document_returned_to", it) }
            ?: s.to.takeIf { it.isNotEmpty() }?.let { to -> UiText.res("document_sent_to", to.joinToString("、") { name(it) }) }
            ?: s.enteredBy?.let { UiText.res("document_entered_by", name(it)) },
        pending = if (s.pending) UiText.res("document_pending_sync") else null,
    )

    /**
     * Fetches the current body with progress (if it is not on the phone yet) and reads it into
     * memory through the core's stream, which also counts as having opened it.
     */
    suspend fun openBody(): BodyState {
        val d = detail ?: runCatching { client.documentDetail(id) }.getOrElse { e ->
            return BodyState.Failed(WorkText.error(e)).also { f -> _state.update { it.copy(body = f) } }
        }
        val body = d.bodies.lastOrNull { it.current } ?: return BodyState.None
        val total = body.size
        val outcome = try {
            if (!body.held) {
                _state.update { it.copy(body = BodyState.Downloading(0f, progress(0u, total))) }
                client.downloadWithProgress(body.viewSha256, object : DownloadListener {
                    override fun onProgress(received: ULong, total: ULong) {
                        val fraction = if (total == 0uL) 0f else received.toFloat() / total.toFloat()
                        _state.update { it.copy(body = BodyState.Downloading(fraction, progress(received, total))) }
                    }
                })
            }
            BodyState.Ready(read(body.viewSha256), body.viewMediaType, body.pages?.toInt())
        } catch (e: QianpiException) {
            BodyState.Failed(WorkText.error(e))
        }
        _state.update { it.copy(body = outcome) }
        return outcome
    }

    private fun progress(received: ULong, total: ULong) =
        UiText.res("document_download_progress", plain(WorkText.size(received)), plain(WorkText.size(total)))

    private suspend fun read(sha256: String): ByteArray {
        val stream = client.openFile(sha256)
        try {
            val out = ByteArrayOutputStream(stream.size().toInt())
            while (true) {
                val piece = stream.read(256u * 1024u)
                if (piece.isEmpty()) break
                out.write(piece)
            }
            return out.toByteArray()
        } finally {
            stream.close()
        }
    }

    /** An attachment's or a handwriting image's bytes (fetched first when not on the phone), in memory. */
    suspend fun openFile(sha256: String): Result<ByteArray> = try {
        client.download(sha256)
        Result.success(read(sha256))
    } catch (e: QianpiException) {
        Result.failure(e)
    }
}
