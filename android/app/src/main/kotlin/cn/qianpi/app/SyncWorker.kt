// Background sync with WorkManager: about every quarter of an hour when there is a network, one
// sync within a time budget (the core stops at the next page boundary when it is spent and keeps
// what it applied), and a hard timeout above it in case the network hangs. It runs only while the
// app is away (on screen the app's own runner syncs), opens the data for the sync and locks it
// again: the request key needs no user, the approval key is never used here.
package cn.qianpi.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import cn.qianpi.core.QianpiException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.TimeUnit

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val services = (applicationContext as QianpiApp).services()
        return try {
            withTimeout(HARD_LIMIT.toMillis()) {
                services.lock.whileAway { services.client.syncWithin(BUDGET) }
            }
            Result.success()
        } catch (e: TimeoutCancellationException) {
            Result.retry()
        } catch (e: QianpiException.NotActivated) {
            Result.success() // nothing to sync yet
        } catch (e: QianpiException.Wiped) {
            Result.success()
        } catch (e: QianpiException) {
            // Offline, a captive portal, the gateway down: the next period (or the backoff) tries
            // again; the sync status screen says why meanwhile.
            Result.retry()
        }
    }

    companion object {
        private const val NAME = "qianpi-background-sync"

        /** What one background sync may take; the core stops at the next page after it. */
        val BUDGET: Duration = Duration.ofSeconds(60)

        /** Past this the sync is cancelled, whatever the network does (WorkManager allows 10 minutes). */
        private val HARD_LIMIT: Duration = Duration.ofSeconds(120)

        /** Schedules the periodic sync once; later calls keep the schedule. */
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
