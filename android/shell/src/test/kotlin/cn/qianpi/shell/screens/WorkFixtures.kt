// What the work screens' tests share: the presence prompt over the test's biometric signer, a
// handwriting renderer that draws real PNGs with java.awt, more flows in the demo unit through
// the admin API (a process that allows 退回, documents for 批量审批), and waiting on a view
// model's state.
package cn.qianpi.shell.screens

import cn.qianpi.shell.APPROVAL_KEY
import cn.qianpi.shell.PresenceSigner
import cn.qianpi.shell.screens.acting.ApprovalPrompt
import cn.qianpi.shell.screens.acting.HandwritingRenderer
import cn.qianpi.shell.screens.acting.PromptRequest
import cn.qianpi.shell.screens.acting.Stroke
import cn.qianpi.shell.text.StringTable
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import java.awt.BasicStroke
import java.awt.Color
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.atomic.AtomicInteger
import javax.imageio.ImageIO
import kotlin.test.assertEquals

/** The app's Chinese strings, as the phone shows them by default. */
val zh: StringTable by lazy { StringTable.zh(StringTable.appResources()) }

fun zh(text: UiText?): String? = text?.let { zh.resolve(it) }

/** The presence prompt as the user answers it: confirms with a fingerprint (or cancels), then the key signs. */
class FingerprintPrompt(private val signer: PresenceSigner) : ApprovalPrompt {
    val shown = AtomicInteger()
    var cancel = false
    var last: PromptRequest? = null

    override suspend fun sign(request: PromptRequest): ByteArray? {
        shown.incrementAndGet()
        last = request
        if (cancel) return null
        signer.authenticate()
        return signer.sign(APPROVAL_KEY, request.toBeSigned)
    }
}

/** Draws the strokes in black on white and encodes a PNG, as the platform's pad would. */
class AwtRenderer : HandwritingRenderer {
    override suspend fun png(strokes: List<Stroke>): ByteArray {
        val image = BufferedImage(400, 200, BufferedImage.TYPE_INT_ARGB)
        val g = image.createGraphics()
        g.color = Color.WHITE
        g.fillRect(0, 0, 400, 200)
        g.color = Color.BLACK
        g.stroke = BasicStroke(3f)
        for (stroke in strokes) {
            stroke.points.zipWithNext().forEach { (a, b) -> g.drawLine(a.x.toInt(), a.y.toInt(), b.x.toInt(), b.y.toInt()) }
        }
        g.dispose()
        return ByteArrayOutputStream().also { ImageIO.write(image, "png", it) }.toByteArray()
    }
}

/** Waits (at most 15 s) for the first state that satisfies [wanted]. */
suspend fun <T> StateFlow<T>.await(wanted: (T) -> Boolean): T = withTimeout(15_000) { first(wanted) }

/** The admin API of a test gateway, with the operator's token. */
class AdminApi(private val url: String, private val token: String) {
    fun post(path: String, json: String): String {
        val request = HttpRequest.newBuilder(URI.create(url + "v1/admin" + path))
            .header("Authorization", "Bearer $token")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        assertEquals(201, response.statusCode(), response.body())
        return response.body()
    }

    /**
     * A process for 王建国 alone: one step with one route; 批量审批 only where its route needs no
     * opinion; with [hours] its 办理时限 (0: overdue as soon as it arrives).
     */
    fun leaderProcess(id: String, route: String, routeNeedsOpinion: Boolean, hours: Int? = null) = post(
        "/units/unit-sxnyt/definitions",
        """{"id": "$id", "name": "签报办理", "start": "lead", "nodes": [
             {"id": "lead", "name": "领导批示", "handlers": [{"user": "user-wang"}], "allow": {"batch": ${!routeNeedsOpinion}}${hours?.let { ", \"time_limit_hours\": $it" } ?: ""},
              "routes": [{"id": "r-end", "label": "$route", "to": "end", "requires_opinion": $routeNeedsOpinion}]},
             {"id": "end", "name": "办结", "kind": "end"}]}""",
    )

    /** 拟办 (李晓梅) → 领导批示 (王建国, who may return it) → 办结. */
    fun returnableProcess(id: String) = post(
        "/units/unit-sxnyt/definitions",
        """{"id": "$id", "name": "收文办理", "start": "draft", "nodes": [
             {"id": "draft", "name": "拟办", "handlers": [{"user": "user-li"}],
              "routes": [{"id": "r-lead", "label": "送批示", "to": "lead"}]},
             {"id": "lead", "name": "领导批示", "handlers": [{"user": "user-wang"}], "returns": {"allowed": true},
              "routes": [{"id": "r-end", "label": "办结", "to": "end"}]},
             {"id": "end", "name": "办结", "kind": "end"}]}""",
    )

    /** Starts [definition] on a new document drafted by 李晓梅. */
    fun startFlow(definition: String, docId: String, title: String, sequence: Int, urgency: String, deadline: String? = null) = post(
        "/units/unit-sxnyt/flows",
        """{"definition_id": "$definition", "drafter": "user-li", "document": {
             "id": "$docId", "unit_id": "unit-sxnyt", "kind": "internal_request", "title": "$title",
             "number": {"organ": "晋农办", "year": 2026, "sequence": $sequence}, "urgency": "$urgency", "secrecy": "none"
             ${deadline?.let { ", \"handling\": {\"deadline\": \"$it\"}" } ?: ""}}}""",
    )
}
