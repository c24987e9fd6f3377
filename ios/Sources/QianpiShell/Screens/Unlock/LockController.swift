// The app's lock: it locks the data after the unit's inactivity time without a touch, and at once
// when the app leaves the foreground. The core keeps its own inactivity clock over uses of the
// data; this one also counts what the user does on screens that touch no data (scrolling a body
// already drawn), and it is the one that locks on leaving the app. Its clock is injected, so the
// inactivity lock is tested without waiting.
import Foundation
import Observation
import Qianpi

/// Whether the app is locked and when it will lock itself. No screen of its own: the app shows
/// the unlock screen (`UnlockModel`) over everything while `locked`, reports every touch with
/// `activity()`, calls `enteredBackground()` from the scene phase, and runs `run()` for as long
/// as it lives (a `.task` on the root view).
@MainActor
@Observable
public final class LockController {
    /// The data is locked: show the unlock screen.
    public private(set) var locked: Bool
    /// Seconds without a touch after which the app locks (the unit's policy, or as set here).
    public var lockAfter: TimeInterval { limit() }

    @ObservationIgnored private let client: QianpiClient
    @ObservationIgnored private let clock: LockClock
    @ObservationIgnored private let limit: @MainActor () -> TimeInterval
    @ObservationIgnored private var lastActivity: Date
    @ObservationIgnored private let wakes: AsyncStream<Void>
    @ObservationIgnored private let wake: AsyncStream<Void>.Continuation

    /// `lockAfter` gives the inactivity time in seconds each time the timer is armed; by default
    /// the unit's lock time the core holds (`inactivityLockSeconds`).
    public init(client: QianpiClient, clock: LockClock = SystemLockClock(), lockAfter: (@MainActor () -> TimeInterval)? = nil) {
        self.client = client
        self.clock = clock
        self.limit = lockAfter ?? { TimeInterval(client.inactivityLockSeconds()) }
        locked = client.isLocked()
        lastActivity = clock.now()
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The user did something: the inactivity time starts again.
    public func activity() {
        lastActivity = clock.now()
    }

    /// The app left the foreground: lock now, so the app switcher and a returning hand find it
    /// locked.
    public func enteredBackground() {
        lockNow()
    }

    /// Locks now (a "lock" button, or the timer).
    public func lockNow() {
        client.lock()
        locked = true
    }

    /// Locks when the inactivity time has passed since the last touch; the timer calls it, and
    /// the app may too on coming back to the foreground.
    public func check() {
        guard !locked, clock.now().timeIntervalSince(lastActivity) >= limit() else { return }
        lockNow()
    }

    /// Follows the core's lock (a lock by the core's own clock, an unlock from the unlock
    /// screen) and runs the inactivity timer, until the calling task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followLock() }
            group.addTask { await self.runTimer() }
        }
    }

    private func followLock() async {
        for await isLocked in client.lockUpdates() {
            if locked && !isLocked {
                // Unlocked: the user is here, the inactivity time starts now.
                lastActivity = clock.now()
            }
            locked = isLocked
            wake.yield()
        }
    }

    private func runTimer() async {
        var wakes = self.wakes.makeAsyncIterator()
        while !Task.isCancelled {
            if locked {
                // Nothing to time while locked: wait for the unlock.
                guard await wakes.next() != nil else { return }
                continue
            }
            let deadline = lastActivity.addingTimeInterval(limit())
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            // A touch since then moved the deadline; check() only locks when it has passed.
            check()
        }
    }
}
