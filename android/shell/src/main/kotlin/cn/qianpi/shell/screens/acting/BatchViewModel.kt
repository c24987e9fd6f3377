// 批量审批 from the 待办 list: the rows the user ticked are approved with the standard text, and
// each gets its own result — queued, or refused with the workflow's reason (an item whose route
// needs its own opinion, one no longer on the phone) — without stopping the others. On a phone the
// approval key asks for the person on every signature, so with the app's prompt each item is
// prepared, confirmed and signed in turn; a cancelled prompt leaves the rest unsigned.
package cn.qianpi.shell.screens.acting

import cn.qianpi.core.BatchItem
import cn.qianpi.core.BatchVerdict
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.UnopenedBodyCheck
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.screens.lists.ListRow
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** One item's result: queued (待同步) or refused with why. */
data class BatchResultRow(val taskId: String, val title: UiText, val queued: Boolean, val text: UiText)

data class BatchState(
    /** The ticked rows, in the order ticked. */
    val selected: List<ListRow> = emptyList(),
    val sending: Boolean = false,
    /** One per item sent, in the same order. */
    val results: List<BatchResultRow> = emptyList(),
    /** 已批 3 件，1 件未通过. */
    val summary: UiText? = null,
    val problem: UiText? = null,
)

/**
 * 批量审批: tick rows of the 待办 list ([toggle]), then [approve] them all with the standard
 * text; [BatchState.results] holds one result per item (queued, or refused with its reason) and
 * [BatchState.summary] the count. Batch approvals carry no opinion of their own, so the
 * workflow refuses items whose route needs one. [prompt] is the app's presence prompt over the
 * approval key (one confirmation per item); without it (a key that signs without asking, as the
 * tests' software vault) the core signs the whole batch at once.
 */
class BatchViewModel(private val client: QianpiClient, private val prompt: ApprovalPrompt? = null) {
    private val _state = MutableStateFlow(BatchState())
    val state: StateFlow<BatchState> = _state.asStateFlow()

    fun toggle(row: ListRow) = _state.update { s ->
        val ticked = s.selected.any { it.id == row.id }
        s.copy(selected = if (ticked) s.selected.filter { it.id != row.id } else s.selected + row, results = emptyList(), summary = null)
    }

    fun clear() = _state.update { BatchState() }

    /** Approves every ticked row; one result per row. */
    suspend fun approve(): List<BatchResultRow> {
        val rows = _state.value.selected
        if (rows.isEmpty()) {
            _state.update { it.copy(problem = UiText.res("acting_batch_none_selected")) }
            return emptyList()
        }
        _state.update { it.copy(sending = true, problem = null) }
        if (prompt != null) return finish(oneByOne(rows, prompt))
        val results = try {
            val titles = rows.associate { it.id to it.title }
            client.batchApprove(rows.map { BatchItem(it.id, null) }).map { r ->
                val title = titles[r.taskId] ?: UiText.Plain(r.taskId)
                when (val v = r.verdict) {
                    is BatchVerdict.Queued -> BatchResultRow(r.taskId, title, true, UiText.res("acting_batch_queued"))
                    is BatchVerdict.Refused -> BatchResultRow(r.taskId, title, false, UiText.Both(v.reasonZh, v.reasonEn))
                }
            }
        } catch (e: QianpiException) {
            _state.update { it.copy(sending = false, problem = WorkText.error(e)) }
            return emptyList()
        }
        return finish(results)
    }

    /**
     * Each row prepared, confirmed in the prompt and signed, in turn; a refusal is that row's
     * result. A cancelled prompt stops there: the rows not yet signed get no result and stay
     * ticked, and the problem says so.
     */
    private suspend fun oneByOne(rows: List<ListRow>, prompt: ApprovalPrompt): List<BatchResultRow> {
        val results = mutableListOf<BatchResultRow>()
        for ((index, row) in rows.withIndex()) {
            val result = try {
                client.prepareBatchItem(row.id, null).use { prepared ->
                    val warning = if (prepared.unopenedBody() == UnopenedBodyCheck.CONFIRM) UiText.res("acting_prompt_unopened_body") else null
                    val title = UiText.res("acting_batch_prompt_title", (index + 1).toString(), rows.size.toString())
                    val signature = prompt.sign(PromptRequest(title, row.title, warning, prepared.toBeSigned()))
                        ?: return cancelled(results, rows)
                    client.completeAction(prepared, signature)
                    BatchResultRow(row.id, row.title, true, UiText.res("acting_batch_queued"))
                }
            } catch (e: QianpiException) {
                BatchResultRow(row.id, row.title, false, WorkText.error(e))
            }
            results += result
        }
        return results
    }

    private fun cancelled(done: List<BatchResultRow>, rows: List<ListRow>): List<BatchResultRow> {
        val left = rows.filter { row -> done.none { it.taskId == row.id } }
        _state.update { it.copy(sending = false, selected = left, results = done, problem = UiText.res("acting_batch_cancelled")) }
        return done
    }

    private fun finish(results: List<BatchResultRow>): List<BatchResultRow> {
        if (_state.value.problem != null) return results
        val refused = results.count { !it.queued }
        val summary = if (refused == 0) {
            UiText.res("acting_batch_summary_all", results.size.toString())
        } else {
            UiText.res("acting_batch_summary", (results.size - refused).toString(), refused.toString())
        }
        _state.update { it.copy(sending = false, selected = emptyList(), results = results, summary = summary) }
        return results
    }
}
