// Acting on one task: only the actions its control flags permit, the route, the opinion with the
// common phrases (常用意见) and the handwriting pad, the rules that require an opinion, 代签 for a
// secretary, the approval behind the platform's presence prompt (prepare → sign → complete), and
// then what became of it: sent, waiting for the gateway (待同步), or the gateway's verdict.
import Foundation
import Observation
import Qianpi

/// The acting bar and sheet of a document (办理).
///
/// Shows: `actions` (only what the control flags permit: 同意, 不同意, 已阅, 退回, 转交 …, each
/// with its title), `routes` with `selectedRoute` (offer a choice when there are several),
/// `returnTargets`, the `opinion` being written (bound to a text field), `phrases` (常用意见: tap
/// one to use it), `pad` (the handwriting pad's strokes; the platform draws them), `actingForText`
/// (代 王建国 签批, for a secretary), `problem` (why the action cannot go yet: an opinion is
/// required, no route chosen, a refusal from the core), `phase` with `statusText` (working, 待同步,
/// delivered, refused, cancelled), `verdictText` and `verdictReason` once the gateway decided.
/// Actions: `load()`, `usePhrase(_:)`, `perform(_:people:target:)` (the view opens
/// `PeoplePickerModel` first for 转交/委派/传阅/加签 and passes the chosen user ids), `confirmUnopened()`
/// when `phase == .confirmUnopened`, `saveDraft()`, `deliver()` (sync and look for the verdict;
/// call it again after coming online), `clearPad()`.
/// A step 退回 may go back to: its id (what the action names) and its name (what the screen shows).
public struct ReturnChoice: Equatable, Sendable, Identifiable {
    public let id: String
    public let label: UIText
}

@MainActor @Observable
public final class ActingModel {
    /// What the user may do.
    public enum Action: String, CaseIterable, Sendable {
        case approve, disagree, markRead, reject, returnTo, transfer, delegate, resolve, addSigners,
             circulate, recall, save, claim, release, pause, resumeTask, takeBack

        /// The button's title: 同意 / 不同意 / 已阅 / 驳回 / 退回 / 转交 …
        public var title: UIText { .key("acting.action.\(rawValue)") }

        /// The action needs people picked first.
        public var needsPeople: Bool { [.transfer, .delegate, .circulate, .addSigners].contains(self) }
    }

    /// A way an approval may go.
    public struct Route: Equatable, Sendable, Identifiable {
        public let id: String
        public let label: UIText
        public let requiresOpinion: Bool
    }

    /// Where the action stands.
    public enum Phase: Equatable, Sendable {
        case loading
        case editing
        case working
        /// The unit wants a confirmation: the body was never opened on this phone.
        case confirmUnopened
        /// Signed and kept on the phone; the gateway has not decided (offline: 待同步).
        case waiting
        /// The gateway accepted it.
        case delivered
        /// The gateway refused it (`verdictReason` says why).
        case refused
        /// The prompt was cancelled: nothing was sent.
        case cancelled
        case failed
    }

    public let taskId: String
    private let client: QianpiClient
    private let prompt: ApprovalPrompt?
    private let renderer: HandwritingRenderer?
    /// 代签: the leader a secretary enters the action for.
    public let actingFor: String?

    public private(set) var phase: Phase = .loading
    public private(set) var actions: [Action] = []
    public private(set) var routes: [Route] = []
    public var selectedRoute: String?
    public private(set) var returnTargets: [String] = []
    /// The steps 退回 may go back to, by their names in the process definition.
    public private(set) var returnChoices: [ReturnChoice] = []
    public var opinion = ""
    public private(set) var phrases: [String] = []
    public var pad = HandwritingPad()
    public private(set) var actingForText: UIText?
    public private(set) var problem: UIText?
    public private(set) var statusText: UIText?
    public private(set) var verdictText: UIText?
    public private(set) var verdictReason: UIText?
    /// The queued command, once signed.
    public private(set) var commandId: String?

    @ObservationIgnored private var title = ""
    @ObservationIgnored private var unopenedConfirmed = false
    @ObservationIgnored private var pending: (Action, [String], String?)?

    /// `prompt`: the presence prompt of a platform whose approval key asks for the user on each
    /// use (none: the key signs without asking); `renderer`: draws the pad into a PNG (none: no
    /// pad offered); `actingFor`: 代签, the leader's user id.
    public init(client: QianpiClient, taskId: String, prompt: ApprovalPrompt? = nil,
                renderer: HandwritingRenderer? = nil, actingFor: String? = nil) {
        self.client = client
        self.taskId = taskId
        self.prompt = prompt
        self.renderer = renderer
        self.actingFor = actingFor
    }

