// Flows over the core's observers: each screen collects a Flow that starts with the current state
// and follows every change the core tells (a pulled page, an action taken here, a lock). The core
// decides when something changed; the flow only bridges its callbacks. Collection ends, and the
// core's task stops, when the collecting coroutine is cancelled. Conflated: a screen that draws
// slowly gets the latest state, never a backlog.
package cn.qianpi.shell

import cn.qianpi.core.DepartmentGroup
import cn.qianpi.core.DocumentDetail
import cn.qianpi.core.DocumentObserver
import cn.qianpi.core.ListKind
import cn.qianpi.core.ListsObserver
import cn.qianpi.core.ListsOverview
import cn.qianpi.core.LockObserver
import cn.qianpi.core.OutboxObserver
import cn.qianpi.core.OutboxOverview
import cn.qianpi.core.PeopleObserver
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate

/** The lists screen showing [kind]: every badge and the first [limit] rows, or why they cannot be read now. */
fun QianpiClient.listsFlow(kind: ListKind, limit: UInt = 50u): Flow<Result<ListsOverview>> = callbackFlow {
    val handle = observeLists(kind, limit, object : ListsObserver {
        override fun onUpdate(overview: ListsOverview) {
            trySend(Result.success(overview))
        }

        override fun onError(error: QianpiException) {
            trySend(Result.failure(error))
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()

/** The outbox screen: what waits for the gateway and what it refused. */
fun QianpiClient.outboxFlow(): Flow<Result<OutboxOverview>> = callbackFlow {
    val handle = observeOutbox(object : OutboxObserver {
        override fun onUpdate(overview: OutboxOverview) {
            trySend(Result.success(overview))
        }

        override fun onError(error: QianpiException) {
            trySend(Result.failure(error))
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()

/** Whether the data is locked, now and at every lock (asked, or after inactivity) and unlock. */
fun QianpiClient.lockFlow(): Flow<Boolean> = callbackFlow {
    val handle = observeLock(object : LockObserver {
        override fun onUpdate(locked: Boolean) {
            trySend(locked)
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()

/** One document's detail screen ([id] as `documentDetail` takes it): the detail now and after each change to it. */
fun QianpiClient.documentFlow(id: String): Flow<Result<DocumentDetail>> = callbackFlow {
    val handle = observeDocument(id, object : DocumentObserver {
        override fun onUpdate(detail: DocumentDetail) {
            trySend(Result.success(detail))
        }

        override fun onError(error: QianpiException) {
            trySend(Result.failure(error))
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()

/** The people picker: departments with their people, now and after each fetch that changed the address book. */
fun QianpiClient.peopleFlow(excludeSelf: Boolean = true): Flow<Result<List<DepartmentGroup>>> = callbackFlow {
    val handle = observePeople(excludeSelf, object : PeopleObserver {
        override fun onUpdate(groups: List<DepartmentGroup>) {
            trySend(Result.success(groups))
        }

        override fun onError(error: QianpiException) {
            trySend(Result.failure(error))
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()
