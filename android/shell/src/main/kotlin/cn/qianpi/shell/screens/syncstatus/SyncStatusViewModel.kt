// The sync status screen (and the status bar line above every list): whether the phone is in
// step with the office, syncing and how far, offline, or blocked and why (a hotel's sign-in
// page, something reading secure connections, the clock, the proxy), when it last synced, what
// waits and what was refused. Built on the core's own status (syncStatusFlow); this only turns
// each status into text and runs the "sync now" button.
package cn.qianpi.shell.screens.syncstatus

import cn.qianpi.core.BlockedReason
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SyncState
import cn.qianpi.core.SyncStatus
import cn.qianpi.shell.screens.settings.CHINA_ZONE
import cn.qianpi.shell.screens.settings.errorText
import cn.qianpi.shell.screens.settings.wallClock
import cn.qianpi.shell.syncStatusFlow
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.ZoneId

/** Where the sync stands, as the screen colours it. */
sealed interface SyncPhase {
    /** The first status has not come yet. */
    data object Loading : SyncPhase

    /** In step (or waiting for the office to have something). */
    data object Idle : SyncPhase

    /** Syncing now; [pages] and [items] say how far. */
    data class Syncing(val pages: UInt, val items: ULong) : SyncPhase

    /** No network or no answer; the phone tries again by itself. */
    data object Offline : SyncPhase

    /** It cannot sync until the person (or the office) does something: [reason] says what. */
    data class Blocked(val reason: BlockedReason) : SyncPhase

    /** The status cannot be read now (most often: the data is locked). */
    data object Unavailable : SyncPhase
}

/** What the sync status screen draws. */
data class SyncStatusState(
    val phase: SyncPhase = SyncPhase.Loading,
    /** 已同步 / 正在同步 / 离线 / 无法同步 … */
    val headline: UiText = UiText.res("sync_status_loading"),
    /** The progress while syncing, or what to do while blocked or offline. */
    val detail: UiText? = null,
    /** 上次同步：2026-12-07 09:30, or 尚未同步. */
    val lastSuccess: UiText = UiText.res("sync_status_never"),
    /** When the phone tries again by itself, if it waits to. */
    val nextAttempt: UiText? = null,
    /** 3 项待同步, when something waits. */
    val waiting: UiText? = null,
    /** 1 项未被接受, when the office refused something (the outbox screen shows it). */
    val refused: UiText? = null,
    /** The "sync now" button is running. */
    val syncingNow: Boolean = false,
    /** Why the last "sync now" failed, shown until the next one. */
    val error: UiText? = null,
)

/**
 * The sync status screen. Shows: the phase with a headline, progress or advice, the last success
 * in the person's time zone, the next try, what waits and what was refused. Action: [syncNow].
 * Follows the core's status while [scope] lives (or until [close]).
 */
class SyncStatusViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val zone: ZoneId = CHINA_ZONE,
) : AutoCloseable {
    private val mutableState = MutableStateFlow(SyncStatusState())
    val state: StateFlow<SyncStatusState> = mutableState.asStateFlow()

    private val following: Job = scope.launch {
        client.syncStatusFlow().collect { result ->
            mutableState.update { old ->
                result.fold(
                    onSuccess = { describe(it, zone).copy(syncingNow = old.syncingNow, error = old.error) },
                    onFailure = { unavailable(it).copy(syncingNow = old.syncingNow, error = old.error) },
                )
            }
        }
    }

    /** The "sync now" button: one sync; a failure shows as [SyncStatusState.error] (the status itself shows offline or blocked). */
    fun syncNow(): Job = scope.launch {
        if (mutableState.value.syncingNow) return@launch
        mutableState.update { it.copy(syncingNow = true, error = null) }
        val error = try {
            client.sync()
            null
        } catch (e: QianpiException) {
            errorText(e)
        }
        mutableState.update { it.copy(syncingNow = false, error = error) }
    }

    override fun close() = following.cancel()

    companion object {
        /** The screen's text for [status], with times in [zone]. */
        fun describe(status: SyncStatus, zone: ZoneId = CHINA_ZONE): SyncStatusState {
            val (phase, headline, detail) = when (val s = status.state) {
                SyncState.Idle -> Triple(SyncPhase.Idle, UiText.res("sync_status_idle"), null)
                is SyncState.Syncing -> Triple(
                    SyncPhase.Syncing(s.pages, s.items),
                    UiText.res("sync_status_syncing"),
                    UiText.res("sync_status_progress", s.pages.toString(), s.items.toString()),
                )
                SyncState.Offline -> Triple(SyncPhase.Offline, UiText.res("sync_status_offline"), UiText.res("sync_status_offline_detail"))
                is SyncState.Blocked -> Triple(SyncPhase.Blocked(s.reason), UiText.res("sync_status_blocked"), blockedAdvice(s.reason))
            }
            return SyncStatusState(
                phase = phase,
                headline = headline,
                detail = detail,
                lastSuccess = status.lastSuccess?.let { UiText.res("sync_status_last_success", wallClock(it, zone)) }
                    ?: UiText.res("sync_status_never"),
                nextAttempt = status.nextAttempt?.let { UiText.res("sync_status_next_attempt", wallClock(it, zone)) },
                waiting = status.outbox.takeIf { it > 0u }?.let { UiText.res("sync_status_waiting", it.toString()) },
                refused = status.refused.takeIf { it > 0u }?.let { UiText.res("sync_status_refused", it.toString()) },
            )
        }

        /** What the person can do about [reason]. */
        fun blockedAdvice(reason: BlockedReason): UiText = UiText.res(
            when (reason) {
                BlockedReason.UNREACHABLE -> "sync_status_blocked_unreachable"
                BlockedReason.CAPTIVE_PORTAL -> "sync_status_blocked_captive_portal"
                BlockedReason.TLS_INTERCEPTED -> "sync_status_blocked_intercepted"
                BlockedReason.TLS_UNTRUSTED -> "sync_status_blocked_untrusted"
                BlockedReason.PROXY -> "sync_status_blocked_proxy"
                BlockedReason.CLOCK -> "sync_status_blocked_clock"
                BlockedReason.DEVICE_REVOKED -> "sync_status_blocked_revoked"
                BlockedReason.DEVICE_PENDING -> "sync_status_blocked_pending"
                BlockedReason.SERVER_ERROR -> "sync_status_blocked_server"
            },
        )

        private fun unavailable(error: Throwable) = SyncStatusState(
            phase = SyncPhase.Unavailable,
            headline = UiText.res("sync_status_unavailable"),
            detail = errorText(error),
        )
    }
}
