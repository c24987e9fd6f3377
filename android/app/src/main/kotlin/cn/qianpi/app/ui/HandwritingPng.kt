// The handwriting pad's strokes as the PNG the core attaches to an opinion: the view model keeps
// the strokes (points from 0 to 1 across and down the pad), this draws them black on transparent
// at a fixed size, off the main thread.
package cn.qianpi.app.ui

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Path
import cn.qianpi.shell.screens.acting.HandwritingRenderer
import cn.qianpi.shell.screens.acting.Stroke
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.ByteArrayOutputStream

/** The pad is twice as wide as it is high, on the screen and in the image. */
const val PAD_ASPECT = 2f

class PngHandwriting(private val width: Int = 1000) : HandwritingRenderer {
    override suspend fun png(strokes: List<Stroke>): ByteArray = withContext(Dispatchers.Default) {
        val height = (width / PAD_ASPECT).toInt()
        val bitmap = Bitmap.createBitmap(width, height, Bitmap.Config.ARGB_8888)
        try {
            val canvas = Canvas(bitmap)
            val paint = Paint(Paint.ANTI_ALIAS_FLAG).apply {
                color = Color.BLACK
                style = Paint.Style.STROKE
                strokeWidth = width / 150f
                strokeCap = Paint.Cap.ROUND
                strokeJoin = Paint.Join.ROUND
            }
            for (stroke in strokes) {
                val first = stroke.points.firstOrNull() ?: continue
                if (stroke.points.size == 1) {
                    canvas.drawPoint(first.x * width, first.y * height, paint)
                    continue
                }
                val path = Path().apply { moveTo(first.x * width, first.y * height) }
                for (p in stroke.points.drop(1)) path.lineTo(p.x * width, p.y * height)
                canvas.drawPath(path, paint)
            }
            ByteArrayOutputStream().use { out ->
                bitmap.compress(Bitmap.CompressFormat.PNG, 100, out)
                out.toByteArray()
            }
        } finally {
            bitmap.recycle()
        }
    }
}
