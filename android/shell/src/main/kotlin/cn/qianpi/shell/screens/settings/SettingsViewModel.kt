// The settings screen: who is signed in on this phone and how the phone is bound to the office
// (its name, platform, how its keys are held, the fingerprint words the administrator saw, when it
// was activated), the unit's lock time, the standing delegations (委托) with the people picker's
// names, and signing out, which wipes this phone's Qianpi data after a confirmation. The bindings
// have no separate sign-out: leaving the account is the wipe (keys shredded, store removed).
package cn.qianpi.shell.screens.settings

import cn.qianpi.core.Contact
import cn.qianpi.core.Delegation
import cn.qianpi.core.DelegationScope
import cn.qianpi.core.DeviceInfo
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.Clock
import java.time.Instant
import java.time.ZoneId

/** This phone and its binding to the office. */
data class DeviceSection(
    /** 王建国 · 厅长 · 省农业农村厅 */
    val person: UiText,
    val deviceName: UiText,
    /** 安卓 / iOS / 终端 */
    val platform: UiText,
    /** 软件密钥 / 硬件密钥（已提交证明）… */
    val assurance: UiText,
    /** The words to compare with the administrator's screen, in order. */
    val fingerprintWords: List<String>,
    /** 激活时间：2026-12-07 09:30 (the person's zone), or 激活时间未知 */
    val activatedAt: UiText,
    val server: UiText,
    /** 等待管理员批准, while the office has not approved the device. */
    val pending: UiText?,
)

/** One standing delegation. */
data class DelegationRow(
    val id: String,
    /** The deputy's name (the user id when the address book does not have them). */
    val deputy: UiText,
    /** 全部流程 or 流程：<id> */
    val scope: UiText,
    /** 2026-12-07 09:00 至 2026-12-10 09:00 */
    val period: UiText,
    /** 生效中 / 未开始 / 已结束 / 已撤销 */
    val status: UiText,
    /** The 撤销 button is shown (not yet revoked and not over). */
    val canRevoke: Boolean,
)

/** A deputy the person may pick. */
data class DeputyChoice(val userId: String, val name: UiText, val detail: UiText)

/** The sign-out (wipe) dialog. */
sealed interface SignOut {
    /** No dialog. */
    data object Idle : SignOut

    /** The dialog asks: [message] says what is lost. */
    data class Confirming(val title: UiText, val message: UiText) : SignOut

    data object Wiping : SignOut

    /** Everything of Qianpi is gone from this phone: the app shows activation next. */
    data object Done : SignOut
}

/** What the settings screen draws. */
data class SettingsState(
    val loading: Boolean = true,
    val device: DeviceSection? = null,
    /** 5 分钟无操作后锁定 / 不自动锁定 */
    val lockTime: UiText? = null,
    val delegations: List<DelegationRow> = emptyList(),
    /** The people picker's departments, for the new-delegation form. */
    val deputies: List<Pair<UiText, List<DeputyChoice>>> = emptyList(),
    val busy: Boolean = false,
    /** A confirmation after set or revoke. */
    val notice: UiText? = null,
    val error: UiText? = null,
    val signOut: SignOut = SignOut.Idle,
)

/**
 * The settings screen. Shows: this device and its binding, the lock time, the delegations and the
 * deputies to pick from, the sign-out dialog. Actions: [refresh], [setDelegation], [revokeDelegation],
 * [requestSignOut] / [cancelSignOut] / [confirmSignOut] (wipes this phone's data).
 */
class SettingsViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val zone: ZoneId = CHINA_ZONE,
    private val clock: Clock = Clock.systemUTC(),
) {
    private val mutableState = MutableStateFlow(SettingsState())
    val state: StateFlow<SettingsState> = mutableState.asStateFlow()

    /** Names by user id, from the people picker (the delegation records carry only ids). */
    private var names: Map<String, Contact> = emptyMap()

    init {
        refresh()
    }

    /** Reads the device, the lock time, the delegations and the people again. */
    fun refresh(): Job = scope.launch {
        try {
            val account = client.account()
            val device = client.deviceInfo()
            val groups = deputies()
            names = groups.flatMap { it.people }.associateBy { it.userId }
            val delegations = client.delegations()
            mutableState.update {
                it.copy(
                    loading = false,
                    device = device?.let { d -> deviceSection(d, account?.let { a -> listOf(a.name, a.post, a.unitName) }) },
                    lockTime = lockTime(client.inactivityLockSeconds()),
                    delegations = delegations.map(::delegationRow),
                    deputies = groups.map { g ->
                        UiText.Plain(g.name) to g.people.map { p ->
                            DeputyChoice(p.userId, UiText.Plain(p.name), UiText.Plain(listOf(p.department, p.post).filter(String::isNotBlank).joinToString(" · ")))
                        }
                    },
                    error = null,
                )
            }
        } catch (e: QianpiException) {
            mutableState.update { it.copy(loading = false, error = errorText(e)) }
        }
    }

    /** Names [deputy] for [scope] from [start] until [end] (委托代理, e.g. for a trip). */
    fun setDelegation(deputy: String, scope: DelegationScope, start: Instant, end: Instant): Job = busy {
        if (!end.isAfter(start)) {
            mutableState.update { it.copy(error = UiText.res("settings_delegation_bad_period")) }
            return@busy
        }
        val set = client.setDelegation(deputy, scope, start, end)
        mutableState.update {
            it.copy(
                delegations = client.delegations().map(::delegationRow),
                notice = UiText.res("settings_delegation_set", nameOf(set.to)),
            )
        }
    }

    /** Ends the delegation [id] now (the principal came back early). */
    fun revokeDelegation(id: String): Job = busy {
        val revoked = client.revokeDelegation(id)
        mutableState.update {
            it.copy(
                delegations = client.delegations().map(::delegationRow),
                notice = UiText.res("settings_delegation_revoked", nameOf(revoked.to)),
            )
        }
    }

    /** Opens the sign-out dialog. */
    fun requestSignOut() = mutableState.update {
        it.copy(signOut = SignOut.Confirming(UiText.res("settings_sign_out_title"), UiText.res("settings_sign_out_message")))
    }

    fun cancelSignOut() = mutableState.update { it.copy(signOut = SignOut.Idle) }

    /** Wipes this phone's Qianpi data; only from the open dialog. */
    fun confirmSignOut(): Job = scope.launch {
        if (mutableState.value.signOut !is SignOut.Confirming) return@launch
        mutableState.update { it.copy(signOut = SignOut.Wiping) }
        try {
            client.wipe()
            mutableState.update { SettingsState(loading = false, signOut = SignOut.Done) }
        } catch (e: QianpiException) {
            mutableState.update { it.copy(signOut = SignOut.Idle, error = errorText(e)) }
        }
    }

    private fun busy(body: suspend () -> Unit): Job = scope.launch {
        mutableState.update { it.copy(busy = true, notice = null, error = null) }
        try {
            body()
        } catch (e: QianpiException) {
            mutableState.update { it.copy(error = errorText(e)) }
        } finally {
            mutableState.update { it.copy(busy = false) }
        }
    }

    /** The people picker's departments; the address book is fetched first when the phone has none yet (offline: none to pick). */
    private suspend fun deputies() = try {
        client.peoplePicker(true).ifEmpty {
            client.syncPeople()
            client.peoplePicker(true)
        }
    } catch (e: QianpiException) {
        emptyList()
    }

    private fun nameOf(userId: String): String = names[userId]?.name ?: userId

    private fun deviceSection(d: DeviceInfo, person: List<String>?) = DeviceSection(
        person = UiText.Plain(person?.filter(String::isNotBlank)?.joinToString(" · ") ?: ""),
        deviceName = d.name?.let { UiText.Plain(it) } ?: UiText.res("settings_device_unnamed"),
        platform = platformText(d.platform),
        assurance = assuranceText(d.assurance),
        fingerprintWords = d.fingerprintWords,
        activatedAt = d.activatedAt?.let { UiText.res("settings_activated_at", wallClock(it, zone)) }
            ?: UiText.res("settings_activated_unknown"),
        server = UiText.Plain(d.serverUrl),
        pending = if (d.pendingApproval) UiText.res("settings_pending_approval") else null,
    )

    private fun delegationRow(d: Delegation): DelegationRow {
        val now = clock.instant()
        val status = when {
            d.revokedAt != null -> "settings_delegation_revoked_status"
            !now.isBefore(d.end) -> "settings_delegation_over"
            now.isBefore(d.start) -> "settings_delegation_not_started"
            else -> "settings_delegation_active"
        }
        return DelegationRow(
            id = d.id,
            deputy = UiText.Plain(nameOf(d.to)),
            scope = when (val s = d.scope) {
                DelegationScope.All -> UiText.res("settings_delegation_scope_all")
                is DelegationScope.Process -> UiText.res("settings_delegation_scope_process", s.definitionId)
            },
            period = UiText.res("settings_delegation_period", wallClock(d.start, zone), wallClock(d.end, zone)),
            status = UiText.res(status),
            canRevoke = d.revokedAt == null && now.isBefore(d.end),
        )
    }

    companion object {
        /** The platform the device registered as. */
        fun platformText(platform: String?): UiText = when (platform) {
            "android" -> UiText.res("settings_platform_android")
            "ios" -> UiText.res("settings_platform_ios")
            "terminal" -> UiText.res("settings_platform_terminal")
            null -> UiText.res("settings_unknown")
            else -> UiText.Plain(platform)
        }

        /** How the keys are held: the level the gateway verified, or the phone's own word. */
        fun assuranceText(assurance: String?): UiText = when (assurance) {
            "software" -> UiText.res("settings_assurance_software")
            "unattested" -> UiText.res("settings_assurance_unattested")
            "attestation_sent" -> UiText.res("settings_assurance_attestation_sent")
            "tee" -> UiText.res("settings_assurance_tee")
            "strongbox" -> UiText.res("settings_assurance_strongbox")
            "secure_enclave" -> UiText.res("settings_assurance_secure_enclave")
            null -> UiText.res("settings_unknown")
            else -> UiText.Plain(assurance)
        }

        /** The lock time in minutes (or seconds below one), or no inactivity lock. */
        fun lockTime(seconds: ULong): UiText = when {
            seconds == 0uL -> UiText.res("settings_lock_never")
            seconds % 60uL == 0uL -> UiText.res("settings_lock_minutes", (seconds / 60uL).toString())
            else -> UiText.res("settings_lock_seconds", seconds.toString())
        }
    }
}