    /// Reads what may be done, the routes, the phrases and a kept draft.
    public func load() async {
        do {
            // 代签: the flags of what the secretary may enter for her leader, by the same rules
            // the gateway applies.
            let controls = if let leader = actingFor {
                try await client.controlsActingFor(id: taskId, leader: leader)
            } else {
                try await client.controls(id: taskId)
            }
            let detail = try? await client.documentDetail(id: taskId)
            title = detail?.head.title ?? ""
            actions = Self.permitted(controls)
            let labelled = detail?.myTask?.item.routes ?? []
            routes = controls.routes.map { id in
                let option = labelled.first { $0.id == id }
                return Route(id: id, label: .plain(option?.label ?? id), requiresOpinion: option?.requiresOpinion ?? false)
            }
            if routes.count == 1 { selectedRoute = routes[0].id }
            returnTargets = controls.returnTargets
            returnChoices = controls.returnSteps.map { ReturnChoice(id: $0.id, label: .plain($0.name)) }
            phrases = (try? await client.phrases())?.all ?? []
            if opinion.isEmpty, let draft = try? await client.draft(taskId: taskId) { opinion = draft.text }
            if let leader = actingFor {
                let everyone = (try? await client.peoplePicker(excludeSelf: false))?.flatMap(\.people) ?? []
                actingForText = .key("acting.acting_for", [everyone.first { $0.userId == leader }?.name ?? leader])
            }
            phase = .editing
        } catch {
            problem = WorkText.error(error)
            phase = .failed
        }
    }

    /// Puts common phrase `index` into the opinion (after what is written already).
    public func usePhrase(_ index: Int) {
        guard phrases.indices.contains(index) else { return }
        opinion = opinion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? phrases[index] : opinion + phrases[index]
        problem = nil
    }

    public func clearPad() { pad.clear() }

    /// 暂存: keeps the opinion on the phone for later.
    public func saveDraft() async {
        do {
            try await client.saveDraft(taskId: taskId, attitude: .agree, text: opinion)
            statusText = .key("acting.status.draft_saved")
        } catch {
            problem = WorkText.error(error)
        }
    }

    /// Does `action`: `people` for 转交/委派/传阅/加签 (user ids from the picker), `target` for 退回.
    /// Checks the rules first (an opinion where one is required, a route, a target), then signs
    /// (behind the prompt when there is one) and tries to deliver.
    public func perform(_ action: Action, people: [String] = [], target: String? = nil) async {
        guard actions.contains(action) else {
            problem = .key("acting.not_permitted")
            return
        }
        if let rule = check(action, people: people, target: target) {
            problem = rule
            return
        }
        problem = nil
        if [.approve, .disagree].contains(action), !unopenedConfirmed,
           (try? await client.unopenedBodyCheck(id: taskId)) == .confirm {
            pending = (action, people, target)
            phase = .confirmUnopened
            statusText = .key("acting.unopened.confirm")
            return
        }
        phase = .working
        statusText = .key("acting.status.working")
        let written = opinion.trimmingCharacters(in: .whitespacesAndNewlines)
        let taskAction: TaskAction
        switch action {
        case .approve, .disagree:
            taskAction = .approve(attitude: action == .approve ? .agree : .disagree, opinion: written, route: selectedRoute)
        case .markRead: taskAction = .markRead
        case .reject: taskAction = .reject(opinion: written)
        case .returnTo: taskAction = .returnTo(target: target ?? "", opinion: written)
        case .transfer: taskAction = .transfer(to: people[0])
        case .delegate: taskAction = .delegate(to: people[0])
        case .resolve: taskAction = .resolve(opinion: written)
        case .addSigners:
            taskAction = .addSigners(signers: people, position: .before, mode: people.count > 1 ? .serial : .single, route: nil, opinion: nil)
        case .circulate: taskAction = .circulate(recipients: people)
        case .recall: taskAction = .recall
        case .save: taskAction = .saveAtGateway(opinion: written)
        case .claim: taskAction = .claim
        case .release: taskAction = .release
        case .pause: taskAction = .pause
        case .resumeTask: taskAction = .resumeTask
        case .takeBack: taskAction = .takeBack
        }
        let carriesOpinion = [.approve, .disagree, .reject, .returnTo, .resolve, .save].contains(action)
        await send(taskAction, named: action, withPad: carriesOpinion && !pad.isEmpty)
    }

    /// The user confirmed approving a body never opened here: goes on with the action.
    public func confirmUnopened() async {
        guard phase == .confirmUnopened, let waiting = pending else { return }
        unopenedConfirmed = true
        pending = nil
        await perform(waiting.0, people: waiting.1, target: waiting.2)
    }

    /// Syncs, then shows the gateway's verdict on the command sent from here; offline, it stays
    /// 待同步 (call again once online).
    public func deliver() async {
        guard let commandId else { return }
        do {
            _ = try await client.sync()
        } catch {
            phase = .waiting
            statusText = WorkText.isOffline(error) ? .key("acting.status.waiting") : WorkText.error(error)
            return
        }
        guard let verdict = (try? await client.verdicts())?.first(where: { $0.commandId == commandId }) else {
            phase = .waiting
            statusText = .key("acting.status.waiting")
            return
        }
        verdictText = ActingText.verdict(verdict)
        statusText = nil
        switch verdict.outcome {
        case .accepted:
            phase = .delivered
            verdictReason = nil
        case .refused(_, let reasonZh, let reasonEn, _):
            phase = .refused
            verdictReason = .both(zh: reasonZh, en: reasonEn)
        }
    }

