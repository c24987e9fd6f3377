//! What the gateway signs, end to end (security.md): the phone learns the statement key at
//! activation and keeps a verified receipt with every verdict; records name their checkpoint and
//! the gateway refuses one naming none, an unknown one, or a time before it; the offline limits
//! make a phone read-only and then erase it; a revoked phone erases itself at its next sync, but
//! only on an order signed by its gateway for it.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use qianpi_core::client::{Client, ClientError, Clock};
use qianpi_core::model::Attitude;
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_core::protocol::{CommandReceipt, ErrorBody, WipeCommand};
use qianpi_gateway::admin::devices::Transition;
use qianpi_gateway::admin::{demo, AdminActor};
use qianpi_gateway::sql::args;
use qianpi_gateway::statements;
use qianpi_tests::{push_commands, sign_record, verdict_code, Harness, Phone};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A clock running `skew` seconds ahead of the system clock; the test moves it.
fn skewed(skew: &Arc<AtomicI64>) -> Clock {
    let skew = skew.clone();
    Arc::new(move || Utc::now() + chrono::Duration::seconds(skew.load(Ordering::SeqCst)))
}

const DAY: i64 = 24 * 3600;

#[tokio::test]
async fn every_verdict_the_phone_keeps_carries_the_gateways_receipt_under_the_key_from_activation()
{
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let key = leader
        .account()
        .gateway_key
        .expect("activation gave the gateway key");
    assert_eq!(&key, harness.statement_key().unwrap().public());
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!(report.accepted, 1);
    let verdicts = leader.client.verdicts().unwrap();
    let receipt: CommandReceipt = verdicts[0]
        .verdict
        .receipt
        .as_ref()
        .expect("the verdict kept its receipt")
        .verify(&key)
        .unwrap();
    assert_eq!(receipt.command_id, verdicts[0].verdict.command_id);
    assert_eq!(receipt.device_id, leader.account().device_id);
    assert!(receipt.accepted);
    assert_eq!(receipt.instance_id, demo::INSTANCE);
    assert_eq!(receipt.instance_version, Some(2));
}

/// The leader's first queued record, altered by `edit` and signed again, pushed: its verdict code.
async fn push_altered(
    harness: &Harness,
    leader: &Phone,
    edit: impl FnOnce(&mut qianpi_core::protocol::CommandRecord),
) -> String {
    let mut record = leader.first_queued_record().unwrap();
    edit(&mut record);
    let signed = sign_record(leader, &record).unwrap();
    let answer = push_commands(harness, leader, vec![signed]).await.unwrap();
    verdict_code(&answer.verdicts[0]).to_owned()
}

