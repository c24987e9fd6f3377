//! The network between a phone and its gateway, as the TLS tests need it on loopback: a private
//! CA issuing certificates of any name and validity ([`Pki`]); a TLS front serving one of them
//! before a plain gateway ([`tls_front`]: an expired certificate, one for another name); an HTTP
//! CONNECT proxy that tunnels honestly (optionally asking for credentials), refuses with a status,
//! or intercepts: it answers the phone's TLS with a certificate its own CA issued for the name
//! asked, and talks TLS to the gateway itself ([`connect_proxy`]); and a captive portal answering
//! every request with a sign-in page or a redirect to one ([`captive_portal`]).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Datelike as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A certificate authority made for one test.
pub struct Pki {
    cert: rcgen::Certificate,
    key: KeyPair,
    /// The CA certificate, PEM: what a phone would be given as trust anchor.
    pub ca_pem: String,
}

/// A certificate chain (server certificate, then the CA's) and its key.
pub struct Issued {
    /// Server certificate first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server key.
    pub key: PrivateKeyDer<'static>,
}

/// The date `days` from today, as year, month and day.
fn day(days: i64) -> Result<(i32, u8, u8), String> {
    let date = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    let month = u8::try_from(date.month()).map_err(|e| e.to_string())?;
    let day = u8::try_from(date.day()).map_err(|e| e.to_string())?;
    Ok((date.year(), month, day))
}

impl Pki {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Result<Pki, String> {
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
        let ca_pem = cert.pem();
        Ok(Pki { cert, key, ca_pem })
    }

    /// A server certificate for `names`, valid from `from_days` to `to_days` from today.
    pub fn issue(&self, names: &[&str], from_days: i64, to_days: i64) -> Result<Issued, String> {
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let names = names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let mut params = CertificateParams::new(names).map_err(|e| e.to_string())?;
        let (year, month, day_of) = day(from_days)?;
        params.not_before = rcgen::date_time_ymd(year, month, day_of);
        let (year, month, day_of) = day(to_days)?;
        params.not_after = rcgen::date_time_ymd(year, month, day_of);
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(|e| e.to_string())?;
        Ok(Issued {
            chain: vec![cert.der().clone(), self.cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }
}

/// A server on loopback that stops when dropped, counting the connections it took.
pub struct Middlebox {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Connections taken (for a proxy: CONNECT requests).
    pub connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for Middlebox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections on a free loopback port, each handled by `handle` on its own task.
async fn listen<F, Fut>(handle: F) -> Result<Middlebox, String>
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(stream));
        }
    });
    Ok(Middlebox {
        addr,
        connections,
        task,
    })
}

fn acceptor(issued: Issued) -> Result<tokio_rustls::TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(issued.chain, issued.key)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves TLS with `issued` and forwards what it decrypts to the plain gateway at `upstream`.
pub async fn tls_front(issued: Issued, upstream: SocketAddr) -> Result<Middlebox, String> {
    let acceptor = acceptor(issued)?;
    listen(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            if let Ok(mut gateway) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut gateway).await;
            }
        }
    })
    .await
}

/// What a [`connect_proxy`] does with a CONNECT.
#[derive(Clone)]
pub enum ProxyMode {
    /// Tunnels the bytes; with credentials, asks for them (407) unless the request carries them.
    Honest {
        /// User and password the proxy wants, if any.
        credentials: Option<(String, String)>,
    },
    /// Answers every CONNECT with this status.
    Refuse(u16),
    /// Answers the phone's TLS itself with a certificate `pki` issues for the name asked, and
    /// talks TLS to the gateway trusting `upstream_ca_pem`: a TLS-inspecting middlebox.
    Intercept {
        /// The interceptor's own CA.
        pki: Arc<Pki>,
        /// The gateway's CA, which the interceptor trusts on its side.
        upstream_ca_pem: String,
    },
}

/// An HTTP proxy on loopback taking CONNECT requests only.
pub async fn connect_proxy(mode: ProxyMode) -> Result<Middlebox, String> {
    listen(move |stream| {
        let mode = mode.clone();
        async move {
            let _ = tunnel(stream, mode).await;
        }
    })
    .await
}

async fn tunnel(mut phone: TcpStream, mode: ProxyMode) -> std::io::Result<()> {
    let head = read_head(&mut phone).await?;
    let mut lines = head.lines();
    let target = lines
        .next()
        .and_then(|line| line.strip_prefix("CONNECT "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .to_owned();
    let authorization = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_owned());
    match mode {
        ProxyMode::Refuse(status) => answer(&mut phone, status).await,
        ProxyMode::Honest { credentials } => {
            if let Some((user, password)) = credentials {
                let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
                if authorization.as_deref() != Some(expected.as_str()) {
                    return answer(&mut phone, 407).await;
                }
            }
            let mut gateway = TcpStream::connect(&target).await?;
            answer(&mut phone, 200).await?;
            tokio::io::copy_bidirectional(&mut phone, &mut gateway).await?;
            Ok(())
        }
        ProxyMode::Intercept {
            pki,
            upstream_ca_pem,
        } => {
            let host = target.rsplit_once(':').map(|(h, _)| h).unwrap_or(&target);
            let issued = pki.issue(&[host], -1, 30).map_err(std::io::Error::other)?;
            answer(&mut phone, 200).await?;
            let acceptor = acceptor(issued).map_err(std::io::Error::other)?;
            let mut phone = acceptor.accept(phone).await?;
            let mut gateway = tls_to(&target, host, &upstream_ca_pem).await?;
            tokio::io::copy_bidirectional(&mut phone, &mut gateway).await?;
            Ok(())
        }
    }
}

/// A TLS connection to `target` trusting `ca_pem` only.
async fn tls_to(
    target: &str,
    host: &str,
    ca_pem: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()).flatten() {
        roots.add(cert).map_err(std::io::Error::other)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).map_err(std::io::Error::other)?;
    let tcp = TcpStream::connect(target).await?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// Reads up to the end of an HTTP head.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn answer(stream: &mut TcpStream, status: u16) -> std::io::Result<()> {
    let extra = if status == 407 {
        "Proxy-Authenticate: Basic realm=\"office\"\r\n"
    } else {
        ""
    };
    let reason = match status {
        200 => "Connection established",
        407 => "Proxy Authentication Required",
        403 => "Forbidden",
        _ => "Refused",
    };
    stream
        .write_all(
            format!("HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 0\r\n\r\n").as_bytes(),
        )
        .await
}

/// What a [`captive_portal`] answers.
#[derive(Clone, Copy, Debug)]
pub enum Portal {
    /// A sign-in page, HTML with 200.
    Page,
    /// A 302 to a sign-in page.
    Redirect,
}

/// A captive portal on plain http: every request gets the sign-in page or a redirect to it.
pub async fn captive_portal(portal: Portal) -> Result<Middlebox, String> {
    listen(move |mut stream| async move {
        if read_head(&mut stream).await.is_err() {
            return;
        }
        // The body of a POST may still be coming; the portal answers regardless, as they do.
        let page = "<!DOCTYPE html><html><head><title>Wi-Fi 登录</title></head><body>请先登录访客网络</body></html>";
        let answer = match portal {
            Portal::Page => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            ),
            Portal::Redirect => "HTTP/1.1 302 Found\r\nLocation: http://portal.example/login?token=x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
        };
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await
}
