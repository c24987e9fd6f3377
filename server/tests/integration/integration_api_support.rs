//! What the integration API tests share: raw HTTP/1.1 requests to a live gateway (on SQLite, or
//! on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server) with the demo unit,
//! an operator token, API keys issued through the admin API, a document handed over and started
//! as an OA system does it, and a phone's accepted command recorded as the gateway records it.

// A failed assumption in these helpers is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use crate::openapi_support::gateway;
use qianpi_domain::model::{
    Attachment, BodyFormat, BodyStage, BodyVersion, Document, DocumentBody, DocumentKind,
    DocumentNumber, SecrecyLevel, Urgency,
};
use qianpi_domain::workflow::{Actor, Command, Env, Outcome, Submission};
use qianpi_gateway::actor::AdminActor;
use qianpi_gateway::admin::tokens;
use qianpi_gateway::db::{encode, Db};
use qianpi_gateway::instances::{load_instance, publish_departures, save_instance};
use qianpi_gateway::sql::args;
use qianpi_gateway::{audit, open_database, GatewayConfig, RunningGateway};
use qianpi_protocol::crypto;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The demo unit the gateway seeds.
pub const UNIT: &str = "unit-sxnyt";

/// Sends one request; the status and the body as JSON (`Null` when empty).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (status, value)
}

/// A JSON request.
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    request(addr, method, path, token, "application/json", &bytes).await
}

/// A running gateway with the demo unit, its database opened here, and an operator token.
pub struct Setup {
    pub gateway: RunningGateway,
    pub config: GatewayConfig,
    pub db: Db,
    pub operator: String,
}

