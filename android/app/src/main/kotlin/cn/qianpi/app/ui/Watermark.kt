// The visible watermark over every document screen: who is looking and when, repeated across the
// page at a slant, faint enough to read through and impossible to crop out of a photo of the
// screen. The time moves on each minute.
package cn.qianpi.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.drawscope.rotate
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.drawText
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import cn.qianpi.app.R
import kotlinx.coroutines.delay
import java.time.ZonedDateTime
import java.time.format.DateTimeFormatter

private val MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")

/** Covers its box with "[name] 2026-12-06 21:40" at a slant; draws only, takes no touches. */
@Composable
fun Watermark(name: String, modifier: Modifier = Modifier) {
    val now by produceState(ZonedDateTime.now()) {
        while (true) {
            val current = ZonedDateTime.now()
            value = current
            delay((60 - current.second) * 1000L)
        }
    }
    val label = fill(stringResource(R.string.platform_watermark), listOf(name, MINUTES.format(now)))
    val measurer = rememberTextMeasurer()
    val style = TextStyle(color = Color(0x29000000), fontSize = 15.sp)
    Canvas(modifier.fillMaxSize()) {
        val layout = measurer.measure(label, style)
        val stepX = layout.size.width + 56.dp.toPx()
        val stepY = layout.size.height + 88.dp.toPx()
        rotate(-28f) {
            var y = -size.height
            var row = 0
            while (y < size.height * 2) {
                // Alternate rows are shifted so the text forms a lattice, not columns.
                var x = -size.width + if (row % 2 == 0) 0f else stepX / 2
                while (x < size.width * 2) {
                    drawText(layout, topLeft = Offset(x, y))
                    x += stepX
                }
                y += stepY
                row++
            }
        }
    }
}
