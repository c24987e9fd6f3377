//! A secretary's work on the data layer: 代签 by the leader's secretary decides his task with
//! `acting_for` and the flow record names both, while a secretary of another leader is refused;
//! a standing delegation for the leader is set and ended.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

#[tokio::test]
async fn the_leaders_secretary_enters_his_decision_and_another_secretary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = office(dir.path()).await;
    let instance_id = started(&db, "关于春耕用种抽检的通知").await;

    // A secretary of another leader neither sees nor decides 王建国's tasks.
    let refused = acting::pending_of(&db, &person(OTHER_SECRETARY), UNIT, LEADER).await;
    assert!(matches!(refused, Err(DraftError::NotSecretary)));
    let (task_id, version) = leader_task(&db, &instance_id).await;
    let entry = Entry {
        leader: LEADER.into(),
        instance_id: instance_id.clone(),
        task_id: task_id.clone(),
        base_version: version,
        decision: Decision::Agree,
        route: None,
        opinion: "同意。".into(),
    };
    let refused =
        acting::enter_for_leader(&db, &person(OTHER_SECRETARY), UNIT, entry, Utc::now()).await;
    assert!(matches!(refused, Err(DraftError::NotSecretary)));

    let leaders = acting::leaders(&db, &person(SECRETARY), UNIT)
        .await
        .unwrap();
    assert_eq!(leaders.len(), 1);
    assert_eq!(leaders[0].name, "王建国");
    let decided = agree_for_leader(&db, SECRETARY, &instance_id)
        .await
        .unwrap();
    assert_eq!(decided, version + 1);

    let id = instance_id.clone();
    let flow = db
        .tx(move |sql| load_instance(sql, &id, false))
        .await
        .unwrap()
        .unwrap();
    let task = flow.instance.task(&task_id).unwrap();
    assert!(matches!(task.state, TaskState::Done { .. }));
    let record = flow.instance.trace.last().unwrap();
    assert_eq!(record.actor, LEADER, "the decision is the leader's");
    assert_eq!(
        record.entered_by.as_deref(),
        Some(SECRETARY),
        "entered by his secretary"
    );
    let opinion = task.opinion.as_ref().unwrap();
    assert_eq!(opinion.text, "同意，请办公室抓紧印发。");
    assert!(flow
        .instance
        .tasks
        .iter()
        .any(|t| t.assignee == HANDLER && t.state.is_pending()));

    let audited = audit_actors(&db, "flow.entered_for_leader").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, SECRETARY, "audited under the secretary");
    assert!(audited[0].1.contains(LEADER), "naming the leader");

    // The task is gone from the leader's list; entering on it again is refused by the workflow.
    let (_, tasks) = acting::pending_of(&db, &person(SECRETARY), UNIT, LEADER)
        .await
        .unwrap();
    assert!(tasks.iter().all(|t| t.instance_id != instance_id));
}

#[tokio::test]
async fn a_standing_delegation_is_set_for_the_leader_and_ended() {
    let dir = tempfile::tempdir().unwrap();
    let db = office(dir.path()).await;
    let secretary = person(SECRETARY);
    let now = Utc::now();
    let rule = NewRule {
        to: HANDLER.into(),
        start: now,
        end: now + Duration::days(7),
    };
    let refused = deputies::create(
        &db,
        &person(OTHER_SECRETARY),
        UNIT,
        LEADER,
        rule.clone(),
        now,
    )
    .await;
    assert!(matches!(refused, Err(DraftError::NotSecretary)));
    let too_long = NewRule {
        end: now + Duration::days(200),
        ..rule.clone()
    };
    let refused = deputies::create(&db, &secretary, UNIT, LEADER, too_long, now).await;
    assert!(matches!(
        refused,
        Err(DraftError::Invalid(Invalid::WindowTooLong))
    ));

    let id = deputies::create(&db, &secretary, UNIT, LEADER, rule, now)
        .await
        .unwrap();
    let listed = deputies::list(&db, &secretary, UNIT, LEADER).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0.to, HANDLER);
    assert_eq!(listed[0].1, "赵文");
    assert!(listed[0].0.revoked_at.is_none());
    let in_force = db.tx(|sql| standing_delegations(sql, UNIT)).await.unwrap();
    assert!(in_force.iter().any(|d| d.id == id && d.from == LEADER));
    let audited = audit_actors(&db, "delegation.created").await;
    assert_eq!(audited[0].0, SECRETARY);

    let refused = deputies::end(&db, &person(OTHER_SECRETARY), UNIT, LEADER, &id, now).await;
    assert!(matches!(refused, Err(DraftError::NotSecretary)));
    deputies::end(&db, &secretary, UNIT, LEADER, &id, now)
        .await
        .unwrap();
    let listed = deputies::list(&db, &secretary, UNIT, LEADER).await.unwrap();
    assert!(listed[0].0.revoked_at.is_some());
    let in_force = db.tx(|sql| standing_delegations(sql, UNIT)).await.unwrap();
    assert!(in_force.iter().all(|d| d.id != id));
    assert_eq!(audit_actors(&db, "delegation.revoked").await.len(), 1);
}
