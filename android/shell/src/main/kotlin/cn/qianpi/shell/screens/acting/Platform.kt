// The acting screens' seams to the platform: the presence prompt that signs a prepared action with
// the approval key (Android: BiometricPrompt with a CryptoObject over the Keystore signature), and
// the handwriting pad's renderer (Android: a Canvas into a PNG). The view models keep the strokes
// and the prepared bytes; the platform only draws and signs.
package cn.qianpi.shell.screens.acting

import cn.qianpi.shell.text.UiText

/** What the presence prompt shows and what it must sign. */
class PromptRequest(
    /** 确认批示 / 确认退回 … */
    val title: UiText,
    /** The document's title. */
    val subtitle: UiText,
    /** A warning to read first (the body was never opened here); none usually. */
    val warning: UiText?,
    /** Exactly these bytes are signed with the approval key (ECDSA P-256, SHA-256, DER). */
    val toBeSigned: ByteArray,
)

/** The platform's presence prompt over the approval key. */
fun interface ApprovalPrompt {
    /** The DER signature after the user confirmed; null when the prompt was cancelled. */
    suspend fun sign(request: PromptRequest): ByteArray?
}

/** A point on the pad, in the pad's own units (the platform scales). */
data class PadPoint(val x: Float, val y: Float)

/** One pen stroke: the points from touching down to lifting. */
data class Stroke(val points: List<PadPoint>)

/** Turns the pad's strokes into a PNG image (the platform draws them). */
fun interface HandwritingRenderer {
    suspend fun png(strokes: List<Stroke>): ByteArray
}
