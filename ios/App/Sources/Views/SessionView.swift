// What an opened store shows: activation until the phone is bound and approved, the unlock screen
// whenever the data is locked (after the unit's inactivity time, on leaving the app, at start),
// and the app's screens otherwise. The lock's timer runs for as long as the session is shown.
// Apple-only (SwiftUI).
import QianpiShell
import SwiftUI

struct SessionView: View {
    let session: AppSession

    var body: some View {
        Group {
            if !session.unlockedByUser {
                UnlockView(model: session.unlock)
            } else {
                MainView(session: session)
            }
        }
        .task { await session.lock.run() }
        .onChange(of: session.lock.locked) { _, locked in
            if locked { session.unlock.relocked() }
        }
    }
}
