//! What one connection is doing, and the clock that closes it when it stalls. A connection is
//! waiting for a request head (from its opening, or from the first byte after a pause), busy
//! with a request (from the complete head until its answer is written), or idle between requests
//! on a kept-alive connection. Only waiting and idle are timed: a head must arrive whole within
//! the header-read timeout, and an idle connection is closed after the idle timeout. A busy one is
//! never cut by these clocks (a long-poll pull waits 25 s with no byte moving).
//!
//! [`Watched`] is the connection's byte stream as hyper sees it: it notes reads, and replaces
//! hyper's own empty refusals of a bad head with our JSON ([`super::refusal`]). [`Tracked`] is an
//! answer's body: when hyper is done with it the connection is idle again.

use super::refusal;
use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use parking_lot::Mutex;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Clone, Copy)]
enum Phase {
    /// Waiting for (the rest of) a request head since then.
    Head(Instant),
    /// A request is being answered.
    Busy,
    /// Kept alive with nothing to do since then.
    Idle(Instant),
}

/// The phase of one connection, shared by its byte stream, its service and its timer.
pub struct Activity {
    phase: Mutex<Phase>,
    changed: Notify,
    header_read: Duration,
    idle: Duration,
}

impl Activity {
    /// A connection just accepted: its first head is due within `header_read`.
    pub fn new(header_read: Duration, idle: Duration) -> Activity {
        Activity {
            phase: Mutex::new(Phase::Head(Instant::now())),
            changed: Notify::new(),
            header_read,
            idle,
        }
    }

    /// Bytes arrived: on an idle connection a new request has begun, and its head is now due.
    fn read(&self) {
        let mut phase = self.phase.lock();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// A complete head reached the service.
    pub fn request(&self) {
        *self.phase.lock() = Phase::Busy;
    }

    /// The answer is written (or abandoned): idle until the next request.
    fn answered(&self) {
        *self.phase.lock() = Phase::Idle(Instant::now());
        self.changed.notify_one();
    }

    /// Whether hyper may be answering a head the service never saw (so a refusal of its own).
    fn awaiting_head(&self) -> bool {
        matches!(*self.phase.lock(), Phase::Head(_))
    }

    fn deadline(&self) -> Option<Instant> {
        match *self.phase.lock() {
            Phase::Head(since) => since.checked_add(self.header_read),
            Phase::Idle(since) => since.checked_add(self.idle),
            Phase::Busy => None,
        }
    }

    /// Resolves when the connection has waited too long for a head, or idled too long.
    pub async fn stalled(&self) {
        loop {
            match self.deadline() {
                Some(at) if at <= Instant::now() => return,
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }
}

/// How long a refused connection's remaining request bytes are read and dropped before it is
/// closed: closing with unread bytes would reset the connection, and the client could lose the
/// refusal before reading it.
const LINGER: Duration = Duration::from_secs(1);

/// A connection's byte stream, watched.
pub struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
    /// Our JSON answer standing in for one of hyper's own refusals, the part still to write, and
    /// the length of what hyper asked to write (reported once ours is out).
    replacement: Option<(Vec<u8>, usize, usize)>,
    /// Whether such a refusal went out (then the close lingers).
    refused: bool,
    /// The end of the lingering close, once begun.
    linger: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Watched<T> {
    /// Watches `inner`.
    pub fn new(inner: T, activity: Arc<Activity>) -> Watched<T> {
        Watched {
            inner,
            activity,
            replacement: None,
            refused: false,
            linger: None,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.activity.read();
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.replacement.is_none() && this.activity.awaiting_head() {
            // Hyper answers a head it could not take by itself, before the service runs.
            if let Some(ours) = refusal::replace_hyper_refusal(buf) {
                this.replacement = Some((ours, 0, buf.len()));
                this.refused = true;
            }
        }
        let Some((ours, written, asked)) = &mut this.replacement else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        while let Some(rest) = ours.get(*written..).filter(|rest| !rest.is_empty()) {
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            *written = written.saturating_add(n);
        }
        let asked = *asked;
        this.replacement = None;
        Poll::Ready(Ok(asked))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if !this.refused {
            return Pin::new(&mut this.inner).poll_shutdown(cx);
        }
        let linger = match &mut this.linger {
            Some(linger) => linger,
            None => {
                ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
                this.linger.insert(Box::pin(tokio::time::sleep(LINGER)))
            }
        };
        // Drop what the client still sends until it closes too, or the linger ends.
        let mut sink = [0u8; 4096];
        loop {
            if linger.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut sink);
            match ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read)) {
                Ok(()) if !read.filled().is_empty() => continue,
                _ => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// An answer's body; when hyper drops it (written, or abandoned) the connection is idle.
pub struct Tracked<B> {
    inner: B,
    _answered: Answered,
}

struct Answered(Arc<Activity>);

impl Drop for Answered {
    fn drop(&mut self) {
        self.0.answered();
    }
}

impl<B> Tracked<B> {
    /// Tracks `inner` for the connection of `activity`.
    pub fn new(inner: B, activity: Arc<Activity>) -> Tracked<B> {
        Tracked {
            inner,
            _answered: Answered(activity),
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tracked<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const HEAD: Duration = Duration::from_millis(300);
    const IDLE: Duration = Duration::from_millis(900);

    fn watch(activity: &Arc<Activity>) -> tokio::task::JoinHandle<Instant> {
        let activity = activity.clone();
        tokio::spawn(async move {
            activity.stalled().await;
            Instant::now()
        })
    }

    #[tokio::test]
    async fn a_new_connection_must_send_its_head_within_the_header_timeout() {
        let activity = Arc::new(Activity::new(HEAD, IDLE));
        let started = Instant::now();
        let stalled = watch(&activity).await.unwrap() - started;
        assert!(stalled >= HEAD && stalled < IDLE, "{stalled:?}");
    }

    #[tokio::test]
    async fn a_busy_connection_is_not_timed_and_an_answered_one_idles_out() {
        let activity = Arc::new(Activity::new(HEAD, IDLE));
        activity.request();
        let watcher = watch(&activity);
        tokio::time::sleep(HEAD * 2).await;
        assert!(!watcher.is_finished(), "a busy connection is not timed");
        let answered = Instant::now();
        drop(Tracked::new(axum::body::Body::empty(), activity.clone()));
        let stalled = watcher.await.unwrap() - answered;
        assert!(stalled >= IDLE, "{stalled:?}");
    }

    #[tokio::test]
    async fn the_first_byte_after_a_pause_starts_the_head_clock() {
        let activity = Arc::new(Activity::new(HEAD, Duration::from_secs(30)));
        activity.request();
        activity.answered();
        let watcher = watch(&activity);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let first_byte = Instant::now();
        activity.read();
        let stalled = watcher.await.unwrap() - first_byte;
        assert!(stalled >= HEAD && stalled < HEAD * 4, "{stalled:?}");
    }
}
