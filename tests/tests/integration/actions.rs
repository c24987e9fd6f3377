//! Workflow actions beyond approval, end to end: decided on the phone (offline first), signed,
//! pushed, and decided again by the gateway with the same rules.

use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::store::{ListKind, LocalTaskState};
use qianpi_core::workflow::{Command, InstanceState};
use qianpi_gateway::admin::{demo, describe_instance};
use qianpi_tests::Harness;

#[tokio::test]
async fn a_leader_recalls_an_instruction_before_the_office_acts_on_it() {
    let mut harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let office = harness
        .activated_phone("office", demo::HANDLER)
        .await
        .unwrap();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    leader.client.sync().await.unwrap();
    office.client.sync().await.unwrap();
    assert_eq!(
        office.client.inbox().unwrap()[0].state,
        LocalTaskState::Pending
    );

    // On second thought, offline: recall the instruction.
    harness.stop_gateway().await.unwrap();
    leader
        .client
        .act(Command::Recall {
            task_id: task.clone(),
        })
        .unwrap();
    harness.restart_gateway().await.unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));

    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (summary.version, summary.state),
        (3, InstanceState::Running)
    );
    assert_eq!(summary.current_node.as_deref(), Some("领导批示"));
    assert_eq!(summary.pending_with, ["王建国"]);
    let item = leader
        .client
        .inbox()
        .unwrap()
        .into_iter()
        .find(|i| i.task_id == task)
        .unwrap();
    assert_eq!(item.state, LocalTaskState::Pending);
    assert!(item.can_approve);

    // The recall cancelled the office's task: it leaves the office's lists altogether (it was
    // never the office's to finish).
    office.client.sync().await.unwrap();
    assert!(office.client.inbox().unwrap().is_empty());
    assert!(office
        .client
        .list(ListKind::Todo, 50, 0)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_recall_after_the_office_acted_is_refused_with_its_reason_and_kept_visible() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let office = harness
        .activated_phone("office", demo::HANDLER)
        .await
        .unwrap();
    leader
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    leader.client.sync().await.unwrap();

    // The leader's phone decides to recall on its (now outdated) copy...
    leader
        .client
        .act(Command::Recall {
            task_id: task.clone(),
        })
        .unwrap();
    // ...while the office finishes the handling first.
    office.client.sync().await.unwrap();
    let office_task = office.client.inbox().unwrap()[0].task_id.clone();
    office
        .client
        .approve(&office_task, Attitude::Agree, "已办理")
        .unwrap();
    office.client.sync().await.unwrap();

    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    let verdict = &leader.client.verdicts().unwrap()[0];
    assert!(!verdict.verdict.outcome.is_accepted());
    assert!(
        format!("{:?}", verdict.verdict.outcome).contains("stale"),
        "{:?}",
        verdict.verdict.outcome
    );
    assert_eq!(
        describe_instance(&harness.db, demo::INSTANCE)
            .await
            .unwrap()
            .unwrap()
            .state,
        InstanceState::Completed
    );
}

#[tokio::test]
async fn the_phone_refuses_an_action_its_rules_do_not_allow_before_anything_is_queued() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let reject = Command::Reject {
        task_id: task,
        opinion: Opinion::new(Attitude::Disagree, "不同意"),
    };
    let refused = leader.client.act(reject);
    assert!(
        matches!(refused, Err(qianpi_core::ClientError::Rejected(_))),
        "got {refused:?}"
    );
    assert!(leader.client.outbox().unwrap().is_empty());
    let revoke = leader.client.act(Command::Revoke);
    assert!(
        matches!(revoke, Err(qianpi_core::ClientError::NeedsTask)),
        "got {revoke:?}"
    );
}

#[tokio::test]
async fn the_phone_offers_what_the_gateways_rules_allow_and_nothing_once_queued() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let item = leader.client.inbox().unwrap().remove(0);
    let routes: Vec<(&str, &str)> = item
        .routes
        .iter()
        .map(|r| (r.id.as_str(), r.label.as_str()))
        .collect();
    assert_eq!(routes, [("r1", "送承办")]);
    assert!(item.can_approve && item.controls.can_save && item.controls.can_open);
    // The demo's 领导批示 allows recall but not transfer, reject or return.
    assert!(!item.controls.can_transfer && !item.controls.can_reject);
    assert!(item.controls.return_targets.is_empty());
    assert!(
        !item.controls.can_recall,
        "nothing to recall before approving"
    );

    leader
        .client
        .act(Command::Approve {
            task_id: task.clone(),
            route: Some("r1".into()),
            opinion: Opinion::agree("同意，请赵文同志办理。"),
        })
        .unwrap();
    let queued = leader.client.inbox().unwrap().remove(0);
    assert_eq!(queued.state, LocalTaskState::Queued);
    assert_eq!(
        queued.controls,
        Default::default(),
        "a queued task offers nothing"
    );
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.current_node.as_deref(), Some("承办"));
}
