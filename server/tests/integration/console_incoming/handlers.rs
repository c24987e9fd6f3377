//! Handlers chosen at registration: a process whose 领导批示 and 承办 steps take the registrar's
//! choice shows a picker per step (the process's suggestion preselected); the registrar's choice
//! starts the flow with the first tasks on the people chosen and the 承办 order kept; a step left
//! unchosen, a person chosen twice and a person of another unit are each named under 处理人, with
//! the choices kept and nothing stored.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{Browser, Console, Part, UNIT};
use chrono::Utc;
use qianpi_domain::workflow::{HandlerMode, Node, ProcessDefinition};
use qianpi_gateway::admin::flows::load_definition;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::office::Role;
use qianpi_gateway::sql::args;

const PROCESS: &str = "def-choose";
const LEAD: &str = "handlers/def-choose/lead";
const DO: &str = "handlers/def-choose/do";

/// 收文（登记时选人）: 领导批示 (several at once, 王建国 suggested) → 承办 (one after another, no
/// suggestion) → end.
async fn load_process(console: &Console) {
    let mut lead = Node::manual("lead", "领导批示", &["user-wang"]).route("送承办", "do");
    lead.chosen_at_start = true;
    lead.mode = HandlerMode::Parallel;
    let mut handling = Node::manual("do", "承办", &[]).route("办结", "end");
    handling.chosen_at_start = true;
    handling.mode = HandlerMode::Serial;
    let definition = ProcessDefinition::new(
        PROCESS,
        "收文（登记时选人）",
        "lead",
        vec![lead, handling, Node::end("end")],
    );
    load_definition(
        &console.db,
        &AdminActor::cli(),
        UNIT,
        definition,
        Utc::now(),
    )
    .await
    .unwrap();
}

/// Posts the registration with the chosen process, these handler fields and a PDF body.
async fn register(
    browser: &mut Browser,
    handlers: &[(&str, &str)],
) -> crate::console_support::Page {
    let mut parts: Vec<(&str, Part<'_>)> = vec![
        ("from_organ", Part::Text("山西省水利厅")),
        ("number", Part::Text("晋水办〔2026〕3号")),
        ("title", Part::Text("关于汛前水库安全检查的通知")),
        ("urgency", Part::Text("urgent")),
        ("secrecy", Part::Text("none")),
        ("received_on", Part::Text("2026-03-02")),
        ("definition", Part::Text(PROCESS)),
    ];
    parts.extend(handlers.iter().map(|(k, v)| (*k, Part::Text(v))));
    parts.push((
        "body_pdf",
        Part::File {
            name: "正文.pdf",
            media_type: "application/pdf",
            bytes: b"%PDF-1.4\n% reservoirs\n%%EOF\n",
        },
    ));
    browser
        .post_multipart("/console/incoming/new", &parts)
        .await
}

async fn instances(console: &Console) -> i64 {
    console
        .db
        .once(|sql| {
            let row = sql.query_opt("SELECT COUNT(*) FROM instances", args![])?;
            Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registrar_chooses_who_handles_each_step_that_takes_a_choice() {
    let console = Console::start().await;
    load_process(&console).await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;

    let form = registrar.get("/console/incoming/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let pickers = form.text_of("incoming-handlers-def-choose").unwrap();
    assert!(
        pickers.contains("领导批示") && pickers.contains("承办"),
        "{pickers}"
    );
    // The process's suggestion is preselected; 承办 has five numbered places.
    assert!(form
        .body
        .contains("<option value=\"user-wang\" selected>王建国（厅长）</option>"));
    assert!(form
        .body
        .contains("id=\"incoming-handlers-def-choose-do-5\""));
    assert!(form
        .text_of("incoming-steps")
        .unwrap()
        .contains("登记时选定"));

    let done = register(
        &mut registrar,
        &[
            (LEAD, "user-zhao"),
            (LEAD, "user-wang"),
            (DO, "user-li"),
            (DO, "user-zhao"),
            (DO, ""),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let instance_id = done
        .location()
        .strip_prefix("/console/flows/")
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_owned();
    let flow = console
        .db
        .tx(move |sql| load_instance(sql, &instance_id, false))
        .await
        .unwrap()
        .unwrap();
    let instance = flow.instance;
    assert_eq!(instance.chosen_handlers["lead"], ["user-zhao", "user-wang"]);
    assert_eq!(instance.chosen_handlers["do"], ["user-li", "user-zhao"]);
    let mut open: Vec<&str> = instance
        .tasks
        .iter()
        .filter(|t| t.state.is_open())
        .map(|t| t.assignee.as_str())
        .collect();
    open.sort_unstable();
    assert_eq!(open, ["user-wang", "user-zhao"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_choice_that_does_not_fit_is_named_under_handlers_and_nothing_is_stored() {
    let console = Console::start().await;
    load_process(&console).await;
    let other = console.other_unit("unit-other").await;
    let outsider = console
        .person(&other, "waidan", "外单位人员", &[Role::Drafter])
        .await;
    let mut registrar = console.logged_in("dengji", &[Role::Registrar]).await;
    let before = instances(&console).await;

    for (handlers, wording) in [
        // 承办 takes no suggestion: it must be chosen.
        (
            vec![(LEAD, "user-wang")],
            "请为标有“登记时选定”的每个步骤选定处理人。",
        ),
        (
            vec![(LEAD, "user-wang"), (DO, "user-li"), (DO, "user-li")],
            "同一步骤中有人被选了两次。",
        ),
        (
            vec![(LEAD, "user-wang"), (DO, outsider.as_str())],
            "所选处理人不是本单位人员，或该步骤不能另选处理人。",
        ),
    ] {
        let page = register(&mut registrar, &handlers).await;
        assert_eq!(page.status, 400, "{handlers:?}: {}", page.body);
        let error = page.text_of("incoming-handlers-error").unwrap();
        assert!(error.contains(wording), "{handlers:?}: {error}");
        // What was chosen is shown again.
        assert!(
            page.body
                .contains("<option value=\"user-wang\" selected>王建国（厅长）</option>"),
            "{handlers:?}"
        );
    }
    assert_eq!(instances(&console).await, before, "nothing was started");
}
