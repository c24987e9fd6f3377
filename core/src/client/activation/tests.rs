//! Activation against a small gateway on loopback that answers the challenge, activation and
//! ping routes: an attester gets the challenge before the keys exist and the evidence is sent
//! bound to them; a gateway without the challenge route or a failing attester stops it with
//! nothing registered; without an attester no challenge is asked for; a pending device waits
//! until the gateway lets it in; the unit's lock time follows a new policy.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::super::test_support::{gateway_key, person};
use super::*;
use crate::keys::DeviceSigner;
use crate::protocol::{ActivateResponse, ActivationChallenge};
use crate::software::SoftwareKeyVault;
use crate::store::Policy;
use chrono::Utc;
use parking_lot::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the test gateway does and saw.
#[derive(Default)]
struct Gateway {
    /// Whether it has the challenge route (an older gateway does not).
    challenges: bool,
    /// Pings refused as pending before one is let through.
    pending_pings: usize,
    /// Every request's method and path, in order.
    seen: Vec<String>,
    /// The activation requests it received.
    activations: Vec<ActivateRequest>,
}

type Shared = Arc<Mutex<Gateway>>;

const CHALLENGE: [u8; 32] = [0x5a; 32];

async fn gateway(shared: Shared) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let key = gateway_key().public().clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let shared = Arc::clone(&shared);
            let key = key.clone();
            tokio::spawn(async move {
                let (line, body) = read_request(&mut socket).await;
                let (status, answer) = answer(&shared, &key, &line, &body);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    url
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let l = l.to_ascii_lowercase();
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = socket.read(&mut buf).await.unwrap();
                data.extend_from_slice(&buf[..n]);
            }
            let line = head.lines().next().unwrap_or_default().to_owned();
            return (line, data[end + 4..end + 4 + length].to_vec());
        }
        let n = socket.read(&mut buf).await.unwrap();
        if n == 0 {
            return (String::new(), Vec::new());
        }
        data.extend_from_slice(&buf[..n]);
    }
}

fn error(code: &str) -> String {
    serde_json::json!({
        "code": code, "message": code, "server_time": Utc::now(),
    })
    .to_string()
}

fn answer(
    shared: &Shared,
    key: &crate::protocol::GatewayPublicKey,
    line: &str,
    body: &[u8],
) -> (u16, String) {
    let mut gateway = shared.lock();
    let route: String = line.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let route = route.split('?').next().unwrap_or_default().to_owned();
    gateway.seen.push(route.clone());
    match route.as_str() {
        "POST /v1/devices/challenge" if gateway.challenges => {
            let challenge = ActivationChallenge {
                challenge: URL_SAFE_NO_PAD.encode(CHALLENGE),
                expires_at: Utc::now() + chrono::Duration::minutes(5),
            };
            (200, serde_json::to_string(&challenge).unwrap())
        }
        "POST /v1/devices/activate" => {
            let request: ActivateRequest = serde_json::from_slice(body).unwrap();
            let spki = |b64: &str| STANDARD.decode(b64).unwrap();
            let response = ActivateResponse {
                device_id: "dev-7".into(),
                identity: person("zhang", "张科长"),
                unit_name: "县农业农村局".into(),
                access_token: "token".into(),
                request_key_id: crypto::key_id("dk", &spki(&request.request_key_spki)),
                approval_key_id: crypto::key_id("ak", &spki(&request.approval_key_spki)),
                pending_approval: true,
                assurance: None,
                gateway_key: key.clone(),
                server_time: Utc::now(),
            };
            gateway.activations.push(request);
            (200, serde_json::to_string(&response).unwrap())
        }
        "GET /v1/ping" if gateway.pending_pings > 0 => {
            gateway.pending_pings -= 1;
            (401, error("device_pending"))
        }
        "GET /v1/ping" => (
            200,
            serde_json::json!({ "server_time": Utc::now() }).to_string(),
        ),
        _ => (404, error("not_found")),
    }
}

