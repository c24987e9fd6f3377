//! Actions on a whole flow and on many tasks from the phone, end to end: 撤销 from the 已发 row,
//! 催办 with its rate limit, 挂起 / 恢复 of the flow, 终止 with its reason, 批量审批 with one
//! result per item (each its own signed record), and 暂存 drafts kept across a restart.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::phone_actions::{delivered, flow_state, office, pending, refused_code, start_flow};
use qianpi_core::client::{BatchEntry, ClientError, Verdict};
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::store::ListKind;
use qianpi_core::workflow::{Command, InstanceState, RejectionCode};
use qianpi_tests::Harness;

#[tokio::test]
async fn the_initiator_revokes_from_the_sent_list_and_the_leader_loses_the_task() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-revoke").await;
    let sent = o.staff.client.list(ListKind::Sent, 50, 0).unwrap();
    assert_eq!(sent.len(), 1, "已发 holds the drafter's flow");
    assert_eq!(sent[0].id, o.flow);
    let flags = o.staff.client.controls_for(&o.flow).unwrap();
    assert!(flags.can_revoke && flags.can_urge && !flags.can_approve);
    // The leader is no initiator: the phone refuses before anything is signed.
    assert_eq!(
        refused_code(o.leader.client.act_on_flow(&o.task, Command::Revoke)),
        RejectionCode::NotInitiator
    );
    o.staff
        .client
        .act_on_flow(&o.flow, Command::Revoke)
        .unwrap();
    delivered(&o.staff, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await.0,
        InstanceState::Revoked
    );
    o.leader.client.sync().await.unwrap();
    assert!(pending(&o.leader).is_empty());
}

#[tokio::test]
async fn urging_reaches_the_gateway_once_and_is_refused_again_within_the_interval() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-urge").await;
    o.staff.client.act_on_flow(&o.flow, Command::Urge).unwrap();
    delivered(&o.staff, 1).await;
    assert!(!o.staff.client.controls_for(&o.flow).unwrap().can_urge);
    assert_eq!(
        refused_code(o.staff.client.act_on_flow(&o.flow, Command::Urge)),
        RejectionCode::UrgeTooSoon
    );
    // The current handler cannot urge themselves.
    assert_eq!(
        refused_code(o.leader.client.act_on_flow(&o.flow, Command::Urge)),
        RejectionCode::CurrentHandler
    );
    assert!(o.staff.client.outbox().unwrap().is_empty());
    // An urge decided on a copy the flow has since left behind is refused by the gateway.
    let stale = start_flow(&harness, &o.unit, "doc-pf-urge-2").await;
    o.staff.client.sync().await.unwrap();
    o.staff.client.act_on_flow(&stale, Command::Urge).unwrap();
    o.leader.client.sync().await.unwrap();
    let task = pending(&o.leader)
        .into_iter()
        .find(|t| t != &o.task)
        .unwrap();
    o.leader
        .client
        .act(Command::Approve {
            task_id: task,
            route: Some("r2".into()),
            opinion: Opinion::new(Attitude::Disagree, "退文。"),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    let report = o.staff.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
}

#[tokio::test]
async fn a_suspended_flow_blocks_the_leader_until_the_initiator_resumes_it() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-hold").await;
    let suspend = Command::Suspend { task_id: None };
    o.staff.client.act_on_flow(&o.flow, suspend).unwrap();
    delivered(&o.staff, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await.0,
        InstanceState::Suspended
    );
    o.leader.client.sync().await.unwrap();
    let approve = || Command::Approve {
        task_id: o.task.clone(),
        route: Some("r1".into()),
        opinion: Opinion::agree("请承办。"),
    };
    assert_eq!(
        refused_code(o.leader.client.act(approve())),
        RejectionCode::Suspended
    );
    assert!(o.staff.client.controls_for(&o.flow).unwrap().can_resume);
    let resume = Command::Resume { task_id: None };
    o.staff.client.act_on_flow(&o.flow, resume).unwrap();
    delivered(&o.staff, 1).await;
    o.leader.client.sync().await.unwrap();
    o.leader.client.act(approve()).unwrap();
    delivered(&o.leader, 1).await;
}

#[tokio::test]
async fn a_handler_terminates_the_flow_with_a_reason_and_not_without_one() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-end").await;
    assert!(o.leader.client.controls_for(&o.task).unwrap().can_terminate);
    let without = Command::Terminate {
        opinion: Opinion::new(Attitude::Disagree, ""),
    };
    assert_eq!(
        refused_code(o.leader.client.act_on_flow(&o.task, without)),
        RejectionCode::OpinionRequired
    );
    let with = Command::Terminate {
        opinion: Opinion::new(Attitude::Disagree, "来文单位已撤回此件。"),
    };
    o.leader.client.act_on_flow(&o.task, with).unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await.0,
        InstanceState::Terminated
    );
}

#[tokio::test]
async fn a_batch_gives_one_result_per_item_each_its_own_record() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-batch").await;
    let second = start_flow(&harness, &o.unit, "doc-pf-batch-2").await;
    let third = start_flow(&harness, &o.unit, "doc-pf-batch-3").await;
    o.leader.client.sync().await.unwrap();
    let tasks = pending(&o.leader);
    assert_eq!(tasks.len(), 3);
    assert!(o.leader.client.controls_for(&tasks[0]).unwrap().can_batch);
    let mut items: Vec<BatchEntry> = tasks
        .iter()
        .map(|task| BatchEntry {
            task_id: task.clone(),
            route: Some("r1".into()),
        })
        .collect();
    // An item without its route (the step has two ways on) is refused, the others go on.
    items[1].route = None;
    items.push(BatchEntry {
        task_id: "task-not-here".into(),
        route: None,
    });
    let results = o.leader.client.batch_approve(&items);
    assert_eq!(results.len(), 4);
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| match &r.verdict {
            Verdict::Queued(_) => "queued",
            Verdict::Refused(ClientError::Rejected(_)) => "rule",
            Verdict::Refused(ClientError::NoSuchTask(_)) => "absent",
            Verdict::Refused(other) => panic!("unexpected refusal {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["queued", "rule", "queued", "absent"]);
    let outbox = o.leader.client.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    assert_ne!(outbox[0].counter, outbox[1].counter, "one record per item");
    delivered(&o.leader, 2).await;
    let mut moved = 0;
    for flow in [&o.flow, &second, &third] {
        if flow_state(&harness, flow).await.1.as_deref() == Some("承办") {
            moved += 1;
        }
    }
    assert_eq!(moved, 2);
}

#[tokio::test]
async fn a_draft_opinion_is_kept_across_a_restart_until_the_decision() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pf-draft").await;
    o.leader
        .client
        .save_draft(&o.task, Attitude::Agree, "拟同意，请办公室研究。")
        .unwrap();
    let leader = o.leader.restart().unwrap();
    let kept = leader.client.draft(&o.task).unwrap().unwrap();
    assert_eq!(kept.text, "拟同意，请办公室研究。");
    let drafts = leader.client.list(ListKind::Drafts, 50, 0).unwrap();
    assert_eq!(drafts[0].id, o.task);
    leader
        .client
        .act(Command::Approve {
            task_id: o.task.clone(),
            route: Some("r1".into()),
            opinion: kept,
        })
        .unwrap();
    assert!(leader.client.draft(&o.task).unwrap().is_none());
    delivered(&leader, 1).await;
}
