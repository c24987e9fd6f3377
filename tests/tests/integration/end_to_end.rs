//! One approval through every Rust layer: activation with a one-time code, signed pull of the
//! inbox, approval while the gateway is unreachable, push after reconnect, verdict, and the
//! authoritative instance moving on at the gateway.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used)]

use qianpi_core::client::ClientError;
use qianpi_core::link::LinkError;
use qianpi_core::model::Attitude;
use qianpi_core::protocol::{CommandBatch, PushResponse};
use qianpi_core::store::{LocalTaskState, StoreError};
use qianpi_core::workflow::InstanceState;
use qianpi_gateway::admin::{demo, describe_instance};
use qianpi_tests::{send_signed, Harness};

#[tokio::test]
async fn an_approval_made_offline_is_accepted_after_reconnect() {
    let mut harness = Harness::start().await.unwrap();
    let phone = harness
        .activated_phone("leader-phone", demo::LEADER)
        .await
        .unwrap();
    assert_eq!(phone.account().identity.name, "王建国");

    let report = phone.client.sync().await.unwrap();
    assert_eq!(report.pulled, 1);
    let inbox = phone.client.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    let item = &inbox[0];
    assert_eq!(item.title, "关于做好2026年春耕备耕工作的通知");
    assert_eq!(item.document_number, "晋农办〔2026〕12号");
    assert_eq!(item.urgency.label_zh(), "加急");
    assert_eq!(item.node_name, "领导批示");
    assert!(item.can_approve);

    harness.stop_gateway().await.unwrap();
    let offline = phone.client.sync().await;
    assert!(
        matches!(offline, Err(ClientError::Link(LinkError::Unreachable(_)))),
        "got {offline:?}"
    );

    let queued = phone
        .client
        .approve(&item.task_id, Attitude::Agree, "同意，请抓紧落实。")
        .unwrap();
    assert!(queued.decided_offline);
    assert_eq!(phone.client.outbox().unwrap().len(), 1);
    assert_eq!(
        phone.client.inbox().unwrap()[0].state,
        LocalTaskState::Queued
    );
    assert!(
        !phone.client.inbox().unwrap()[0].can_approve,
        "a queued task must not be offered again"
    );
    // Still unreachable: the command stays queued, nothing is lost.
    assert!(phone.client.sync().await.is_err());
    assert_eq!(phone.client.outbox().unwrap().len(), 1);

    harness.restart_gateway().await.unwrap();
    let report = phone.client.sync().await.unwrap();
    assert_eq!(
        (
            report.pushed,
            report.accepted,
            report.refused,
            report.outbox_remaining
        ),
        (1, 1, 0, 0)
    );

    let verdicts = phone.client.verdicts().unwrap();
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].verdict.command_id, queued.command_id);
    assert!(verdicts[0].verdict.outcome.is_accepted());
    assert!(verdicts[0].decided_offline);
    assert_eq!(phone.client.inbox().unwrap()[0].state, LocalTaskState::Done);

    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.version, 2);
    assert_eq!(summary.state, InstanceState::Running);
    assert_eq!(summary.current_node.as_deref(), Some("承办"));
    assert_eq!(summary.pending_with, ["赵文"]);
    assert_eq!(summary.trace_records, 1);
}

#[tokio::test]
async fn the_next_handler_receives_the_document_after_the_leaders_approval() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let handler = harness
        .activated_phone("handler", demo::HANDLER)
        .await
        .unwrap();
    handler.client.sync().await.unwrap();
    assert!(handler.client.inbox().unwrap().is_empty());

    leader.client.sync().await.unwrap();
    let task = leader.client.inbox().unwrap()[0].task_id.clone();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    leader.client.sync().await.unwrap();

    handler.client.sync().await.unwrap();
    let inbox = handler.client.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].node_name, "承办");
    assert!(inbox[0].can_approve);
}

