// One opened store and the screen models over it: the lock and the unlock screen, the lists, the
// sync status, the outbox, the notices, settings and activation, made once; the models of a
// document, of acting on a task, of the batch and of the people picker, made when a screen opens
// them. The platform seams go in here: the presence prompt, the approval signer, the pad
// renderer, App Attest. Apple-only: not compiled on Linux.
import Foundation
import Observation
import Qianpi
import QianpiShell
import UIKit

/// Where a tap leads inside a tab.
enum AppRoute: Hashable {
    /// A document: a task, read item, flow, draft or document id.
    case document(String)
    /// Acting on a task (the acting sheet's screen).
    case acting(String)
    /// 代签: a secretary acting on task `taskId` for `leader` (a user id).
    case actingFor(taskId: String, leader: String)
    /// An opened notice.
    case notice(String)
}

@MainActor
@Observable
final class AppSession {
    @ObservationIgnored let client: QianpiClient
    @ObservationIgnored let lock: LockController
    @ObservationIgnored let unlock: UnlockModel
    @ObservationIgnored let syncStatus: SyncStatusModel
    @ObservationIgnored let lists: ListsModel
    @ObservationIgnored let outbox: OutboxModel
    @ObservationIgnored let notices: NoticesModel
    @ObservationIgnored let settings: SettingsModel
    @ObservationIgnored let activation: ActivationModel
    @ObservationIgnored let approvals: PresenceApprovals
    /// The user's name for the watermark, read once the data is open.
    private(set) var watermarkName = ""
    /// The phone is bound to an account (approved or waiting for the approval).
    private(set) var activated: Bool

    init(client: QianpiClient, services: AppServices, activated: Bool) {
        self.client = client
        self.activated = activated
        approvals = services.approvals
        let device = UIDevice.current
        activation = ActivationModel(
            client: client, deviceName: "\(device.model) (\(device.systemName) \(device.systemVersion))",
            attester: services.attester)
        lock = LockController(client: client)
        unlock = UnlockModel(client: client, prompt: services.prompt)
        syncStatus = SyncStatusModel(client: client)
        lists = ListsModel(client: client)
        outbox = OutboxModel(client: client)
        notices = NoticesModel(client: client)
        settings = SettingsModel(client: client)
    }

    /// The user unlocked the app here (the background refresh may open the data without that).
    var unlockedByUser: Bool { !lock.locked && unlock.phase == .unlocked }

    /// Activation finished (the words matched, and the administrator approved where asked).
    func activationFinished() {
        activated = true
    }

    /// The app left the foreground: lock now; the unlock screen comes back.
    func enteredBackground() {
        lock.enteredBackground()
        unlock.relocked()
    }

    /// Reads the account's name for the watermark.
    func readAccount() async {
        do {
            watermarkName = try await client.account()?.name ?? ""
        } catch {
            // Locked again meanwhile: the name read before stays, the next unlock reads it again.
            return
        }
    }

    func document(_ id: String) -> DocumentModel { DocumentModel(client: client, id: id) }

    func acting(_ taskId: String, actingFor: String? = nil) -> ActingModel {
        ActingModel(client: client, taskId: taskId, prompt: approvals, renderer: PadRenderer(), actingFor: actingFor)
    }

    func notice(_ id: String) -> NoticeModel { NoticeModel(client: client, id: id) }

    // No per-item prompt: BatchView confirms the whole batch once (one LAContext for every signature).
    func batch() -> BatchModel { BatchModel(client: client) }

    func picker(_ purpose: PeoplePickerModel.Purpose) -> PeoplePickerModel { PeoplePickerModel(client: client, purpose: purpose) }
}
