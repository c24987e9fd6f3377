//! The command line's side of activation: `issue-code --url` prints the activation QR code's
//! text after the code, with the CA and both pins of the chain the gateway serves, and refuses an
//! address a phone would refuse; `devices` lists a unit's devices with the fingerprint words the
//! phone shows.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::support::Database;

use qianpi_gateway::sql::args;
use qianpi_protocol::crypto::key_id;
use qianpi_protocol::fingerprint::Fingerprint;
use qianpi_protocol::invite::Invite;

#[test]
fn issue_code_prints_the_invite_and_devices_the_words() {
    let dir = tempfile::tempdir().unwrap();
    let tls = qianpi_gateway::tls::init::generate(
        &dir.path().join("tls"),
        &["127.0.0.1".into()],
        30,
        false,
    )
    .unwrap();
    let data = Database::new(&dir.path().join("data"));
    data.ok("init", &["--demo"]);
    let cert = tls.files().cert.to_string_lossy().into_owned();
    let out = data.ok(
        "issue-code",
        &[
            "--login",
            "wangjianguo",
            "--url",
            "https://127.0.0.1:8443/",
            "--tls-cert",
            &cert,
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let invite = Invite::parse(lines[1]).unwrap();
    assert_eq!(invite.code, lines[0]);
    assert_eq!(invite.login.as_deref(), Some("wangjianguo"));
    assert_eq!(invite.server_url, "https://127.0.0.1:8443/");
    assert_eq!(invite.pin_strings(), tls.pins());
    assert_eq!(invite.anchors_pem().trim(), tls.ca_pem.trim());
    // Without --url only the code, as scripts read it.
    assert_eq!(
        data.ok("issue-code", &["--login", "wangjianguo"])
            .lines()
            .count(),
        1
    );
    let refused = data.fails(
        "issue-code",
        &["--login", "wangjianguo", "--url", "http://10.0.0.1:8080/"],
    );
    assert!(refused.contains("https"), "{refused}");

    let (request, approval) = (
        key_id("dk", b"request spki"),
        key_id("ak", b"approval spki"),
    );
    let db = data.open();
    db.tx_blocking(|sql| {
        Ok(sql.execute(
            "INSERT INTO devices (id, user_id, request_key_id, request_key_spki, approval_key_id,
                approval_key_spki, token_hash, state, name, platform, assurance, attestation,
                last_counter, last_record_hash, created_at)
             SELECT 'dev-1', id, ?1, ?2, ?3, ?4, ?5, 'pending', 'Pixel 8', 'android', 'tee',
                NULL, 0, '', '2026-12-06T00:00:00Z' FROM users WHERE login = 'wangjianguo'",
            args![
                &request,
                b"request spki".to_vec(),
                &approval,
                b"approval spki".to_vec(),
                vec![0u8; 32]
            ],
        )?)
    })
    .unwrap();
    drop(db);
    let listed = data.ok("devices", &["--unit", "unit-sxnyt"]);
    let words = Fingerprint::from_spkis(b"request spki", b"approval spki").words();
    assert!(listed.starts_with("dev-1 pending wangjianguo"), "{listed}");
    assert!(listed.contains(&words.join(" ")), "{listed}");
}
