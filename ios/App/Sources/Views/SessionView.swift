// What an opened store shows: the unlock screen whenever the data is locked (after the unit's
// inactivity time, on leaving the app, at start), activation until the phone is bound (and
// approved where the office approves by hand), and the app's screens otherwise. The lock's timer
// runs for as long as the session is shown. Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct SessionView: View {
    let session: AppSession
    /// The phone was wiped (signed out): the app starts afresh.
    let signedOut: () -> Void

    var body: some View {
        Group {
            if !session.unlockedByUser {
                UnlockView(model: session.unlock)
            } else if !session.activated {
                ActivationView(model: session.activation)
                    .onChange(of: session.activation.step) { _, step in
                        if step == .done { session.activationFinished() }
                    }
            } else {
                MainView(session: session)
            }
        }
        .task { await session.lock.run() }
        // Only a lock brings the unlock screen back; an unlock never takes it away by itself
        // (so not `UnlockModel.run()`): the background refresh opens the data without the user.
        .onChange(of: session.lock.locked) { _, locked in
            if locked { session.unlock.relocked() }
        }
        // Watched here, not on the settings screen: the wipe locks the data, which takes the
        // settings screen away before it could tell.
        .onChange(of: session.settings.signedOut) { _, out in
            if out { signedOut() }
        }
    }
}
