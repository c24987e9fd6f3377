//! 发文 drafting and a secretary's work at the console, on the data layer: a draft with two body
//! versions starts on the second; the initiator's 撤销 works before anyone approved and is refused
//! after; a followed flow is listed (another unit's is not found); 代签 by the leader's secretary
//! decides his task with `acting_for` and the flow record names both, while a secretary of
//! another leader is refused; a standing delegation for the leader is set and ended. Runs on
//! SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pages;
mod secretary;
mod secretary_pages;

use crate::support;

use bytes::Bytes;
use chrono::{Duration, Utc};
use qianpi_domain::model::{BodyStage, DocumentNumber, SecrecyLevel, Urgency};
use qianpi_domain::workflow::{InstanceState, RejectionCode, TaskState};
use qianpi_gateway::actor::AdminActor;
use qianpi_gateway::admin;
use qianpi_gateway::db::Db;
use qianpi_gateway::instances::{load_instance, standing_delegations};
use qianpi_gateway::office::drafts::acting::{self, Decision, Entry};
use qianpi_gateway::office::drafts::deputies::{self, NewRule};
use qianpi_gateway::office::drafts::follows;
use qianpi_gateway::office::drafts::{self, DraftError, DraftFields, Invalid, NewVersion};
use qianpi_gateway::sql::args;

const UNIT: &str = "unit-sxnyt";
/// The demo's drafter, leader and handler.
const DRAFTER: &str = "user-li";
const LEADER: &str = "user-wang";
const HANDLER: &str = "user-zhao";
/// 王建国's secretary, and a secretary of 赵文 only.
const SECRETARY: &str = "user-sec";
const OTHER_SECRETARY: &str = "user-sec2";

