//! The gateway's accept loop: HTTP/1.1 over hyper, with what a gateway facing the internet needs
//! and `axum::serve` lacks. A connection must deliver each request head within the header-read
//! timeout and is closed after the idle timeout between requests ([`activity`]), so silent or
//! slow-header connections cannot hold every file descriptor; one address may hold at most so
//! many connections at once, and the next gets a JSON 503 `too_many_connections` and is closed
//! (trusted proxies, which carry many phones, are exempt); hyper's own refusals of a bad head carry
//! our JSON error ([`refusal`]); a request target over [`MAX_URI_BYTES`] is a JSON 414. Stopping
//! stops accepting, closes idle connections, and lets requests in flight finish.
//!
//! With TLS ([`crate::tls`]) each accepted connection first completes its handshake, within the
//! header-read timeout, and hyper then speaks HTTP/1.1 inside it; the caps and timeouts are the
//! same. The connection cap's refusal is written in clear before any handshake, so a client over
//! the cap sees its connection fail rather than a JSON 503.

pub mod activity;
pub mod refusal;

use crate::error::ApiError;
use crate::forwarded::{self, TrustedProxies};
use activity::{Activity, Tracked, Watched};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// Default time a connection has to deliver a request head: a few hundred bytes take well under
/// a second even at 64 kbit/s, so ten seconds leave room for a bad mobile link.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a kept-alive connection may wait for its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of connections one address may hold at once: a phone uses one or two, an
/// office behind one NAT address a few dozen.
pub const CONNECTIONS_PER_ADDRESS: usize = 64;
/// Largest request head read (a signed phone request's head is about 1 KB).
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Longest request target served; every route's target is far shorter.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// How long a refused connection is given to take its 503 before it is closed.
const REFUSAL_GRACE: Duration = Duration::from_secs(1);
/// Pause after a failed accept (out of file descriptors, say) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How connections are held.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time allowed for a request head, from the connection's opening or the request's first byte.
    pub header_read_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Connections one address may hold at once (trusted proxies exempt).
    pub connections_per_address: usize,
    /// Proxies whose connections are not capped (each carries many phones).
    pub trusted_proxies: TrustedProxies,
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until `shutdown` resolves, then
/// stops accepting, closes idle connections, and waits for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Mutex::new(HashMap::<IpAddr, usize>::new()));
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let ip = forwarded::canonical(peer.ip());
        let slot = if limits.trusted_proxies.contains(ip) {
            None
        } else {
            match Slot::take(&open, ip, limits.connections_per_address) {
                Some(slot) => Some(slot),
                None => {
                    tracing::warn!(%ip, "refused a connection over the per-address cap");
                    tokio::spawn(refuse(stream, limits.connections_per_address));
                    continue;
                }
            }
        };
        // Small JSON answers go out at once rather than waiting on Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let app = app.clone();
        let limits = limits.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => connection(stream, peer, app, &limits, watcher).await,
                Some(tls) => {
                    let handshake =
                        tokio::time::timeout(limits.header_read_timeout, tls.accept(stream));
                    match handshake.await {
                        Ok(Ok(stream)) => connection(stream, peer, app, &limits, watcher).await,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "closed a connection that did not finish its TLS handshake in time");
                        }
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Serves one connection until it closes, or stalls past its timeouts.
async fn connection<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    limits: &Limits,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let activity = Arc::new(Activity::new(
        limits.header_read_timeout,
        limits.idle_timeout,
    ));
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request| answer(app.clone(), request, peer, &activity))
    };
    let served = watcher.watch(
        hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .max_header_size(MAX_HEAD_BYTES)
            // One write per answer head, so a refusal of hyper's own can be recognised whole.
            .writev(false)
            .serve_connection(io, service),
    );
    tokio::select! {
        result = served => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        () = activity.stalled() => {
            tracing::debug!(%peer, "closed a connection that sent no request head in time");
        }
    }
}

/// Answers one request through the router, with the peer's address beside it.
fn answer(
    mut app: Router,
    mut request: Request<Incoming>,
    peer: SocketAddr,
    activity: &Arc<Activity>,
) -> impl Future<Output = Result<Response<Tracked<axum::body::Body>>, Infallible>> {
    activity.request();
    let activity = activity.clone();
    async move {
        let target = request
            .uri()
            .path_and_query()
            .map_or(0, |target| target.as_str().len());
        let response = if target > MAX_URI_BYTES {
            ApiError::new(
                StatusCode::URI_TOO_LONG,
                refusal::URI_TOO_LONG,
                format!("a request target may have at most {MAX_URI_BYTES} bytes"),
            )
            .into_response()
        } else {
            request.extensions_mut().insert(ConnectInfo(peer));
            match tower_service::Service::call(&mut app, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        };
        Ok(response.map(|body| Tracked::new(body, activity)))
    }
}

/// Writes the connection cap's refusal, then closes; a client still sending its request is given
/// a moment so the close does not reset the connection before the refusal is read.
async fn refuse(mut stream: TcpStream, cap: usize) {
    let written = tokio::time::timeout(REFUSAL_GRACE, async {
        stream
            .write_all(&refusal::too_many_connections(cap))
            .await?;
        stream.shutdown().await
    })
    .await;
    if matches!(written, Ok(Ok(()))) {
        let mut sink = [0u8; 4096];
        let _ = tokio::time::timeout(REFUSAL_GRACE, async {
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}

/// One connection counted against its address; the count drops with it.
struct Slot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl Slot {
    /// A slot for `ip`, unless it already holds `cap` connections.
    fn take(open: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut counts = open.lock();
        let count = counts.entry(ip).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count = count.saturating_add(1);
        Some(Slot {
            open: open.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.open.lock();
        if let Some(count) = counts.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_slots_back_as_connections_close() {
        let open = Arc::new(Mutex::new(HashMap::new()));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = Slot::take(&open, a, 2).unwrap();
        let second = Slot::take(&open, a, 2).unwrap();
        assert!(Slot::take(&open, a, 2).is_none());
        assert!(
            Slot::take(&open, b, 2).is_some(),
            "another address is not capped"
        );
        drop(first);
        assert!(Slot::take(&open, a, 2).is_some());
        drop(second);
        assert!(
            open.lock().get(&b).is_none(),
            "closed addresses are forgotten"
        );
    }
}
