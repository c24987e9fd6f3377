//! The integration API as a bureau's OA system uses it, over raw HTTP against a live gateway (on
//! SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server): an
//! administrator issues an API key (shown once, stored hashed); the OA uploads a PDF body,
//! hands over a document naming it, starts its flow and reads the instance and its flow record;
//! another unit's ids and a revoked key get nothing.

// A failed assumption is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::integration_api_support::{
    call, decide, document, open_task, pdf, request, Setup, UNIT,
};
use crate::openapi_support::schema::check_answer;
use crate::openapi_support::served_document;
use qianpi_domain::workflow::Command;
use qianpi_gateway::sql::args;
use qianpi_protocol::crypto;
use serde_json::{json, Value};

#[tokio::test]
async fn an_oa_hands_over_a_document_starts_its_flow_and_reads_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(&dir).await;
    let addr = setup.addr();
    let (key_id, key) = setup.issue_key(UNIT, "致远OA").await;
    assert!(key.starts_with("qpk_"));

    // Only the hash is stored: the key's text is nowhere in the table.
    let id = key_id.clone();
    let stored: Vec<u8> = setup
        .db
        .once(move |sql| {
            Ok(sql
                .query_one("SELECT key_hash FROM api_keys WHERE id = ?1", args![&id])?
                .blob(0)?)
        })
        .await
        .unwrap();
    assert_eq!(stored, crypto::sha256(key.as_bytes()).to_vec());

    // Files: a PDF is taken (again: nothing changes), anything else is refused.
    let files = format!("/v1/integration/units/{UNIT}/files");
    let body = pdf("spot check");
    let (status, blob) = request(addr, "POST", &files, Some(&key), "application/pdf", &body).await;
    assert_eq!(status, 201, "{blob}");
    // Each answer is the one the OpenAPI document describes.
    let openapi = served_document(addr).await;
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        let path = format!("/v1/integration/units/{{unit}}/{path}");
        check_answer(&openapi, method, &path, status, body)
    };
    check("post", "files", 201, &blob);
    assert_eq!(blob["sha256"], crypto::sha256_hex(&body));
    let (status, _) = request(addr, "POST", &files, Some(&key), "application/pdf", &body).await;
    assert_eq!(status, 200);
    let (status, refused) = request(
        addr,
        "POST",
        &files,
        Some(&key),
        "application/msword",
        &body,
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let (status, refused) = request(
        addr,
        "POST",
        &files,
        Some(&key),
        "application/pdf",
        b"MZ not a pdf",
    )
    .await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("bad_file")));

    // A document naming a file never uploaded is refused, as is one failing GB/T 9704 checks.
    let documents = format!("/v1/integration/units/{UNIT}/documents");
    let missing = document("doc-oa-0", UNIT, b"%PDF-never sent", &body);
    let (status, refused) = call(
        addr,
        "POST",
        &documents,
        Some(&key),
        serde_json::to_value(&missing).unwrap(),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("missing_blob"))
    );
    let mut untitled = document("doc-oa-0", UNIT, &body, &body);
    untitled.title = String::new();
    let (status, refused) = call(
        addr,
        "POST",
        &documents,
        Some(&key),
        serde_json::to_value(&untitled).unwrap(),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("invalid_document"))
    );

    // Handed over and started: the instance waits for the leader.
    let instance = setup.start_document(&key, "doc-oa-1").await;
    let (status, view) = call(
        addr,
        "GET",
        &format!("{documents}/doc-oa-1"),
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(view["instance_id"], instance.as_str());
    assert_eq!(view["document"]["title"], "关于做好秋粮收购工作的通知");
    check("get", "documents/{document}", 200, &view);
    let again = format!("{documents}/doc-oa-1/flow");
    let start = json!({ "definition_id": "def-incoming", "drafter": "user-li" });
    let (status, refused) = call(addr, "POST", &again, Some(&key), start).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("already_started"))
    );

    let path = format!("/v1/integration/units/{UNIT}/instances/{instance}");
    let (status, view) = call(addr, "GET", &path, Some(&key), Value::Null).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "running");
    assert_eq!(view["current_nodes"][0]["name"], "领导批示");
    assert_eq!(view["pending"][0]["assignee"], "user-wang");
    assert_eq!(view["pending"][0]["assignee_name"], "王建国");
    check("get", "instances/{instance}", 200, &view);

    // The leader approves with an opinion: the record says who, when, where and how.
    let task = open_task(addr, &key, &instance).await;
    let opinion = qianpi_domain::workflow::Opinion {
        attitude: qianpi_domain::model::Attitude::Agree,
        text: "同意，请赵文同志抓紧落实。".into(),
        handwriting: None,
        audio: None,
        column: None,
        on_behalf_of: None,
    };
    let approve = Command::Approve {
        task_id: task,
        route: None,
        opinion,
    };
    decide(&setup.db, &instance, "user-wang", approve).await;
    let (status, record) = call(
        addr,
        "GET",
        &format!("{path}/record"),
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{record}");
    let entry = &record[0];
    assert_eq!(entry["actor"], "user-wang");
    assert_eq!(entry["actor_name"], "王建国");
    assert_eq!(entry["action"], "approve");
    assert_eq!(entry["attitude"], "agree");
    assert_eq!(entry["opinion"], "同意，请赵文同志抓紧落实。");
    assert_eq!(entry["node"]["name"], "领导批示");
    assert!(entry["at"].as_str().is_some());
    check("get", "instances/{instance}/record", 200, &record);

    // Every change is audited under the key.
    let actor = format!("apikey:{key_id}");
    let kinds: Vec<String> = setup
        .db
        .once(move |sql| {
            Ok(sql
                .query(
                    "SELECT kind FROM audit WHERE actor = ?1 ORDER BY seq",
                    args![&actor],
                )?
                .iter()
                .map(|r| r.text(0).unwrap())
                .collect())
        })
        .await
        .unwrap();
    for kind in ["blob.uploaded", "document.received", "flow.started"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} not audited: {kinds:?}"
        );
    }
    setup.gateway.stop().await.unwrap();
}