#[tokio::test]
async fn a_resent_command_gets_the_same_verdict_and_changes_nothing() {
    let harness = Harness::start().await.unwrap();
    let (phone, task) = harness.leader_with_task().await.unwrap();
    phone
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    let batch = CommandBatch {
        commands: vec![phone.client.outbox().unwrap()[0].command.clone()],
    };
    let body = serde_json::to_vec(&batch).unwrap();
    let url = format!("{}v1/commands", harness.url());
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = send_signed(
            &url,
            reqwest::Method::POST,
            body.clone(),
            &phone.credentials(),
            chrono::Utc::now(),
            |_| {},
        )
        .await;
        assert_eq!(response.status(), 200);
        answers.push(response.json::<PushResponse>().await.unwrap().verdicts);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0][0].outcome.is_accepted());
    assert_eq!(
        describe_instance(&harness.db, demo::INSTANCE)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

#[tokio::test]
async fn an_activation_code_works_only_once() {
    let harness = Harness::start().await.unwrap();
    let code = harness.code(demo::LEADER).await.unwrap();
    let first = harness.phone("first").unwrap();
    first
        .client
        .activate(&harness.url(), demo::LEADER, &code, "first", "terminal")
        .await
        .unwrap();
    let second = harness.phone("second").unwrap();
    let again = second
        .client
        .activate(&harness.url(), demo::LEADER, &code, "second", "terminal")
        .await;
    assert!(
        matches!(
            again,
            Err(ClientError::Link(LinkError::Refused { status: 401, .. }))
        ),
        "got {again:?}"
    );
}

#[tokio::test]
async fn a_guesser_is_locked_out_alike_for_real_and_unknown_logins_and_the_code_survives() {
    let harness = Harness::start().await.unwrap();
    let code = harness.code(demo::LEADER).await.unwrap();
    let phone = harness.phone("guesser").unwrap();
    // Six wrong codes for a real login over HTTP, and for a login nobody has from another address:
    // the same answer every time, also once the address is locked out, so nothing tells the two
    // apart (the per-address limit of 10 attempts a minute is not what answers here).
    let mut answers = std::collections::BTreeSet::new();
    for attempt in 0..6 {
        let result = phone
            .client
            .activate(&harness.url(), demo::LEADER, "AAAAAAAA", "g", "terminal")
            .await;
        match result {
            Err(ClientError::Link(LinkError::Refused {
                status,
                code,
                message,
                ..
            })) => {
                answers.insert((status, code, message));
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    let key = harness.statement_key().unwrap();
    for attempt in 0..6 {
        let refused = qianpi_gateway::devices::activate(
            &harness.db,
            key.public().clone(),
            fresh_activation("nobody-here", "AAAAAAAA"),
            "203.0.113.9".into(),
            qianpi_gateway::devices::ATTEMPTS_PER_WINDOW,
        )
        .await
        .map(|_| ())
        .unwrap_err();
        let status = refused.status.as_u16();
        assert_eq!(status, 401, "attempt {attempt}");
        answers.insert((status, refused.code.to_string(), refused.message.clone()));
    }
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers.first().unwrap().1, "activation_failed");
    // This address is now locked out for the leader: even his right code is refused here...
    let locked = phone
        .client
        .activate(&harness.url(), demo::LEADER, &code, "g", "terminal")
        .await;
    assert!(
        matches!(
            locked,
            Err(ClientError::Link(LinkError::Refused { status: 401, .. }))
        ),
        "got {locked:?}"
    );
    // ...but the guesses burnt neither the code nor the leader: from his own address it binds.
    let request = fresh_activation(demo::LEADER, &code);
    let bound = qianpi_gateway::devices::activate(
        &harness.db,
        key.public().clone(),
        request,
        "198.51.100.7".into(),
        qianpi_gateway::devices::ATTEMPTS_PER_WINDOW,
    )
    .await
    .unwrap();
    assert_eq!(bound.identity.user_id, "user-wang");
    // The unit's administrator sees the lockout in the audit log, once per locked-out login.
    let kinds = harness
        .db
        .tx(|sql| {
            sql
                .query(
                    "SELECT unit_id, subject FROM audit WHERE kind = 'activation.locked_out' ORDER BY seq",
                    &[],
                )?
                .into_iter()
                .map(|r| Ok((r.opt_text(0)?, r.text(1)?)))
                .collect::<Result<Vec<_>, qianpi_gateway::ApiError>>()
        })
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            (Some("unit-sxnyt".to_owned()), demo::LEADER.to_owned()),
            (None, "nobody-here".to_owned())
        ]
    );
}

/// An activation request with new P-256 keys, as a phone would send it.
fn fresh_activation(login: &str, code: &str) -> qianpi_core::protocol::ActivateRequest {
    use base64::Engine as _;
    let spki = || {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .unwrap();
        use ring::signature::KeyPair as _;
        let spki = qianpi_core::crypto::p256_spki_from_point(pair.public_key().as_ref()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(spki)
    };
    qianpi_core::protocol::ActivateRequest {
        login: login.to_owned(),
        code: code.to_owned(),
        request_key_spki: spki(),
        approval_key_spki: spki(),
        device_name: "leader's own phone".into(),
        platform: "terminal".into(),
        challenge: None,
        attestation: None,
    }
}

#[tokio::test]
async fn the_store_refuses_to_open_with_another_devices_data_key() {
    let harness = Harness::start().await.unwrap();
    let a = harness.phone("a").unwrap();
    let b = harness.phone("b").unwrap();
    let a_dir = a.client.data_dir().to_owned();
    let b_dir = b.client.data_dir().to_owned();
    drop(a);
    drop(b);
    // Phone b's wrapped key now sits beside phone a's database.
    std::fs::copy(
        b_dir.join("data-key.wrapped"),
        a_dir.join("data-key.wrapped"),
    )
    .unwrap();
    let vault_b = std::sync::Arc::new(
        qianpi_core::software::SoftwareKeyVault::open(
            &b_dir.parent().unwrap().join("vault"),
            "test passphrase",
        )
        .unwrap(),
    );
    let opened = qianpi_core::Client::open(&a_dir, vault_b.clone(), vault_b);
    assert!(
        matches!(opened, Err(ClientError::Store(StoreError::WrongKey))),
        "got {:?}",
        opened.err()
    );
}

#[tokio::test]
async fn the_housekeeping_forgets_lockouts_that_ran_out_and_keeps_live_ones() {
    let harness = Harness::start().await.unwrap();
    let now = chrono::Utc::now().timestamp();
    harness
        .db
        .tx(move |sql| {
            for (login, locked_until, last_at) in [
                ("scanned-long-ago", 0, now - 3_600),
                ("locked-now", now + 600, now - 3_600),
                ("guessing-now", 0, now - 10),
            ] {
                sql.execute(
                    "INSERT INTO activation_failures (login, source, failures, locked_until, last_at)
                     VALUES (?1, '203.0.113.9', 3, ?2, ?3)",
                    qianpi_gateway::sql::args![login, locked_until, last_at],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let forgotten = qianpi_gateway::housekeeping::forget_stale_guessers(&harness.db)
        .await
        .unwrap();
    // The harness's gateway runs the same housekeeping once at its start; on a loaded machine
    // that first round can land after the rows above were written and take the stale one first.
    // What a person cares about is which lockouts are left, checked below.
    assert!(forgotten <= 1, "only the stale lockout may go: {forgotten}");
    let left = harness
        .db
        .tx(|sql| {
            sql.query("SELECT login FROM activation_failures ORDER BY login", &[])?
                .into_iter()
                .map(|row| row.text(0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(qianpi_gateway::ApiError::from)
        })
        .await
        .unwrap();
    assert_eq!(left, ["guessing-now", "locked-now"]);
}