/// An attester that records what it was given, and checks the keys do not exist at `begin`.
struct Recorder {
    vault: Arc<SoftwareKeyVault>,
    fail: bool,
    calls: Mutex<Vec<String>>,
    challenge: Mutex<Vec<u8>>,
    client_data: Mutex<Vec<u8>>,
}

impl Attester for Recorder {
    fn begin(&self, challenge: Vec<u8>) -> Result<(), PlatformKeyError> {
        let keys_exist = self.vault.public_key(REQUEST_KEY_ALIAS.into()).is_ok()
            || self.vault.public_key(APPROVAL_KEY_ALIAS.into()).is_ok();
        self.calls
            .lock()
            .push(format!("begin keys_exist={keys_exist}"));
        *self.challenge.lock() = challenge;
        if self.fail {
            return Err(PlatformKeyError::new("StrongBox unavailable"));
        }
        Ok(())
    }

    fn evidence(
        &self,
        approval_alias: String,
        client_data: Vec<u8>,
    ) -> Result<Option<Attestation>, PlatformKeyError> {
        self.calls.lock().push(format!("evidence {approval_alias}"));
        *self.client_data.lock() = client_data;
        Ok(Some(Attestation::AndroidKey {
            chain: vec![b"leaf".to_vec(), b"root".to_vec()],
        }))
    }
}

fn fresh(root: &std::path::Path, fail: bool) -> (Client, Arc<Recorder>) {
    let vault = Arc::new(SoftwareKeyVault::open(&root.join("vault"), "口令 pass").unwrap());
    let client = Client::open(&root.join("data"), vault.clone(), vault.clone()).unwrap();
    let recorder = Arc::new(Recorder {
        vault,
        fail,
        calls: Mutex::new(Vec::new()),
        challenge: Mutex::new(Vec::new()),
        client_data: Mutex::new(Vec::new()),
    });
    (client, recorder)
}

async fn activate(
    client: &Client,
    url: &str,
    attester: Option<Arc<Recorder>>,
) -> Result<Account, ClientError> {
    client
        .activate_attested(
            url,
            &Trust::default(),
            "zhang",
            "ABCD2345",
            "华为 Mate 60",
            "android",
            attester.map(|a| a as Arc<dyn Attester>),
        )
        .await
}

#[tokio::test]
async fn the_challenge_comes_before_the_keys_and_the_evidence_binds_them() {
    let shared = Shared::default();
    shared.lock().challenges = true;
    shared.lock().pending_pings = 1;
    let url = gateway(Arc::clone(&shared)).await;
    let root = tempfile::tempdir().unwrap();
    let (client, recorder) = fresh(root.path(), false);
    let account = activate(&client, &url, Some(Arc::clone(&recorder)))
        .await
        .unwrap();
    assert_eq!(
        *recorder.calls.lock(),
        vec![
            "begin keys_exist=false".to_owned(),
            format!("evidence {APPROVAL_KEY_ALIAS}")
        ]
    );
    assert_eq!(*recorder.challenge.lock(), CHALLENGE.to_vec());
    let request = shared.lock().activations[0].clone();
    let request_spki = STANDARD.decode(&request.request_key_spki).unwrap();
    let approval_spki = STANDARD.decode(&request.approval_key_spki).unwrap();
    assert_eq!(
        *recorder.client_data.lock(),
        app_attest_client_data(&CHALLENGE, &request_spki, &approval_spki)
    );
    assert_eq!(request.challenge, Some(URL_SAFE_NO_PAD.encode(CHALLENGE)));
    assert_eq!(
        request.attestation,
        Some(AttestationEvidence::AndroidKey {
            chain: vec![STANDARD.encode(b"leaf"), STANDARD.encode(b"root")]
        })
    );
    // Bound, waiting for the administrator, with the words of its own keys.
    let info = client.device_info().unwrap().unwrap();
    assert!(info.binding.pending_approval);
    assert_eq!(info.binding.assurance.as_deref(), Some("attestation_sent"));
    assert_eq!(info.binding.device_name.as_deref(), Some("华为 Mate 60"));
    assert_eq!(
        info.fingerprint_words,
        Fingerprint::from_spkis(&request_spki, &approval_spki).words()
    );
    assert_eq!(fingerprint_words(&account), info.fingerprint_words);
    // Still pending at the first look, let in at the second; the answer is kept.
    assert!(client.check_activation().await.unwrap().1.pending_approval);
    assert!(!client.check_activation().await.unwrap().1.pending_approval);
    assert!(!client.activation().unwrap().unwrap().1.pending_approval);
}

