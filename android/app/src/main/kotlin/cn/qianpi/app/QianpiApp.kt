// The process: one core client for the activity and the background sync, made off the main thread
// (opening the library and its folder touch the disk), the lock following the process lifecycle,
// and the periodic background sync scheduled. Debug builds turn on StrictMode so that any disk or
// network access on the main thread shows at once.
package cn.qianpi.app

import android.app.Application
import android.content.pm.ApplicationInfo
import android.os.StrictMode
import androidx.lifecycle.ProcessLifecycleOwner
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** What the screens and the worker share. */
class Services(
    val client: QianpiClient,
    val signer: AndroidKeystoreSigner,
    val attester: KeystoreAttester,
    val lock: AppLock,
)

class QianpiApp : Application() {
    /** Lives as long as the process; the main dispatcher, as the view models expect. */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    private lateinit var services: Deferred<Services>

    /** The client and its companions, once made. */
    suspend fun services(): Services = services.await()

    override fun onCreate() {
        super.onCreate()
        if ((applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE) != 0) {
            StrictMode.setThreadPolicy(StrictMode.ThreadPolicy.Builder().detectDiskReads().detectDiskWrites().detectNetwork().penaltyLog().build())
            StrictMode.setVmPolicy(StrictMode.VmPolicy.Builder().detectLeakedClosableObjects().penaltyLog().build())
        }
        // Loading the core's library, opening its folder and the keystore all touch the disk.
        services = scope.async(Dispatchers.IO) {
            val strongBox = StrongBox(this@QianpiApp)
            val challenge = AttestationChallenge()
            val signer = AndroidKeystoreSigner(strongBox, challenge)
            val keyStore = AndroidKeystoreKeyStore(strongBox)
            // noBackupFilesDir: Android never backs it up or transfers it (see the manifest).
            val dir = noBackupFilesDir.resolve("qianpi").apply { mkdirs() }.path
            val client = try {
                QianpiClient.open(dir, keyStore, signer)
            } catch (e: QianpiException.Wiped) {
                // Past the unit's offline limit the phone erased itself; opening again gives a
                // fresh, unactivated one.
                QianpiClient.open(dir, keyStore, signer)
            }
            // The store opens unlocked: whether it holds an account is read before it is locked.
            val account = runCatching { client.account() }.getOrNull()
            // An activated phone starts locked: only the person's unlock (or a background sync,
            // for its duration) opens the data. One still waiting for the administrator holds no
            // documents yet and goes back to the activation screen's words and wait.
            val approved = account != null && !account.pendingApproval
            if (approved) client.lock()
            withContext(Dispatchers.Main) {
                val lock = AppLock(client, scope, activated = approved)
                ProcessLifecycleOwner.get().lifecycle.addObserver(lock)
                Services(client, signer, KeystoreAttester(challenge), lock)
            }
        }
        scope.launch(Dispatchers.IO) { SyncWorker.schedule(this@QianpiApp) }
    }
}
