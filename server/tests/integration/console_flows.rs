//! The office's flows: a unit's flows listed by state with overdue marks, one flow's record with
//! the opinion a leader's phone wrote (handwriting and voice included), 催办 reaching the
//! handler's feed within the workflow's interval, 终止 only with a reason, and another unit's
//! flow answered as if it did not exist — first through the data layer, then through the pages
//! ([`pages`]). Runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pages;
mod seed;

use crate::support;
use chrono::{Duration, Utc};
use qianpi_domain::workflow::{Attitude, InstanceState, RejectionCode};
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::db::Db;
use qianpi_gateway::office::flows::{self, Acting, FlowError, Tab};
use qianpi_gateway::sql::args;
use seed::{Office, HOSTILE_OPINION};

const UNIT: &str = "unit-flows";
const OTHER_UNIT: &str = "unit-elsewhere";
const CLERK: &str = "user-clerk";
const ADMIN: &str = "user-admin";

fn office() -> Office {
    Office {
        unit: UNIT.into(),
        leader: "user-leader".into(),
        handler: "user-handler".into(),
        initiator: CLERK.into(),
    }
}

/// A fresh database with two units; in the first a leader, a handler, a clerk (who starts the
/// flows) and an administrator, and the 收文 process.
async fn database(dir: &std::path::Path) -> Db {
    // The PostgreSQL client blocks: off the test's runtime.
    let dir = dir.to_owned();
    let db = tokio::task::spawn_blocking(move || support::Database::new(&dir).open())
        .await
        .unwrap();
    db.tx(|sql| {
        let now = Utc::now().to_rfc3339();
        for (unit, name) in [(UNIT, "某某县农业农村局"), (OTHER_UNIT, "另一个局")] {
            sql.execute(
                "INSERT INTO units (id, name, organ_code, created_at) VALUES (?1, ?2, '某农', ?3)",
                args![unit, name, now.as_str()],
            )?;
        }
        for (id, unit, name) in [
            ("user-leader", UNIT, "王局长"),
            ("user-handler", UNIT, "赵科长"),
            (CLERK, UNIT, "李文书"),
            (ADMIN, UNIT, "周管理"),
            ("user-stranger", OTHER_UNIT, "陌生人"),
        ] {
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, ?2, ?1, ?3, '科员', 'staff', '{}', ?4)",
                args![id, unit, name, now.as_str()],
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    office().load_process(&db).await;
    db
}

fn clerk() -> Acting {
    Acting {
        user_id: CLERK.into(),
        may_act: true,
        administrator: false,
        registrar: false,
    }
}

fn administrator() -> Acting {
    Acting {
        user_id: ADMIN.into(),
        may_act: true,
        administrator: true,
        registrar: false,
    }
}

#[tokio::test]
async fn flows_are_listed_by_state_newest_first_with_overdue_marks() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let (office, now) = (office(), Utc::now());
    let on_time = office.document("doc-1", "关于春耕的通知", Some(now + Duration::days(3)));
    office.start(&db, "inst-on-time", on_time).await;
    let late = office.document("doc-2", "关于防汛的紧急通知", Some(now - Duration::days(1)));
    office.start(&db, "inst-late", late).await;
    let running = flows::list(&db, UNIT, Tab::Running, 1, now).await.unwrap();
    assert_eq!((running.total, running.overdue), (2, 1));
    let late = running
        .rows
        .iter()
        .find(|r| r.instance_id == "inst-late")
        .unwrap();
    assert!(late.overdue, "a flow past its deadline is marked");
    assert_eq!(late.number, "某农〔2026〕7号");
    assert_eq!(late.current_node.as_deref(), Some("领导批示"));
    assert_eq!(late.holders[0].name, "王局长");
    let on_time = running
        .rows
        .iter()
        .find(|r| r.instance_id == "inst-on-time")
        .unwrap();
    assert!(!on_time.overdue);
    assert!(
        running.rows[0].started_at >= running.rows[1].started_at,
        "newest first"
    );
    let finished = flows::list(&db, UNIT, Tab::Finished, 1, now).await.unwrap();
    assert_eq!(finished.total, 0);
    let elsewhere = flows::list(&db, OTHER_UNIT, Tab::Running, 1, now)
        .await
        .unwrap();
    assert!(elsewhere.rows.is_empty(), "another unit lists none of them");
}

#[tokio::test]
async fn the_record_shows_the_phone_opinion_with_handwriting_and_voice() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let office = office();
    let document = office.document("doc-3", "关于秋粮收购的请示", None);
    let id = office.start(&db, "inst-record", document).await;
    let (handwriting, audio) = office.leader_approves(&db, &id, HOSTILE_OPINION).await;
    let detail = flows::detail(&db, UNIT, &id, &clerk(), Utc::now())
        .await
        .unwrap();
    let entry = detail
        .record
        .iter()
        .find(|e| e.action == "approve")
        .unwrap();
    assert_eq!(entry.who, "王局长");
    assert_eq!(entry.node.as_deref(), Some("领导批示"));
    assert_eq!(entry.attitude, Some(Attitude::Agree));
    assert_eq!(entry.opinion.as_deref(), Some(HOSTILE_OPINION));
    assert_eq!(entry.column.as_deref(), Some("领导批示"));
    assert_eq!(entry.handwriting.as_ref(), Some(&handwriting));
    assert_eq!(entry.audio.as_ref(), Some(&audio));
    assert_eq!(detail.row.current_node.as_deref(), Some("承办"));
    let image = flows::opinion_file(&db, UNIT, &id, &handwriting.sha256)
        .await
        .unwrap();
    assert_eq!(
        (image.media_type.as_str(), image.inline),
        ("image/png", true)
    );
    assert_eq!(image.bytes.len() as u64, handwriting.size);
    let voice = flows::opinion_file(&db, UNIT, &id, &audio.sha256)
        .await
        .unwrap();
    assert_eq!(voice.media_type, "audio/aac");
    // Not through another unit, nor a file the flow's opinions do not name.
    let elsewhere = flows::opinion_file(&db, OTHER_UNIT, &id, &audio.sha256).await;
    assert!(matches!(elsewhere, Err(FlowError::NotFound)));
    let unnamed = flows::opinion_file(&db, UNIT, &id, &"0".repeat(64)).await;
    assert!(matches!(unnamed, Err(FlowError::NotFound)));
}

