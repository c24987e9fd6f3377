// What the app holds for its whole life: the platform services the core calls (Secure Enclave keys,
// App Attest, the presence prompt), the string table of the user's language, and once the
// encrypted store is open, the session with its screen models. Opening the store reads the disk
// and the Keychain, so it runs off the main thread; a failure is shown with the core's own
// sentence. Apple-only: not compiled on Linux.
import Foundation
import Observation
import os
import Qianpi
import QianpiShell

@MainActor
@Observable
final class AppServices {
    /// Where opening the store stands.
    enum Phase {
        case opening
        case failed(UIText)
        case ready(AppSession)
    }

    private(set) var phase: Phase = .opening
    let words: Words

    @ObservationIgnored let keyStore = SecureEnclaveKeyStore()
    @ObservationIgnored let signer = SecureEnclaveSigner()
    @ObservationIgnored let attester = AppAttester()
    @ObservationIgnored let prompt: DevicePresencePrompt
    @ObservationIgnored let approvals: PresenceApprovals
    @ObservationIgnored private var opening: Task<AppSession?, Never>?
    @ObservationIgnored private let log = Logger(subsystem: "cn.qianpi.app", category: "app")

    init() {
        let table: StringTable?
        do {
            table = try StringTable.load(Words.preferredLanguage)
        } catch {
            // The bundle lacks its tables: every text shows its key, and the log says why.
            Logger(subsystem: "cn.qianpi.app", category: "app").fault("no string table: \(String(describing: error), privacy: .public)")
            table = nil
        }
        words = Words(table: table)
        prompt = DevicePresencePrompt(words: words)
        approvals = PresenceApprovals(prompt: prompt, signer: signer)
    }

    /// Opens the store (once; later calls wait for the same opening). An activated phone starts
    /// locked: the user proves to be there before anything shows.
    @discardableResult
    func open() async -> AppSession? {
        if case .ready(let session) = phase { return session }
        if let opening { return await opening.value }
        phase = .opening
        let task = Task { () -> AppSession? in
            do {
                let folder = try StoreFolder.prepare()
                let (keyStore, signer) = (self.keyStore, self.signer)
                let client = try await Task.detached(priority: .userInitiated) {
                    try QianpiClient(dataDir: folder.path, keyStore: keyStore, signer: signer)
                }.value
                // A phone still waiting for the administrator holds no documents yet and goes
                // back to the activation screen's words and wait; an approved one starts locked.
                let account = try await client.account()
                let activated = account.map { !$0.pendingApproval } ?? false
                if activated { client.lock() }
                let session = AppSession(client: client, services: self, activated: activated)
                phase = .ready(session)
                return session
            } catch {
                phase = .failed(Self.text(error))
                return nil
            }
        }
        opening = task
        let session = await task.value
        opening = nil
        return session
    }

    /// The phone was wiped (signed out): the store opens afresh, empty, at activation.
    func restart() async {
        phase = .opening
        await open()
    }

    /// The app left the foreground: lock, and ask for the next background refresh.
    func enteredBackground() {
        if case .ready(let session) = phase { session.enteredBackground() }
        BackgroundRefresh.schedule()
    }

    /// One sync within `budget` for background app refresh; whether it ran to its end. The data
    /// is opened through the keystore without a prompt and locked again afterwards unless the
    /// user unlocked the app meanwhile.
    func backgroundSync(budget: TimeInterval) async -> Bool {
        guard let session = await open() else { return false }
        let client = session.client
        let wasLocked = client.isLocked()
        let result: Result<Bool, Error>
        do {
            if wasLocked { try await client.unlock() }
            if try await client.account() == nil {
                result = .success(true)
            } else {
                result = .success(!(try await client.syncWithin(budget: budget)).budgetSpent)
            }
        } catch {
            result = .failure(error)
        }
        if wasLocked && !session.unlockedByUser { client.lock() }
        switch result {
        case .success(let finished):
            return finished
        case .failure(let error):
            // The kind only: an error's text may name a document.
            log.error("background sync failed: \(String(describing: type(of: error)), privacy: .public)")
            return false
        }
    }

    /// An error as the screens show it: the core's own sentence in both languages.
    static func text(_ error: Error) -> UIText {
        if let error = error as? QianpiError {
            return .both(zh: error.messageZh(), en: error.messageEn())
        }
        return .key("app.error.unexpected", [String(describing: error)])
    }
}
