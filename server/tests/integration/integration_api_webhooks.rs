//! Webhooks out, against a live gateway and a small HTTP listener standing in for the OA system:
//! a delivery is signed (HMAC-SHA256 over `<timestamp>.<body>` with the subscription's secret),
//! retried after a 500 with the same event id, and every attempt is readable through the API; the
//! events follow the flow (moved, task done, completed). Several dispatchers and senders on one
//! database (as replicas are) send each event once and lose none.

// A failed assumption in these helpers is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::integration_api_support::{call, decide, open_task, Setup, UNIT};
use crate::openapi_support::schema::{check_answer, validate};
use crate::openapi_support::served_document;
use qianpi_domain::workflow::{Command, Opinion};
use qianpi_gateway::integration::{deliver, events};
use qianpi_gateway::open_database;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Long enough for any retry these tests wait for; a guard against hanging, not a measurement.
const PATIENCE: Duration = Duration::from_secs(90);

/// One request the listener received.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
    answered: u16,
}

/// A listener answering its n-th request with `statuses[n]` (the last one from then on).
async fn receiver(statuses: Vec<u16>) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            let (head, body) = loop {
                let read = stream.read(&mut buf).await.unwrap();
                assert!(read > 0, "the gateway closed before sending a request");
                raw.extend_from_slice(&buf[..read]);
                let text = String::from_utf8_lossy(&raw).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break (head.to_owned(), body.to_owned());
                    }
                }
            };
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let status = statuses[n.min(statuses.len() - 1)];
            n += 1;
            let answer =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(answer.as_bytes()).await.unwrap();
            let _ = tx.send(Received {
                headers,
                body,
                answered: status,
            });
        }
    });
    (addr, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("no delivery arrived")
        .unwrap()
}

