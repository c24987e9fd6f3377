//! A pushed batch is decided in one transaction, yet each command keeps its own fate: a refusal in
//! the middle of a batch leaves the approvals before and after it accepted, each command has its
//! own stored verdict, audit entry (in the batch's order, the chain intact) and feed entry; and an
//! error that stops a batch keeps what was decided before it and decides nothing after it.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use qianpi_core::keys::{DeviceSigner as _, APPROVAL_KEY_ALIAS};
use qianpi_core::model::Attitude;
use qianpi_core::protocol::{CommandVerdict, SignedCommand};
use qianpi_gateway::audit;
use qianpi_gateway::sql::{args, Sql};
use qianpi_tests::office::Office;
use qianpi_tests::Phone;
use qianpi_tests::{error_code, push_commands, send_signed, sign_record, verdict_code, Harness};

/// A leader's phone with `flows` approvals queued, one per flow of his, in the outbox's order.
async fn leader_with_approvals(harness: &Harness, unit: &str, flows: usize) -> Phone {
    let office = Office::create(harness, unit, 1).await.unwrap();
    office
        .own_flows(harness, 0, &format!("{unit}-doc"), flows)
        .await
        .unwrap();
    let phone = office
        .phone(harness, 0, &format!("{unit}-phone"), &harness.url())
        .await
        .unwrap();
    phone.client.sync().await.unwrap();
    let inbox = phone.client.inbox().unwrap();
    assert_eq!(inbox.len(), flows);
    for item in &inbox {
        phone
            .client
            .approve(&item.task_id, Attitude::Agree, "同意")
            .unwrap();
    }
    phone
}

fn queued(phone: &Phone) -> Vec<SignedCommand> {
    phone
        .client
        .outbox()
        .unwrap()
        .into_iter()
        .map(|row| row.command)
        .collect()
}

/// The audit entries about commands, in the chain's order: (kind, command id); the chain must be
/// intact.
async fn command_audit(harness: &Harness) -> Vec<(String, String)> {
    let verdict = harness.db.tx(|sql| audit::verify(sql)).await.unwrap();
    assert!(
        matches!(verdict, audit::Verdict::Intact { .. }),
        "{verdict:?}"
    );
    harness
        .db
        .tx(|sql| {
            let rows = sql.query(
                "SELECT kind, detail FROM audit WHERE kind LIKE 'command.%' ORDER BY seq",
                &[],
            )?;
            let mut entries = Vec::new();
            for row in rows {
                let detail: serde_json::Value = serde_json::from_str(&row.text(1)?).unwrap();
                let command_id = detail["command_id"].as_str().unwrap().to_owned();
                entries.push((row.text(0)?, command_id));
            }
            Ok(entries)
        })
        .await
        .unwrap()
}

async fn count(harness: &Harness, statement: &'static str) -> i64 {
    harness
        .db
        .tx(move |sql| Ok(sql.query_one(statement, &[])?.int(0)?))
        .await
        .unwrap()
}

/// Raises the document of flow `instance` to 秘密 in the gateway's store, as the office would.
fn mark_secret(sql: &mut dyn Sql, instance: &str) -> Result<(), qianpi_gateway::ApiError> {
    let flow = qianpi_gateway::instances::load_instance(sql, instance, false)?
        .ok_or_else(|| qianpi_gateway::ApiError::internal("no such flow"))?;
    let mut document = flow.document;
    document.secrecy = qianpi_core::model::SecrecyLevel::Secret;
    qianpi_gateway::instances::save_document(sql, &document)?;
    Ok(())
}

fn codes(verdicts: &[CommandVerdict]) -> Vec<&str> {
    verdicts.iter().map(verdict_code).collect()
}

