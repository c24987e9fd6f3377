//! 公文交换 in the console: a drafter of one unit sends a 发文 to another unit; that unit's
//! registrar signs for it (the sender sees the receipt with the name and time), registers it as a
//! 收文 and starts its flow, whose first task reaches the unit's handler; a return needs a reason
//! the sender reads; a third unit can neither see nor act on the item.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{seed_office, Browser, Console, PASSWORD, UNIT};
use qianpi_domain::model::DocumentKind;
use qianpi_domain::workflow::{Node, ProcessDefinition};
use qianpi_gateway::admin::flows::{self, StartFlow};
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::instances;
use qianpi_gateway::office::Role;

/// Starts a 发文 in the demo unit (a copy of the demo's document); its document id.
async fn outgoing(console: &Console, title: &str) -> String {
    let mut document = console
        .db
        .tx(|sql| instances::load_document(sql, "doc-2026-0012"))
        .await
        .unwrap()
        .expect("the demo document");
    document.id = format!("doc-out-{}", uuid::Uuid::now_v7());
    document.kind = DocumentKind::Outgoing;
    document.title = title.into();
    document.from_organ = None;
    document.received_at = None;
    let id = document.id.clone();
    flows::start_flow(
        &console.db,
        &AdminActor::cli(),
        UNIT,
        StartFlow {
            definition_id: "def-incoming".into(),
            drafter: "user-li".into(),
            document,
            instance_id: None,
            handlers: Default::default(),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    id
}

/// Another unit with a registrar (logged in), a handler and a one-step definition.
async fn receiving_unit(console: &Console, unit: &str, registrar: &str) -> (Browser, String) {
    console.other_unit(unit).await;
    seed_office(
        &console.db,
        unit,
        registrar,
        "收文员",
        "staff",
        &[Role::Registrar],
    )
    .await;
    let handler = seed_office(
        &console.db,
        unit,
        &format!("{registrar}-h"),
        "承办人",
        "staff",
        &[Role::Drafter],
    )
    .await;
    let definition = ProcessDefinition::new(
        &format!("def-{unit}"),
        "收文办理",
        "handling",
        vec![
            Node::manual("handling", "承办", &[handler.as_str()]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    flows::load_definition(
        &console.db,
        &AdminActor::cli(),
        unit,
        definition,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut browser = console.browser();
    browser.login(registrar, PASSWORD).await;
    (browser, handler)
}

fn item_id(page: &str, table: &str) -> String {
    let at = page.find(&format!("id=\"{table}\"")).unwrap();
    let marker = "data-item=\"";
    let start = page[at..].find(marker).unwrap() + at + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_sent_document_is_signed_for_registered_and_its_flow_reaches_the_handler() {
    let console = Console::start().await;
    let document = outgoing(&console, "关于做好春耕备耕工作的通知").await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let (mut registrar, handler) = receiving_unit(&console, "unit-city", "shouwen").await;

    let form = drafter.get("/console/exchange/send").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("关于做好春耕备耕工作的通知"),
        "the 发文 is offered"
    );
    assert!(
        form.body.contains("unit-city 办公室"),
        "the other unit is offered"
    );
    let sent = drafter
        .post_form(
            "/console/exchange/send",
            &[("document", &document), ("to", "unit-city")],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let outbox = drafter.get("/console/exchange").await;
    assert!(outbox.body.contains("待签收"));
    // Sending again to the same unit is refused rather than duplicated.
    let again = drafter
        .post_form(
            "/console/exchange/send",
            &[("document", &document), ("to", "unit-city")],
        )
        .await;
    assert_eq!(again.status, 409);

    let home = registrar.get("/console/").await;
    assert_eq!(
        home.text_of("count-unsigned").as_deref(),
        Some("1"),
        "waiting on the home page"
    );
    let inbox = registrar.get("/console/exchange").await;
    let item = item_id(&inbox.body, "exchange-inbox");
    assert!(
        inbox.body.contains("山西省农业厅办公室"),
        "the sender is named"
    );
    let signed = registrar
        .post_form(&format!("/console/exchange/{item}/receive"), &[])
        .await;
    assert_eq!(signed.status, 303);
    // The sender sees the receipt: who signed and when.
    let receipt = drafter.get("/console/exchange").await;
    assert!(
        receipt.body.contains("已签收") && receipt.body.contains("收文员"),
        "{}",
        receipt.body
    );

    registrar.get("/console/exchange").await;
    let registered = registrar
        .post_form(
            &format!("/console/exchange/{item}/register"),
            &[("definition", "def-unit-city")],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let instance = registered
        .location()
        .strip_prefix("/console/flows/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (kind, from, unit, tasks) = console
        .db
        .tx({
            let instance = instance.clone();
            let handler = handler.clone();
            move |sql| {
                let flow = instances::load_instance(sql, &instance, false)?.unwrap();
                let tasks = sql
                    .query(
                        "SELECT seq FROM changes WHERE user_id = ?1",
                        &[handler.clone().into()],
                    )?
                    .len();
                Ok((
                    flow.document.kind,
                    flow.document.from_organ.clone(),
                    flow.unit_id,
                    tasks,
                ))
            }
        })
        .await
        .unwrap();
    assert_eq!(kind, DocumentKind::Incoming);
    assert_eq!(from.as_deref(), Some("山西省农业厅办公室"));
    assert_eq!(unit, "unit-city");
    assert!(tasks > 0, "the handler's feed has the new task");
    let done = drafter.get("/console/exchange").await;
    assert!(done.body.contains("已登记"));
}

#[tokio::test]
async fn a_return_needs_a_reason_and_another_unit_cannot_touch_the_item() {
    let console = Console::start().await;
    let document = outgoing(&console, "关于报送统计数据的通知").await;
    let mut drafter = console.logged_in("nigao2", &[Role::Drafter]).await;
    let (mut registrar, _) = receiving_unit(&console, "unit-county", "shouwen2").await;
    let (mut stranger, _) = receiving_unit(&console, "unit-other", "shouwen3").await;
    drafter.get("/console/exchange/send").await;
    drafter
        .post_form(
            "/console/exchange/send",
            &[("document", &document), ("to", "unit-county")],
        )
        .await;
    let inbox = registrar.get("/console/exchange").await;
    let item = item_id(&inbox.body, "exchange-inbox");

    stranger.get("/console/exchange").await;
    let refused = stranger
        .post_form(&format!("/console/exchange/{item}/receive"), &[])
        .await;
    assert_eq!(
        refused.status, 404,
        "another unit's item does not exist for it"
    );
    assert!(!stranger
        .get("/console/exchange")
        .await
        .body
        .contains("关于报送统计数据的通知"));

    let empty = registrar
        .post_form(
            &format!("/console/exchange/{item}/return"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, 400);
    registrar.get("/console/exchange").await;
    let returned = registrar
        .post_form(
            &format!("/console/exchange/{item}/return"),
            &[("reason", "<b>非本单位职责</b>")],
        )
        .await;
    assert_eq!(returned.status, 303);
    let outbox = drafter.get("/console/exchange").await;
    assert!(outbox.body.contains("已退回"));
    assert!(
        outbox.body.contains("&lt;b&gt;非本单位职责&lt;/b&gt;"),
        "the reason, as text"
    );
    // A registrar has no outbox, a drafter no inbox.
    assert!(!registrar
        .get("/console/exchange")
        .await
        .body
        .contains("exchange-outbox"));
    assert_eq!(registrar.get("/console/exchange/send").await.status, 403);
}