/// The demo unit with two secretaries, on a fresh database.
async fn office(dir: &std::path::Path) -> Db {
    // The PostgreSQL client blocks: the database is made and opened off the test's runtime.
    let dir = dir.to_owned();
    let db = tokio::task::spawn_blocking(move || {
        let database = support::Database::new(&dir);
        Db::open(&database.location).unwrap().0
    })
    .await
    .unwrap();
    admin::demo::seed(&db).await.unwrap();
    db.tx(|sql| {
        for (id, login, leader) in [
            (SECRETARY, "zhangli", LEADER),
            (OTHER_SECRETARY, "sunmei", HANDLER),
        ] {
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, ?2, ?3, ?3, '秘书', 'secretary', ?4, ?5)",
                args![
                    id,
                    UNIT,
                    login,
                    format!(r#"{{"secretary_for":["{leader}"]}}"#),
                    Utc::now().to_rfc3339()
                ],
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    db
}

fn person(user: &str) -> AdminActor {
    AdminActor::unit_admin(user, UNIT)
}

fn fields(title: &str) -> DraftFields {
    DraftFields {
        title: title.into(),
        number: DocumentNumber {
            organ: "晋农办".into(),
            year: 2026,
            sequence: 31,
        },
        urgency: Urgency::Normal,
        secrecy: SecrecyLevel::None,
        genre: None,
        main_recipients: vec!["各市农业农村局".into()],
    }
}

/// A small PDF whose bytes differ by `text`.
fn pdf(text: &str) -> Bytes {
    Bytes::from(format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes())
}

fn version(text: &str) -> NewVersion {
    NewVersion {
        file_name: format!("{text}.pdf"),
        stage: BodyStage::Draft,
        bytes: pdf(text),
    }
}

/// A draft with one body version, started on the demo's process; its instance id.
async fn started(db: &Db, title: &str) -> String {
    let drafter = person(DRAFTER);
    let id = drafts::create(db, &drafter, UNIT, fields(title), Utc::now())
        .await
        .unwrap();
    drafts::add_version(db, &drafter, UNIT, &id, version(title), Utc::now())
        .await
        .unwrap();
    drafts::start(db, &drafter, UNIT, &id, "def-incoming", Utc::now())
        .await
        .unwrap()
}

/// The leader's pending task on `instance_id` and the version, as his secretary lists them.
async fn leader_task(db: &Db, instance_id: &str) -> (String, u64) {
    let (_, tasks) = acting::pending_of(db, &person(SECRETARY), UNIT, LEADER)
        .await
        .unwrap();
    let task = tasks
        .iter()
        .find(|t| t.instance_id == instance_id)
        .expect("the leader's task is listed for his secretary");
    (task.task_id.clone(), task.version)
}

async fn agree_for_leader(db: &Db, secretary: &str, instance_id: &str) -> Result<u64, DraftError> {
    let (task_id, version) = leader_task(db, instance_id).await;
    let entry = Entry {
        leader: LEADER.into(),
        instance_id: instance_id.into(),
        task_id,
        base_version: version,
        decision: Decision::Agree,
        route: None,
        opinion: "同意，请办公室抓紧印发。".into(),
    };
    acting::enter_for_leader(db, &person(secretary), UNIT, entry, Utc::now()).await
}

async fn audit_actors(db: &Db, kind: &str) -> Vec<(String, String)> {
    let kind = kind.to_owned();
    db.tx(move |sql| {
        sql.query(
            "SELECT actor, detail FROM audit WHERE kind = ?1 ORDER BY seq",
            args![&kind],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_draft_with_two_body_versions_starts_on_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let db = office(dir.path()).await;
    let drafter = person(DRAFTER);
    let id = drafts::create(
        &db,
        &drafter,
        UNIT,
        fields("关于春耕物资调度的通知"),
        Utc::now(),
    )
    .await
    .unwrap();
    for text in ["first draft", "reviewed draft"] {
        drafts::add_version(&db, &drafter, UNIT, &id, version(text), Utc::now())
            .await
            .unwrap();
    }
    let not_pdf = NewVersion {
        bytes: Bytes::from_static(b"PK\x03\x04 a docx"),
        ..version("docx")
    };
    let refused = drafts::add_version(&db, &drafter, UNIT, &id, not_pdf, Utc::now()).await;
    assert!(matches!(refused, Err(DraftError::Invalid(Invalid::NotPdf))));
    let draft = drafts::get(&db, &drafter, UNIT, &id).await.unwrap();
    assert_eq!(draft.versions.len(), 2);
    assert_eq!(draft.versions[1].uploaded_by_name, "李晓梅");

    // Someone else's draft is not there for another person.
    let other = drafts::get(&db, &person(HANDLER), UNIT, &id).await;
    assert!(matches!(other, Err(DraftError::NotFound)));

    let instance_id = drafts::start(&db, &drafter, UNIT, &id, "def-incoming", Utc::now())
        .await
        .unwrap();
    let flow = db
        .tx(move |sql| load_instance(sql, &instance_id, false))
        .await
        .unwrap()
        .unwrap();
    let body = flow.document.current_body().unwrap();
    assert_eq!(
        body.sha256, draft.versions[1].sha256,
        "started on the second"
    );
    assert_eq!(flow.document.body.versions.len(), 2);
    assert_eq!(flow.instance.initiator, DRAFTER);
    assert!(flow
        .instance
        .tasks
        .iter()
        .any(|t| t.assignee == LEADER && t.state.is_pending()));

    // A started draft takes no more versions and does not start twice.
    let again = drafts::start(&db, &drafter, UNIT, &id, "def-incoming", Utc::now()).await;
    assert!(matches!(
        again,
        Err(DraftError::Invalid(Invalid::AlreadyStarted))
    ));
    let late = drafts::add_version(&db, &drafter, UNIT, &id, version("late"), Utc::now()).await;
    assert!(matches!(
        late,
        Err(DraftError::Invalid(Invalid::AlreadyStarted))
    ));

    // Its drafter follows it, and may still 撤销 it.
    let followed = follows::followed(&db, &drafter, UNIT, Utc::now())
        .await
        .unwrap();
    assert_eq!(followed.len(), 1);
    assert!(followed[0].started_by_me && followed[0].can_revoke);
    assert_eq!(followed[0].title, "关于春耕物资调度的通知");
}

#[tokio::test]
async fn revoke_works_before_an_approval_and_is_refused_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = office(dir.path()).await;
    let drafter = person(DRAFTER);

    let early = started(&db, "关于召开春耕工作会议的通知").await;
    let (_, version) = leader_task(&db, &early).await;
    let leader_feed_before = feed_rows(&db, LEADER).await;
    let revoked = acting::revoke(&db, &drafter, UNIT, &early, version, Utc::now())
        .await
        .unwrap();
    assert_eq!(revoked, version + 1);
    let flow = db
        .tx(move |sql| load_instance(sql, &early, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flow.instance.state, InstanceState::Revoked);
    assert!(!flow.instance.tasks.iter().any(|t| t.state.is_pending()));
    assert!(
        feed_rows(&db, LEADER).await > leader_feed_before,
        "the leader's phone hears that the task is gone"
    );
    let audited = audit_actors(&db, "flow.revoked").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, DRAFTER);

    // Once the leader approved (his secretary entering it), 撤销 is refused and changes nothing.
    let late = started(&db, "关于报送春耕进度的通知").await;
    agree_for_leader(&db, SECRETARY, &late).await.unwrap();
    let followed = follows::followed(&db, &drafter, UNIT, Utc::now())
        .await
        .unwrap();
    let listed = followed.iter().find(|f| f.instance_id == late).unwrap();
    assert!(!listed.can_revoke);
    let refused = acting::revoke(&db, &drafter, UNIT, &late, listed.version, Utc::now()).await;
    assert!(
        matches!(refused, Err(DraftError::Refused(RejectionCode::TooLate))),
        "{refused:?}"
    );
    let flow = db
        .tx(move |sql| load_instance(sql, &late, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flow.instance.state, InstanceState::Running);
    assert_eq!(flow.instance.version, listed.version);
    assert_eq!(audit_actors(&db, "flow.revoked").await.len(), 1);
}

async fn feed_rows(db: &Db, user: &str) -> i64 {
    let user = user.to_owned();
    db.tx(move |sql| {
        Ok(sql
            .query_one(
                "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE user_id = ?1",
                args![&user],
            )?
            .int(0)?)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_followed_flow_is_listed_and_another_units_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = office(dir.path()).await;
    let drafter = person(DRAFTER);
    follows::follow(&db, &drafter, UNIT, admin::demo::INSTANCE, Utc::now())
        .await
        .unwrap();
    let followed = follows::followed(&db, &drafter, UNIT, Utc::now())
        .await
        .unwrap();
    assert_eq!(followed.len(), 1);
    let demo = &followed[0];
    assert_eq!(demo.instance_id, admin::demo::INSTANCE);
    assert_eq!(demo.pending_with, vec!["王建国".to_owned()]);
    assert_eq!(demo.current_node.as_deref(), Some("领导批示"));
    // The demo flow's initiator is the drafter too, and no one approved it yet.
    assert!(demo.can_revoke);
    // Someone who did not start it may follow it but never 撤销 it.
    follows::follow(
        &db,
        &person(HANDLER),
        UNIT,
        admin::demo::INSTANCE,
        Utc::now(),
    )
    .await
    .unwrap();
    let theirs = follows::followed(&db, &person(HANDLER), UNIT, Utc::now())
        .await
        .unwrap();
    assert!(!theirs[0].can_revoke && !theirs[0].started_by_me);

    // Another unit's flow: its id is as good as none.
    db.tx(|sql| {
        sql.execute(
            "INSERT INTO units (id, name, organ_code, created_at)
             VALUES ('unit-other', '另一单位', '另办', ?1)",
            args![Utc::now().to_rfc3339()],
        )?;
        sql.execute(
            "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
             VALUES ('user-other', 'unit-other', 'other', '外单位', '科员', 'staff', '{}', ?1)",
            args![Utc::now().to_rfc3339()],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let stranger = AdminActor::unit_admin("user-other", "unit-other");
    let refused = follows::follow(
        &db,
        &stranger,
        "unit-other",
        admin::demo::INSTANCE,
        Utc::now(),
    )
    .await;
    assert!(matches!(refused, Err(DraftError::NotFound)));
    let refused = acting::revoke(
        &db,
        &stranger,
        "unit-other",
        admin::demo::INSTANCE,
        1,
        Utc::now(),
    )
    .await;
    assert!(matches!(refused, Err(DraftError::NotFound)));

    follows::unfollow(&db, &drafter, UNIT, admin::demo::INSTANCE, Utc::now())
        .await
        .unwrap();
    assert!(follows::followed(&db, &drafter, UNIT, Utc::now())
        .await
        .unwrap()
        .is_empty());
}
