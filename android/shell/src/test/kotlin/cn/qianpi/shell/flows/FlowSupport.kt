// What the scenarios of the remaining actions share: three phones of the demo unit (王建国 the
// leader, 李晓梅 who drafts and starts flows, 赵文 the office's head), processes loaded and flows
// started through the admin API, and the gateway's verdict on one queued command as the phone
// that sent it sees it after its sync.
package cn.qianpi.shell.flows

import cn.qianpi.core.ApprovalQueued
import cn.qianpi.core.DocumentDetail
import cn.qianpi.core.FlowAction
import cn.qianpi.core.ListEntry
import cn.qianpi.core.ListKind
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.VerdictOutcome
import cn.qianpi.shell.GatewayProcess
import cn.qianpi.shell.JcaDeviceSigner
import cn.qianpi.shell.JcaKeyStore
import cn.qianpi.shell.screens.AdminApi
import java.io.File
import kotlin.test.assertIs

/** The demo unit's people on their own phones, activated against [gateway]. */
class Office(root: File, private val gateway: GatewayProcess, name: String) : AutoCloseable {
    val leader = phone(root, "$name-wang", "wangjianguo")
    val drafter = phone(root, "$name-li", "lixiaomei")
    val head = phone(root, "$name-zhao", "zhaowen")
    val admin = AdminApi(gateway.url, gateway.admin("issue-admin-token", "--operator").first.lines().last().trim())

    private fun phone(root: File, dir: String, login: String): QianpiClient {
        val client = QianpiClient(File(root, dir).path, JcaKeyStore(), JcaDeviceSigner())
        kotlinx.coroutines.runBlocking {
            client.activate(gateway.url, login, gateway.issueCode(login), "Pixel (JVM test)", "android")
        }
        return client
    }

    /** Loads a process of the demo unit: [nodes] as its definition file writes them (an end node `end` is added). */
    fun process(id: String, start: String, vararg nodes: String) = admin.post(
        "/units/unit-sxnyt/definitions",
        """{"id": "$id", "name": "签报办理", "start": "$start", "nodes": [${nodes.joinToString(", ")},
             {"id": "end", "name": "办结", "kind": "end"}]}""",
    )

    override fun close() {
        leader.close()
        drafter.close()
        head.close()
    }
}

/** A manual step for [handlers], going to [to] by one route, with the optional actions [allow] (`"circulate": true` …) and [extra] fields. */
fun step(id: String, name: String, handlers: List<String>, to: String, allow: String = "", extra: String = ""): String =
    """{"id": "$id", "name": "$name", "handlers": [${handlers.joinToString(", ") { "{\"user\": \"$it\"}" }}],
        "allow": {$allow}, "routes": [{"id": "r-$id", "label": "送下一步", "to": "$to"}]${if (extra.isEmpty()) "" else ", $extra"}}"""

/** The row of [kind] titled [title] on [phone], if it holds one. */
suspend fun row(phone: QianpiClient, kind: ListKind, title: String): ListEntry? =
    phone.list(kind, 50u, 0u).firstOrNull { it.title == title }

/** Syncs [phone] and gives the gateway's verdict on [queued]; it must have been applied. */
suspend fun accepted(phone: QianpiClient, queued: ApprovalQueued): VerdictOutcome.Accepted {
    phone.sync()
    val verdict = phone.verdicts().single { it.commandId == queued.commandId }
    return assertIs<VerdictOutcome.Accepted>(verdict.outcome, "refused: ${verdict.outcome}")
}

/** The actions of the document's 流转记录 as [phone] shows it (confirmed ones only), oldest first. */
fun record(detail: DocumentDetail): List<FlowAction> = detail.flowRecord.filter { !it.pending }.map { it.action }