/// Whether `received` carries a valid signature made with `secret`.
fn signed_with(received: &Received, secret: &str) -> bool {
    let timestamp = &received.headers["qianpi-timestamp"];
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let expected = received.headers["qianpi-signature"]
        .strip_prefix("v1=")
        .and_then(|hex| {
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .unwrap_or_default();
    let message = format!("{timestamp}.{}", received.body);
    ring::hmac::verify(&key, message.as_bytes(), &expected).is_ok()
}

fn payload(received: &Received) -> Value {
    serde_json::from_str(&received.body).unwrap()
}

async fn subscribe(setup: &Setup, key: &str, url: String, events: &[&str]) -> (String, String) {
    let (status, made) = call(
        setup.addr(),
        "POST",
        "/v1/integration/webhooks",
        Some(key),
        json!({ "url": url, "events": events }),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (made["id"].as_str().unwrap().to_owned(), secret)
}

fn opinion(text: &str) -> Opinion {
    Opinion {
        attitude: qianpi_domain::model::Attitude::Agree,
        text: text.into(),
        handwriting: None,
        audio: None,
        column: None,
        on_behalf_of: None,
    }
}

#[tokio::test]
async fn webhooks_are_signed_retried_after_a_500_and_every_attempt_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(&dir).await;
    let addr = setup.addr();
    let (_, key) = setup.issue_key(UNIT, "致远OA").await;
    let (hook, mut rx) = receiver(vec![500, 200]).await;
    let (id, secret) = subscribe(
        &setup,
        &key,
        format!("http://{hook}/qianpi"),
        &["flow.moved", "task.done", "flow.completed"],
    )
    .await;
    // The secret is shown once: the list never repeats it.
    let (_, listed) = call(
        addr,
        "GET",
        "/v1/integration/webhooks",
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(listed[0].get("secret").is_none());

    let instance = setup.start_document(&key, "doc-hook-1").await;
    let first = next(&mut rx).await;
    let second = next(&mut rx).await;
    assert_eq!((first.answered, second.answered), (500, 200));
    for received in [&first, &second] {
        assert!(
            signed_with(received, &secret),
            "bad signature: {received:?}"
        );
        assert!(!signed_with(received, "whsec_someone-else"));
        assert_eq!(received.headers["qianpi-event"], "flow.moved");
    }
    let (one, two) = (payload(&first), payload(&second));
    assert_eq!(one, two, "a retry sends the same event");
    assert_eq!(one["type"], "flow.moved");
    assert_eq!(one["instance_id"], instance.as_str());
    assert_eq!(one["data"]["entered"][0]["name"], "领导批示");
    // A body changed in transit no longer matches its signature.
    let mut forged = second.clone();
    forged.body = forged.body.replace("领导批示", "办结");
    assert!(!signed_with(&forged, &secret));

    // The leader approves, then the office finishes: the events follow the flow.
    let task = open_task(addr, &key, &instance).await;
    let approve = Command::Approve {
        task_id: task,
        route: None,
        opinion: opinion("同意。"),
    };
    decide(&setup.db, &instance, "user-wang", approve).await;
    let task = open_task(addr, &key, &instance).await;
    let finish = Command::Approve {
        task_id: task,
        route: None,
        opinion: opinion("已办结。"),
    };
    decide(&setup.db, &instance, "user-zhao", finish).await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let received = next(&mut rx).await;
        assert!(signed_with(&received, &secret));
        seen.push(payload(&received));
    }
    // Deliveries of one batch go out side by side: order them as receivers do, by version.
    seen.sort_by_key(|p| (p["id"].as_str().unwrap().to_owned(), p["type"].to_string()));
    let kinds: Vec<&str> = seen.iter().map(|p| p["type"].as_str().unwrap()).collect();
    let of = |kind: &str| {
        seen.iter()
            .filter(|p| p["type"] == kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("task.done").len(), 2, "{kinds:?}");
    assert_eq!(of("flow.moved").len(), 1, "{kinds:?}");
    assert_eq!(of("flow.completed").len(), 1, "{kinds:?}");
    let leader = of("task.done")
        .into_iter()
        .find(|p| p["data"]["actor"] == "user-wang")
        .unwrap();
    assert_eq!(leader["data"]["actor_name"], "王建国");
    assert_eq!(leader["data"]["opinion"], "同意。");
    assert_eq!(leader["data"]["attitude"], "agree");
    assert_eq!(of("flow.moved")[0]["data"]["entered"][0]["name"], "承办");
    assert_eq!(of("flow.completed")[0]["data"]["state"], "completed");

    // Every attempt is readable: the first delivery failed once with the receiver's 500.
    let path = format!("/v1/integration/webhooks/{id}/deliveries");
    let deliveries = loop {
        let (status, deliveries) = call(addr, "GET", &path, Some(&key), Value::Null).await;
        assert_eq!(status, 200, "{deliveries}");
        let list = deliveries.as_array().unwrap().clone();
        if list.len() == 5 && list.iter().all(|d| d["state"] == "delivered") {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let started = deliveries
        .iter()
        .find(|d| d["payload"]["data"]["started"] == true)
        .unwrap();
    let attempts = started["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], 500);
    assert!(attempts[0]["error"].as_str().unwrap().contains("500"));
    assert_eq!(attempts[1]["status"], 200);
    assert!(attempts[1]["error"].is_null());
    // The OpenAPI document describes the deliveries and the body each receiver got (a task.done
    // carries a flow record entry).
    let openapi = served_document(addr).await;
    let deliveries_path = "/v1/integration/webhooks/{id}/deliveries";
    check_answer(&openapi, "get", deliveries_path, 200, &json!(deliveries));
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    for body in &seen {
        validate(&openapi, &schema("WebhookEvent"), body, "a webhook body");
    }
    let entry = &of("task.done")[0]["data"];
    validate(
        &openapi,
        &schema("FlowRecordEntry"),
        entry,
        "task.done data",
    );

    // Another key cannot read them; once deleted, the subscription is gone.
    let (_, other) = setup.issue_key(UNIT, "iGRP").await;
    let (status, _) = call(addr, "GET", &path, Some(&other), Value::Null).await;
    assert_eq!(status, 404);
    let hook_path = format!("/v1/integration/webhooks/{id}");
    let (status, _) = call(addr, "DELETE", &hook_path, Some(&other), Value::Null).await;
    assert_eq!(status, 404);
    let (status, _) = call(addr, "DELETE", &hook_path, Some(&key), Value::Null).await;
    assert_eq!(status, 204);
    let (_, listed) = call(
        addr,
        "GET",
        "/v1/integration/webhooks",
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(listed, json!([]));
    setup.gateway.stop().await.unwrap();
}

#[tokio::test]
async fn replicas_on_one_database_send_each_event_once_and_lose_none() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(&dir).await;
    let (_, key) = setup.issue_key(UNIT, "致远OA").await;
    let (hook, mut rx) = receiver(vec![200]).await;
    subscribe(&setup, &key, format!("http://{hook}/"), &["flow.moved"]).await;

    // Two more workers on their own connections beside the gateway's own.
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let db = open_database(&setup.config).await.unwrap();
        let client = deliver::client().unwrap();
        replicas.push(tokio::spawn(async move {
            loop {
                events::dispatch(&db).await.unwrap();
                deliver::send_due(&db, &client).await.unwrap();
                tokio::task::yield_now().await;
            }
        }));
    }
    const FLOWS: usize = 6;
    for n in 0..FLOWS {
        setup.start_document(&key, &format!("doc-many-{n}")).await;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    while counts.len() < FLOWS {
        let received = next(&mut rx).await;
        *counts
            .entry(payload(&received)["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // Once every delivery is recorded as delivered, nothing more can be sent.
    let db = setup.db.clone();
    loop {
        let pending = db
            .once(|sql| {
                Ok(sql
                    .query_one(
                        "SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'",
                        &[],
                    )?
                    .int(0)?)
            })
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for replica in replicas {
        replica.abort();
    }
    while let Ok(received) = rx.try_recv() {
        *counts
            .entry(payload(&received)["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(counts.len(), FLOWS, "{counts:?}");
    assert!(
        counts.values().all(|n| *n == 1),
        "an event was sent twice: {counts:?}"
    );
    let attempts = db
        .once(|sql| {
            Ok(sql
                .query_one("SELECT count(*) FROM webhook_attempts", &[])?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(attempts, FLOWS as i64);
    setup.gateway.stop().await.unwrap();
}
