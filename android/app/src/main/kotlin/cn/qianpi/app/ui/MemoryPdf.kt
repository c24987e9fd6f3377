// A document body shown with PdfRenderer without ever being a file: the bytes the core decrypted
// go into anonymous memory (memfd from Android 11, SharedMemory before), handed over as a
// ParcelFileDescriptor. Nothing reaches the disk, and the memory goes with the renderer.
package cn.qianpi.app.ui

import android.graphics.Bitmap
import android.graphics.Color
import android.graphics.pdf.PdfRenderer
import android.os.Build
import android.os.Parcel
import android.os.ParcelFileDescriptor
import android.os.SharedMemory
import android.system.Os
import android.system.OsConstants

/** A PDF in memory, rendered a page at a time (PdfRenderer opens one page at a time: calls are serialised). */
class MemoryPdf private constructor(private val renderer: PdfRenderer) : AutoCloseable {
    val pageCount: Int get() = synchronized(this) { renderer.pageCount }

    /** Page [index] as a white bitmap [width] pixels wide. Slow: call off the main thread. */
    fun render(index: Int, width: Int): Bitmap = synchronized(this) {
        renderer.openPage(index).use { page ->
            val height = (width.toLong() * page.height / page.width.coerceAtLeast(1)).toInt().coerceAtLeast(1)
            val bitmap = Bitmap.createBitmap(width, height, Bitmap.Config.ARGB_8888)
            bitmap.eraseColor(Color.WHITE)
            page.render(bitmap, null, null, PdfRenderer.Page.RENDER_MODE_FOR_DISPLAY)
            bitmap
        }
    }

    override fun close() = synchronized(this) { renderer.close() }

    companion object {
        /** Opens [bytes] (a PDF); the renderer owns the memory from here. Call off the main thread. */
        fun open(bytes: ByteArray): MemoryPdf = MemoryPdf(PdfRenderer(memoryDescriptor(bytes)))
    }
}

private fun memoryDescriptor(bytes: ByteArray): ParcelFileDescriptor =
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) memfd(bytes) else sharedMemory(bytes)

/** Android 11+: a memfd, a file of the kernel's memory only, seekable and sized as PdfRenderer needs. */
private fun memfd(bytes: ByteArray): ParcelFileDescriptor {
    val fd = Os.memfd_create("qianpi-body", OsConstants.MFD_CLOEXEC)
    try {
        var written = 0
        while (written < bytes.size) written += Os.write(fd, bytes, written, bytes.size - written)
        Os.lseek(fd, 0, OsConstants.SEEK_SET)
        return ParcelFileDescriptor.dup(fd)
    } finally {
        Os.close(fd)
    }
}

/**
 * Android 9 and 10: SharedMemory (ashmem), whose descriptor is public only through a Parcel. A
 * phone whose PdfRenderer refuses it (it reads the size with fstat) shows the body as unavailable;
 * the body is never written to a file instead.
 */
private fun sharedMemory(bytes: ByteArray): ParcelFileDescriptor {
    val memory = SharedMemory.create("qianpi-body", bytes.size.coerceAtLeast(1))
    try {
        val buffer = memory.mapReadWrite()
        try {
            buffer.put(bytes)
        } finally {
            SharedMemory.unmap(buffer)
        }
        memory.setProtect(OsConstants.PROT_READ)
        val parcel = Parcel.obtain()
        try {
            memory.writeToParcel(parcel, 0)
            parcel.setDataPosition(0)
            return parcel.readFileDescriptor() // a duplicate: it outlives the parcel and `memory`
        } finally {
            parcel.recycle()
        }
    } finally {
        memory.close()
    }
}
