//! Acting for someone else from the phone, end to end: 代签 by a secretary the directory
//! authorises for the leader (and the refusal of someone it does not), and 委托代理 set, listed
//! and revoked from the leader's phone, with new tasks going to the deputy while it is active.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::phone_actions::{delivered, flow_state, office, pending, start_flow};
use super::units::{audit_count, phone, post};
use chrono::{Duration, Utc};
use qianpi_core::client::ClientError;
use qianpi_core::link::LinkError;
use qianpi_core::model::Opinion;
use qianpi_core::protocol::delegations::NewDelegation;
use qianpi_core::workflow::{Command, DelegationScope};
use qianpi_tests::{verdict_code, Harness};
use serde_json::json;

fn approve(task: &str) -> Command {
    Command::Approve {
        task_id: task.to_owned(),
        route: Some("r1".into()),
        opinion: Opinion::agree("同意。请办公室承办。"),
    }
}

#[tokio::test]
async fn an_authorised_secretary_enters_the_leaders_instruction_for_him() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pr-sec").await;
    let (status, user) = post(
        &harness,
        &o.unit.token,
        "/units/pr-sec/users",
        json!({ "login": "mishu-pr-sec", "name": "陈秘书", "post": "秘书",
                "role": "secretary", "secretary_for": [o.unit.leader] }),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let secretary_id = user["id"].as_str().unwrap().to_owned();
    let secretary = phone(&harness, &o.unit, &secretary_id, "mishu-pr-sec").await;
    let flow = start_flow(&harness, &o.unit, "doc-pr-sec-2").await;
    secretary.client.sync().await.unwrap();
    // The gateway sends a secretary the leader's tasks; they are not the secretary's 待办.
    assert!(pending(&secretary).is_empty());
    let tasks = secretary.client.tasks_held_by(&o.unit.leader).unwrap();
    assert_eq!(tasks.len(), 1);
    let task = tasks[0].clone();
    let queued = secretary
        .client
        .act_as(approve(&task), Some(&o.unit.leader))
        .unwrap();
    let record = secretary.first_queued_record().unwrap();
    assert_eq!(record.acting_for.as_deref(), Some(o.unit.leader.as_str()));
    assert_eq!(record.signer.user_id, secretary_id);
    delivered(&secretary, 1).await;
    assert_eq!(flow_state(&harness, &flow).await.1.as_deref(), Some("承办"));
    assert_eq!(
        audit_count(
            &harness,
            "command.accepted",
            &secretary_account_device(&secretary)
        )
        .await,
        1,
        "{}",
        queued.command_id
    );
    // The leader's phone shows the task done: the opinion is his, entered by the secretary.
    o.leader.client.sync().await.unwrap();
    assert_eq!(pending(&o.leader), std::slice::from_ref(&o.task));
    let done = o.leader.client.inbox().unwrap();
    let done = done.iter().find(|row| row.task_id == task).unwrap();
    assert_eq!(done.state, qianpi_core::store::LocalTaskState::Done);
}

fn secretary_account_device(phone: &qianpi_tests::Phone) -> String {
    phone.client.account().unwrap().unwrap().device_id
}

#[tokio::test]
async fn someone_the_directory_does_not_authorise_cannot_sign_for_the_leader() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pr-nosec").await;
    // The drafter's phone holds the flow (as its initiator) and claims to sign for the leader.
    o.staff
        .client
        .act_as(approve(&o.task), Some(&o.unit.leader))
        .unwrap();
    let report = o.staff.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    let verdict = &o.staff.client.verdicts().unwrap()[0].verdict;
    assert_eq!(verdict_code(verdict), "not_authorised");
    o.leader.client.sync().await.unwrap();
    assert_eq!(pending(&o.leader), std::slice::from_ref(&o.task));
}

#[tokio::test]
async fn a_leader_names_a_deputy_for_his_trip_from_the_phone_and_ends_it_early() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pr-trip").await;
    let deputy = phone(&harness, &o.unit, &o.unit.admin, "admin-pr-trip").await;
    let now = Utc::now();
    let trip = NewDelegation {
        to: o.unit.admin.clone(),
        scope: DelegationScope::All,
        start: now - Duration::minutes(1),
        end: now + Duration::days(5),
    };
    let rule = o.leader.client.set_delegation(&trip).await.unwrap();
    assert_eq!(
        (rule.from.as_str(), rule.revoked_at),
        (o.unit.leader.as_str(), None)
    );
    assert_eq!(
        audit_count(&harness, "delegation.created", &rule.id).await,
        1
    );
    let seen = deputy.client.delegations().await.unwrap();
    assert_eq!(seen.len(), 1, "the deputy sees the rule naming them");

    // While it is active, a new document goes to the deputy, who acts for the leader.
    let during = start_flow(&harness, &o.unit, "doc-pr-trip-2").await;
    deputy.client.sync().await.unwrap();
    let deputy_task = pending(&deputy).remove(0);
    deputy.client.act(approve(&deputy_task)).unwrap();
    delivered(&deputy, 1).await;
    assert_eq!(
        flow_state(&harness, &during).await.1.as_deref(),
        Some("承办")
    );

    // Back early: the leader ends the rule, and the next document is his again.
    let ended = o.leader.client.revoke_delegation(&rule.id).await.unwrap();
    assert!(ended.revoked_at.is_some());
    start_flow(&harness, &o.unit, "doc-pr-trip-3").await;
    o.leader.client.sync().await.unwrap();
    deputy.client.sync().await.unwrap();
    assert_eq!(
        pending(&o.leader).len(),
        2,
        "the first document and the new one"
    );
    assert!(pending(&deputy).is_empty());
    let listed = o.leader.client.delegations().await.unwrap();
    assert!(listed[0].revoked_at.is_some());
}

#[tokio::test]
async fn a_standing_delegation_the_rules_do_not_allow_is_refused_with_its_code() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pr-bad").await;
    let now = Utc::now();
    let code = |result: Result<_, ClientError>| match result {
        Err(ClientError::Link(LinkError::Refused { status, code, .. })) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let to_self = NewDelegation {
        to: o.unit.leader.clone(),
        scope: DelegationScope::All,
        start: now,
        end: now + Duration::days(1),
    };
    let got = code(o.leader.client.set_delegation(&to_self).await);
    assert_eq!(got, (400, "delegate_to_self".to_owned()));
    let too_long = NewDelegation {
        to: o.unit.admin.clone(),
        end: now + Duration::days(200),
        ..to_self.clone()
    };
    let got = code(o.leader.client.set_delegation(&too_long).await);
    assert_eq!(got, (400, "window_too_long".to_owned()));
    let stranger = NewDelegation {
        to: "user-elsewhere".into(),
        ..to_self.clone()
    };
    let got = code(o.leader.client.set_delegation(&stranger).await);
    assert_eq!(got, (400, "no_such_deputy".to_owned()));
    // Someone else's rule cannot be revoked: it looks like no rule at all.
    let rule = o
        .leader
        .client
        .set_delegation(&NewDelegation {
            to: o.unit.admin.clone(),
            ..to_self
        })
        .await
        .unwrap();
    let got = code(o.staff.client.revoke_delegation(&rule.id).await);
    assert_eq!(got, (404, "no_such_delegation".to_owned()));
}
