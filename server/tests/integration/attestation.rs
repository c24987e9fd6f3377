//! Attestation at activation against a live gateway: the challenge endpoint hands out one-time
//! challenges that expire and are rate-limited per address; a phone whose Android key chain
//! (built here under a test root the gateway is configured to trust) names the challenge and its
//! approval key is recorded as "strongbox" or "tee"; evidence that does not verify is refused
//! with 400 `bad_attestation` and stores nothing; and a unit that requires hardware-backed keys
//! refuses unattested and software-keyed devices with 403 `hardware_keys_required`.
//!
//! The gateway runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server.

// A failed assumption is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::attestation_chains::{as_base64, TestCa};
use crate::openapi_support::schema::check_answer;
use crate::openapi_support::{call, send, served_document};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use qianpi_gateway::admin::{self, demo, AdminActor};
use qianpi_gateway::checkpoints::{self, PolicyChange};
use qianpi_gateway::db::Db;
use qianpi_gateway::sql::args;
use qianpi_gateway::{open_database, start, GatewayConfig, Location, RunningGateway};
use qianpi_protocol::{ActivateRequest, ActivationChallenge, AttestationEvidence};
use rcgen::KeyPair;
use serde_json::Value;
use std::net::SocketAddr;

struct Gateway {
    running: RunningGateway,
    db: Db,
    ca: TestCa,
}

impl Gateway {
    /// A demo gateway trusting `ca`'s root for Android chains (tests only), allowing
    /// `per_minute` challenges and activations from one address.
    async fn start(dir: &tempfile::TempDir, per_minute: i64) -> Gateway {
        let location = match std::env::var("QIANPI_TEST_POSTGRES") {
            Ok(server) => {
                tokio::task::spawn_blocking(move || {
                    qianpi_gateway::db::create_postgres_database(&server, "qianpi_attest")
                })
                .await
                .unwrap()
                .unwrap()
                .0
            }
            Err(_) => Location::Folder(dir.path().join("gateway")),
        };
        let ca = TestCa::new();
        let mut config = GatewayConfig::new(location, "127.0.0.1:0".parse().unwrap(), true);
        config.statement_key = Some(dir.path().join("statement-key.p8"));
        config.activations_per_minute = per_minute;
        config.attestation.test_only_extra_android_roots = vec![ca.root_der()];
        let running = start(config.clone()).await.unwrap();
        let db = open_database(&config).await.unwrap();
        Gateway { running, db, ca }
    }

    fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    async fn challenge(&self) -> (u16, Value) {
        call(self.addr(), "POST", "/v1/devices/challenge", "").await
    }

    async fn fresh_challenge(&self) -> Vec<u8> {
        let (status, body) = self.challenge().await;
        assert_eq!(status, 200, "{body}");
        let challenge: ActivationChallenge = serde_json::from_value(body).unwrap();
        let left = challenge.expires_at - chrono::Utc::now();
        assert!(
            (590..=600).contains(&left.num_seconds()),
            "a challenge lives ten minutes: {left}"
        );
        let bytes = URL_SAFE_NO_PAD.decode(&challenge.challenge).unwrap();
        assert_eq!(bytes.len(), 32);
        bytes
    }

    /// Activates a phone for the demo leader with a fresh code; the status and answer.
    async fn activate(
        &self,
        platform: &str,
        approval: &KeyPair,
        challenge: Option<&[u8]>,
        attestation: Option<AttestationEvidence>,
    ) -> (u16, Value) {
        let code =
            admin::issue_activation_code(&self.db, demo::LEADER, chrono::Utc::now().timestamp())
                .await
                .unwrap();
        let request = ActivateRequest {
            login: demo::LEADER.into(),
            code,
            request_key_spki: STANDARD.encode(KeyPair::generate().unwrap().public_key_der()),
            approval_key_spki: STANDARD.encode(approval.public_key_der()),
            device_name: "测试手机".into(),
            platform: platform.into(),
            challenge: challenge.map(|c| URL_SAFE_NO_PAD.encode(c)),
            attestation,
        };
        let body = serde_json::to_vec(&request).unwrap();
        send(self.addr(), "POST", "/v1/devices/activate", &[], &body).await
    }

    async fn assurance(&self, device_id: &str) -> String {
        let id = device_id.to_owned();
        self.db
            .tx(move |sql| {
                Ok(sql
                    .query_one("SELECT assurance FROM devices WHERE id = ?1", args![&id])?
                    .text(0)?)
            })
            .await
            .unwrap()
    }

    async fn devices(&self) -> i64 {
        self.db
            .tx(|sql| Ok(sql.query_one("SELECT count(*) FROM devices", &[])?.int(0)?))
            .await
            .unwrap()
    }

