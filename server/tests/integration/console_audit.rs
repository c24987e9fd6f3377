//! The audit log and the process definitions in the console, as an auditor and an administrator
//! meet them: a definition with problems is shown back with each problem on its node and nothing
//! stored, a valid one is stored, listed and shown with its handlers by name, and another unit's is
//! not found; every change made in the console appears in the log under the real person's name;
//! the log pages, filters by date (Beijing time), person and kind, never shows another unit's
//! entries, and its chain verifies until a row is edited in the database, when the page says
//! where it breaks; an auditor reads but never reaches the definitions. Runs on SQLite, or on a
//! fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{seed_office, Browser, Console, Page, Part, PASSWORD, UNIT};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{Node, ProcessDefinition};
use qianpi_gateway::admin::flows::load_definition;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::audit::{append, Event};
use qianpi_gateway::db::Db;
use qianpi_gateway::office::Role;
use qianpi_gateway::sql::args;

/// A definition of the demo unit's people: 王建国 instructs, 赵文 handles.
fn valid(id: &str) -> ProcessDefinition {
    ProcessDefinition::new(
        id,
        "收文办理（测试）",
        "instruct",
        vec![
            Node::manual("instruct", "领导批示", &["user-wang"]).route("送承办", "handle"),
            Node::manual("handle", "承办", &["user-zhao"]).route("办结", "end"),
            Node::end("end"),
        ],
    )
}

/// Logs in a new person of the demo unit with a real name.
async fn person(console: &Console, login: &str, name: &str, roles: &[Role]) -> (String, Browser) {
    let id = seed_office(&console.db, UNIT, login, name, "staff", roles).await;
    let mut browser = console.browser();
    browser.login(login, PASSWORD).await;
    (id, browser)
}

/// Posts `json` as the pasted definition (and `replace` when asked).
async fn load(browser: &mut Browser, json: &str, replace: bool) -> Page {
    browser.get("/console/definitions").await;
    let mut parts = vec![("text", Part::Text(json))];
    if replace {
        parts.push(("replace", Part::Text("yes")));
    }
    browser.post_multipart("/console/definitions", &parts).await
}

/// The rows of the page's (first) table body, each as its cells' text joined by `|`.
fn rows(page: &Page) -> Vec<String> {
    let Some(start) = page.body.find("<tbody>") else {
        return Vec::new();
    };
    let end = page.body[start..].find("</tbody>").unwrap() + start;
    page.body[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|cell| strip(cell.split_once('>').map_or("", |(_, rest)| rest)))
                .collect();
            cells.join("|")
        })
        .collect()
}

/// The row of the node `id` in a definition's node table.
fn node_row(page: &Page, id: &str) -> String {
    let marker = format!("data-node=\"{id}\"");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {id}"));
    let end = page.body[at..].find("</tr>").unwrap() + at;
    strip(&page.body[at..end])
}

fn strip(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").trim().to_owned()
}

async fn count(db: &Db, statement: &'static str, id: &str) -> i64 {
    let id = id.to_owned();
    db.tx(move |sql| Ok(sql.query_one(statement, args![&id])?.int(0)?))
        .await
        .unwrap()
}

