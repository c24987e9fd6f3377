//! The gateway as the authority over a device's chain of approval records and over time
//! (security.md ): a resent record changes nothing, a reused counter is refused, a gap is
//! held and applied in order once closed, back-dated and stale records are refused with their
//! reason, a revoked device can push nothing, and two devices racing for one task get exactly one
//! acceptance.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::protocol::record::CommandRecord;
use qianpi_core::protocol::{Change, SyncPage};
use qianpi_core::workflow::Command;
use qianpi_gateway::admin::{demo, describe_instance};
use qianpi_gateway::audit;
use qianpi_gateway::sql::{args, Sql};
use qianpi_tests::{error_code, push_commands, send_signed, sign_record, verdict_code, Harness};

async fn version(harness: &Harness) -> u64 {
    describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn audit_entries(harness: &Harness) -> i64 {
    match harness.db.tx(|sql| audit::verify(sql)).await.unwrap() {
        audit::Verdict::Intact { entries, .. } => entries,
        broken => panic!("the audit chain broke: {broken:?}"),
    }
}

#[tokio::test]
async fn a_gap_in_the_chain_is_held_and_applied_in_order_once_closed() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    leader
        .client
        .act(Command::Save {
            task_id: task.clone(),
            opinion: Opinion::agree("拟同意"),
        })
        .unwrap();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    let outbox = leader.client.outbox().unwrap();
    let (first, second) = (outbox[0].command.clone(), outbox[1].command.clone());

    // The second record alone: held, no verdict, nothing applied.
    let answer = push_commands(&harness, &leader, vec![second.clone()])
        .await
        .unwrap();
    assert!(answer.verdicts.is_empty());
    assert_eq!(answer.held, std::slice::from_ref(&second.command_id));
    assert_eq!(version(&harness).await, 1);

    // The first arrives: both are decided, in counter order.
    let answer = push_commands(&harness, &leader, vec![first.clone()])
        .await
        .unwrap();
    assert_eq!(answer.verdicts.len(), 1);
    assert_eq!(verdict_code(&answer.verdicts[0]), "accepted");
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.current_node.as_deref(), Some("承办"));
    assert_eq!(summary.trace_records, 2);

    // Resending the formerly held record returns its stored verdict and changes nothing.
    let entries = audit_entries(&harness).await;
    let again = push_commands(&harness, &leader, vec![second])
        .await
        .unwrap();
    assert_eq!(verdict_code(&again.verdicts[0]), "accepted");
    assert_eq!(version(&harness).await, summary.version);
    assert_eq!(audit_entries(&harness).await, entries);

    // The phone learns both verdicts from its feed and settles its outbox.
    leader.client.sync().await.unwrap();
    assert!(leader.client.outbox().unwrap().is_empty());
}

