// Background app refresh: BGTaskScheduler wakes the app now and then for one sync within a time
// budget (the core stops at a page boundary when it is spent; what was applied stays). When the
// system ends the time early, the expiration handler cancels the work and completes the task at
// once. The data was locked when the app left the foreground; the refresh opens it through the
// keystore (no prompt: the user sees nothing of it) and locks it again unless the user unlocked
// the app meanwhile. The identifier is the one Info.plist permits (BGTaskSchedulerPermittedIdentifiers).
// Apple-only: not compiled on Linux.
import BackgroundTasks
import Foundation
import os

enum BackgroundRefresh {
    /// The refresh task's identifier; Info.plist's BGTaskSchedulerPermittedIdentifiers lists it.
    static let identifier = "cn.qianpi.app.refresh"
    /// The sync's time: app refresh gets about 30 seconds, and completing takes a moment.
    static let budget: TimeInterval = 20
    /// How soon after the last one the next refresh may run (the system decides when it does).
    static let interval: TimeInterval = 15 * 60

    private static let log = Logger(subsystem: "cn.qianpi.app", category: "refresh")

    /// Registers the handler. Must run before the app finishes launching
    /// (`application(_:didFinishLaunchingWithOptions:)`).
    @MainActor
    static func register(services: AppServices) {
        let registered = BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: .main) { @Sendable task in
            let refresh = RefreshTask(task)
            let work = Task { @MainActor in
                schedule()
                refresh.complete(success: await services.backgroundSync(budget: budget))
            }
            task.expirationHandler = { @Sendable in
                work.cancel()
                refresh.complete(success: false)
            }
        }
        if !registered {
            log.error("the refresh task is not permitted by Info.plist")
        }
    }

    /// Asks for the next refresh. The simulator has none: that is logged, not hidden.
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: interval)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            log.error("cannot schedule the refresh: \(String(describing: error), privacy: .public)")
        }
    }
}

/// A BGTask completed exactly once, from the work or from the expiration handler, whichever ends
/// first. BGTask may be completed from any thread; the box says so to the compiler.
private final class RefreshTask: @unchecked Sendable {
    private let task: BGTask
    private let lock = NSLock()
    private var done = false

    init(_ task: BGTask) { self.task = task }

    func complete(success: Bool) {
        let first = lock.withLock { () -> Bool in
            defer { done = true }
            return !done
        }
        if first { task.setTaskCompleted(success: success) }
    }
}
