// What the screens say once the gateway has decided on an action sent from this phone: delivered
// and where the flow went, or not accepted and why (the core's reason in both languages).
package cn.qianpi.shell.screens.acting

import cn.qianpi.core.Verdict
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.text.UiText

/** A verdict as a banner: [title] and, when refused, the gateway's [reason]. */
data class VerdictView(val accepted: Boolean, val title: UiText, val reason: UiText?)

object VerdictText {
    fun of(verdict: Verdict): VerdictView {
        val offline = verdict.decidedOffline
        return when (val outcome = verdict.outcome) {
            is VerdictOutcome.Accepted -> {
                val node = outcome.currentNode
                val title = when {
                    node == null && offline -> UiText.res("acting_verdict_finished_offline")
                    node == null -> UiText.res("acting_verdict_finished")
                    offline -> UiText.res("acting_verdict_accepted_offline", node)
                    else -> UiText.res("acting_verdict_accepted", node)
                }
                VerdictView(true, title, null)
            }
            is VerdictOutcome.Refused -> VerdictView(
                false,
                UiText.res(if (offline) "acting_verdict_refused_offline" else "acting_verdict_refused"),
                UiText.Both(outcome.reasonZh, outcome.reasonEn),
            )
        }
    }
}
