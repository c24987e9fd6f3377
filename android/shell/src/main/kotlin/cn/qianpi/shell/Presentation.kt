// The Kotlin shell's presentation logic: what the 待办 list, the verdict banner and the notices
// (通知公告) show, and one sync call that turns "the gateway is unreachable" into a state the screen can draw instead of an
// error. Plain JVM code over the generated bindings, so it compiles and is tested off-device; the
// Compose screens in app/ only draw what this returns.
package cn.qianpi.shell

import cn.qianpi.core.InboxItem
import cn.qianpi.core.NoticeDetail
import cn.qianpi.core.NoticeListItem
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SyncSummary
import cn.qianpi.core.TaskStatus
import cn.qianpi.core.Verdict
import cn.qianpi.core.VerdictOutcome

/** One row of the inbox list. */
data class InboxRow(
    val taskId: String,
    /** e.g. "[加急] 关于做好2026年春耕备耕工作的通知" */
    val headline: String,
    /** e.g. "晋农办〔2026〕12号 · 收文 · 领导批示" */
    val subtitle: String,
    /** 待办 / 待同步 / 已办 */
    val badge: String,
    /** Whether the approve button is shown. */
    val actionable: Boolean,
)

/** Maps core records to what the screens draw. */
object InboxPresenter {
    fun badge(status: TaskStatus): String = when (status) {
        TaskStatus.PENDING -> "待办"
        TaskStatus.QUEUED -> "待同步"
        TaskStatus.WAITING -> "等待他人"
        TaskStatus.DONE -> "已办"
    }

    fun rows(items: List<InboxItem>): List<InboxRow> = items.map { item ->
        InboxRow(
            taskId = item.taskId,
            headline = "[${item.urgency.labelZh()}] ${item.title}",
            subtitle = "${item.documentNumber} · ${item.kind.labelZh()} · ${item.nodeName}",
            badge = badge(item.status),
            actionable = item.canApprove,
        )
    }

    /** The banner shown once the gateway has decided on an approval. */
    fun verdictBanner(verdict: Verdict): String {
        val offline = if (verdict.decidedOffline) "（离线批示）" else ""
        return when (val outcome = verdict.outcome) {
            is VerdictOutcome.Accepted -> "已送达$offline，流程已转至${outcome.currentNode ?: "办结"}"
            is VerdictOutcome.Refused -> "未被接受$offline：${outcome.reasonZh}"
        }
    }
}

/** What the notice list and an opened notice show of the 回执. */
object NoticePresenter {
    /** The badge of a notice row: 核验失败 / 回执被退回 / 未读 / 待同步 / 待回执 / 已回执 / 已读. */
    fun badge(item: NoticeListItem): String = when {
        item.tampered -> "核验失败"
        item.refusal != null -> "回执被退回"
        item.unread -> "未读"
        item.repliedAt != null && item.pendingSend -> "待同步"
        item.receiptRequired && item.repliedAt == null -> "待回执"
        item.receiptRequired -> "已回执"
        else -> "已读"
    }

    /** The receipt line under an opened notice; none when it asks for no receipt. */
    fun receiptLine(detail: NoticeDetail): String? {
        detail.refusal?.let { return "回执未被接受：${it.reasonZh}" }
        if (!detail.receiptRequired) return null
        if (detail.repliedAt == null) return if (detail.canReply) "请回执" else "已过回执截止时间"
        val choice = detail.choices.firstOrNull { it.id == detail.replyChoice }?.label ?: "收到"
        val note = detail.replyNote?.let { "（$it）" } ?: ""
        val sync = if (detail.pendingSend) "，待同步" else ""
        return "回执：$choice$note$sync"
    }
}

/** What a sync attempt means for the screen. */
sealed class SyncOutcome {
    data class Synced(val summary: SyncSummary) : SyncOutcome()

    /** The gateway is out of reach; `pending` commands wait safely in the outbox. */
    data class Offline(val pending: UInt, val reason: String) : SyncOutcome()
}

/** A phone session over one client: the calls the screens make. */
class ApprovalSession(private val client: QianpiClient) {
    suspend fun refresh(): SyncOutcome = try {
        SyncOutcome.Synced(client.sync())
    } catch (e: QianpiException.Unreachable) {
        SyncOutcome.Offline(client.outboxCount(), e.reason)
    }

    suspend fun inbox(): List<InboxRow> = InboxPresenter.rows(client.inbox())
}