    async fn challenges(&self) -> i64 {
        self.db
            .tx(|sql| {
                Ok(sql
                    .query_one("SELECT count(*) FROM activation_challenges", &[])?
                    .int(0)?)
            })
            .await
            .unwrap()
    }

    async fn stop(self) {
        let Gateway { running, db, .. } = self;
        tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
        running.stop().await.unwrap();
    }
}

/// Builds a chain for a challenge; with the words the refusal must contain.
type BuildChain<'a> = Box<dyn Fn(&[u8]) -> (Vec<Vec<u8>>, &'static str) + 'a>;

fn android_evidence(chain: &[Vec<u8>]) -> Option<AttestationEvidence> {
    Some(AttestationEvidence::AndroidKey {
        chain: as_base64(chain),
    })
}

#[tokio::test]
async fn attested_phones_record_their_level_and_a_challenge_serves_once() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(&dir, 50).await;
    let document = served_document(gateway.addr()).await;
    let (status, answer) = gateway.challenge().await;
    assert_eq!(status, 200);
    check_answer(&document, "post", "/v1/devices/challenge", 200, &answer);

    let key = KeyPair::generate().unwrap();
    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&key, 2, &challenge);
    let (status, bound) = gateway
        .activate("android", &key, Some(&challenge), android_evidence(&chain))
        .await;
    assert_eq!(status, 200, "{bound}");
    let device = bound["device_id"].as_str().unwrap();
    assert_eq!(gateway.assurance(device).await, "strongbox");

    // The same challenge again, with a chain made for it: already used.
    let again = KeyPair::generate().unwrap();
    let chain = gateway.ca.chain(&again, 1, &challenge);
    let (status, refused) = gateway
        .activate(
            "android",
            &again,
            Some(&challenge),
            android_evidence(&chain),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_attestation")),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{refused}"
    );
    check_answer(&document, "post", "/v1/devices/activate", 400, &refused);

    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&again, 1, &challenge);
    let (status, bound) = gateway
        .activate(
            "android",
            &again,
            Some(&challenge),
            android_evidence(&chain),
        )
        .await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        gateway
            .assurance(bound["device_id"].as_str().unwrap())
            .await,
        "tee"
    );

    // A phone that sends nothing, and the terminal shell.
    let plain = KeyPair::generate().unwrap();
    let (status, bound) = gateway.activate("ios", &plain, None, None).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        gateway
            .assurance(bound["device_id"].as_str().unwrap())
            .await,
        "unattested"
    );
    let terminal = KeyPair::generate().unwrap();
    let (status, bound) = gateway.activate("terminal", &terminal, None, None).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        gateway
            .assurance(bound["device_id"].as_str().unwrap())
            .await,
        "software"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn evidence_that_does_not_verify_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(&dir, 50).await;
    let devices = gateway.devices().await;
    let key = KeyPair::generate().unwrap();

    let cases: Vec<(&str, BuildChain<'_>)> = vec![
        (
            "made for another challenge",
            Box::new(|_| {
                (
                    gateway.ca.chain(&key, 2, b"another challenge"),
                    "another challenge",
                )
            }),
        ),
        (
            "for another key",
            Box::new(|c| {
                let other = KeyPair::generate().unwrap();
                (gateway.ca.chain(&other, 2, c), "not this device's key")
            }),
        ),
        (
            "under a root the gateway does not trust",
            Box::new(|c| (TestCa::new().chain(&key, 2, c), "attestation root")),
        ),
        (
            "with a tampered leaf",
            Box::new(|c| {
                let mut chain = gateway.ca.chain(&key, 2, c);
                let last = chain[0].len() - 2;
                chain[0][last] ^= 0x01;
                (chain, "not signed by the next one")
            }),
        ),
    ];
    for (case, build) in cases {
        let challenge = gateway.fresh_challenge().await;
        let (chain, reason) = build(&challenge);
        let (status, refused) = gateway
            .activate("android", &key, Some(&challenge), android_evidence(&chain))
            .await;
        assert_eq!(status, 400, "{case}: {refused}");
        assert_eq!(refused["code"], "bad_attestation", "{case}: {refused}");
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains(reason), "{case}: {message}");
    }
    // Evidence without a challenge, a challenge never issued, Android evidence from an iPhone.
    let chain = gateway.ca.chain(&key, 2, b"x");
    let (status, refused) = gateway
        .activate("android", &key, None, android_evidence(&chain))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_attestation"))
    );
    let (status, refused) = gateway
        .activate("android", &key, Some(&[7; 32]), android_evidence(&chain))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_attestation"))
    );
    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&key, 2, &challenge);
    let (status, refused) = gateway
        .activate("ios", &key, Some(&challenge), android_evidence(&chain))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_attestation"))
    );
    assert_eq!(
        gateway.devices().await,
        devices,
        "a refused phone is not stored"
    );

    // The code the refusals did not burn still binds this phone with good evidence.
    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&key, 2, &challenge);
    let (status, bound) = gateway
        .activate("android", &key, Some(&challenge), android_evidence(&chain))
        .await;
    assert_eq!(status, 200, "{bound}");
    gateway.stop().await;
}

