// The outbox screen: what this phone did that waits for the office (待同步), and what the office
// refused, each with the core's reason in Chinese and English and what the person can do next.
// The core keeps a refused command for good (nothing changed at the office) and the task behind it
// is acted on afresh, so "edit and resend" is: open the document and act again, offered only when
// the task's control flags allow an action now. "Resend" of a waiting command is a sync. The
// bindings have no call that discards a waiting or a refused command, so the screen offers none.
package cn.qianpi.shell.screens.outbox

import cn.qianpi.core.FlowAction
import cn.qianpi.core.OutboxOverview
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.QueuedAction
import cn.qianpi.core.TaskControls
import cn.qianpi.core.Verdict
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.outboxFlow
import cn.qianpi.shell.screens.settings.CHINA_ZONE
import cn.qianpi.shell.screens.settings.errorText
import cn.qianpi.shell.screens.settings.wallClock
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.ZoneId

/** One command waiting for the office. */
data class WaitingRow(
    val commandId: String,
    val taskId: String,
    /** The document's title, when it is on the phone. */
    val title: UiText,
    /** 同意 / 退回 / 已阅 … */
    val action: UiText,
    /** 待同步 (离线办理) */
    val status: UiText,
    /** 办理时间：2026-12-07 09:30 */
    val decidedAt: UiText,
)

/** What the person can do about a refused command. */
sealed interface NextStep {
    /** Open the document and act on the task again (edit and resend); its flags allow it now. */
    data class ActAgain(val taskId: String) : NextStep

    /** Sync first: the office has a newer state of the flow than this phone. */
    data object SyncFirst : NextStep

    /** Only look: the task can no longer be acted on from this phone. */
    data class Open(val taskId: String) : NextStep
}

/** One command the office refused. */
data class RefusedRow(
    val commandId: String,
    val taskId: String,
    val title: UiText,
    /** The office's reason, in both languages as the core gives it. */
    val reason: UiText,
    /** The refusal's stable code (`stale`, `task_not_pending`, …). */
    val code: String,
    /** 未被接受（离线办理） or 未被接受 */
    val status: UiText,
    /** 退回时间：… (when the office decided). */
    val decidedAt: UiText,
    /** What can be done next, in the order the buttons are shown; empty: nothing but read the reason. */
    val nextSteps: List<NextStep>,
    /** The line under the reason saying what to do. */
    val advice: UiText,
)

/** What the outbox screen draws. */
data class OutboxState(
    val loading: Boolean = true,
    val waiting: List<WaitingRow> = emptyList(),
    val refused: List<RefusedRow> = emptyList(),
    /** 暂无待同步或未被接受的事项, when both are empty. */
    val empty: UiText? = null,
    /** Why the outbox cannot be read now (locked), or why the last sync failed. */
    val error: UiText? = null,
    val syncing: Boolean = false,
)

/**
 * The outbox and refused items. Shows: the waiting commands (待同步) and the refused ones with their
 * reason and next steps. Actions: [syncNow] (resends what waits and fetches verdicts; also the
 * SyncFirst step); ActAgain / Open steps are navigation to the document, which the app does.
 */
class OutboxViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val zone: ZoneId = CHINA_ZONE,
) : AutoCloseable {
    private val mutableState = MutableStateFlow(OutboxState())
    val state: StateFlow<OutboxState> = mutableState.asStateFlow()

    /** Titles by task id: a task's document does not change its title under the outbox. */
    private val titles = HashMap<String, UiText>()

    /** The outbox as last told; rendered again after a sync, whose pull may change what a task allows. */
    private var last: Result<OutboxOverview>? = null
    private val rendering = Mutex()

    private val following: Job = scope.launch {
        client.outboxFlow().collect { result -> render(result) }
    }

    /** Sends what waits and fetches the office's verdicts. */
    fun syncNow(): Job = scope.launch {
        if (mutableState.value.syncing) return@launch
        mutableState.update { it.copy(syncing = true, error = null) }
        val error = try {
            client.sync()
            null
        } catch (e: QianpiException) {
            errorText(e)
        }
        // A refusal's next steps follow the task's flags, which the sync's pull may have changed
        // (the task done on another phone) without the outbox itself changing.
        last?.let { render(it) }
        mutableState.update { it.copy(syncing = false, error = error ?: it.error) }
    }

    private suspend fun render(result: Result<OutboxOverview>) = rendering.withLock {
        last = result
        val next = result.fold(
            onSuccess = { overview ->
                val waiting = overview.queued.map { waitingRow(it) }
                val refused = overview.refused.mapNotNull { refusedRow(it) }
                OutboxState(
                    loading = false,
                    waiting = waiting,
                    refused = refused,
                    empty = if (waiting.isEmpty() && refused.isEmpty()) UiText.res("outbox_empty") else null,
                )
            },
            onFailure = { OutboxState(loading = false, error = errorText(it)) },
        )
        mutableState.update { next.copy(syncing = it.syncing) }
    }

    override fun close() = following.cancel()

    private suspend fun title(taskId: String): UiText = titles[taskId] ?: try {
        UiText.Plain(client.documentDetail(taskId).head.title).also { titles[taskId] = it }
    } catch (e: QianpiException) {
        UiText.res("outbox_unknown_document")
    }

    private suspend fun waitingRow(item: QueuedAction) = WaitingRow(
        commandId = item.commandId,
        taskId = item.taskId,
        title = title(item.taskId),
        action = actionName(item.action),
        status = UiText.res(if (item.decidedOffline) "outbox_waiting_offline" else "outbox_waiting"),
        decidedAt = UiText.res("outbox_decided_at", wallClock(item.createdAt, zone)),
    )

    private suspend fun refusedRow(verdict: Verdict): RefusedRow? {
        val refusal = verdict.outcome as? VerdictOutcome.Refused ?: return null
        val controls = try {
            client.controls(verdict.taskId)
        } catch (e: QianpiException) {
            null
        }
        val steps = nextSteps(verdict.taskId, refusal.code, controls)
        return RefusedRow(
            commandId = verdict.commandId,
            taskId = verdict.taskId,
            title = title(verdict.taskId),
            reason = UiText.Both(refusal.reasonZh, refusal.reasonEn),
            code = refusal.code,
            status = UiText.res(if (verdict.decidedOffline) "outbox_refused_offline" else "outbox_refused"),
            decidedAt = UiText.res("outbox_refused_at", wallClock(verdict.decidedAt, zone)),
            nextSteps = steps,
            advice = UiText.res(
                when {
                    steps.any { it is NextStep.ActAgain } -> "outbox_advice_act_again"
                    steps.any { it is NextStep.SyncFirst } -> "outbox_advice_sync_first"
                    else -> "outbox_advice_nothing"
                },
            ),
        )
    }

    companion object {
        /**
         * The action's name as the screen prints it (the enum's constant is the stable name the
         * record carries, `ADD_SIGNER` → `outbox_action_add_signer`); none only for a record whose
         * action the core could not name.
         */
        fun actionName(action: FlowAction?): UiText =
            UiText.res("outbox_action_" + (action?.name?.lowercase() ?: "unknown"))

        /**
         * The next steps after a refusal with [code] on [taskId], given the task's flags now
         * ([controls]; none when the phone no longer has the task).
         */
        fun nextSteps(taskId: String, code: String, controls: TaskControls?): List<NextStep> {
            val steps = mutableListOf<NextStep>()
            if (controls != null && canAct(controls)) steps += NextStep.ActAgain(taskId)
            if (code == "stale") steps += NextStep.SyncFirst
            if (steps.isEmpty() && controls?.canOpen == true) steps += NextStep.Open(taskId)
            return steps
        }

        private fun canAct(c: TaskControls): Boolean =
            c.canApprove || c.canMarkRead || c.canReject || c.returnTargets.isNotEmpty() || c.canTransfer ||
                c.canDelegate || c.canResolve || c.canCirculate || c.addSignModes.isNotEmpty()
    }
}