#[tokio::test]
async fn definitions_are_checked_node_by_node_stored_listed_and_audited_under_the_person() {
    let console = Console::start().await;
    let (_, mut admin) = person(&console, "zhouguan", "周管理", &[Role::Administrator]).await;

    // Problems on two nodes: a handler from nowhere, and a node nothing leads to.
    let mut broken = valid("def-audit-broken");
    broken.nodes[1].handlers[0].user = "user-nobody".into();
    broken
        .nodes
        .push(Node::manual("orphan", "传阅", &["user-li"]).route("结束", "end"));
    let json = serde_json::to_string_pretty(&broken).unwrap();
    let refused = load(&mut admin, &json, false).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(node_row(&refused, "handle").contains("处理人 user-nobody 不是本单位人员"));
    assert!(node_row(&refused, "orphan").contains("从起始节点无法到达此节点"));
    let clean = node_row(&refused, "instruct");
    assert!(
        !clean.contains("不是") && !clean.contains("无法"),
        "{clean}"
    );
    // The text as entered comes back in the box, and nothing was stored.
    assert!(refused
        .body
        .contains("&quot;id&quot;: &quot;def-audit-broken&quot;"));
    let stored = "SELECT count(*) FROM definitions WHERE id = ?1";
    assert_eq!(count(&console.db, stored, "def-audit-broken").await, 0);

    // Broken JSON says where, and keeps the text.
    let garbled = load(&mut admin, "{\"id\": \"def-x\",\n  \"nodes\": [", false).await;
    assert_eq!(garbled.status, 422);
    assert!(garbled
        .text_of("definition-error")
        .unwrap()
        .contains("第 2 行"));

    // A valid one, uploaded as a file, is stored, listed and shown by name.
    admin.get("/console/definitions").await;
    let bytes = serde_json::to_vec(&valid("def-audit-ok")).unwrap();
    let file = Part::File {
        name: "收文.json",
        media_type: "application/json",
        bytes: &bytes,
    };
    let saved = admin
        .post_multipart("/console/definitions", &[("file", file)])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = admin.get(saved.location()).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("流程定义已保存"));
    assert!(node_row(&shown, "instruct").contains("王建国"));
    assert!(node_row(&shown, "handle").contains("赵文"));
    assert!(node_row(&shown, "handle").contains("办结 → 结束"));
    let list = admin.get("/console/definitions").await;
    assert!(rows(&list)
        .iter()
        .any(|r| r.starts_with("def-audit-ok|收文办理（测试）|3")));

    // The same id again: refused unless replacing is asked for; replaced when it is.
    let mut changed = valid("def-audit-ok");
    changed.name = "收文办理（修订）".into();
    let json = serde_json::to_string(&changed).unwrap();
    let exists = load(&mut admin, &json, false).await;
    assert_eq!(exists.status, 422);
    assert!(exists.body.contains("勾选"));
    let replaced = load(&mut admin, &json, true).await;
    assert_eq!(replaced.status, 303, "{}", replaced.body);
    assert!(admin
        .get(replaced.location())
        .await
        .body
        .contains("收文办理（修订）"));

    // The demo unit's 收文 process has a flow running on it: it is not replaced under it.
    let json = serde_json::to_string(&valid("def-incoming")).unwrap();
    let in_use = load(&mut admin, &json, true).await;
    assert_eq!(in_use.status, 422);
    assert!(in_use
        .text_of("definition-error")
        .unwrap()
        .contains("已有流程按该定义办理"));
    assert!(admin
        .get("/console/definitions/def-incoming")
        .await
        .body
        .contains("data-node=\"leader-instruction\""));

    // Another unit's definition is not found, and its id cannot be taken over.
    let other = console.other_unit("unit-audit-other").await;
    let stranger = seed_office(
        &console.db,
        &other,
        "waidan",
        "外单位",
        "staff",
        &[Role::Drafter],
    )
    .await;
    let mut theirs = valid("def-audit-theirs");
    for node in &mut theirs.nodes {
        for handler in &mut node.handlers {
            handler.user = stranger.clone();
        }
    }
    load_definition(&console.db, &AdminActor::cli(), &other, theirs, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        admin
            .get("/console/definitions/def-audit-theirs")
            .await
            .status,
        404
    );
    let taken = load(
        &mut admin,
        &serde_json::to_string(&valid("def-audit-theirs")).unwrap(),
        true,
    )
    .await;
    assert_eq!(taken.status, 422);
    assert!(taken
        .text_of("definition-error")
        .unwrap()
        .contains("编号已被使用"));
    assert!(!rows(&admin.get("/console/definitions").await)
        .iter()
        .any(|r| r.contains("theirs")));

    // The log names the administrator for what she did here, the operator for the rest.
    let (_, mut auditor) = person(&console, "qianshen", "钱审计", &[Role::Auditor]).await;
    let log = auditor.get("/console/audit").await;
    assert_eq!(log.status, 200);
    let lines = rows(&log);
    let ours: Vec<&String> = lines
        .iter()
        .filter(|r| r.contains("def-audit-ok"))
        .collect();
    assert_eq!(ours.len(), 2, "{lines:#?}");
    assert!(
        ours[0].contains("周管理 (zhouguan)|替换流程定义|def-audit-ok"),
        "{}",
        ours[0]
    );
    assert!(
        ours[1].contains("周管理 (zhouguan)|载入流程定义|def-audit-ok"),
        "{}",
        ours[1]
    );
    assert!(lines
        .iter()
        .any(|r| r.contains("部署管理员（命令行）|添加人员")));
    assert!(!lines
        .iter()
        .any(|r| r.contains("def-audit-theirs") || r.contains("def-audit-broken")));
}

