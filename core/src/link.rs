//! The phone's HTTP link to the gateway: activation, signed pull and signed push, signed 回执
//! pushes and ranged blob fetches over reqwest with rustls (ring provider). Every request but
//! activation carries an RFC 9421 signature made by the device request key (DSK) through the
//! [`DeviceSigner`], with the clock corrected by the offset learned from the gateway, so a wrong
//! phone clock does not lock the user out.
//!
//! Signed bodies (pushes, 回执) go gzip-compressed (`Content-Encoding: gzip`), so a batch passes
//! links that cut long transfers; the signed `Content-Digest` covers the compressed bytes, as
//! sent (RFC 9530).
//!
//! Transport failures are reported as [`LinkError::Unreachable`]: the caller keeps its outbox and
//! tries again later. A secure connection refused, a captive portal or a proxy refusing has its
//! own kind (`classify.rs`, `answer.rs`). Any answer from the gateway is reported with its status
//! and stable code. Trust and proxy come from [`ConnectionSettings`]; the certificate check is
//! `verifier.rs`.

use crate::crypto;
use crate::keys::{DeviceSigner, REQUEST_KEY_ALIAS};
use crate::protocol::signature;
use crate::protocol::{
    self, ActivateRequest, ActivateResponse, CommandBatch, PushResponse, SyncPage,
};
use chrono::{DateTime, Utc};
use reqwest::{Method, Url};
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

mod activation;
mod answer;
mod classify;
mod delegations;
mod error;
mod people;
mod phrases;
pub mod settings;
mod timed;
mod verifier;

pub use activation::Pong;
use answer::parse;
use error::transport_reason;
pub use error::LinkError;
pub use settings::{ConnectionSettings, Proxy, SettingsError, Trust};
pub use timed::{Failed, Measured};
pub use verifier::Refusal;

const JSON: &str = signature::CONTENT_TYPE;
/// How long to wait for a TCP connection before calling the gateway unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest any one request may take, end to end.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many changes to ask for per page.
pub const PAGE_LIMIT: usize = 200;

/// What a signed request needs from the account.
#[derive(Clone)]
pub struct Credentials {
    /// The device signer holding the request key.
    pub signer: Arc<dyn DeviceSigner>,
    /// Key id of the request key.
    pub request_key_id: String,
    /// The access token bound to that key.
    pub access_token: String,
    /// Server time minus device time, in milliseconds.
    pub clock_offset_ms: i64,
}

/// The device's wall clock, as the link reads it (signatures, certificate validity).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a connection knows besides its settings: the phone's clock and what it learned before.
#[derive(Clone)]
pub struct LinkState {
    /// The device clock (the credentials' offset corrects it).
    pub clock: Clock,
    /// Server time minus device time as last learned, if this phone ever reached the gateway:
    /// tells a certificate expired at the phone's clock only from one expired for everyone.
    pub learned_offset_ms: Option<i64>,
    /// This phone has already reached this deployment with these anchors (it is activated).
    pub established: bool,
}

impl Default for LinkState {
    fn default() -> LinkState {
        LinkState {
            clock: Arc::new(Utc::now),
            learned_offset_ms: None,
            established: false,
        }
    }
}

