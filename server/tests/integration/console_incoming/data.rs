//! The data layer of 收文登记, called directly: what is stored for a registration, every fault
//! named, nothing stored on a fault, another unit's definition and files out of reach.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use chrono::Utc;
use qianpi_domain::model::{BodyFormat, DocumentKind, Urgency};
use qianpi_domain::workflow::{Node, ProcessDefinition};
use qianpi_gateway::admin::people::{NewUnit, NewUser};
use qianpi_gateway::admin::{self, AdminActor};
use qianpi_gateway::db::Db;
use qianpi_gateway::feed;
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::office::incoming::{
    self, Field, IncomingError, Problem, Registrar, Registration, Upload, Which,
};
use qianpi_gateway::sql::args;
use qianpi_protocol::Change;

const UNIT: &str = "unit-sxnyt";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The demo unit's database.
fn demo(dir: &std::path::Path) -> Db {
    let location = support::Database::new(dir).location;
    let (db, _) = Db::open(&location).unwrap();
    runtime().block_on(admin::demo::seed(&db)).unwrap();
    db
}

/// 李晓梅 of the demo unit, registering.
fn registrar() -> Registrar {
    Registrar {
        actor: AdminActor::unit_admin("user-li", UNIT),
        unit_id: UNIT.into(),
        user_id: "user-li".into(),
        zone: chrono_tz::Asia::Shanghai,
    }
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

fn upload(name: &str, bytes: Vec<u8>) -> Upload {
    Upload {
        file_name: name.into(),
        bytes: bytes.into(),
        too_large: false,
    }
}

/// A complete, correct registration on the demo's 收文办理 process.
fn form() -> Registration {
    Registration {
        from_organ: "山西省人民政府办公厅".into(),
        number: "晋政办〔2026〕7号".into(),
        title: "关于做好2026年防汛工作的通知".into(),
        urgency: "urgent".into(),
        secrecy: "none".into(),
        genre: "notice".into(),
        made_on: "2026-03-01".into(),
        received_on: "2026-03-02".into(),
        copy_number: String::new(),
        pages: "2".into(),
        registration_number: "收〔2026〕58号".into(),
        deadline: "2026-03-20".into(),
        definition: "def-incoming".into(),
        handlers: Vec::new(),
        body_pdf: Some(upload("正文.pdf", pdf("body"))),
        body_ofd: None,
        attachments: vec![upload("防汛任务分解表.pdf", pdf("annex"))],
        cut_short: false,
    }
}

/// Documents, instances and blobs stored.
fn counts(db: &Db) -> (i64, i64, i64) {
    db.tx_blocking(|sql| {
        let count = |sql: &mut dyn qianpi_gateway::sql::Sql, table: &str| {
            sql.query_one(&format!("SELECT count(*) FROM {table}"), args![])
                .and_then(|r| r.int(0))
        };
        Ok((
            count(sql, "documents")?,
            count(sql, "instances")?,
            count(sql, "blob_owners")?,
        ))
    })
    .unwrap()
}

fn faults(result: Result<impl std::fmt::Debug, IncomingError>) -> Vec<(Field, Problem)> {
    match result {
        Err(IncomingError::Fields(list)) => list.iter().map(|e| (e.field, e.problem)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_registered_pdf_starts_its_flow_and_reaches_the_leader() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let rt = runtime();
    let started = rt
        .block_on(incoming::register(&db, &registrar(), form(), Utc::now()))
        .unwrap();
    assert!(started.published);
    let flow = db
        .tx_blocking(|sql| load_instance(sql, &started.instance_id, false))
        .unwrap()
        .unwrap();
    let document = &flow.document;
    assert_eq!(flow.unit_id, UNIT);
    assert_eq!(flow.instance.initiator, "user-li");
    assert_eq!(document.kind, DocumentKind::Incoming);
    assert_eq!(document.number.to_string(), "晋政办〔2026〕7号");
    assert_eq!(document.urgency, Urgency::Urgent);
    assert_eq!(document.from_organ.as_deref(), Some("山西省人民政府办公厅"));
    // 收文日期 is a day of Beijing time.
    assert_eq!(
        document.received_at.as_deref(),
        Some("2026-03-01T16:00:00+00:00")
    );
    assert_eq!(
        document.receiving.registration_number.as_deref(),
        Some("收〔2026〕58号")
    );
    let body = document.current_body().unwrap();
    assert_eq!((body.format, body.pages), (BodyFormat::Pdf, Some(2)));
    assert_eq!(document.body.attachments[0].name, "防汛任务分解表.pdf");
    assert_eq!(document.body.attachments[0].media_type, "application/pdf");

    // The leader's first task is in his feed, with the body granted to him.
    let leader_feed = db
        .tx_blocking(|sql| feed::stored_changes(sql, "user-wang"))
        .unwrap();
    let entry = leader_feed.iter().find_map(|(_, change)| match change {
        Change::Inbox { entry } if entry.instance.id == started.instance_id => Some(entry),
        _ => None,
    });
    let entry = entry.expect("the leader's feed holds the new flow");
    assert_eq!(entry.document.title, "关于做好2026年防汛工作的通知");
    let granted = db
        .tx_blocking(move |sql| {
            let hash = body_hash(sql, &started.document_id);
            qianpi_gateway::blobs::readable(sql, "user-wang", &hash)
        })
        .unwrap();
    assert!(granted.is_some(), "the leader may download the body");

    // Every change is audited under the registrar.
    let audited = db
        .tx_blocking(|sql| {
            sql.query(
                "SELECT actor, kind FROM audit WHERE kind IN ('flow.started', 'blob.uploaded')
                 AND actor = 'user-li'",
                args![],
            )
            .map_err(Into::into)
        })
        .unwrap();
    let kinds: Vec<String> = audited.iter().map(|r| r.text(1).unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "flow.started").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "blob.uploaded").count(), 2);
}

fn body_hash(sql: &mut dyn qianpi_gateway::sql::Sql, document_id: &str) -> String {
    qianpi_gateway::instances::load_document(sql, document_id)
        .unwrap()
        .unwrap()
        .current_body()
        .unwrap()
        .sha256
        .clone()
}

#[test]
fn every_faulty_field_is_named_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let before = counts(&db);
    let bad = Registration {
        from_organ: "  ".into(),
        number: "晋政办2026年7号".into(),
        title: "题".repeat(201),
        urgency: "whenever".into(),
        secrecy: "".into(),
        genre: "decree".into(),
        made_on: "2026-03-05".into(),
        received_on: "2026-03-02".into(),
        copy_number: "1234567".into(),
        pages: "0".into(),
        registration_number: "收\n58".into(),
        deadline: "2026-03-01".into(),
        definition: String::new(),
        handlers: Vec::new(),
        body_pdf: None,
        body_ofd: None,
        attachments: vec![upload("空.pdf", Vec::new())],
        cut_short: false,
    };
    let found = faults(runtime().block_on(incoming::register(&db, &registrar(), bad, Utc::now())));
    let expected = [
        (Field::FromOrgan, Problem::Required),
        (Field::Number, Problem::NumberFormat),
        (Field::Title, Problem::TooLong),
        (Field::Urgency, Problem::NotAChoice),
        (Field::Secrecy, Problem::Required),
        (Field::Genre, Problem::NotAChoice),
        (Field::MadeOn, Problem::MadeAfterReceived),
        (Field::CopyNumber, Problem::CopyNumberDigits),
        (Field::Pages, Problem::PagesRange),
        (Field::RegistrationNumber, Problem::ControlCharacters),
        (Field::Deadline, Problem::DeadlineBeforeReceived),
        (Field::Definition, Problem::Required),
        (Field::BodyPdf, Problem::BodyMissing),
        (Field::Attachments, Problem::EmptyFile),
    ];
    for fault in expected {
        assert!(found.contains(&fault), "{fault:?} not in {found:?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
    assert_eq!(counts(&db), before);

    // A 收文日期 after today.
    let mut future = form();
    future.received_on = (Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    future.made_on = String::new();
    future.deadline = String::new();
    let found =
        faults(runtime().block_on(incoming::register(&db, &registrar(), future, Utc::now())));
    assert_eq!(found, vec![(Field::ReceivedOn, Problem::ReceivedInFuture)]);
}

#[test]
fn a_body_that_is_not_what_it_claims_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let before = counts(&db);
    let rt = runtime();
    let mut html = form();
    html.body_pdf = Some(upload(
        "正文.pdf",
        b"<html><script>alert(1)</script>".to_vec(),
    ));
    let found = faults(rt.block_on(incoming::register(&db, &registrar(), html, Utc::now())));
    assert_eq!(found, vec![(Field::BodyPdf, Problem::NotPdf)]);

    let mut docx = form();
    docx.body_pdf = None;
    docx.body_ofd = Some(upload("正文.ofd", zip_with(&["word/document.xml"])));
    let found = faults(rt.block_on(incoming::register(&db, &registrar(), docx, Utc::now())));
    assert_eq!(found, vec![(Field::BodyOfd, Problem::NotOfd)]);

    let mut big = form();
    big.body_pdf = Some(Upload {
        too_large: true,
        ..upload("正文.pdf", pdf("cut"))
    });
    let found = faults(rt.block_on(incoming::register(&db, &registrar(), big, Utc::now())));
    assert_eq!(found, vec![(Field::BodyPdf, Problem::FileTooLarge)]);
    assert_eq!(counts(&db), before);
}

#[test]
fn an_ofd_body_is_kept_with_its_pdf_for_viewers_and_shown_to_its_unit_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let rt = runtime();
    let mut both = form();
    let ofd = zip_with(&["OFD.xml", "Doc_0/Document.xml"]);
    both.body_ofd = Some(upload("正文.ofd", ofd.clone()));
    let started = rt
        .block_on(incoming::register(&db, &registrar(), both, Utc::now()))
        .unwrap();
    let document_id = started.document_id.clone();
    let body = rt
        .block_on(incoming::document_file(
            &db,
            UNIT,
            &document_id,
            Which::Body,
        ))
        .unwrap()
        .unwrap();
    assert_eq!(body.media_type, "application/pdf");
    assert_eq!(body.size, pdf("body").len() as u64);
    assert_eq!(body.file_name, "关于做好2026年防汛工作的通知.pdf");
    let original = rt
        .block_on(incoming::document_file(
            &db,
            UNIT,
            &document_id,
            Which::Original,
        ))
        .unwrap()
        .unwrap();
    assert_eq!(
        (original.media_type.as_str(), original.size),
        ("application/ofd", ofd.len() as u64)
    );
    let attachment = rt
        .block_on(incoming::document_file(
            &db,
            UNIT,
            &document_id,
            Which::Attachment(format!("{document_id}-a1")),
        ))
        .unwrap()
        .unwrap();
    assert_eq!(attachment.file_name, "防汛任务分解表.pdf");
    // Another unit asking for the same id finds nothing.
    let elsewhere = rt
        .block_on(incoming::document_file(
            &db,
            "unit-other",
            &document_id,
            Which::Body,
        ))
        .unwrap();
    assert_eq!(elsewhere, None);
}

#[test]
fn another_units_definition_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let rt = runtime();
    let now = Utc::now();
    let operator = AdminActor::operator();
    rt.block_on(admin::people::create_unit(
        &db,
        &operator,
        NewUnit {
            id: Some("unit-other".into()),
            name: "山西省水利厅办公室".into(),
            organ_code: "晋水办".into(),
        },
        now,
    ))
    .unwrap();
    let other_leader = rt
        .block_on(admin::people::create_user(
            &db,
            &operator,
            "unit-other",
            NewUser {
                login: "sunli".into(),
                name: "孙立".into(),
                post: "厅长".into(),
                role: "leader".into(),
                secretary_for: Vec::new(),
                department: String::new(),
                office_phone: String::new(),
            },
            now,
        ))
        .unwrap();
    let definition = ProcessDefinition::new(
        "def-other",
        "水利收文",
        "lead",
        vec![
            Node::manual("lead", "领导批示", &[other_leader.id.as_str()]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    rt.block_on(admin::flows::load_definition(
        &db,
        &operator,
        "unit-other",
        definition,
        now,
    ))
    .unwrap();
    let before = counts(&db);
    let mut foreign = form();
    foreign.definition = "def-other".into();
    let found = faults(rt.block_on(incoming::register(&db, &registrar(), foreign, now)));
    assert_eq!(found, vec![(Field::Definition, Problem::NoSuchDefinition)]);
    assert_eq!(counts(&db), before);
    // Nor is it offered.
    let offered = rt.block_on(incoming::definitions(&db, UNIT)).unwrap();
    assert_eq!(
        offered.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        vec!["def-incoming"]
    );
    assert_eq!(offered[0].steps[0].handlers, vec!["王建国".to_owned()]);
}

/// A zip file holding `names` (stored, not compressed), laid out as an OFD package is.
pub fn zip_with(names: &[&str]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        let data = b"<ofd:OFD/>";
        let sizes = [
            (data.len() as u32).to_le_bytes(),
            (data.len() as u32).to_le_bytes(),
        ]
        .concat();
        out.write_all(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0")
            .unwrap();
        out.write_all(&sizes).unwrap();
        out.write_all(&(name.len() as u16).to_le_bytes()).unwrap();
        out.write_all(&[0, 0]).unwrap();
        out.write_all(name.as_bytes()).unwrap();
        out.write_all(data).unwrap();
        central
            .write_all(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0\0\0\0\0")
            .unwrap();
        central.write_all(&sizes).unwrap();
        central
            .write_all(&(name.len() as u16).to_le_bytes())
            .unwrap();
        central.write_all(&[0; 12]).unwrap();
        central.write_all(&offset.to_le_bytes()).unwrap();
        central.write_all(name.as_bytes()).unwrap();
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.write_all(b"PK\x05\x06\0\0\0\0").unwrap();
    out.write_all(&(names.len() as u16).to_le_bytes()).unwrap();
    out.write_all(&(names.len() as u16).to_le_bytes()).unwrap();
    out.write_all(&(central.len() as u32).to_le_bytes())
        .unwrap();
    out.write_all(&cd_offset.to_le_bytes()).unwrap();
    out.write_all(&[0, 0]).unwrap();
    out
}
