// Text the account-side screens share: an error as the person reads it (the core's own Chinese
// and English message), and a moment shown as a wall-clock time in the person's time zone. The
// zone is the view model's to inject; the offices are in China, so Asia/Shanghai is the default
// whatever zone the phone (or the test machine) is set to.
package cn.qianpi.shell.screens.settings

import cn.qianpi.core.QianpiException
import cn.qianpi.shell.text.UiText
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

/** The zone times are shown in unless the app passes the person's own. */
val CHINA_ZONE: ZoneId = ZoneId.of("Asia/Shanghai")

private val WALL_CLOCK: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")

/** [at] as the person's clock shows it, to the minute: `2026-12-07 05:14`. */
fun wallClock(at: Instant, zone: ZoneId): String = WALL_CLOCK.format(at.atZone(zone))

/**
 * What a failed call tells the person: the core's message in both languages, or (for anything
 * that is not the core's error, which should not happen) a generic line with the detail.
 */
fun errorText(error: Throwable): UiText = when (error) {
    is QianpiException -> UiText.Both(error.messageZh(), error.messageEn())
    else -> UiText.res("account_error_unexpected", error.message ?: error.javaClass.simpleName)
}