#[tokio::test]
async fn a_reused_counter_is_refused_and_changes_nothing() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    let base = leader.first_queued_record().unwrap();
    leader.client.sync().await.unwrap();
    assert!(leader.client.outbox().unwrap().is_empty());
    let entries = audit_entries(&harness).await;

    // Counter 1 again, under a new command id: refused, and the flow did not move.
    let mut reused: CommandRecord = base.clone();
    reused.command_id = uuid_v7();
    let answer = push_commands(
        &harness,
        &leader,
        vec![sign_record(&leader, &reused).unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(verdict_code(&answer.verdicts[0]), "counter_reused");
    assert_eq!(version(&harness).await, 2);
    assert_eq!(audit_entries(&harness).await, entries);
}

#[tokio::test]
async fn back_dated_and_stale_records_are_refused_with_their_reason() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    let record = leader.first_queued_record().unwrap();

    // Claims to have been made a day before the device was bound.
    let mut back_dated = record.clone();
    back_dated.time.created_at -= chrono::Duration::days(1);
    let answer = push_commands(
        &harness,
        &leader,
        vec![sign_record(&leader, &back_dated).unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(verdict_code(&answer.verdicts[0]), "back_dated");
    assert_eq!(version(&harness).await, 1);

    // The next link, made against a version the flow has left: stale.
    let mut stale = record.clone();
    stale.command_id = uuid_v7();
    stale.device.counter = 2;
    stale.prev_record_hash = sign_record(&leader, &back_dated)
        .unwrap()
        .record_hash()
        .unwrap();
    stale.instance_version = 0;
    let answer = push_commands(
        &harness,
        &leader,
        vec![sign_record(&leader, &stale).unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(verdict_code(&answer.verdicts[0]), "stale");
    assert_eq!(version(&harness).await, 1);
}

fn uuid_v7() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test]
async fn a_revoked_device_can_neither_pull_nor_push() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    let device_id = leader.account().device_id;
    harness
        .db
        .tx(move |sql| {
            sql.execute(
                "UPDATE devices SET state = 'revoked' WHERE id = ?1",
                args![&device_id],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let body = serde_json::to_vec(&qianpi_core::protocol::CommandBatch {
        commands: vec![leader.client.outbox().unwrap()[0].command.clone()],
    })
    .unwrap();
    let response = send_signed(
        &format!("{}v1/commands", harness.url()),
        reqwest::Method::POST,
        body,
        &leader.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(error_code(response).await, (401, "device_revoked".into()));
    let response = send_signed(
        &format!("{}v1/sync?cursor=", harness.url()),
        reqwest::Method::GET,
        vec![],
        &leader.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(error_code(response).await, (401, "device_revoked".into()));
    assert_eq!(version(&harness).await, 1);
}

#[tokio::test]
async fn two_devices_approving_one_task_at_once_get_exactly_one_acceptance() {
    let harness = Harness::start().await.unwrap();
    let (first, task) = harness.leader_with_task().await.unwrap();
    let second = harness
        .activated_phone("leader-tablet", demo::LEADER)
        .await
        .unwrap();
    second.client.sync().await.unwrap();
    first
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    second
        .client
        .approve(&task, Attitude::Agree, "同意，抓紧办理")
        .unwrap();
    let (a, b) = tokio::join!(first.client.sync(), second.client.sync());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.accepted + b.accepted, 1, "{a:?} {b:?}");
    assert_eq!(a.refused + b.refused, 1, "{a:?} {b:?}");
    // Both phones belong to one person, so each also learns the other's verdict from the feed.
    let refused: std::collections::BTreeSet<(String, String)> = first
        .client
        .verdicts()
        .unwrap()
        .into_iter()
        .chain(second.client.verdicts().unwrap())
        .filter_map(|v| match v.verdict.outcome {
            qianpi_core::protocol::VerdictOutcome::Refused { code, .. } => {
                Some((v.verdict.command_id, code))
            }
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(
        refused.iter().all(|(_, code)| code == "stale"),
        "{refused:?}"
    );
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((summary.version, summary.trace_records), (2, 1));
}

#[tokio::test]
async fn every_verdict_is_audited_and_an_edited_entry_is_found() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    leader.client.sync().await.unwrap();
    // The code issued, the activation and the verdict.
    assert_eq!(audit_entries(&harness).await, 3);
    let kinds = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query("SELECT kind FROM audit ORDER BY seq", &[])?
                .into_iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(
        kinds,
        ["code.issued", "device.activated", "command.accepted"]
    );

    harness
        .db
        .tx(|sql| {
            sql.execute(
                "UPDATE audit SET detail = replace(detail, 'accepted', 'refused') WHERE seq = 3",
                &[],
            )?;
            sql.execute(
                "UPDATE audit SET kind = 'command.refused' WHERE seq = 3",
                &[],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let verdict = harness.db.tx(|sql| audit::verify(sql)).await.unwrap();
    assert!(
        matches!(verdict, audit::Verdict::Broken { seq: 3, .. }),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_deleted_audit_tail_is_found() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    leader.client.sync().await.unwrap();
    harness
        .db
        .tx(|sql| {
            sql.execute("DELETE FROM audit WHERE seq = 3", &[])?;
            Ok(())
        })
        .await
        .unwrap();
    let verdict = harness.db.tx(|sql| audit::verify(sql)).await.unwrap();
    assert!(
        matches!(verdict, audit::Verdict::Broken { seq: 3, .. }),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_flow_above_no_secrecy_never_enters_a_phones_feed() {
    let harness = Harness::start().await.unwrap();
    harness
        .db
        .tx(|sql| {
            // Mark the demo document 秘密 and republish the flow as an administrator would.
            mark_demo_document_secret(sql)?;
            sql.execute("DELETE FROM changes", &[])?;
            let flow = qianpi_gateway::instances::load_instance(sql, demo::INSTANCE, false)?
                .ok_or_else(|| qianpi_gateway::ApiError::internal("no demo flow"))?;
            qianpi_gateway::instances::publish_instance(
                sql,
                &flow.instance,
                &flow.definition,
                &flow.document,
            )
        })
        .await
        .unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let response = send_signed(
        &format!("{}v1/sync?cursor=", harness.url()),
        reqwest::Method::GET,
        vec![],
        &leader.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    let page: SyncPage = response.json().await.unwrap();
    assert!(
        !page
            .changes
            .iter()
            .any(|c| matches!(c, Change::Inbox { .. })),
        "a 秘密 document reached the feed"
    );
    leader.client.sync().await.unwrap();
    assert!(leader.client.inbox().unwrap().is_empty());
}

/// A small deterministic generator for the seeded sequences below (splitmix64).
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % bound
    }
}

/// Random sequences of honest, future-dated and back-dated records (security.md A-3): an honest
/// record is accepted whatever was refused before it, a future-dated or back-dated one is refused,
/// no record is accepted with a time before one already accepted, and the device's clock at the
/// gateway never runs backwards.
#[tokio::test]
async fn only_accepted_records_move_a_devices_clock_and_it_never_runs_back() {
    for seed in [7_u64, 1_234, 99_991] {
        let harness = Harness::start().await.unwrap();
        let (leader, task) = harness.leader_with_task().await.unwrap();
        leader
            .client
            .act(Command::Save {
                task_id: task.clone(),
                opinion: Opinion::agree("拟同意"),
            })
            .unwrap();
        let base = leader.first_queued_record().unwrap();
        // The device was bound a day ago, so its honest records can spread over that day.
        let now = chrono::Utc::now();
        let bound = now - chrono::Duration::days(1);
        let device_id = leader.account().device_id;
        {
            let device_id = device_id.clone();
            harness
                .db
                .tx(move |sql| {
                    sql.execute(
                        "UPDATE devices SET created_at = ?1 WHERE id = ?2",
                        args![bound.to_rfc3339(), &device_id],
                    )?;
                    Ok(())
                })
                .await
                .unwrap();
        }
        let mut rng = Seeded(seed);
        let (mut prev_hash, mut version) = (String::new(), 1_u64);
        let mut honest = bound + chrono::Duration::minutes(1);
        let mut latest_accepted: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut clock_before: Option<String> = None;
        for step in 1..=30_u64 {
            let kind = rng.below(3);
            let minutes = |rng: &mut Seeded, from: u64, to: u64| {
                chrono::Duration::minutes(i64::try_from(from + rng.below(to - from)).unwrap())
            };
            let (at, expected) = match kind {
                0 => {
                    honest += minutes(&mut rng, 1, 30);
                    (honest, "accepted")
                }
                1 => (now + minutes(&mut rng, 2, 2 * 24 * 60), "from_future"),
                _ => (
                    latest_accepted.unwrap_or(bound) - minutes(&mut rng, 2, 180),
                    "back_dated",
                ),
            };
            let mut record = base.clone();
            record.command_id = uuid_v7();
            record.device.counter = step;
            record.prev_record_hash = prev_hash.clone();
            record.instance_version = version;
            record.time.created_at = at;
            record.time.checkpoint_hash = String::new();
            record.command = Command::Save {
                task_id: task.clone(),
                opinion: Opinion::agree(&format!("拟同意（第{step}稿）")),
            };
            record.opinion_hash =
                qianpi_core::protocol::record::opinion_hash(&record.command).unwrap();
            let signed = sign_record(&leader, &record).unwrap();
            prev_hash = signed.record_hash().unwrap();
            let answer = push_commands(&harness, &leader, vec![signed])
                .await
                .unwrap();
            let verdict = &answer.verdicts[0];
            assert_eq!(
                verdict_code(verdict),
                expected,
                "seed {seed}, step {step}: a record dated {at}"
            );
            if let qianpi_core::protocol::VerdictOutcome::Accepted {
                instance_version, ..
            } = verdict.outcome
            {
                let floor = latest_accepted.map(|t| t - chrono::Duration::seconds(60));
                assert!(
                    floor.is_none_or(|floor| at >= floor),
                    "seed {seed}, step {step}"
                );
                latest_accepted = latest_accepted.max(Some(at));
                version = instance_version;
            }
            let clock = {
                let device_id = device_id.clone();
                harness
                    .db
                    .tx(move |sql| {
                        Ok(sql
                            .query_one(
                                "SELECT last_record_at FROM devices WHERE id = ?1",
                                args![&device_id],
                            )?
                            .opt_text(0)?)
                    })
                    .await
                    .unwrap()
            };
            let parse = |t: &Option<String>| {
                t.as_deref()
                    .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap())
            };
            assert!(
                parse(&clock) >= parse(&clock_before),
                "seed {seed}, step {step}: the device's clock ran back from {clock_before:?} to {clock:?}"
            );
            clock_before = clock;
        }
    }
}

#[tokio::test]
async fn a_command_on_a_flow_above_no_secrecy_is_refused_with_its_own_code() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    // The office raises the document to 秘密 after the phone queued its approval; a phone that
    // guessed the task id of a classified flow is in the same place.
    harness.db.tx(mark_demo_document_secret).await.unwrap();
    let signed = leader.client.outbox().unwrap()[0].command.clone();
    let answer = push_commands(&harness, &leader, vec![signed])
        .await
        .unwrap();
    assert_eq!(verdict_code(&answer.verdicts[0]), "above_secrecy_gate");
    assert_eq!(version(&harness).await, 1);
}

/// Raises the demo document to 秘密 in the gateway's store, as the office would.
fn mark_demo_document_secret(sql: &mut dyn Sql) -> Result<(), qianpi_gateway::ApiError> {
    let mut document = qianpi_gateway::instances::load_document(sql, "doc-2026-0012")?
        .ok_or_else(|| qianpi_gateway::ApiError::internal("no demo document"))?;
    document.secrecy = qianpi_core::model::SecrecyLevel::Secret;
    qianpi_gateway::instances::save_document(sql, &document)?;
    Ok(())
}
