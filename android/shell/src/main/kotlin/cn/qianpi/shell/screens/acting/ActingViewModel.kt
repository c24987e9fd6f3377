// The acting screen's state: the actions the workflow's control flags permit on this task, the
// route, the opinion (typed, or from 常用意见) with the handwriting pad's strokes, the people an
// action goes to, and the rule an action's opinion must meet, checked here before anything is
// signed. Sending prepares the action in the core, has the platform's presence prompt sign it
// with the approval key, and completes it; the verdict shows once the gateway has decided.
package cn.qianpi.shell.screens.acting

import cn.qianpi.core.ApprovalQueued
import cn.qianpi.core.Attitude
import cn.qianpi.core.OpinionMedia
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SignMode
import cn.qianpi.core.SignPlace
import cn.qianpi.core.TaskAction
import cn.qianpi.core.TaskControls
import cn.qianpi.core.UnopenedBodyCheck
import cn.qianpi.shell.outboxFlow
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.screens.people.PersonRow
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.util.Locale

/** The actions a task may offer; which ones it does comes from the control flags. */
enum class ActionKind(val people: PeopleNeed = PeopleNeed.NONE) {
    APPROVE, MARK_READ, REJECT, RETURN,
    TRANSFER(PeopleNeed.ONE), DELEGATE(PeopleNeed.ONE), RESOLVE,
    ADD_SIGNERS(PeopleNeed.MANY), CIRCULATE(PeopleNeed.MANY),
    RECALL, CLAIM, RELEASE, TAKE_BACK, PAUSE, RESUME_TASK,
}

/** Whether an action goes to people picked in the people picker. */
enum class PeopleNeed { NONE, ONE, MANY }

/** A button the screen shows: 同意 / 退回 / 转交 … */
data class ActionChoice(val kind: ActionKind, val label: UiText)

/** A route an approval may take (送承办, 办结 …). */
data class RouteChoice(val id: String, val label: UiText, val requiresOpinion: Boolean, val selected: Boolean)

/** A step 退回 may go back to: its node id, shown by its name (拟办, 核稿 …). */
data class TargetChoice(val id: String, val label: UiText, val selected: Boolean)

data class ActingState(
    val loading: Boolean = true,
    val title: UiText? = null,
    val actions: List<ActionChoice> = emptyList(),
    val chosen: ActionKind? = null,
    /** 同意 or 不同意, for [ActionKind.APPROVE]. */
    val attitude: Attitude = Attitude.AGREE,
    val routes: List<RouteChoice> = emptyList(),
    val returnTargets: List<TargetChoice> = emptyList(),
    val opinion: String = "",
    /** 常用意见: own first, then the unit's. */
    val phrases: List<UiText> = emptyList(),
    /** The handwriting pad's strokes; drawn by the screen, rendered to PNG on sending. */
    val strokes: List<Stroke> = emptyList(),
    /** Who a 转交 / 委派 / 加签 / 传阅 goes to, from the people picker. */
    val people: List<PersonRow> = emptyList(),
    /** 加签: before or after oneself. */
    val signPlace: SignPlace = SignPlace.BEFORE,
    /** The chosen action's rule, shown before sending (退回须填写意见 …). */
    val rule: UiText? = null,
    /** Why sending did not go ahead (refused here, by the workflow, or the prompt was cancelled). */
    val problem: UiText? = null,
    val sending: Boolean = false,
    /** 已签批，待同步 once queued. */
    val sent: UiText? = null,
    /** The gateway's verdict on what was sent. */
    val verdict: VerdictView? = null,
    /** 代王建国签批 when a secretary enters it for a leader. */
    val actingFor: UiText? = null,
    /** 暂存 is offered. */
    val canSaveDraft: Boolean = false,
)

