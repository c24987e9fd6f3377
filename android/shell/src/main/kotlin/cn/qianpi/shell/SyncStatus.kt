// The sync status as a Flow, for a status bar: idle, syncing with its progress, offline or blocked
// (and why), the last success, what waits and what was refused. The core tells each change of the
// engine's word and of the outbox; the flow bridges its callbacks. Unlike the screens' flows it
// keeps a few values instead of only the newest, so a short sync's "syncing" is not lost behind
// its "idle". Collection ends, and the core's task stops, when the collecting coroutine is cancelled.
package cn.qianpi.shell

import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SyncStatus
import cn.qianpi.core.SyncStatusObserver
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/** The sync status now and at each change, or why it cannot be read now (most often: the data is locked). */
fun QianpiClient.syncStatusFlow(): Flow<Result<SyncStatus>> = callbackFlow {
    val handle = observeSyncStatus(object : SyncStatusObserver {
        override fun onUpdate(status: SyncStatus) {
            trySend(Result.success(status))
        }

        override fun onError(error: QianpiException) {
            trySend(Result.failure(error))
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.buffer(16, BufferOverflow.DROP_OLDEST)