#[tokio::test]
async fn urging_reaches_the_handler_and_waits_for_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let office = office();
    let document = office.document("doc-4", "关于农机补贴的通知", None);
    let id = office.start(&db, "inst-urge", document).await;
    office.leader_approves(&db, &id, "同意").await;
    let auditor = AdminActor::unit_admin(CLERK, UNIT);
    let detail = flows::detail(&db, UNIT, &id, &clerk(), Utc::now())
        .await
        .unwrap();
    assert!(detail.may_urge, "the initiator may urge");
    assert!(!detail.may_terminate, "a clerk may not terminate");
    assert_eq!(office.urged_in_feed(&db, &id).await, 0);
    let version = detail.row.version;
    let acted = flows::urge(&db, &auditor, UNIT, &id, version, &clerk(), Utc::now())
        .await
        .unwrap();
    assert_eq!(acted.state, InstanceState::Running);
    assert_eq!(
        office.urged_in_feed(&db, &id).await,
        1,
        "the handler's phone hears of it"
    );
    let again = flows::urge(
        &db,
        &auditor,
        UNIT,
        &id,
        acted.version,
        &clerk(),
        Utc::now(),
    )
    .await;
    assert!(
        matches!(again, Err(FlowError::Refused(RejectionCode::UrgeTooSoon))),
        "{again:?}"
    );
    let subject = id.clone();
    let audited = db
        .tx(move |sql| {
            Ok(sql
                .query_one(
                    "SELECT COUNT(*) FROM audit WHERE kind = 'flow.urged' AND actor = ?1
                     AND subject = ?2",
                    args![CLERK, subject.as_str()],
                )?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(audited, 1, "audited once, under the clerk's name");
    let record = flows::detail(&db, UNIT, &id, &clerk(), Utc::now())
        .await
        .unwrap()
        .record;
    let urge = record.last().unwrap();
    assert_eq!((urge.action, urge.who.as_str()), ("urge", "李文书"));
}

#[tokio::test]
async fn terminating_needs_a_reason_and_ends_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let office = office();
    let document = office.document("doc-5", "关于暂停项目的通知", None);
    let id = office.start(&db, "inst-stop", document).await;
    let auditor = AdminActor::unit_admin(ADMIN, UNIT);
    let (admin, now) = (administrator(), Utc::now());
    let refused = flows::terminate(&db, &auditor, UNIT, &id, 1, &admin, "  ", now).await;
    assert!(
        matches!(refused, Err(FlowError::ReasonRequired)),
        "{refused:?}"
    );
    let as_clerk = AdminActor::unit_admin(CLERK, UNIT);
    let clerk_tries =
        flows::terminate(&db, &as_clerk, UNIT, &id, 1, &clerk(), "不再需要", now).await;
    assert!(
        matches!(
            clerk_tries,
            Err(FlowError::Refused(RejectionCode::NotAuthorised))
        ),
        "{clerk_tries:?}"
    );
    let reason = "来文单位已撤回来文";
    let acted = flows::terminate(&db, &auditor, UNIT, &id, 1, &admin, reason, now)
        .await
        .unwrap();
    assert_eq!(acted.state, InstanceState::Terminated);
    let ended = flows::list(&db, UNIT, Tab::Ended, 1, Utc::now())
        .await
        .unwrap();
    assert_eq!(ended.rows.len(), 1);
    assert_eq!(ended.rows[0].state, InstanceState::Terminated);
    let running = flows::list(&db, UNIT, Tab::Running, 1, Utc::now())
        .await
        .unwrap();
    assert_eq!(running.total, 0);
    let detail = flows::detail(&db, UNIT, &id, &admin, Utc::now())
        .await
        .unwrap();
    let last = detail.record.last().unwrap();
    assert_eq!(last.action, "terminate");
    assert_eq!(last.opinion.as_deref(), Some(reason));
    assert_eq!(last.who, "周管理");
    assert!(
        !detail.may_terminate && !detail.may_urge,
        "an ended flow offers nothing"
    );
}

#[tokio::test]
async fn another_units_flow_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let office = office();
    let id = office
        .start(
            &db,
            "inst-private",
            office.document("doc-6", "内部事项", None),
        )
        .await;
    let stranger = Acting {
        user_id: "user-stranger".into(),
        may_act: true,
        administrator: true,
        registrar: false,
    };
    let now = Utc::now();
    let read = flows::detail(&db, OTHER_UNIT, &id, &stranger, now).await;
    assert!(matches!(read, Err(FlowError::NotFound)));
    let auditor = AdminActor::unit_admin("user-stranger", OTHER_UNIT);
    let ended = flows::terminate(&db, &auditor, OTHER_UNIT, &id, 1, &stranger, "越权", now).await;
    assert!(matches!(ended, Err(FlowError::NotFound)));
    let urged = flows::urge(&db, &auditor, OTHER_UNIT, &id, 1, &stranger, now).await;
    assert!(matches!(urged, Err(FlowError::NotFound)));
    // The flow is untouched.
    let detail = flows::detail(&db, UNIT, &id, &clerk(), now).await.unwrap();
    assert_eq!(detail.row.state, InstanceState::Running);
}