#[tokio::test]
async fn a_refusal_mid_batch_keeps_the_approvals_before_and_after_it() {
    let harness = Harness::start().await.unwrap();
    let phone = leader_with_approvals(&harness, "gc-refused", 5).await;
    let commands = queued(&phone);
    let key = phone
        .vault
        .public_key(APPROVAL_KEY_ALIAS.to_owned())
        .unwrap();
    let third = commands[2].verify(&key).unwrap().instance_id;
    harness
        .db
        .tx(move |sql| mark_secret(sql, &third))
        .await
        .unwrap();
    let before = count(&harness, "SELECT count(*) FROM trace").await;

    let answer = push_commands(&harness, &phone, commands.clone())
        .await
        .unwrap();
    assert_eq!(
        codes(&answer.verdicts),
        [
            "accepted",
            "accepted",
            "above_secrecy_gate",
            "accepted",
            "accepted"
        ]
    );
    let ids: Vec<String> = commands.iter().map(|c| c.command_id.clone()).collect();
    let verdict_ids: Vec<String> = answer
        .verdicts
        .iter()
        .map(|v| v.command_id.clone())
        .collect();
    assert_eq!(verdict_ids, ids);
    assert_eq!(
        count(&harness, "SELECT count(*) FROM trace").await - before,
        4,
        "the four accepted approvals are applied, the refused one is not"
    );
    // One audit entry each, in the batch's order.
    let kinds = [
        "command.accepted",
        "command.accepted",
        "command.refused",
        "command.accepted",
        "command.accepted",
    ];
    let expected: Vec<(String, String)> = kinds
        .iter()
        .zip(&ids)
        .map(|(kind, id)| ((*kind).to_owned(), id.clone()))
        .collect();
    assert_eq!(command_audit(&harness).await, expected);

    // A resend gets the stored verdicts and changes nothing.
    let again = push_commands(&harness, &phone, commands).await.unwrap();
    assert_eq!(again.verdicts, answer.verdicts);
    assert_eq!(command_audit(&harness).await, expected);

    // Each verdict reached the person's feed: the phone settles its outbox from it.
    phone.client.sync().await.unwrap();
    assert!(phone.client.outbox().unwrap().is_empty());
    let mut settled: Vec<(String, String)> = phone
        .client
        .verdicts()
        .unwrap()
        .into_iter()
        .map(|v| {
            (
                v.verdict.command_id.clone(),
                verdict_code(&v.verdict).to_owned(),
            )
        })
        .collect();
    settled.sort();
    let mut sent: Vec<(String, String)> = answer
        .verdicts
        .iter()
        .map(|v| (v.command_id.clone(), verdict_code(v).to_owned()))
        .collect();
    sent.sort();
    assert_eq!(settled, sent);
}

#[tokio::test]
async fn an_error_mid_batch_keeps_what_was_decided_before_it_and_nothing_after() {
    let harness = Harness::start().await.unwrap();
    let (other, _) = harness.leader_with_approval().await.unwrap();
    other.client.sync().await.unwrap();
    let taken = other.client.verdicts().unwrap()[0]
        .verdict
        .command_id
        .clone();
    let phone = leader_with_approvals(&harness, "gc-error", 3).await;
    let commands = queued(&phone);

    // The second record carries a command id another device already used: the push is answered
    // with that error, the first approval stays decided, the third is not looked at.
    let key = phone
        .vault
        .public_key(APPROVAL_KEY_ALIAS.to_owned())
        .unwrap();
    let mut record = commands[1].verify(&key).unwrap();
    record.command_id = taken;
    let clashing = sign_record(&phone, &record).unwrap();
    let body = serde_json::to_vec(&qianpi_core::protocol::CommandBatch {
        commands: vec![commands[0].clone(), clashing, commands[2].clone()],
    })
    .unwrap();
    let response = send_signed(
        &format!("{}v1/commands", harness.url()),
        reqwest::Method::POST,
        body,
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(
        error_code(response).await,
        (409, "command_id_taken".to_owned())
    );
    let decided = command_audit(&harness).await;
    assert_eq!(
        decided.last().unwrap(),
        &(
            "command.accepted".to_owned(),
            commands[0].command_id.clone()
        )
    );
    let stored = |id: String| {
        let db = harness.db.clone();
        async move {
            db.tx(move |sql| {
                Ok(sql
                    .query_opt("SELECT 1 FROM verdicts WHERE command_id = ?1", args![&id])?
                    .is_some())
            })
            .await
            .unwrap()
        }
    };
    assert!(stored(commands[0].command_id.clone()).await);
    assert!(!stored(commands[2].command_id.clone()).await);

    // The phone's own resend settles everything, the first from its stored verdict.
    let answer = push_commands(&harness, &phone, commands).await.unwrap();
    assert_eq!(codes(&answer.verdicts), ["accepted"; 3]);
    let after = command_audit(&harness).await;
    assert_eq!(after.len(), decided.len() + 2);
}
