//! The sync engine's driver against a real gateway: a phone kept in sync in the foreground learns
//! of a change made elsewhere through the long-poll, without being asked to sync; an action queued
//! while it runs is pushed at once; a background sync whose time is up stops before its next
//! request and says so, and the next sync carries on; the status follows each of these.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use qianpi_core::client::{Client, SyncStatus};
use qianpi_core::engine::SyncState;
use qianpi_core::model::Attitude;
use qianpi_core::store::LocalTaskState;
use qianpi_gateway::admin::demo;
use qianpi_tests::Harness;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waits (at most 15 s) until `done` holds for the phone.
async fn until(client: &Client, what: &str, done: impl Fn(&Client) -> bool) {
    let started = Instant::now();
    while !done(client) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "waited in vain for {what}: {:?}",
            client.sync_status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn status(client: &Client) -> SyncStatus {
    client.sync_status().unwrap()
}

fn task_state(client: &Client, task: &str) -> Option<LocalTaskState> {
    client
        .inbox()
        .unwrap()
        .into_iter()
        .find(|item| item.task_id == task)
        .map(|item| item.state)
}

#[tokio::test]
async fn a_phone_kept_in_sync_in_the_foreground_learns_of_a_change_without_asking() {
    let harness = Harness::start().await.unwrap();
    let (phone, task) = harness.leader_with_task().await.unwrap();
    let tablet = harness
        .activated_phone("leader-tablet", demo::LEADER)
        .await
        .unwrap();
    tablet.client.sync().await.unwrap();
    let client = Arc::new(phone.client);
    let running = client
        .run_sync(&tokio::runtime::Handle::current(), true)
        .unwrap();
    let mut activity = client.sync_activity();
    until(&client, "the first sync", |c| {
        status(c).state == SyncState::Idle && c.sync_activity().borrow().last_success.is_some()
    })
    .await;
    let first_success = activity.borrow_and_update().last_success;
    assert_eq!(task_state(&client, &task), Some(LocalTaskState::Pending));

    // The same leader decides on his tablet; the phone is waiting in a long-poll.
    tablet
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    tablet.client.sync().await.unwrap();
    until(&client, "the tablet's decision", |c| {
        task_state(c, &task) != Some(LocalTaskState::Pending)
    })
    .await;
    until(&client, "a new last success", |c| {
        c.sync_activity().borrow().last_success > first_success
    })
    .await;
    assert!(!running.is_finished());
    running.stop();
    until(&client, "the stop", |_| running.is_finished()).await;
}

#[tokio::test]
async fn an_action_queued_while_the_phone_is_kept_in_sync_goes_at_once() {
    let harness = Harness::start().await.unwrap();
    let (phone, task) = harness.leader_with_task().await.unwrap();
    let client = Arc::new(phone.client);
    // In the background: no long-poll to cancel, the outbox alone wakes the engine.
    let running = client
        .run_sync(&tokio::runtime::Handle::current(), false)
        .unwrap();
    until(&client, "the first sync", |c| {
        c.sync_activity().borrow().last_success.is_some()
    })
    .await;
    client.approve(&task, Attitude::Agree, "同意").unwrap();
    assert_eq!(status(&client).outbox, 1);
    until(&client, "the approval's verdict", |c| {
        c.outbox().unwrap().is_empty() && !c.verdicts().unwrap().is_empty()
    })
    .await;
    let verdicts = client.verdicts().unwrap();
    assert!(verdicts[0].verdict.outcome.is_accepted(), "{verdicts:?}");
    let settled = status(&client);
    assert_eq!((settled.outbox, settled.refused), (0, 0));
    drop(running);
}

#[tokio::test]
async fn a_background_sync_out_of_time_stops_before_its_next_request_and_the_next_goes_on() {
    let harness = Harness::start().await.unwrap();
    let (phone, task) = harness.leader_with_approval().await.unwrap();
    let spent = phone.client.sync_within(Duration::ZERO).await.unwrap();
    assert!(spent.budget_spent, "{spent:?}");
    assert_eq!((spent.pushed, spent.pulled), (0, 0), "{spent:?}");
    assert_eq!(
        phone.client.outbox().unwrap().len(),
        1,
        "the approval waits"
    );
    assert_eq!(status(&phone.client).state, SyncState::Idle);

    let report = phone
        .client
        .sync_within(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!report.budget_spent, "{report:?}");
    assert_eq!((report.pushed, report.accepted), (1, 1), "{report:?}");
    assert!(phone.client.outbox().unwrap().is_empty());
    assert_ne!(
        task_state(&phone.client, &task),
        Some(LocalTaskState::Pending)
    );
}
