//! The drafter's and the secretary's console pages over HTTP, as an office person uses them:
//! a 发文 drafted with its PDF body, a second version uploaded and the flow started on it; 撤销
//! from the followed list before an approval, refused with its reason after; 代签 by the
//! leader's secretary, which the flow record shows with both names; a secretary of another
//! leader and a person of another unit refused; a standing delegation set and ended.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{Browser, Console, Part, PASSWORD, UNIT};
use qianpi_domain::workflow::InstanceState;
use qianpi_gateway::actor::AdminActor;
use qianpi_gateway::admin::people::{self, NewUser};
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::office::accounts::{self, NewAccount};
use qianpi_gateway::office::Role;
use qianpi_protocol::crypto::sha256_hex;

pub(super) const LEADER: &str = "user-wang";
pub(super) const HANDLER: &str = "user-zhao";

/// A new person of the demo unit; their user id.
pub(super) async fn identity(
    console: &Console,
    login: &str,
    role: &str,
    secretary_for: &[&str],
) -> String {
    people::create_user(
        &console.db,
        &AdminActor::cli(),
        UNIT,
        NewUser {
            login: login.into(),
            name: format!("{role}{login}"),
            post: role.into(),
            role: role.into(),
            secretary_for: secretary_for.iter().map(|l| (*l).to_owned()).collect(),
            department: "办公室".into(),
            office_phone: String::new(),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .id
}

/// A secretary of `leader` in the demo unit with a console account holding `roles`; logged in.
pub(super) async fn secretary(
    console: &Console,
    login: &str,
    leader: &str,
    roles: &[Role],
) -> (String, Browser) {
    let user_id = identity(console, login, "secretary", &[leader]).await;
    accounts::create(
        &console.db,
        &AdminActor::cli(),
        UNIT,
        NewAccount {
            user_id: user_id.clone(),
            roles: roles.to_vec(),
            password: zeroize::Zeroizing::new(PASSWORD.into()),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut browser = console.browser();
    browser.login(login, PASSWORD).await;
    (user_id, browser)
}

pub(super) fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

/// Drafts a 发文 titled `title` with one PDF body and starts it on the demo's process; the draft
/// id and the instance id.
pub(super) async fn draft_and_start(
    browser: &mut Browser,
    title: &str,
    body: &[u8],
) -> (String, String) {
    assert_eq!(browser.get("/console/drafts/new").await.status, 200);
    let created = browser
        .post_multipart(
            "/console/drafts/new",
            &[
                ("title", Part::Text(title)),
                ("organ", Part::Text("晋农办")),
                ("year", Part::Text("2026")),
                ("sequence", Part::Text("40")),
                ("urgency", Part::Text("urgent")),
                ("secrecy", Part::Text("none")),
                ("genre", Part::Text("notice")),
                ("recipients", Part::Text("各市农业农村局\n省农科院")),
                ("stage", Part::Text("draft")),
                (
                    "body",
                    Part::File {
                        name: "初稿.pdf",
                        media_type: "application/pdf",
                        bytes: body,
                    },
                ),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let at = created.location().to_owned();
    let id = at
        .trim_start_matches("/console/drafts/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let shown = browser.get(&at).await;
    assert_eq!(shown.status, 200);
    let started = browser
        .post_form(
            &format!("/console/drafts/{id}/start"),
            &[("definition_id", "def-incoming")],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    (id.clone(), format!("inst-{id}"))
}

#[tokio::test]
async fn a_drafter_uploads_two_body_versions_and_starts_on_the_second() {
    let console = Console::start().await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let title = "关于<script>alert(1)</script>春耕的通知";
    let form = drafter.get("/console/drafts/new").await;
    assert_eq!(form.status, 200);
    assert_eq!(
        form.input("organ").as_deref(),
        Some("晋农办"),
        "the unit's organ code"
    );
    let created = drafter
        .post_multipart(
            "/console/drafts/new",
            &[
                ("title", Part::Text(title)),
                ("organ", Part::Text("晋农办")),
                ("year", Part::Text("2026")),
                ("sequence", Part::Text("41")),
                ("urgency", Part::Text("normal")),
                ("secrecy", Part::Text("none")),
                ("genre", Part::Text("")),
                ("recipients", Part::Text("各市农业农村局")),
                ("stage", Part::Text("draft")),
                (
                    "body",
                    Part::File {
                        name: "初稿.pdf",
                        media_type: "application/pdf",
                        bytes: &pdf("first"),
                    },
                ),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let at = created.location().to_owned();
    let id = at
        .trim_start_matches("/console/drafts/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = drafter.get(&at).await;
    assert!(page.body.contains("草稿已保存。"), "the notice");
    assert!(
        !page.body.contains("<script>alert(1)"),
        "the title is escaped"
    );

    // Not a PDF: refused with the reason, nothing added.
    let refused = drafter
        .post_multipart(
            &format!("/console/drafts/{id}/versions"),
            &[
                ("stage", Part::Text("reviewed")),
                (
                    "body",
                    Part::File {
                        name: "稿.docx",
                        media_type: "application/msword",
                        bytes: b"PK\x03\x04",
                    },
                ),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("正文须为PDF文件。"));
    let second = pdf("second, reviewed");
    drafter.get(&format!("/console/drafts/{id}")).await;
    let added = drafter
        .post_multipart(
            &format!("/console/drafts/{id}/versions"),
            &[
                ("stage", Part::Text("reviewed")),
                (
                    "body",
                    Part::File {
                        name: "核稿.pdf",
                        media_type: "application/pdf",
                        bytes: &second,
                    },
                ),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = drafter.get(&format!("/console/drafts/{id}")).await;
    let versions = page.text_of("versions").unwrap();
    assert!(
        versions.contains("初稿.pdf") && versions.contains("核稿.pdf"),
        "{versions}"
    );
    assert!(versions.contains("核稿"), "the stage is shown");

    // A multipart form without the session's token is refused before it is read.
    let forged = drafter
        .send(
            "POST",
            &format!("/console/drafts/{id}/versions"),
            &[("Content-Type", "multipart/form-data; boundary=x")],
            b"--x\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nwrong\r\n--x--\r\n",
        )
        .await;
    assert_eq!(forged.status, 403);

    let started = drafter
        .post_form(
            &format!("/console/drafts/{id}/start"),
            &[("definition_id", "def-incoming")],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let instance = format!("inst-{id}");
    let flow = console
        .db
        .tx(move |sql| load_instance(sql, &instance, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        flow.document.current_body().unwrap().sha256,
        sha256_hex(&second)
    );
    assert_eq!(flow.document.body.versions.len(), 2);

    // The drafter follows it, with 撤销 offered behind a confirmation.
    let list = drafter.get("/console/drafts").await;
    let followed = list.text_of("followed").unwrap();
    assert!(
        followed.contains("春耕的通知") && followed.contains("王建国"),
        "{followed}"
    );
    assert!(list.body.contains("data-confirm="));
    assert!(list
        .body
        .contains(&format!("/console/drafts/flows/inst-{id}/revoke")));
}

#[tokio::test]
async fn revoke_before_approval_works_and_after_the_secretarys_entry_is_refused() {
    let console = Console::start().await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let (_, early) = draft_and_start(&mut drafter, "关于召开春耕会议的通知", &pdf("early")).await;
    let list = drafter.get("/console/drafts").await;
    let version = list.input("version").unwrap();
    let revoked = drafter
        .post_form(
            &format!("/console/drafts/flows/{early}/revoke"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(revoked.location(), "/console/drafts?done=drafts.revoked");
    let id = early.clone();
    let flow = console
        .db
        .tx(move |sql| load_instance(sql, &id, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flow.instance.state, InstanceState::Revoked);
    assert!(drafter
        .get("/console/drafts")
        .await
        .text_of("followed")
        .unwrap()
        .contains("已撤销"));

    // The leader's secretary enters his 同意; the drafter's 撤销 is then refused, with why.
    let (_, late) = draft_and_start(&mut drafter, "关于报送春耕进度的通知", &pdf("late")).await;
    let version = drafter.get("/console/drafts").await;
    let marker = format!("/console/drafts/flows/{late}/revoke");
    let form_at = version.body.find(&marker).unwrap();
    let seen = version.body[form_at..]
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap();
    let seen = seen.split('"').next().unwrap().to_owned();
    let (secretary_id, mut secretary) =
        secretary(&console, "mishu", LEADER, &[Role::Secretary]).await;
    let signed = sign_first(&mut secretary, &late, "agree", "同意，请抓紧印发。").await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let refused = drafter
        .post_form(
            &format!("/console/drafts/flows/{late}/revoke"),
            &[("version", &seen)],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("已有人审批，不能撤销。") || refused.body.contains("流程已有变化"),
        "{}",
        refused.body
    );
    // On the version the list shows now, the rule itself refuses it.
    let now = drafter.get("/console/drafts").await;
    assert!(
        !now.body.contains(&marker),
        "no 撤销 offered once someone approved"
    );
    let current = console
        .db
        .tx({
            let late = late.clone();
            move |sql| load_instance(sql, &late, false)
        })
        .await
        .unwrap()
        .unwrap();
    let refused = drafter
        .post_form(
            &marker,
            &[("version", &current.instance.version.to_string())],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("已有人审批，不能撤销。"),
        "{}",
        refused.body
    );
    assert_eq!(current.instance.state, InstanceState::Running);
    let record = current.instance.trace.last().unwrap();
    assert_eq!(
        (record.actor.as_str(), record.entered_by.as_deref()),
        (LEADER, Some(secretary_id.as_str()))
    );
}

/// Opens the leader's list, then the 代签 form of the task on `instance`, and sends `decision`.
pub(super) async fn sign_first(
    browser: &mut Browser,
    instance: &str,
    decision: &str,
    opinion: &str,
) -> crate::console_support::Page {
    let list = browser.get(&format!("/console/secretary/{LEADER}")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let link = format!("/console/secretary/{LEADER}/flows/{instance}/tasks/");
    let at = list.body.find(&link).expect("the leader's task is listed");
    let path = list.body[at..].split('"').next().unwrap().to_owned();
    let form = browser.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let version = form.input("version").unwrap();
    browser
        .post_form(
            &path,
            &[
                ("version", &version),
                ("decision", decision),
                ("opinion", opinion),
            ],
        )
        .await
}

#[tokio::test]
async fn another_units_drafts_and_flows_are_not_found() {
    let console = Console::start().await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let (draft, instance) =
        draft_and_start(&mut drafter, "关于本单位内部事项的通知", &pdf("ours")).await;
    let other = console.other_unit("unit-other").await;
    console
        .person(
            &other,
            "waidanwei",
            "外单位",
            &[Role::Drafter, Role::Secretary],
        )
        .await;
    let mut stranger = console.browser();
    stranger.login("waidanwei", PASSWORD).await;
    assert_eq!(
        stranger
            .get(&format!("/console/drafts/{draft}"))
            .await
            .status,
        404
    );
    stranger.get("/console/drafts").await;
    let follow = stranger
        .post_form("/console/drafts/follow", &[("instance_id", &instance)])
        .await;
    assert_eq!(follow.status, 404);
    let revoke = stranger
        .post_form(
            &format!("/console/drafts/flows/{instance}/revoke"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(revoke.status, 404);
    // A leader of another unit is no leader of theirs.
    assert_eq!(
        stranger
            .get(&format!("/console/secretary/{LEADER}"))
            .await
            .status,
        403
    );

    // Within the unit, another drafter may follow the flow (and sees it listed) but not 撤销 it.
    let mut colleague = console.logged_in("tongshi", &[Role::Drafter]).await;
    colleague.get("/console/drafts").await;
    let follow = colleague
        .post_form("/console/drafts/follow", &[("instance_id", &instance)])
        .await;
    assert_eq!(follow.status, 303);
    let list = colleague.get("/console/drafts").await;
    assert!(list.text_of("followed").unwrap().contains("本单位内部事项"));
    assert!(!list
        .body
        .contains(&format!("/console/drafts/flows/{instance}/revoke")));
}