#[tokio::test]
async fn a_gateway_without_the_challenge_route_stops_an_attested_activation() {
    let shared = Shared::default();
    let url = gateway(Arc::clone(&shared)).await;
    let root = tempfile::tempdir().unwrap();
    let (client, recorder) = fresh(root.path(), false);
    match activate(&client, &url, Some(Arc::clone(&recorder))).await {
        Err(ClientError::Attestation(e @ AttestationError::NoChallenge)) => {
            assert_eq!(e.code(), "no_challenge")
        }
        other => panic!("{other:?}"),
    }
    assert!(recorder.calls.lock().is_empty());
    assert!(shared.lock().activations.is_empty());
    assert!(client.account().unwrap().is_none());
}

#[tokio::test]
async fn a_failing_attester_stops_the_activation_before_anything_is_registered() {
    let shared = Shared::default();
    shared.lock().challenges = true;
    let url = gateway(Arc::clone(&shared)).await;
    let root = tempfile::tempdir().unwrap();
    let (client, recorder) = fresh(root.path(), true);
    match activate(&client, &url, Some(recorder)).await {
        Err(ClientError::Attestation(e @ AttestationError::Attester(_))) => {
            assert_eq!(e.code(), "attester_failed")
        }
        other => panic!("{other:?}"),
    }
    assert!(shared.lock().activations.is_empty());
    assert!(client.account().unwrap().is_none());
}

#[tokio::test]
async fn without_an_attester_no_challenge_is_asked_for() {
    let shared = Shared::default();
    shared.lock().challenges = true;
    let url = gateway(Arc::clone(&shared)).await;
    let root = tempfile::tempdir().unwrap();
    let (client, _) = fresh(root.path(), false);
    activate(&client, &url, None).await.unwrap();
    assert_eq!(shared.lock().seen, vec!["POST /v1/devices/activate"]);
    let request = shared.lock().activations[0].clone();
    assert_eq!((request.challenge, request.attestation), (None, None));
    let info = client.device_info().unwrap().unwrap();
    assert_eq!(info.binding.assurance.as_deref(), Some("unattested"));
}

#[test]
fn the_lock_time_follows_each_new_policy_and_a_shell_setting_until_then() {
    let root = tempfile::tempdir().unwrap();
    let (client, _) = fresh(root.path(), false);
    assert_eq!(client.inactivity_lock(), Duration::from_secs(5 * 60));
    let policy = |version, minutes| Policy {
        version,
        inactivity_lock_minutes: minutes,
        ..Policy::default()
    };
    client.store().unwrap().save_policy(&policy(3, 2)).unwrap();
    client.follow_policy().unwrap();
    assert_eq!(client.inactivity_lock(), Duration::from_secs(120));
    client.set_inactivity_lock(Duration::from_secs(30));
    client.follow_policy().unwrap();
    assert_eq!(client.inactivity_lock(), Duration::from_secs(30));
    client.store().unwrap().save_policy(&policy(4, 10)).unwrap();
    client.follow_policy().unwrap();
    assert_eq!(client.inactivity_lock(), Duration::from_secs(600));
}