#[tokio::test]
async fn another_units_ids_answer_404_and_a_revoked_key_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(&dir).await;
    let addr = setup.addr();
    let (status, unit) = call(
        addr,
        "POST",
        "/v1/admin/units",
        Some(&setup.operator),
        json!({ "id": "unit-other", "name": "另一单位", "organ_code": "晋另" }),
    )
    .await;
    assert_eq!(status, 201, "{unit}");
    let (key_id, key) = setup.issue_key(UNIT, "致远OA").await;
    let (_, other) = setup.issue_key("unit-other", "金和OA").await;
    let instance = setup.start_document(&key, "doc-oa-2").await;

    // The other unit's key sees none of it, whether it names its own unit or ours.
    for path in [
        format!("/v1/integration/units/unit-other/instances/{instance}"),
        format!("/v1/integration/units/unit-other/instances/{instance}/record"),
        "/v1/integration/units/unit-other/documents/doc-oa-2".to_owned(),
        format!("/v1/integration/units/{UNIT}/instances/{instance}"),
        format!("/v1/integration/units/{UNIT}/documents/doc-oa-2"),
    ] {
        let (status, refused) = call(addr, "GET", &path, Some(&other), Value::Null).await;
        assert_eq!(status, 404, "{path}: {refused}");
    }
    let files = format!("/v1/integration/units/{UNIT}/files");
    let (status, _) = request(
        addr,
        "POST",
        &files,
        Some(&other),
        "application/pdf",
        &pdf("x"),
    )
    .await;
    assert_eq!(status, 404);

    // No key, a made-up key, an admin token: 401.
    let path = format!("/v1/integration/units/{UNIT}/instances/{instance}");
    for token in [None, Some("qpk_madeup"), Some(setup.operator.as_str())] {
        let (status, _) = call(addr, "GET", &path, token, Value::Null).await;
        assert_eq!(status, 401, "{token:?}");
    }

    // Revoked by the administrator: the key stops working at once, and the list says when.
    let (status, revoked) = call(
        addr,
        "POST",
        &format!("/v1/admin/units/{UNIT}/api-keys/{key_id}/revoke"),
        Some(&setup.operator),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    let (status, refused) = call(addr, "GET", &path, Some(&key), Value::Null).await;
    assert_eq!((status, refused["code"].as_str()), (401, Some("bad_key")));
    let (status, listed) = call(
        addr,
        "GET",
        &format!("/v1/admin/units/{UNIT}/api-keys"),
        Some(&setup.operator),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "only this unit's keys: {listed:?}");
    assert!(listed[0]["revoked_at"].is_string());
    assert!(
        listed[0].get("key").is_none(),
        "a listed key never shows its secret"
    );
    // Another unit's key cannot be revoked through this unit.
    let (status, _) = call(
        addr,
        "POST",
        &format!("/v1/admin/units/{UNIT}/api-keys/{}/revoke", "key-unknown"),
        Some(&setup.operator),
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
    setup.gateway.stop().await.unwrap();
}

/// An OA system starting a flow chooses the handlers of the steps the process leaves to the
/// starter, as a registrar does at the console: without a choice, or with someone of no unit of
/// the key's, it is refused by name and nothing starts; with one, the first task is the chosen
/// person's.
#[tokio::test]
async fn an_oa_chooses_the_handlers_of_a_step_the_process_leaves_open() {
    use qianpi_domain::workflow::{Node, ProcessDefinition};
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(&dir).await;
    let addr = setup.addr();
    let (_, key) = setup.issue_key(UNIT, "致远OA").await;
    let mut lead = Node::manual("lead", "领导批示", &[]).route("办结", "end");
    lead.chosen_at_start = true;
    let definition = ProcessDefinition::new(
        "def-open",
        "收文（选人）",
        "lead",
        vec![lead, Node::end("end")],
    );
    let (status, loaded) = call(
        addr,
        "POST",
        &format!("/v1/admin/units/{UNIT}/definitions"),
        Some(&setup.operator),
        serde_json::to_value(&definition).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{loaded}");

    let body = pdf("chosen");
    let attachment = pdf("chosen annex");
    for file in [&body, &attachment] {
        setup.upload_pdf(&key, UNIT, file).await;
    }
    let handed = document("doc-oa-choose", UNIT, &body, &attachment);
    let documents = format!("/v1/integration/units/{UNIT}/documents");
    let (status, _) = call(
        addr,
        "POST",
        &documents,
        Some(&key),
        serde_json::to_value(&handed).unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let flow = format!("{documents}/doc-oa-choose/flow");
    for handlers in [
        json!({}),
        json!({ "lead": ["user-nobody"] }),
        json!({ "lead": [] }),
    ] {
        let start =
            json!({ "definition_id": "def-open", "drafter": "user-li", "handlers": handlers });
        let (status, refused) = call(addr, "POST", &flow, Some(&key), start).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (400, Some("invalid_handlers")),
            "{handlers}: {refused}"
        );
    }
    let start = json!({ "definition_id": "def-open", "drafter": "user-li",
                        "handlers": { "lead": ["user-zhao"] } });
    let (status, started) = call(addr, "POST", &flow, Some(&key), start).await;
    assert_eq!(status, 201, "{started}");
    let instance = started["instance_id"].as_str().unwrap();
    let path = format!("/v1/integration/units/{UNIT}/instances/{instance}");
    let (status, view) = call(addr, "GET", &path, Some(&key), Value::Null).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["pending"][0]["assignee"], "user-zhao");
    assert_eq!(view["pending"].as_array().unwrap().len(), 1);
}
