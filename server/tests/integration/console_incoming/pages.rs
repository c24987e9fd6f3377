//! The registrar's pages over HTTP, as a browser uses them: the form, its submission with a PDF
//! body (on to the flow's record, the leader's first task in his feed), faults shown under their
//! fields with the values kept and escaped, the CSRF token checked first, a drafter refused, and
//! a document's body and attachment shown to its own unit only.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{Browser, Console, Part, UNIT};
use qianpi_gateway::feed;
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::office::Role;
use qianpi_protocol::Change;

/// The demo's seeded incoming document, its body a real PDF.
const DEMO_DOCUMENT: &str = "doc-2026-0012";

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n% 2026 flood prevention\n%%EOF\n".to_vec()
}

/// A complete form's text fields, with `changes` applied.
fn fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![
        ("from_organ", "山西省人民政府办公厅"),
        ("number", "晋政办〔2026〕7号"),
        ("title", "关于做好2026年防汛工作的通知"),
        ("urgency", "extra_urgent"),
        ("secrecy", "none"),
        ("genre", "notice"),
        ("made_on", "2026-03-01"),
        ("received_on", "2026-03-02"),
        ("copy_number", ""),
        ("pages", "1"),
        ("registration_number", "收〔2026〕58号"),
        ("deadline", ""),
        ("definition", "def-incoming"),
    ];
    for (name, value) in changes {
        match all.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => all.push((name, value)),
        }
    }
    all
}