/**
 * 办理: only the actions the control flags permit ([ActingState.actions]); for 同意 the route and
 * attitude, for 退回 the step; the opinion typed or taken from 常用意见 ([usePhrase]) and a
 * handwriting pad ([beginStroke], [extendStroke], [undoStroke], [clearPad]); people from the
 * picker ([setPeople]) for 转交 / 委派 / 加签 / 传阅; the opinion rule shown before sending.
 * [send] signs behind the platform's presence prompt ([ApprovalPrompt]); the verdict follows.
 * With [actingFor] a secretary enters the action for that leader (代签). [saveDraft] keeps the
 * opinion (暂存). Call [load] first.
 */
class ActingViewModel(
    private val client: QianpiClient,
    private val taskId: String,
    private val scope: CoroutineScope,
    private val prompt: ApprovalPrompt,
    private val renderer: HandwritingRenderer,
    private val actingFor: PersonRow? = null,
) {
    private val _state = MutableStateFlow(ActingState())
    val state: StateFlow<ActingState> = _state.asStateFlow()
    private var controls: TaskControls? = null
    private var watching: Job? = null

    /**
     * Reads the task's flags, routes, the phrases and a kept draft. For 代签 the flags are the
     * leader's as his secretary may enter them (同意, 驳回, 退回 …), from the core's workflow rules.
     */
    suspend fun load() {
        try {
            val flags = (if (actingFor == null) client.controls(taskId) else client.controlsActingFor(taskId, actingFor.userId))
                .also { controls = it }
            val detail = client.documentDetail(taskId)
            val options = detail.myTask?.item?.routes.orEmpty().filter { it.id in flags.routes }
            val phrases = runCatching { client.phrases().all }.getOrDefault(emptyList())
            val draft = runCatching { client.draft(taskId) }.getOrNull()
            _state.update { s ->
                s.copy(
                    loading = false,
                    title = UiText.Plain(detail.head.title),
                    actions = permitted(flags).map { ActionChoice(it, label(it)) },
                    routes = options.map { RouteChoice(it.id, UiText.Plain(it.label), it.requiresOpinion, options.size == 1) },
                    returnTargets = flags.returnSteps.map { TargetChoice(it.id, UiText.Plain(it.name), flags.returnSteps.size == 1) },
                    phrases = phrases.map { UiText.Plain(it) },
                    opinion = draft?.text ?: s.opinion,
                    attitude = draft?.attitude ?: s.attitude,
                    actingFor = actingFor?.let { UiText.res("acting_for", it.name) },
                    canSaveDraft = flags.canSave,
                    problem = null,
                )
            }
        } catch (e: QianpiException) {
            _state.update { it.copy(loading = false, problem = WorkText.error(e)) }
        }
    }

    private fun permitted(c: TaskControls): List<ActionKind> = buildList {
        if (c.canApprove) add(ActionKind.APPROVE)
        if (c.canMarkRead) add(ActionKind.MARK_READ)
        if (c.returnTargets.isNotEmpty()) add(ActionKind.RETURN)
        if (c.canReject) add(ActionKind.REJECT)
        if (c.canTransfer) add(ActionKind.TRANSFER)
        if (c.canDelegate) add(ActionKind.DELEGATE)
        if (c.canResolve) add(ActionKind.RESOLVE)
        if (c.addSignModes.isNotEmpty()) add(ActionKind.ADD_SIGNERS)
        if (c.canCirculate) add(ActionKind.CIRCULATE)
        if (c.canRecall) add(ActionKind.RECALL)
        if (c.canClaim) add(ActionKind.CLAIM)
        if (c.canRelease) add(ActionKind.RELEASE)
        if (c.canTakeBack) add(ActionKind.TAKE_BACK)
        if (c.canPause) add(ActionKind.PAUSE)
        if (c.canResumeTask) add(ActionKind.RESUME_TASK)
    }

    /** Picks an action; its rule shows at once. */
    fun choose(kind: ActionKind) = _state.update { it.copy(chosen = kind, problem = null).withRule() }

    fun setAttitude(attitude: Attitude) = _state.update { it.copy(attitude = attitude) }

    fun selectRoute(id: String) = _state.update { s ->
        s.copy(routes = s.routes.map { it.copy(selected = it.id == id) }).withRule()
    }

    fun selectReturnTarget(id: String) = _state.update { s ->
        s.copy(returnTargets = s.returnTargets.map { it.copy(selected = it.id == id) })
    }

    fun setOpinion(text: String) = _state.update { it.copy(opinion = text, problem = null) }

    /** Puts the [index]th 常用意见 into the opinion (replacing an empty one, else appended). */
    fun usePhrase(index: Int) = _state.update { s ->
        val phrase = (s.phrases.getOrNull(index) as? UiText.Plain)?.text ?: return@update s
        s.copy(opinion = if (s.opinion.isBlank()) phrase else s.opinion + phrase, problem = null)
    }

    fun beginStroke(at: PadPoint) = _state.update { it.copy(strokes = it.strokes + Stroke(listOf(at))) }

    fun extendStroke(to: PadPoint) = _state.update { s ->
        val last = s.strokes.lastOrNull() ?: return@update s
        s.copy(strokes = s.strokes.dropLast(1) + Stroke(last.points + to))
    }

    fun undoStroke() = _state.update { it.copy(strokes = it.strokes.dropLast(1)) }

    fun clearPad() = _state.update { it.copy(strokes = emptyList()) }

    /** The people picked for the chosen action (the picker's selection). */
    fun setPeople(people: List<PersonRow>) = _state.update { it.copy(people = people, problem = null) }

    fun setSignPlace(place: SignPlace) = _state.update { it.copy(signPlace = place) }

    private fun ActingState.withRule(): ActingState = copy(
        rule = when (chosen) {
            ActionKind.APPROVE -> if (routes.any { it.selected && it.requiresOpinion }) UiText.res("acting_rule_route_opinion") else null
            ActionKind.RETURN -> UiText.res("acting_rule_return_opinion")
            ActionKind.REJECT -> UiText.res("acting_rule_reject_opinion")
            ActionKind.RESOLVE -> UiText.res("acting_rule_resolve_opinion")
            else -> null
        },
    )

    /** What is missing before the chosen action can be sent; null when it may go. */
    private fun missing(s: ActingState): UiText? {
        val kind = s.chosen ?: return UiText.res("acting_problem_choose_action")
        if (kind == ActionKind.APPROVE && s.routes.isNotEmpty() && s.routes.none { it.selected }) {
            return UiText.res("acting_problem_choose_route")
        }
        if (kind == ActionKind.RETURN && s.returnTargets.none { it.selected }) return UiText.res("acting_problem_choose_target")
        if (s.rule != null && s.opinion.isBlank() && s.strokes.isEmpty()) return s.rule
        if (kind in listOf(ActionKind.RETURN, ActionKind.REJECT, ActionKind.RESOLVE) && s.opinion.isBlank()) return s.rule
        return when (kind.people) {
            PeopleNeed.ONE -> if (s.people.size != 1) UiText.res("acting_problem_choose_one_person") else null
            PeopleNeed.MANY -> if (s.people.isEmpty()) UiText.res("acting_problem_choose_people") else null
            PeopleNeed.NONE -> null
        }
    }

    private fun action(s: ActingState): TaskAction {
        val opinion = s.opinion.trim()
        val route = s.routes.firstOrNull { it.selected }?.id
        return when (s.chosen ?: ActionKind.APPROVE) {
            ActionKind.APPROVE -> TaskAction.Approve(s.attitude, opinion, route)
            ActionKind.MARK_READ -> TaskAction.MarkRead
            ActionKind.REJECT -> TaskAction.Reject(opinion)
            ActionKind.RETURN -> TaskAction.ReturnTo(s.returnTargets.first { it.selected }.id, opinion)
            ActionKind.TRANSFER -> TaskAction.Transfer(s.people.single().userId)
            ActionKind.DELEGATE -> TaskAction.Delegate(s.people.single().userId)
            ActionKind.RESOLVE -> TaskAction.Resolve(opinion)
            ActionKind.ADD_SIGNERS -> TaskAction.AddSigners(
                s.people.map { it.userId },
                s.signPlace,
                controls?.addSignModes?.firstOrNull() ?: SignMode.SERIAL,
                if (s.signPlace == SignPlace.AFTER) route else null,
                if (s.signPlace == SignPlace.AFTER) opinion.ifEmpty { null } else null,
            )
            ActionKind.CIRCULATE -> TaskAction.Circulate(s.people.map { it.userId })
            ActionKind.RECALL -> TaskAction.Recall
            ActionKind.CLAIM -> TaskAction.Claim
            ActionKind.RELEASE -> TaskAction.Release
            ActionKind.TAKE_BACK -> TaskAction.TakeBack
            ActionKind.PAUSE -> TaskAction.Pause
            ActionKind.RESUME_TASK -> TaskAction.ResumeTask
        }
    }

    /**
     * Checks the rule, prepares the action (with the handwriting as a PNG), asks the presence
     * prompt to sign it and queues it. True when queued; otherwise [ActingState.problem] says why
     * and nothing was queued.
     */
    suspend fun send(): Boolean {
        val s = _state.value
        missing(s)?.let { problem ->
            _state.update { it.copy(problem = problem) }
            return false
        }
        _state.update { it.copy(sending = true, problem = null) }
        val queued: ApprovalQueued? = try {
            val handwriting = if (s.strokes.isEmpty()) null else OpinionMedia(renderer.png(s.strokes), "image/png", null)
            val prepared = if (handwriting == null) {
                client.prepareAction(taskId, action(s), actingFor?.userId)
            } else {
                client.prepareActionWithMedia(taskId, action(s), handwriting, null, actingFor?.userId)
            }
            prepared.use {
                val warning = if (it.unopenedBody() == UnopenedBodyCheck.CONFIRM) UiText.res("acting_prompt_unopened_body") else null
                val title = UiText.res("acting_prompt_" + (s.chosen ?: ActionKind.APPROVE).name.lowercase(Locale.ROOT))
                val signature = prompt.sign(PromptRequest(title, s.title ?: UiText.Plain(""), warning, it.toBeSigned()))
                if (signature == null) {
                    _state.update { st -> st.copy(problem = UiText.res("acting_problem_cancelled")) }
                    null
                } else {
                    client.completeAction(it, signature)
                }
            }
        } catch (e: QianpiException) {
            _state.update { it.copy(problem = WorkText.error(e)) }
            null
        }
        _state.update { it.copy(sending = false) }
        if (queued == null) return false
        runCatching { client.discardDraft(taskId) }
        _state.update { it.copy(sent = UiText.res("acting_sent_pending"), actions = emptyList(), strokes = emptyList()) }
        watch(queued.commandId)
        return true
    }

    /** Follows the outbox until the gateway's verdict on [commandId] is on the phone. */
    private fun watch(commandId: String) {
        watching?.cancel()
        watching = scope.launch {
            client.outboxFlow().collect {
                if (checkVerdict(commandId)) watching?.cancel()
            }
        }
    }

    private suspend fun checkVerdict(commandId: String): Boolean {
        val verdict = runCatching { client.verdicts() }.getOrNull()?.firstOrNull { it.commandId == commandId } ?: return false
        _state.update { it.copy(verdict = VerdictText.of(verdict), sent = null) }
        return true
    }

    /** 暂存: keeps the opinion with the task on this phone. */
    suspend fun saveDraft(): Boolean = try {
        val s = _state.value
        client.saveDraft(taskId, s.attitude, s.opinion)
        _state.update { it.copy(problem = null, sent = UiText.res("acting_draft_saved")) }
        true
    } catch (e: QianpiException) {
        _state.update { it.copy(problem = WorkText.error(e)) }
        false
    }

    companion object {
        fun label(kind: ActionKind): UiText = UiText.res("acting_action_" + kind.name.lowercase(Locale.ROOT))

        /** 代签: the tasks of [leader] a secretary may enter actions for. */
        suspend fun tasksHeldBy(client: QianpiClient, leader: String): List<String> = client.tasksHeldBy(leader)
    }
}