#[tokio::test]
async fn a_record_naming_no_checkpoint_or_one_never_issued_to_the_device_is_refused() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_approval().await.unwrap();
    // The phone named the checkpoint of its sync.
    assert!(!leader
        .first_queued_record()
        .unwrap()
        .time
        .checkpoint_hash
        .is_empty());
    let code = push_altered(&harness, &leader, |r| {
        r.time.checkpoint_hash = "bm90IGEgY2hlY2twb2ludA==".into()
    })
    .await;
    assert_eq!(code, "unknown_checkpoint");
    // Another device's checkpoint is as unknown as a made-up one.
    let leaders = leader.first_queued_record().unwrap().time.checkpoint_hash;
    let tablet = synced_phone_with_approval(&harness, "tablet", &task).await;
    let code = push_altered(&harness, &tablet, |r| r.time.checkpoint_hash = leaders).await;
    assert_eq!(code, "unknown_checkpoint");
    // A device that pulled a checkpoint ten minutes ago and names none.
    let desk = synced_phone_with_approval(&harness, "desk", &task).await;
    let device = desk.account().device_id;
    harness
        .db
        .tx(move |sql| {
            sql.execute(
                "UPDATE checkpoints SET issued_unix = issued_unix - 600 WHERE device_id = ?1",
                args![&device],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let code = push_altered(&harness, &desk, |r| r.time.checkpoint_hash.clear()).await;
    assert_eq!(code, "checkpoint_missing");
}

/// Another phone of the leader, synced, with an approval of `task` queued.
async fn synced_phone_with_approval(harness: &Harness, name: &str, task: &str) -> Phone {
    let phone = harness.activated_phone(name, demo::LEADER).await.unwrap();
    phone.client.sync().await.unwrap();
    phone.client.approve(task, Attitude::Agree, "同意").unwrap();
    phone
}

#[tokio::test]
async fn a_record_claiming_a_time_before_the_checkpoint_it_names_is_refused() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    // Bound a day ago, so the earlier time is not simply before the binding.
    let day_ago = (Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let device = leader.account().device_id;
    harness
        .db
        .tx(move |sql| {
            sql.execute(
                "UPDATE devices SET created_at = ?1 WHERE id = ?2",
                args![&day_ago, &device],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    let code = push_altered(&harness, &leader, |r| {
        r.time.created_at -= chrono::Duration::minutes(10)
    })
    .await;
    assert_eq!(code, "before_checkpoint");
}

#[tokio::test]
async fn past_the_block_limit_the_phone_reads_but_does_not_approve_until_it_syncs_even_with_its_clock_set_back(
) {
    let harness = Harness::start().await.unwrap();
    let skew = Arc::new(AtomicI64::new(0));
    let leader = harness.phone_with_clock("leader", skewed(&skew)).unwrap();
    let code = harness.code(demo::LEADER).await.unwrap();
    leader
        .client
        .activate(&harness.url(), demo::LEADER, &code, "leader", "terminal")
        .await
        .unwrap();
    leader.client.sync().await.unwrap();
    let task = leader.client.inbox().unwrap()[0].task_id.clone();

    // Eight days without reaching the office (the default policy blocks after seven).
    skew.store(8 * DAY, Ordering::SeqCst);
    assert_eq!(
        leader.client.inbox().unwrap().len(),
        1,
        "reading still works"
    );
    let refused = leader.client.approve(&task, Attitude::Agree, "同意");
    assert!(
        matches!(refused, Err(ClientError::ReadOnly { .. })),
        "{refused:?}"
    );
    assert!(leader.client.outbox().unwrap().is_empty());
    // Setting the clock back to a day after the checkpoint does not undo the week counted.
    skew.store(DAY, Ordering::SeqCst);
    let refused = leader.client.approve(&task, Attitude::Agree, "同意");
    assert!(
        matches!(refused, Err(ClientError::ReadOnly { .. })),
        "{refused:?}"
    );
    assert!(leader.client.outbox().unwrap().is_empty());
    skew.store(8 * DAY, Ordering::SeqCst);

    // Reaching the office again (the clock still eight days off: the offset absorbs it).
    leader.client.sync().await.unwrap();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    assert_eq!(leader.client.sync().await.unwrap().accepted, 1);
}

#[tokio::test]
async fn past_the_wipe_limit_the_phone_erases_itself() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    leader.client.sync().await.unwrap();
    assert!(!leader.client.inbox().unwrap().is_empty());
    let Phone { client, vault } = leader;
    drop(client);

    let skew = Arc::new(AtomicI64::new(31 * DAY));
    let dir = harness.phone_dir("leader").join("data");
    let reopened = Client::open(&dir, vault.clone(), vault.clone())
        .unwrap()
        .with_clock(skewed(&skew));
    assert!(
        matches!(reopened, Err(ClientError::Wiped(_))),
        "{:?}",
        reopened.err()
    );
    // Opening again gives an empty phone that must be activated anew.
    let fresh = Client::open(&dir, vault.clone(), vault).unwrap();
    assert!(fresh.account().unwrap().is_none());
}

async fn wipe_audits(harness: &Harness, device: &str) -> i64 {
    let device = device.to_owned();
    harness
        .db
        .tx(move |sql| {
            Ok(sql
                .query_one(
                    "SELECT count(*) FROM audit WHERE kind = 'device.wipe_sent' AND subject = ?1",
                    args![&device],
                )?
                .int(0)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_revoked_phone_erases_itself_at_its_next_sync_and_the_office_sees_it_was_told() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    let device = leader.account().device_id;
    let credentials = leader.credentials();
    qianpi_gateway::admin::devices::transition(
        &harness.db,
        &AdminActor::cli(),
        None,
        &device,
        Transition::Revoke,
        Utc::now(),
    )
    .await
    .unwrap();
    // Its next signed request gets the order, signed by the gateway, for this device.
    let response = qianpi_tests::send_signed(
        &format!("{}v1/ping", harness.url()),
        reqwest::Method::GET,
        vec![],
        &credentials,
        Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(response.status(), 401);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "device_revoked");
    let key = harness.statement_key().unwrap();
    let order = body.wipe.expect("a wipe order").verify(key.public());
    assert_eq!(order.unwrap().device_id, device);
    assert_eq!(wipe_audits(&harness, &device).await, 1);

    // The phone's sync obeys it: its keys and data are gone. The office was told once.
    let result = leader.client.sync().await;
    assert!(matches!(result, Err(ClientError::Wiped(_))), "{result:?}");
    assert!(leader.client.is_locked());
    assert_eq!(wipe_audits(&harness, &device).await, 1);
    let dir = harness.phone_dir("leader").join("data");
    let reopened = Client::open(&dir, leader.vault.clone(), leader.vault.clone()).unwrap();
    assert!(reopened.account().unwrap().is_none());
    // Nothing the revoked phone had queued was applied.
    let summary = qianpi_gateway::admin::describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.version, 1);
}

/// Answers every request on `listener` with a 401 `device_revoked` carrying `wipe`.
async fn refuse_all(listener: tokio::net::TcpListener, wipe: String) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let body = serde_json::json!({
            "code": "device_revoked", "message": "revoked", "wipe": wipe,
            "server_time": Utc::now(),
        })
        .to_string();
        tokio::spawn(async move {
            let mut request = vec![0u8; 64 * 1024];
            let _ = stream.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

fn order(key: &GatewayKey, device_id: &str, at: DateTime<Utc>) -> String {
    key.sign(&WipeCommand {
        device_id: device_id.into(),
        issued_at: at,
        reason: "revoked".into(),
    })
    .unwrap()
    .as_base64()
    .to_owned()
}

#[tokio::test]
async fn a_wipe_order_obeyed_only_when_signed_by_the_gateway_for_this_phone() {
    let mut harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_task().await.unwrap();
    let device = leader.account().device_id;
    let real = harness.statement_key().unwrap();
    harness.stop_gateway().await.unwrap();

    // A network that answers in the gateway's place, with an order signed by another key.
    let forger = GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind(harness.addr()).await.unwrap();
    let fake = tokio::spawn(refuse_all(listener, order(&forger, &device, Utc::now())));
    let result = leader.client.sync().await;
    fake.abort();
    let _ = fake.await;
    assert!(
        matches!(result, Err(ClientError::Link(_))),
        "a forged order was obeyed: {result:?}"
    );
    assert!(!leader.client.inbox().unwrap().is_empty(), "data was lost");
    // The gateway's own key, but another device's order.
    let listener = tokio::net::TcpListener::bind(harness.addr()).await.unwrap();
    let fake = tokio::spawn(refuse_all(listener, order(&real, "dev-other", Utc::now())));
    assert!(matches!(
        leader.client.sync().await,
        Err(ClientError::Link(_))
    ));
    fake.abort();
    let _ = fake.await;
    assert!(!leader.client.inbox().unwrap().is_empty());

    // The genuine order for this phone.
    let listener = tokio::net::TcpListener::bind(harness.addr()).await.unwrap();
    let fake = tokio::spawn(refuse_all(listener, order(&real, &device, Utc::now())));
    let result = leader.client.sync().await;
    fake.abort();
    assert!(matches!(result, Err(ClientError::Wiped(_))), "{result:?}");
}

#[tokio::test]
async fn a_replica_holding_another_statement_key_refuses_to_start() {
    let harness = Harness::start().await.unwrap();
    let other = tempfile::tempdir().unwrap();
    let result = statements::load_or_create(&harness.db, &other.path().join("key.p8")).await;
    assert!(
        matches!(result, Err(statements::KeyFileError::Mismatch { .. })),
        "{result:?}"
    );
    // The registered key still loads.
    let path = harness.statement_key_path().unwrap();
    statements::load_or_create(&harness.db, &path)
        .await
        .unwrap();
}