    private func check(_ action: Action, people: [String], target: String?) -> UIText? {
        let blank = opinion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        switch action {
        case .approve, .disagree:
            if action == .disagree && blank { return .key("acting.opinion.required_disagree") }
            guard let routeId = selectedRoute ?? (routes.count == 1 ? routes[0].id : nil) else {
                return routes.isEmpty ? nil : .key("acting.route.required")
            }
            if let route = routes.first(where: { $0.id == routeId }), route.requiresOpinion, blank {
                return .key("acting.opinion.required_route", [Self.plain(route.label)])
            }
            return nil
        case .reject: return blank ? .key("acting.opinion.required_reject") : nil
        case .returnTo:
            if target == nil || !(returnTargets.contains(target ?? "")) { return .key("acting.return.target_required") }
            return blank ? .key("acting.opinion.required_return") : nil
        case .resolve: return blank ? .key("acting.opinion.required_resolve") : nil
        case .transfer, .delegate: return people.count == 1 ? nil : .key("acting.people.one_required")
        case .circulate, .addSigners: return people.isEmpty ? .key("acting.people.required") : nil
        default: return nil
        }
    }

    private static func plain(_ text: UIText) -> String {
        if case .plain(let value) = text { return value }
        return ""
    }

    private func send(_ taskAction: TaskAction, named action: Action, withPad: Bool) async {
        var handwriting: OpinionMedia?
        if withPad, let renderer {
            do {
                handwriting = OpinionMedia(bytes: try await renderer.png(pad), mediaType: "image/png", durationMs: nil)
            } catch {
                phase = .failed
                problem = .key("acting.handwriting.failed")
                return
            }
        }
        let queued: ApprovalQueued
        do {
            if let prompt {
                let prepared = handwriting == nil
                    ? try await client.prepareAction(taskId: taskId, action: taskAction, actingFor: actingFor)
                    : try await client.prepareActionWithMedia(
                        taskId: taskId, action: taskAction, handwriting: handwriting, voice: nil, actingFor: actingFor)
                let signature: Data
                do {
                    signature = try await prompt.sign(prepared.toBeSigned(), reason: .key("acting.prompt.reason", [title]))
                } catch {
                    // Cancelled or refused by the platform: the prepared action is dropped, nothing queued.
                    phase = .cancelled
                    statusText = .key("acting.status.cancelled")
                    return
                }
                queued = try await client.completeAction(prepared: prepared, signature: signature)
            } else if handwriting != nil {
                queued = try await client.actOnTaskWithMedia(
                    taskId: taskId, action: taskAction, handwriting: handwriting, voice: nil, actingFor: actingFor)
            } else {
                queued = try await client.actOnTask(taskId: taskId, action: taskAction, actingFor: actingFor)
            }
        } catch {
            phase = .failed
            statusText = nil
            problem = WorkText.error(error)
            return
        }
        commandId = queued.commandId
        opinion = ""
        pad.clear()
        try? await client.discardDraft(taskId: taskId)
        phase = .waiting
        statusText = .key("acting.status.waiting")
        await deliver()
    }

    static func permitted(_ c: TaskControls) -> [Action] {
        var out: [Action] = []
        if c.canApprove { out += [.approve, .disagree] }
        if c.canMarkRead { out.append(.markRead) }
        if c.canReject { out.append(.reject) }
        if !c.returnTargets.isEmpty { out.append(.returnTo) }
        if c.canTransfer { out.append(.transfer) }
        if c.canDelegate { out.append(.delegate) }
        if c.canResolve { out.append(.resolve) }
        if !c.addSignModes.isEmpty { out.append(.addSigners) }
        if c.canCirculate { out.append(.circulate) }
        if c.canRecall { out.append(.recall) }
        if c.canSave { out.append(.save) }
        if c.canClaim { out.append(.claim) }
        if c.canRelease { out.append(.release) }
        if c.canPause { out.append(.pause) }
        if c.canResumeTask { out.append(.resumeTask) }
        if c.canTakeBack { out.append(.takeBack) }
        return out
    }
}

/// The gateway's verdict as the acting sheet and the outbox print it.
public enum ActingText {
    /// 已送达，流程已转至承办 / 已送达（离线批示），流程已办结 / 未被接受 (the reason apart).
    public static func verdict(_ verdict: Verdict) -> UIText {
        let offline = verdict.decidedOffline ? "_offline" : ""
        switch verdict.outcome {
        case .accepted(_, _, let node):
            if let node { return .key("acting.verdict.accepted\(offline)", [node]) }
            return .key("acting.verdict.finished\(offline)")
        case .refused:
            return .key("acting.verdict.refused\(offline)")
        }
    }
}
