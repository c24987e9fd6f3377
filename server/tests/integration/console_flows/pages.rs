//! The flow pages through a running gateway, as office people use them: the lists with their
//! overdue and urgency badges, the flow record with the phone's opinion shown as text and its
//! handwriting and voice served, 催办 and 终止 through their forms, and another unit's flow, its
//! files and its forms answered 404.

use super::seed::{Office, HOSTILE_OPINION};
use crate::console_support::{Console, PASSWORD, UNIT};
use chrono::{Duration, Utc};
use qianpi_gateway::office::Role;

/// The demo unit's leader and handler; flows started by `initiator`.
async fn demo_office(console: &Console, initiator: &str) -> Office {
    let office = Office {
        unit: UNIT.into(),
        leader: "user-wang".into(),
        handler: "user-zhao".into(),
        initiator: initiator.into(),
    };
    office.load_process(&console.db).await;
    office
}

#[tokio::test]
async fn the_list_and_the_record_show_titles_and_opinions_as_text_with_handwriting_and_voice() {
    let console = Console::start().await;
    let registrar = console
        .person(UNIT, "dengji", "邓记", &[Role::Registrar])
        .await;
    let office = demo_office(&console, &registrar).await;
    let hostile_title = "<script>alert(1)</script>关于防汛的紧急通知";
    let late = office.document(
        "doc-late",
        hostile_title,
        Some(Utc::now() - Duration::days(2)),
    );
    office.start(&console.db, "inst-late", late).await;
    let record = office.document("doc-record", "关于秋粮收购的请示", None);
    office.start(&console.db, "inst-record", record).await;
    let (handwriting, audio) = office
        .leader_approves(&console.db, "inst-record", HOSTILE_OPINION)
        .await;
    let mut browser = console.browser();
    browser.login("dengji", PASSWORD).await;

    let list = browser.get("/console/flows").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.text_of("overdue-count").as_deref(), Some("1"));
    assert!(
        list.body.contains("class=\"badge overdue\""),
        "the late flow is marked"
    );
    assert!(list.body.contains("class=\"badge urgency very-urgent\""));
    assert!(list
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;关于防汛的紧急通知"));
    assert!(
        !list.body.contains("<script>alert(1)"),
        "a title never becomes markup"
    );
    assert!(list.body.contains("href=\"/console/flows/inst-record\""));

    let page = browser.get("/console/flows/inst-record").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let table = page.text_of("flow-record-table").unwrap();
    assert!(
        table.contains(HOSTILE_OPINION) && table.contains("王建国"),
        "{table}"
    );
    assert!(
        !page.body.contains("<script>alert('批示')"),
        "an opinion never becomes markup"
    );
    let files = "/console/flows/inst-record/files/";
    assert!(page
        .body
        .contains(&format!("src=\"{files}{}\"", handwriting.sha256)));
    assert!(page.body.contains("<audio class=\"voice\" controls"));
    assert!(page
        .body
        .contains(&format!("src=\"{files}{}\"", audio.sha256)));
    let image = browser.get(&format!("{files}{}", handwriting.sha256)).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert!(image.body.ends_with("handwriting"));
    let voice = browser.get(&format!("{files}{}", audio.sha256)).await;
    assert_eq!(voice.header("content-type"), Some("audio/aac"));
    let unnamed = browser.get(&format!("{files}{}", "a".repeat(64))).await;
    assert_eq!(unnamed.status, 404);
}