/// Appends an entry for `unit` as `actor` at `at`, straight in the database.
async fn entry(db: &Db, unit: &str, actor: &str, kind: &str, subject: &str, at: DateTime<Utc>) {
    let (unit, actor, kind, subject) = (
        unit.to_owned(),
        actor.to_owned(),
        kind.to_owned(),
        subject.to_owned(),
    );
    db.tx(move |sql| {
        let event = Event {
            unit_id: Some(&unit),
            actor: &actor,
            kind: &kind,
            subject: &subject,
            detail: serde_json::json!({ "code": "test" }),
        };
        append(sql, &event, at)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_log_pages_filters_stays_in_its_unit_and_shows_where_its_chain_breaks() {
    let console = Console::start().await;
    let (auditor_id, mut auditor) = person(&console, "qianshen", "钱审计", &[Role::Auditor]).await;
    let other = console.other_unit("unit-audit-far").await;
    // 17:30 UTC on 2 March is 01:30 on 3 March in Beijing.
    let late = DateTime::parse_from_rfc3339("2026-03-02T17:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    entry(
        &console.db,
        UNIT,
        "user-wang",
        "device.activated",
        "device-late",
        late,
    )
    .await;
    for n in 0..60 {
        entry(
            &console.db,
            UNIT,
            "user-zhao",
            "notice.read",
            &format!("notice-{n:02}"),
            Utc::now(),
        )
        .await;
        entry(
            &console.db,
            &other,
            "user-far",
            "notice.read",
            "secret-of-far",
            Utc::now(),
        )
        .await;
    }

    // Newest first, fifty to a page, then the older ones; another unit's never.
    let first = auditor.get("/console/audit?kind=notice.read").await;
    let first_rows = rows(&first);
    assert_eq!(first_rows.len(), 50);
    assert!(first_rows[0].contains("notice-59") && first_rows[49].contains("notice-10"));
    assert!(
        first_rows[0].contains("赵文 (zhaowen)|阅读通知"),
        "{}",
        first_rows[0]
    );
    let older = first
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("before="))
        .unwrap()
        .replace("&amp;", "&");
    let second = rows(&auditor.get(&older).await);
    assert_eq!(second.len(), 10);
    assert!(second[9].contains("notice-00"));
    let everything = auditor.get("/console/audit?before=999999").await.body
        + &auditor.get("/console/audit?person=user-far").await.body;
    assert!(!everything.contains("secret-of-far") && !everything.contains("user-far"));

    // Dates are Beijing dates: the late entry is on 3 March, not on 2 March.
    let day = rows(
        &auditor
            .get("/console/audit?from=2026-03-03&to=2026-03-03")
            .await,
    );
    assert_eq!(day.len(), 1, "{day:?}");
    assert!(
        day[0].contains("2026-03-03 01:30|王建国 (wangjianguo)|设备激活|device-late"),
        "{}",
        day[0]
    );
    assert!(rows(&auditor.get("/console/audit?to=2026-03-02").await).is_empty());
    assert_eq!(
        auditor.get("/console/audit?from=3.3.2026").await.status,
        400
    );
    // By person: only that person's entries.
    let wang = rows(&auditor.get("/console/audit?person=user-wang").await);
    assert_eq!(wang.len(), 1);

    // The chain holds, and the page gives the head to keep; checking writes nothing.
    let before = count(
        &console.db,
        "SELECT count(*) FROM audit WHERE actor <> ?1",
        "",
    )
    .await;
    auditor.get("/console/audit").await;
    let intact = auditor.post_form("/console/audit/verify", &[]).await;
    assert_eq!(intact.status, 200, "{}", intact.body);
    let head: (i64, String) = console
        .db
        .tx(|sql| {
            let row = sql.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
            Ok((row.int(0)?, row.text(1)?))
        })
        .await
        .unwrap();
    assert_eq!(intact.text_of("audit-head").unwrap(), head.1);
    assert!(intact.body.contains(&format!("已校验至第 {} 条", head.0)));
    assert_eq!(
        count(
            &console.db,
            "SELECT count(*) FROM audit WHERE actor <> ?1",
            ""
        )
        .await,
        before
    );

    // Someone edits an entry in the database: the check says where the chain breaks.
    let edited = console
        .db
        .tx(|sql| {
            let seq = sql
                .query_one("SELECT seq FROM audit WHERE subject = 'device-late'", &[])?
                .int(0)?;
            sql.execute(
                "UPDATE audit SET subject = 'device-other' WHERE seq = ?1",
                args![seq],
            )?;
            Ok(seq)
        })
        .await
        .unwrap();
    let broken = auditor.post_form("/console/audit/verify", &[]).await;
    assert_eq!(broken.status, 200);
    assert!(broken
        .text_of("audit-broken")
        .unwrap()
        .contains(&format!("第 {edited} 条")));
    assert!(broken.body.contains("该条记录在写入后被改动过"));

    // The auditor reads only: the definitions are not hers to see or change.
    assert_eq!(auditor.get("/console/definitions").await.status, 403);
    let json = serde_json::to_string(&valid("def-by-auditor")).unwrap();
    let posted = auditor
        .post_multipart("/console/definitions", &[("text", Part::Text(&json))])
        .await;
    assert_eq!(posted.status, 403);
    let stored = "SELECT count(*) FROM definitions WHERE id = ?1";
    assert_eq!(count(&console.db, stored, "def-by-auditor").await, 0);
    assert!(!auditor
        .get("/console/")
        .await
        .body
        .contains("/console/definitions"));
    let _ = auditor_id;

    // Someone with neither role does not see the log.
    let (_, mut registrar) = person(&console, "dengji", "邓记", &[Role::Registrar]).await;
    assert_eq!(registrar.get("/console/audit").await.status, 403);
}