/// A connection to one gateway.
#[derive(Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    base: Url,
    /// The device clock the credentials' offset corrects.
    clock: Clock,
    /// What tells an unknown issuer from an interception.
    context: classify::Context,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// A client for the gateway at `base_url` with `settings`, on the system clock, for a
    /// deployment not reached before. See [`GatewayClient::connect`].
    pub fn new(base_url: &str, settings: &ConnectionSettings) -> Result<GatewayClient, LinkError> {
        GatewayClient::connect(base_url, settings, LinkState::default())
    }

    /// A client for the gateway at `base_url`. Plain http is refused except on loopback, where a
    /// development gateway runs; https is verified against the settings' anchors and pins only,
    /// goes through the settings' proxy if any, and never follows a redirect (a redirect is a
    /// captive portal's, not the gateway's).
    pub fn connect(
        base_url: &str,
        settings: &ConnectionSettings,
        state: LinkState,
    ) -> Result<GatewayClient, LinkError> {
        let base = Url::parse(base_url).map_err(|_| LinkError::InsecureUrl(base_url.to_owned()))?;
        let loopback = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if base.scheme() != "https" && !(base.scheme() == "http" && loopback) {
            return Err(LinkError::InsecureUrl(base_url.to_owned()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = verifier::PinningVerifier::new(
            &settings.trust,
            Arc::clone(&provider),
            state.learned_offset_ms,
        )?;
        let time = Arc::new(verifier::ClockTime(Arc::clone(&state.clock)));
        let mut tls = rustls::ClientConfig::builder_with_details(provider, time)
            .with_safe_default_protocol_versions()
            .map_err(|e| LinkError::Protocol(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // reqwest does not set ALPN on a preconfigured config.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(base.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT);
        // The shell passes the network's proxy; the core never guesses one from the environment.
        http = match &settings.proxy {
            Some(proxy) => http.proxy(proxy.reqwest()?),
            None => http.no_proxy(),
        };
        let http = http
            .build()
            .map_err(|e| LinkError::Protocol(e.to_string()))?;
        Ok(GatewayClient {
            http,
            base,
            clock: state.clock,
            context: classify::Context {
                through_proxy: settings.proxy.is_some(),
                established: state.established,
            },
        })
    }

    /// Signs with `clock` (the device clock the credentials' offset was learned against)
    /// instead of the system clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sends `request`; a failure before any answer gets its kind (`classify.rs`).
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, LinkError> {
        request
            .send()
            .await
            .map_err(|e| classify::transport_error(&e, self.context))
    }

    /// The gateway's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// Binds this device with a one-time code (unsigned: the keys are not registered yet).
    pub async fn activate(&self, request: &ActivateRequest) -> Result<ActivateResponse, LinkError> {
        let url = self.url(protocol::ACTIVATE_PATH)?;
        let body = serde_json::to_vec(request).map_err(|e| LinkError::Protocol(e.to_string()))?;
        let request = self.http.post(url).header("content-type", JSON).body(body);
        parse(self.send(request).await?).await
    }

    /// Pulls one page of at most `limit` changes of the feed after `cursor`.
    pub async fn pull(
        &self,
        credentials: &Credentials,
        cursor: &str,
        limit: usize,
    ) -> Result<SyncPage, LinkError> {
        let mut url = self.url(protocol::SYNC_PATH)?;
        url.query_pairs_mut()
            .append_pair("cursor", cursor)
            .append_pair("limit", &limit.to_string());
        self.send_signed(Method::GET, url, Vec::new(), credentials)
            .await
    }

    /// Pushes a batch of signed commands; one verdict per command comes back.
    pub async fn push(
        &self,
        credentials: &Credentials,
        batch: &CommandBatch,
    ) -> Result<PushResponse, LinkError> {
        self.post_signed(protocol::COMMANDS_PATH, batch, credentials)
            .await
    }

    /// A signed POST of `body` as gzip-compressed JSON to `path`; the signature's digest covers
    /// the compressed bytes.
    async fn post_signed<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        credentials: &Credentials,
    ) -> Result<T, LinkError> {
        let url = self.url(path)?;
        let json = serde_json::to_vec(body).map_err(|e| LinkError::Protocol(e.to_string()))?;
        let body = gzip(&json)?;
        let request = self
            .signed(Method::POST, url, body, credentials)?
            .header("content-encoding", "gzip");
        parse(self.send(request).await?).await
    }

    /// Asks for bytes `start..=end` of the blob `sha256` (lowercase hex) with a signed `Range`
    /// request. A 200 (the whole file), 206 (the range) or 416 (nothing left in that range) comes
    /// back with its body still to be read, so the caller keeps every byte that arrived before a
    /// cut; any other answer is an error.
    pub async fn fetch_blob_range(
        &self,
        credentials: &Credentials,
        sha256: &str,
        start: u64,
        end: u64,
    ) -> Result<BlobResponse, LinkError> {
        let url = self.url(&format!("{}/{sha256}", protocol::BLOBS_PATH))?;
        let request = self
            .signed(Method::GET, url, Vec::new(), credentials)?
            .header("range", format!("bytes={start}-{end}"))
            // Ranges count the file's own bytes: a compressed answer would count others.
            .header("accept-encoding", "identity");
        let response = self.send(request).await?;
        let status = response.status().as_u16();
        if !matches!(status, 200 | 206 | 416) {
            return match parse::<serde_json::Value>(response).await {
                Err(e) => Err(e),
                Ok(_) => Err(LinkError::Protocol(format!(
                    "HTTP {status} where a blob or a range of it was expected"
                ))),
            };
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(BlobResponse {
            status,
            etag: header("etag"),
            content_range: header("content-range"),
            content_length: header("content-length").and_then(|v| v.parse().ok()),
            response,
        })
    }

    fn url(&self, path: &str) -> Result<Url, LinkError> {
        self.base
            .join(path)
            .map_err(|e| LinkError::Protocol(e.to_string()))
    }

    async fn send_signed<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Vec<u8>,
        credentials: &Credentials,
    ) -> Result<T, LinkError> {
        let request = self.signed(method, url, body, credentials)?;
        parse(self.send(request).await?).await
    }

    /// A request carrying `body`, signed as the profile demands at the gateway's time as this
    /// device estimates it.
    fn signed(
        &self,
        method: Method,
        url: Url,
        body: Vec<u8>,
        credentials: &Credentials,
    ) -> Result<reqwest::RequestBuilder, LinkError> {
        let now = (self.clock)() + chrono::Duration::milliseconds(credentials.clock_offset_ms);
        let headers = sign_request(method.as_str(), url.as_str(), &body, credentials, now)?;
        let mut request = self
            .http
            .request(method, url)
            .header("content-type", JSON)
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        Ok(request)
    }
}

/// An answer of the blob endpoint whose body is read piece by piece.
#[derive(Debug)]
pub struct BlobResponse {
    /// 200 (the whole file), 206 (a range) or 416 (the range is past the end).
    pub status: u16,
    /// The `ETag` header as sent (a strong tag is the quoted SHA-256).
    pub etag: Option<String>,
    /// The `Content-Range` header as sent.
    pub content_range: Option<String>,
    /// The `Content-Length` header, if sent and a number.
    pub content_length: Option<u64>,
    response: reqwest::Response,
}

impl BlobResponse {
    /// The next piece of the body, or none at its end. A cut connection is
    /// [`LinkError::Unreachable`]: what came before it is still good.
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, LinkError> {
        match self.response.chunk().await {
            Ok(chunk) => Ok(chunk.map(|bytes| bytes.to_vec())),
            Err(e) => Err(LinkError::Unreachable(transport_reason(&e))),
        }
    }
}

/// The headers of a signed request: `authorization`, `content-digest`, `signature-input`,
/// `signature`, signed by the device's request key through its [`DeviceSigner`]. Public so the
/// cross-part tests can build requests exactly as phones do.
pub fn sign_request(
    method: &str,
    target_uri: &str,
    body: &[u8],
    credentials: &Credentials,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, String)>, LinkError> {
    let signer = signature::RequestSigner {
        access_token: &credentials.access_token,
        key_id: &credentials.request_key_id,
    };
    let nonce = crypto::random_bytes::<16>()?;
    signature::sign_request(
        method,
        target_uri,
        body,
        signer,
        now.timestamp(),
        &nonce,
        |base| {
            let der = credentials
                .signer
                .sign(REQUEST_KEY_ALIAS.to_owned(), base.to_vec())?;
            Ok(crypto::der_to_raw_signature(&der)?.to_vec())
        },
    )
}

/// `bytes` gzip-compressed. JSON of signed records holds base64 and repeated field names, so a
/// push shrinks by about half.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, LinkError> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::default(),
    );
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| LinkError::Protocol(format!("cannot compress a request: {e}")))
}
