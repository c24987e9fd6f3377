//! The file vault streams: writing and reading a 50 MB body never holds more than a chunk or so
//! in memory, which a phone with a few hundred MB for the app depends on.
//!
//! A counting global allocator measures the peak of live heap bytes during each direction.

// A `#[global_allocator]` must implement the `unsafe trait GlobalAlloc`; this test file is the
// only place in the workspace that needs it, and it only forwards to the system allocator.
#![allow(unsafe_code)]

use qianpi_core::files::{FileRootKey, FileVault};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Forwards to the system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns how far the live heap rose above where it started.
fn peak_growth(f: impl FnOnce()) -> usize {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst).saturating_sub(start)
}

const BODY_LEN: u64 = 50 * 1000 * 1000;
const LIMIT: usize = 1024 * 1024;

/// Produces `BODY_LEN` pseudo-random bytes on the fly (xorshift), never holding more than the
/// caller's buffer.
struct Generated {
    left: u64,
    state: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for word in buf[..n].chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            word.copy_from_slice(&self.state.to_le_bytes()[..word.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Hashes what it is given and keeps nothing else.
struct HashingSink {
    context: ring::digest::Context,
    size: u64,
}

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.context.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One test only: tests of a binary run on parallel threads and would share the counters.
#[test]
fn a_50_mb_body_is_written_and_read_with_less_than_a_mebibyte_of_heap() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path(), FileRootKey::generate().unwrap()).unwrap();

    let mut meta = None;
    let written = peak_growth(|| {
        let body = Generated {
            left: BODY_LEN,
            state: 0x9e37_79b9_7f4a_7c15,
        };
        meta = Some(vault.write("body-50mb", body, None).unwrap());
    });
    let meta = meta.unwrap();
    assert_eq!(meta.size, BODY_LEN);

    let mut sink = HashingSink {
        context: ring::digest::Context::new(&ring::digest::SHA256),
        size: 0,
    };
    let mut size = 0;
    let read = peak_growth(|| {
        size = vault.read_to("body-50mb", &meta.sha256, &mut sink).unwrap();
    });
    assert_eq!(size, BODY_LEN);
    assert_eq!(sink.size, BODY_LEN);
    let digest: String = sink
        .context
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, meta.sha256);

    eprintln!("peak heap growth: write {written} bytes, read {read} bytes");
    assert!(written < LIMIT, "writing used {written} bytes of heap");
    assert!(read < LIMIT, "reading used {read} bytes of heap");
}