impl Setup {
    pub async fn new(dir: &tempfile::TempDir) -> Setup {
        let (gateway, config) = gateway(dir).await;
        let db = open_database(&config).await.unwrap();
        let operator =
            tokens::issue_operator_token(&db, &AdminActor::cli(), "test", chrono::Utc::now())
                .await
                .unwrap()
                .token;
        Setup {
            gateway,
            config,
            db,
            operator,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.gateway.addr()
    }

    /// Issues an API key for `unit` through the admin API: (id, key).
    pub async fn issue_key(&self, unit: &str, label: &str) -> (String, String) {
        let (status, issued) = call(
            self.addr(),
            "POST",
            &format!("/v1/admin/units/{unit}/api-keys"),
            Some(&self.operator),
            json!({ "label": label }),
        )
        .await;
        assert_eq!(status, 201, "{issued}");
        (
            issued["id"].as_str().unwrap().to_owned(),
            issued["key"].as_str().unwrap().to_owned(),
        )
    }

    /// Uploads `bytes` as a PDF of `unit` with `key`; its SHA-256.
    pub async fn upload_pdf(&self, key: &str, unit: &str, bytes: &[u8]) -> String {
        let path = format!("/v1/integration/units/{unit}/files");
        let (status, blob) = request(
            self.addr(),
            "POST",
            &path,
            Some(key),
            "application/pdf",
            bytes,
        )
        .await;
        assert!(status == 201 || status == 200, "{status} {blob}");
        blob["sha256"].as_str().unwrap().to_owned()
    }

    /// Hands over a document with a PDF body and one attachment and starts the demo unit's
    /// 收文 flow on it; the instance id.
    pub async fn start_document(&self, key: &str, id: &str) -> String {
        start_document(self.addr(), key, id).await
    }
}

/// Hands over a document with a PDF body and one attachment through the gateway at `addr` and
/// starts the demo unit's 收文 flow on it; the instance id.
pub async fn start_document(addr: SocketAddr, key: &str, id: &str) -> String {
    let body = pdf(&format!("body of {id}"));
    let attachment = pdf(&format!("annex of {id}"));
    for file in [&body, &attachment] {
        let path = format!("/v1/integration/units/{UNIT}/files");
        let (status, blob) = request(addr, "POST", &path, Some(key), "application/pdf", file).await;
        assert!(status == 201 || status == 200, "{status} {blob}");
    }
    let document = document(id, UNIT, &body, &attachment);
    let (status, created) = call(
        addr,
        "POST",
        &format!("/v1/integration/units/{UNIT}/documents"),
        Some(key),
        serde_json::to_value(&document).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (status, started) = call(
        addr,
        "POST",
        &format!("/v1/integration/units/{UNIT}/documents/{id}/flow"),
        Some(key),
        json!({ "definition_id": "def-incoming", "drafter": "user-li" }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    started["instance_id"].as_str().unwrap().to_owned()
}

/// A small file that starts as a PDF does.
pub fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

/// An incoming document of `unit` with `body` and `attachment`.
pub fn document(id: &str, unit: &str, body: &[u8], attachment: &[u8]) -> Document {
    Document {
        id: id.into(),
        unit_id: unit.into(),
        kind: DocumentKind::Incoming,
        title: "关于做好秋粮收购工作的通知".into(),
        number: DocumentNumber {
            organ: "晋农办".into(),
            year: 2026,
            sequence: 31,
        },
        urgency: Urgency::Urgent,
        secrecy: SecrecyLevel::None,
        from_organ: Some("山西省人民政府办公厅".into()),
        received_at: Some("2026-10-02T09:00:00+08:00".into()),
        head: Default::default(),
        body: DocumentBody {
            main_recipients: vec!["各市人民政府".into()],
            versions: vec![BodyVersion {
                id: format!("{id}-v1"),
                stage: BodyStage::Sealed,
                format: BodyFormat::Pdf,
                sha256: crypto::sha256_hex(body),
                size: body.len() as u64,
                pages: Some(1),
                created_at: None,
                rendition: None,
            }],
            attachments: vec![Attachment {
                id: format!("{id}-a1"),
                name: "任务分解表".into(),
                media_type: "application/pdf".into(),
                size: attachment.len() as u64,
                sha256: crypto::sha256_hex(attachment),
            }],
            ..Default::default()
        },
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    }
}

/// Records `user`'s `command` on instance `instance_id` as the gateway records a phone's accepted
/// command: the workflow decides it, and the instance, its trace and the `command.accepted`
/// audit entry are written in one transaction.
pub async fn decide(db: &Db, instance_id: &str, user: &str, command: Command) {
    let (instance_id, user) = (instance_id.to_owned(), user.to_owned());
    db.tx(move |sql| {
        let flow = load_instance(sql, &instance_id, true)?.unwrap();
        let command_id = uuid::Uuid::now_v7().to_string();
        let submission = Submission {
            command_id: command_id.clone(),
            actor: Actor {
                user: user.clone(),
                roles: Default::default(),
            },
            acting_for: None,
            base_version: flow.instance.version,
            command: command.clone(),
            at: chrono::Utc::now(),
        };
        let Ok(Outcome::Applied {
            instance: next,
            record,
        }) = qianpi_domain::workflow::execute(
            Env::new(&flow.definition),
            &flow.instance,
            &submission,
        )
        else {
            panic!("the command was not applied");
        };
        save_instance(sql, &next, &flow.definition, &flow.document)?;
        publish_departures(sql, &flow.instance, &next, &flow.definition, &flow.document)?;
        sql.execute(
            "INSERT INTO trace (instance_id, command_id, actor, device_id, body, at)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
            args![
                &next.id,
                &command_id,
                &user,
                encode(&record)?,
                chrono::Utc::now().to_rfc3339()
            ],
        )?;
        audit::append(
            sql,
            &audit::Event {
                unit_id: Some(&flow.unit_id),
                actor: &user,
                kind: "command.accepted",
                subject: "device-test",
                detail: json!({ "command_id": command_id, "instance_version": next.version }),
            },
            chrono::Utc::now(),
        )?;
        Ok(())
    })
    .await
    .unwrap();
}

/// The open task of `instance_id` (the first one).
pub async fn open_task(addr: SocketAddr, key: &str, instance_id: &str) -> String {
    let (status, view) = call(
        addr,
        "GET",
        &format!("/v1/integration/units/{UNIT}/instances/{instance_id}"),
        Some(key),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    view["pending"][0]["task_id"].as_str().unwrap().to_owned()
}
