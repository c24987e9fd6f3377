// The notices (通知公告) list: unread first, then the newest, each with its badge — 未读, 待回执,
// 待同步, 已回执, 回执被退回, 核验失败 — and the receipt deadline when one is asked.
package cn.qianpi.shell.screens.notices

import cn.qianpi.core.NoticeListItem
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import java.time.Clock

data class NoticeRow(
    val id: String,
    val title: UiText,
    /** 赵文 · 办公室主任 */
    val publisher: UiText,
    val time: UiText?,
    val unread: Boolean,
    val badge: UiText,
    /** 回执截止 2026-03-05 18:00, when a receipt is asked. */
    val receiptDeadline: UiText?,
    /** 附件 2 个; none without. */
    val attachments: UiText?,
)

data class NoticesState(
    val loading: Boolean = true,
    val rows: List<NoticeRow> = emptyList(),
    /** 3 条未读. */
    val unread: UiText? = null,
    val empty: UiText? = null,
    val error: UiText? = null,
)

/**
 * 通知公告: the notices on this phone, unread first, each with its badge; [load] re-reads them
 * (after a sync, or on coming back from a notice); a row's id opens [NoticeViewModel].
 */
class NoticesViewModel(private val client: QianpiClient, private val clock: Clock = WorkText.officeClock()) {
    private val _state = MutableStateFlow(NoticesState())
    val state: StateFlow<NoticesState> = _state.asStateFlow()

    suspend fun load(limit: UInt = 100u) {
        try {
            val items = client.notices(limit, 0u).sortedWith(compareByDescending<NoticeListItem> { it.unread }.thenByDescending { it.publishedAt })
            val unread = items.count { it.unread }
            _state.update {
                it.copy(
                    loading = false,
                    rows = items.map(::row),
                    unread = if (unread > 0) UiText.res("notices_unread_count", unread.toString()) else null,
                    empty = if (items.isEmpty()) UiText.res("notices_empty") else null,
                    error = null,
                )
            }
        } catch (e: QianpiException) {
            _state.update { it.copy(loading = false, error = WorkText.error(e)) }
        }
    }

    private fun row(item: NoticeListItem) = NoticeRow(
        id = item.id,
        title = UiText.Plain(item.title),
        publisher = UiText.Plain(listOf(item.publisherName, item.publisherPost).filter { it.isNotBlank() }.joinToString(" · ")),
        time = WorkText.time(item.publishedAt, clock.zone),
        unread = item.unread,
        badge = badge(item),
        receiptDeadline = if (item.receiptRequired) {
            WorkText.time(item.receiptDeadline, clock.zone)?.let { UiText.res("notices_receipt_deadline", (it as UiText.Plain).text) }
        } else {
            null
        },
        attachments = if (item.attachmentCount > 0u) UiText.res("notices_attachment_count", item.attachmentCount.toString()) else null,
    )

    companion object {
        /** The badge of a notice row. */
        fun badge(item: NoticeListItem): UiText = UiText.res(
            when {
                item.tampered -> "notices_badge_tampered"
                item.refusal != null -> "notices_badge_receipt_refused"
                item.unread -> "notices_badge_unread"
                item.repliedAt != null && item.pendingSend -> "notices_badge_pending_sync"
                item.receiptRequired && item.repliedAt == null -> "notices_badge_receipt_due"
                item.receiptRequired -> "notices_badge_replied"
                else -> "notices_badge_read"
            },
        )
    }
}
