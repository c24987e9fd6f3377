//! Approval records end to end: the records a phone queues form a chain, signed by its approval
//! key and by no other device's; the gateway refuses a record that is damaged, of an unknown
//! suite, names another key, or whose summary fields disagree with its command, each with its own
//! code, and such refusals do not break the device's chain.

use qianpi_core::keys::{DeviceSigner, APPROVAL_KEY_ALIAS};
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::protocol::record::{CommandRecord, RecordError, SignedCommand};
use qianpi_core::workflow::Command;
use qianpi_gateway::admin::demo;
use qianpi_tests::{push_commands, sign_record, verdict_code, Harness};

#[tokio::test]
async fn a_phones_records_chain_and_verify_under_its_approval_key_only() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let handler = harness
        .activated_phone("handler", demo::HANDLER)
        .await
        .unwrap();
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
    assert_eq!(outbox.len(), 2);
    let key = leader
        .vault
        .public_key(APPROVAL_KEY_ALIAS.to_owned())
        .unwrap();
    let first = outbox[0].command.verify(&key).unwrap();
    let second = outbox[1].command.verify(&key).unwrap();
    assert_eq!(first.prev_record_hash, "", "the device's first record");
    assert_eq!(
        second.prev_record_hash,
        outbox[0].command.record_hash().unwrap()
    );
    assert_eq!((first.device.counter, second.device.counter), (1, 2));
    assert_eq!(
        (first.action.as_str(), second.action.as_str()),
        ("save", "approve")
    );
    let account = leader.account();
    assert_eq!(second.signer.identity, account.identity);
    assert_eq!(second.device.key_id, account.approval_key_id);
    assert_eq!(second.task_id, task);
    assert_eq!(second.opinion_hash.len(), 64);

    let other = handler
        .vault
        .public_key(APPROVAL_KEY_ALIAS.to_owned())
        .unwrap();
    assert!(matches!(
        outbox[1].command.verify(&other),
        Err(RecordError::Signature(_))
    ));

    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (2, 0));
}

#[tokio::test]
async fn the_gateway_refuses_each_bad_record_with_its_reason_and_keeps_the_chain() {
    let harness = Harness::start().await.unwrap();
    let (leader, _) = harness.leader_with_approval().await.unwrap();
    let original = leader.client.outbox().unwrap()[0].command.clone();
    let record = leader.first_queued_record().unwrap();
    let changed = |change: fn(&mut CommandRecord)| {
        let mut record = record.clone();
        change(&mut record);
        sign_record(&leader, &record).unwrap()
    };

    let other_task = changed(|r| r.task_id = "inst-elsewhere-t1".into());
    let other_key = changed(|r| r.device.key_id = "ak_another_device".into());
    let other_action = changed(|r| r.action = "reject".into());
    let other_suite = changed(|r| r.suite = "sm2-sm3".into());
    let mut damaged = original.clone();
    let mut bytes = damaged.cose_bytes().unwrap();
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x01; // inside the signature
    }
    damaged.cose = base64_encode(&bytes);
    let not_cose = SignedCommand {
        cose: "bm90IGEgcmVjb3Jk".into(),
        ..original.clone()
    };

    let verdicts = push_commands(
        &harness,
        &leader,
        vec![
            other_task,
            other_key,
            other_action,
            other_suite,
            damaged,
            not_cose,
            original,
        ],
    )
    .await
    .unwrap()
    .verdicts;
    let codes: Vec<&str> = verdicts.iter().map(verdict_code).collect();
    assert_eq!(
        codes,
        [
            "task_mismatch",
            "approval_key_mismatch",
            "record_inconsistent",
            "unsupported_record",
            "bad_record_signature",
            "malformed_record",
            "accepted",
        ]
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn an_opinion_past_its_bound_is_refused_on_the_phone_and_at_the_gateway() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let long = "同".repeat(qianpi_core::workflow::MAX_OPINION_CHARS + 1);
    // The phone refuses it at once, before anything is signed or queued.
    let local = leader.client.approve(&task, Attitude::Agree, &long);
    assert!(
        matches!(&local, Err(e) if e.to_string().contains("too long")),
        "{local:?}"
    );
    assert!(leader.client.outbox().unwrap().is_empty());

    // A record carrying it anyway, validly signed, is refused by the gateway with the same code,
    // and the flow does not move.
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    let mut record = leader.first_queued_record().unwrap();
    record.command = Command::Approve {
        task_id: task.clone(),
        route: None,
        opinion: Opinion::agree(&long),
    };
    record.opinion_hash = qianpi_core::protocol::record::opinion_hash(&record.command).unwrap();
    let verdicts = push_commands(
        &harness,
        &leader,
        vec![sign_record(&leader, &record).unwrap()],
    )
    .await
    .unwrap()
    .verdicts;
    assert_eq!(verdict_code(&verdicts[0]), "opinion_too_long");
    let summary = qianpi_gateway::admin::describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.version, 1);
}
