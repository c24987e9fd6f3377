// The words the work screens share: urgency, secrecy, document kind, flow steps and attitudes as
// string keys (the core's enums name them; the app's resources say them in both languages),
// times in the user's time zone, sizes, and an error as the core words it in both languages.
// Times are formatted here, not in the screens, so the JVM tests see what the phone shows.
package cn.qianpi.shell.screens.document

import cn.qianpi.core.Attitude
import cn.qianpi.core.CalendarDate
import cn.qianpi.core.DocumentKind
import cn.qianpi.core.FlowAction
import cn.qianpi.core.InstanceState
import cn.qianpi.core.QianpiException
import cn.qianpi.core.SecrecyLevel
import cn.qianpi.core.Urgency
import cn.qianpi.shell.text.UiText
import java.time.Clock
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale

/** Shared wording of the work screens (lists, a document, acting, notices). */
object WorkText {
    /** Where the offices are: the times a phone shows unless the user's zone is injected. */
    val OFFICE_ZONE: ZoneId = ZoneId.of("Asia/Shanghai")

    /** The clock a screen uses when none is given: now, in the office's time zone. */
    fun officeClock(): Clock = Clock.system(OFFICE_ZONE)

    private val minutes = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)

    /** An instant as the user reads it, in [zone]: 2026-03-02 09:00. */
    fun time(at: Instant?, zone: ZoneId): UiText? = at?.let { UiText.Plain(minutes.withZone(zone).format(it)) }

    /** A calendar date (成文日期): 2026-03-02. */
    fun date(date: CalendarDate?): UiText? =
        date?.let { UiText.Plain("%04d-%02d-%02d".format(Locale.ROOT, it.year, it.month.toInt(), it.day.toInt())) }

    /** A file size: 1.2 MB, 35 KB, 800 B. */
    fun size(bytes: ULong): UiText {
        val b = bytes.toDouble()
        return UiText.Plain(
            when {
                b >= 1024.0 * 1024.0 -> "%.1f MB".format(Locale.ROOT, b / (1024.0 * 1024.0))
                b >= 1024.0 -> "%.0f KB".format(Locale.ROOT, b / 1024.0)
                else -> "$bytes B"
            },
        )
    }

    fun urgency(urgency: Urgency): UiText = UiText.res(
        when (urgency) {
            Urgency.NORMAL -> "work_urgency_normal"
            Urgency.URGENT -> "work_urgency_urgent"
            Urgency.EXTRA_URGENT -> "work_urgency_extra_urgent"
        },
    )

    /** The 加急 / 特急 mark of a row or a head; none for 平件. */
    fun urgencyMark(urgency: Urgency): UiText? = if (urgency == Urgency.NORMAL) null else urgency(urgency)

    fun secrecy(level: SecrecyLevel): UiText = UiText.res(
        when (level) {
            SecrecyLevel.NONE -> "work_secrecy_none"
            SecrecyLevel.SECRET -> "work_secrecy_secret"
            SecrecyLevel.CONFIDENTIAL -> "work_secrecy_confidential"
            SecrecyLevel.TOP_SECRET -> "work_secrecy_top_secret"
        },
    )

    fun kind(kind: DocumentKind): UiText = UiText.res(
        when (kind) {
            DocumentKind.OUTGOING -> "work_kind_outgoing"
            DocumentKind.INCOMING -> "work_kind_incoming"
            DocumentKind.INTERNAL_REQUEST -> "work_kind_internal_request"
            DocumentKind.REQUEST -> "work_kind_request"
        },
    )

    fun state(state: InstanceState): UiText = UiText.res("work_state_" + state.name.lowercase(Locale.ROOT))

    fun attitude(attitude: Attitude): UiText = UiText.res("work_attitude_" + attitude.name.lowercase(Locale.ROOT))

    /** A step of the 流转记录: 同意, 退回, 转交 … */
    fun flowAction(action: FlowAction): UiText = UiText.res("work_flow_" + action.name.lowercase(Locale.ROOT))

    /** What went wrong, as the core words it in both languages; anything else as an unexpected error. */
    fun error(error: Throwable): UiText = when (error) {
        is QianpiException.NotAllowed -> UiText.Both(error.reasonZh, error.reasonEn)
        is QianpiException -> UiText.Both(error.messageZh(), error.messageEn())
        else -> UiText.res("work_error_unexpected")
    }
}