#[tokio::test]
async fn urging_and_terminating_through_the_forms() {
    let console = Console::start().await;
    let registrar = console
        .person(UNIT, "dengji", "邓记", &[Role::Registrar])
        .await;
    let office = demo_office(&console, &registrar).await;
    let document = office.document("doc-urge", "关于农机补贴的通知", None);
    office.start(&console.db, "inst-urge", document).await;
    office
        .leader_approves(&console.db, "inst-urge", "同意")
        .await;
    let mut browser = console.browser();
    browser.login("dengji", PASSWORD).await;

    let page = browser.get("/console/flows/inst-urge").await;
    assert!(page.body.contains("id=\"urge-form\""));
    assert!(
        !page.body.contains("id=\"terminate-form\""),
        "a registrar cannot terminate"
    );
    let version = page.input("version").unwrap();
    let forged = browser
        .post_form(
            "/console/flows/inst-urge/urge",
            &[("version", &version), ("_csrf", "x")],
        )
        .await;
    assert_eq!(
        forged.status, 403,
        "a form without the session's token is refused"
    );
    let urged = browser
        .post_form("/console/flows/inst-urge/urge", &[("version", &version)])
        .await;
    assert_eq!(urged.status, 303, "{}", urged.body);
    assert_eq!(
        urged.location(),
        "/console/flows/inst-urge?done=flows.urged"
    );
    assert_eq!(office.urged_in_feed(&console.db, "inst-urge").await, 1);
    let page = browser.get(urged.location()).await;
    assert!(page.body.contains("已催办"));
    let version = page.input("version").unwrap();
    let again = browser
        .post_form("/console/flows/inst-urge/urge", &[("version", &version)])
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.text_of("flow-error").as_deref(),
        Some("催办过于频繁，请稍后再试")
    );

    console
        .person(UNIT, "guanli", "管理", &[Role::Administrator])
        .await;
    let mut admin = console.browser();
    admin.login("guanli", PASSWORD).await;
    let page = admin.get("/console/flows/inst-urge").await;
    assert!(page.body.contains("id=\"terminate-form\""));
    assert!(page.body.contains("data-confirm="));
    let version = page.input("version").unwrap();
    let path = "/console/flows/inst-urge/terminate";
    let no_reason = admin
        .post_form(path, &[("version", &version), ("reason", " ")])
        .await;
    assert_eq!(no_reason.status, 400);
    assert_eq!(
        no_reason.text_of("flow-error").as_deref(),
        Some("终止流程须填写原因。")
    );
    let ended = admin
        .post_form(path, &[("version", &version), ("reason", "来文单位已撤回")])
        .await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    let list = admin.get("/console/flows?tab=ended").await;
    assert!(list.body.contains("data-instance=\"inst-urge\""));
    assert!(list.body.contains("data-state=\"terminated\""));
    let running = admin.get("/console/flows").await;
    assert!(!running.body.contains("data-instance=\"inst-urge\""));
    let page = admin.get("/console/flows/inst-urge").await;
    assert_eq!(page.text_of("flow-state").as_deref(), Some("终止"));
    assert!(page
        .text_of("flow-record-table")
        .unwrap()
        .contains("来文单位已撤回"));
}

#[tokio::test]
async fn another_units_flow_its_files_and_its_forms_are_not_found() {
    let console = Console::start().await;
    let registrar = console
        .person(UNIT, "dengji", "邓记", &[Role::Registrar])
        .await;
    let office = demo_office(&console, &registrar).await;
    let document = office.document("doc-private", "内部事项", None);
    office.start(&console.db, "inst-private", document).await;
    let (handwriting, _) = office
        .leader_approves(&console.db, "inst-private", "同意")
        .await;

    let other = console.other_unit("unit-other").await;
    console
        .person(&other, "waiju", "外局", &[Role::Administrator])
        .await;
    let mut stranger = console.browser();
    stranger.login("waiju", PASSWORD).await;
    assert_eq!(
        stranger.get("/console/flows/inst-private").await.status,
        404
    );
    let file = format!("/console/flows/inst-private/files/{}", handwriting.sha256);
    assert_eq!(stranger.get(&file).await.status, 404);
    let list = stranger.get("/console/flows").await;
    assert!(!list.body.contains("inst-private"));
    let urge = stranger
        .post_form("/console/flows/inst-private/urge", &[("version", "2")])
        .await;
    assert_eq!(urge.status, 404);
    let terminate = stranger
        .post_form(
            "/console/flows/inst-private/terminate",
            &[("version", "2"), ("reason", "越权")],
        )
        .await;
    assert_eq!(terminate.status, 404);

    // An auditor of the unit reads the flow but is offered nothing and may do nothing.
    console
        .person(UNIT, "shenji", "审计", &[Role::Auditor])
        .await;
    let mut auditor = console.browser();
    auditor.login("shenji", PASSWORD).await;
    let page = auditor.get("/console/flows/inst-private").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"flow-actions\""));
    let urge = auditor
        .post_form("/console/flows/inst-private/urge", &[("version", "2")])
        .await;
    assert_eq!(urge.status, 403);
}