#[tokio::test]
async fn challenges_expire_are_forgotten_and_are_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(&dir, 3).await;
    // One issued eleven minutes ago has run out.
    let old = chrono::Utc::now() - chrono::Duration::minutes(11);
    let expired =
        qianpi_gateway::devices::challenge::issue(&gateway.db, "198.51.100.1".into(), 3, old)
            .await
            .unwrap();
    let expired = URL_SAFE_NO_PAD.decode(&expired.challenge).unwrap();
    let key = KeyPair::generate().unwrap();
    let chain = gateway.ca.chain(&key, 2, &expired);
    let (status, refused) = gateway
        .activate("android", &key, Some(&expired), android_evidence(&chain))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_attestation")),
        "{refused}"
    );
    assert!(refused["message"].as_str().unwrap().contains("expired"));

    // Three a minute from this address, then 429; another address is not affected.
    for _ in 0..3 {
        gateway.fresh_challenge().await;
    }
    let (status, refused) = gateway.challenge().await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    qianpi_gateway::devices::challenge::issue(
        &gateway.db,
        "198.51.100.2".into(),
        3,
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    // Housekeeping (the gateway's own timer, or this call) forgets the expired one and keeps
    // the four live ones.
    qianpi_gateway::housekeeping::forget_stale_guessers(&gateway.db)
        .await
        .unwrap();
    assert_eq!(gateway.challenges().await, 4);
    gateway.stop().await;
}

#[tokio::test]
async fn a_unit_requiring_hardware_keys_refuses_unattested_and_software_devices() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(&dir, 50).await;
    let unit = gateway
        .db
        .tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT unit_id FROM users WHERE login = ?1",
                    args![demo::LEADER],
                )?
                .text(0)?)
        })
        .await
        .unwrap();
    let policy = checkpoints::set_policy(
        &gateway.db,
        &AdminActor::cli(),
        &unit,
        PolicyChange {
            require_hardware_keys: Some(true),
            ..PolicyChange::default()
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(policy.require_hardware_keys);
    let devices = gateway.devices().await;

    let key = KeyPair::generate().unwrap();
    let (status, refused) = gateway.activate("android", &key, None, None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("hardware_keys_required")),
        "{refused}"
    );
    let document = served_document(gateway.addr()).await;
    check_answer(&document, "post", "/v1/devices/activate", 403, &refused);
    let (status, refused) = gateway.activate("terminal", &key, None, None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("hardware_keys_required"))
    );
    // A phone whose keystore attests software keys.
    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&key, 0, &challenge);
    let (status, refused) = gateway
        .activate("android", &key, Some(&challenge), android_evidence(&chain))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("hardware_keys_required"))
    );
    assert_eq!(gateway.devices().await, devices);

    // Hardware-backed keys pass.
    let challenge = gateway.fresh_challenge().await;
    let chain = gateway.ca.chain(&key, 1, &challenge);
    let (status, bound) = gateway
        .activate("android", &key, Some(&challenge), android_evidence(&chain))
        .await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        gateway
            .assurance(bound["device_id"].as_str().unwrap())
            .await,
        "tee"
    );

    // Lifting the rule lets the terminal shell in again.
    checkpoints::set_policy(
        &gateway.db,
        &AdminActor::cli(),
        &unit,
        PolicyChange {
            require_hardware_keys: Some(false),
            ..PolicyChange::default()
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let terminal = KeyPair::generate().unwrap();
    let (status, _) = gateway.activate("terminal", &terminal, None, None).await;
    assert_eq!(status, 200);
    gateway.stop().await;
}

#[test]
fn the_command_line_sets_the_hardware_keys_rule() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::support::Database::initialised(dir.path());
    data.ok(
        "create-unit",
        &[
            "--id",
            "unit-a",
            "--name",
            "某局办公室",
            "--organ-code",
            "某办",
        ],
    );
    let set = data.ok(
        "set-policy",
        &["--unit", "unit-a", "--require-hardware-keys", "true"],
    );
    assert!(
        set.contains("version 2") && set.contains("hardware-backed keys required: yes"),
        "{set}"
    );
    // Other changes keep the rule.
    let kept = data.ok(
        "set-policy",
        &["--unit", "unit-a", "--retention-days", "60"],
    );
    assert!(
        kept.contains("hardware-backed keys required: yes"),
        "{kept}"
    );
    let lifted = data.ok(
        "set-policy",
        &["--unit", "unit-a", "--require-hardware-keys", "false"],
    );
    assert!(
        lifted.contains("hardware-backed keys required: no"),
        "{lifted}"
    );
}