/// Posts the form with these text fields and this PDF body (none: an empty file input).
async fn post(
    browser: &mut Browser,
    texts: &[(&str, &str)],
    body: Option<&[u8]>,
) -> crate::console_support::Page {
    let mut parts: Vec<(&str, Part<'_>)> = texts.iter().map(|(k, v)| (*k, Part::Text(v))).collect();
    parts.push((
        "body_pdf",
        Part::File {
            name: if body.is_some() { "正文.pdf" } else { "" },
            media_type: "application/pdf",
            bytes: body.unwrap_or(b""),
        },
    ));
    parts.push((
        "body_ofd",
        Part::File {
            name: "",
            media_type: "application/octet-stream",
            bytes: b"",
        },
    ));
    browser
        .post_multipart("/console/incoming/new", &parts)
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registrar_registers_a_pdf_and_goes_on_to_the_flow_record() {
    let console = Console::start().await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    let home = registrar.get("/console/").await;
    assert!(
        home.body.contains("href=\"/console/incoming\""),
        "the menu offers 收文登记"
    );
    let form = registrar.get("/console/incoming/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form
        .body
        .contains("<option value=\"def-incoming\" selected"));
    // Who will receive it, step by step.
    assert!(form
        .text_of("incoming-steps")
        .unwrap()
        .contains("领导批示（王建国）"));

    let body = pdf();
    let done = post(&mut registrar, &fields(&[]), Some(&body)).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let location = done.location().to_owned();
    let instance_id = location
        .strip_prefix("/console/flows/")
        .and_then(|rest| rest.strip_suffix("?done=incoming.started"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();

    let id = instance_id.clone();
    let flow = console
        .db
        .tx(move |sql| load_instance(sql, &id, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flow.unit_id, UNIT);
    assert_eq!(flow.document.title, "关于做好2026年防汛工作的通知");
    let leader_feed = console
        .db
        .tx(|sql| feed::stored_changes(sql, "user-wang"))
        .await
        .unwrap();
    assert!(leader_feed.iter().any(|(_, change)| matches!(
        change,
        Change::Inbox { entry } if entry.instance.id == instance_id
    )));

    // The registrar reads the body in the browser.
    let shown = registrar
        .get(&format!("/console/documents/{}/body", flow.document.id))
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.header("content-type"), Some("application/pdf"));
    assert!(shown
        .header("content-disposition")
        .unwrap()
        .starts_with("inline;"));
    assert_eq!(shown.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(shown.body.as_bytes(), body.as_slice());
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_are_shown_under_their_fields_with_the_values_kept() {
    let console = Console::start().await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    registrar.get("/console/incoming/new").await;
    let title = "<script>alert('收文')</script>关于防汛的通知";
    let texts = fields(&[
        ("title", title),
        ("number", "晋政办2026年7号"),
        ("from_organ", ""),
        ("pages", "0"),
    ]);
    let page = post(&mut registrar, &texts, None).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.text_of("incoming-errors").is_some());
    for (id, words) in [
        ("incoming-number-error", "机关代字〔年份〕序号号"),
        ("incoming-from_organ-error", "此项必填"),
        ("incoming-pages-error", "1 至 9999"),
        ("incoming-body_pdf-error", "请上传正文"),
    ] {
        let text = page.text_of(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(text.contains(words), "{id}: {text}");
    }
    assert!(
        page.text_of("incoming-title-error").is_none(),
        "the title is fine"
    );
    // What was typed is kept, and a title is text, never markup.
    assert_eq!(page.input("number").as_deref(), Some("晋政办2026年7号"));
    assert_eq!(page.input("title").as_deref(), Some(title));
    assert!(!page.body.contains("<script>alert"));
    let count = console
        .db
        .tx(|sql| {
            sql.query_one("SELECT count(*) FROM documents", &[])
                .map_err(Into::into)
        })
        .await
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(count, 1, "only the demo's document");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_a_pdf_is_refused() {
    let console = Console::start().await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    registrar.get("/console/incoming/new").await;
    let page = post(
        &mut registrar,
        &fields(&[]),
        Some(b"<html><body>not a pdf</body></html>"),
    )
    .await;
    assert_eq!(page.status, 400);
    let text = page.text_of("incoming-body_pdf-error").unwrap();
    assert!(text.contains("不是 PDF"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csrf_token_is_checked_before_the_form_is_read() {
    let console = Console::start().await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    registrar.get("/console/incoming/new").await;
    registrar.csrf = Some("forged-token".into());
    let body = pdf();
    let page = post(&mut registrar, &fields(&[]), Some(&body)).await;
    assert_eq!(page.status, 403);
    let blobs = console
        .db
        .tx(|sql| {
            sql.query_one("SELECT count(*) FROM documents", &[])
                .map_err(Into::into)
        })
        .await
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(blobs, 1, "nothing registered");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drafter_may_not_register_but_reads_the_body_from_the_flow_record() {
    let console = Console::start().await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let home = drafter.get("/console/").await;
    assert!(!home.body.contains("href=\"/console/incoming\""));
    assert_eq!(drafter.get("/console/incoming/new").await.status, 403);
    let body = pdf();
    assert_eq!(
        post(&mut drafter, &fields(&[]), Some(&body)).await.status,
        403
    );
    // The demo flow's record links its body and attachments; every office role of the unit
    // reads them there.
    let flow = drafter.get("/console/flows/inst-2026-0012").await;
    let path = format!("/console/documents/{DEMO_DOCUMENT}/body");
    assert!(
        flow.body
            .contains(&format!("id=\"flow-body\" href=\"{path}\"")),
        "{}",
        flow.body
    );
    assert!(flow.body.contains(&format!("{DEMO_DOCUMENT}/attachments/")));
    let read = drafter.get(&path).await;
    assert_eq!(read.status, 200);
    assert!(read.body.starts_with("%PDF-"));
    // A drafter follows the flow from its page; it is then among the flows they follow.
    let page = drafter.get("/console/flows/inst-2026-0012").await;
    assert!(page.body.contains("id=\"follow-form\""));
    let followed = drafter
        .post_form(
            "/console/drafts/follow",
            &[("instance_id", "inst-2026-0012")],
        )
        .await;
    assert_eq!(followed.status, 303, "{}", followed.body);
    let drafts = drafter.get("/console/drafts").await;
    assert!(drafts.body.contains("data-instance=\"inst-2026-0012\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_is_shown_to_its_own_unit_only() {
    let console = Console::start().await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    let body = registrar
        .get(&format!("/console/documents/{DEMO_DOCUMENT}/body"))
        .await;
    assert_eq!(body.status, 200);
    assert!(body.body.starts_with("%PDF-"));
    let attachment = registrar
        .get(&format!(
            "/console/documents/{DEMO_DOCUMENT}/attachments/{DEMO_DOCUMENT}-a1"
        ))
        .await;
    assert_eq!(attachment.status, 200);
    assert_eq!(attachment.header("content-type"), Some("application/pdf"));
    assert!(attachment
        .header("content-disposition")
        .unwrap()
        .contains("filename*=UTF-8''2026"));
    let missing = registrar
        .get(&format!(
            "/console/documents/{DEMO_DOCUMENT}/attachments/nope"
        ))
        .await;
    assert_eq!(missing.status, 404);

    let other = console.other_unit("unit-other").await;
    console
        .person(&other, "waidan", "外单位登记员", &[Role::Registrar])
        .await;
    let mut outsider = console.browser();
    outsider
        .login("waidan", crate::console_support::PASSWORD)
        .await;
    for path in [
        format!("/console/documents/{DEMO_DOCUMENT}/body"),
        format!("/console/documents/{DEMO_DOCUMENT}/body/original"),
        format!("/console/documents/{DEMO_DOCUMENT}/attachments/{DEMO_DOCUMENT}-a1"),
        "/console/documents/doc-none/body".to_owned(),
    ] {
        assert_eq!(outsider.get(&path).await.status, 404, "{path}");
    }
}
