//! The office the terminal's action tests start from, set up through the gateway's admin API
//! (on SQLite, or PostgreSQL when `QIANPI_TEST_POSTGRES` names a server): a unit with an
//! administrator, a leader (张三), a staff member (李四, the flows' drafter and 承办) and a clerk
//! (王五), a 收文 flow whose 领导批示 step allows nearly everything (送承办 r1 / 退文 r2, 驳回
//! ends the flow; 承办 needs an opinion and may return to the leader), one flow waiting for the
//! leader, and `qianpi` terminals activated for the people as a user activates one.

use super::bodies::{qianpi, text};
use qianpi_core::model::SecrecyLevel;
use qianpi_core::workflow::{InstanceState, Node, ProcessDefinition, RejectPolicy};
use qianpi_gateway::admin::describe_instance;
use qianpi_tests::admin_api::{operator, post};
use qianpi_tests::fixtures::document;
use qianpi_tests::Harness;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Output;
use tempfile::TempDir;

/// A unit, its people by user id, and the first flow.
pub struct Office {
    pub harness: Harness,
    pub unit: String,
    token: String,
    pub admin: String,
    pub leader: String,
    pub staff: String,
    pub clerk: String,
    /// The flow waiting for the leader.
    pub flow: String,
    dir: TempDir,
}

/// One person's `qianpi` terminal (its own data folder).
pub struct Terminal {
    pub dir: PathBuf,
}

/// The definition: 领导批示 → 承办 (the staff member) → end.
fn definition(unit: &str, leader: &str, staff: &str) -> ProcessDefinition {
    let mut lead = Node::manual("leader", "领导批示", &[leader])
        .route("送承办", "handling")
        .route("退文", "end");
    lead.reject = RejectPolicy::Terminate;
    let allow = &mut lead.allow;
    (allow.recall, allow.transfer, allow.delegate, allow.add_sign) = (true, true, true, true);
    (allow.circulate, allow.urge, allow.batch, allow.terminate) = (true, true, true, true);
    let mut handling = Node::manual("handling", "承办", &[staff]).route("办结", "end");
    handling.allow.urge = true;
    handling.routes[0].requires_opinion = true;
    handling.returns.allowed = true;
    handling.returns.targets = vec!["leader".into()];
    ProcessDefinition::new(
        &format!("def-{unit}"),
        "收文办理",
        "leader",
        vec![lead, handling, Node::end("end")],
    )
}

/// An admin call that must answer 201; its body.
async fn created(harness: &Harness, token: &str, path: &str, body: Value) -> Value {
    let (status, answer) = post(harness, token, path, body).await;
    assert_eq!(status, 201, "POST {path}: {answer}");
    answer
}

impl Office {
    /// Unit `id` with its people and its 收文 flow, one flow started.
    pub async fn open(id: &str) -> Office {
        let harness = Harness::start().await.unwrap();
        let op = operator(&harness).await;
        let unit = json!({ "id": id, "name": format!("{id} 办公室"), "organ_code": "某办" });
        created(&harness, &op, "/units", unit).await;
        let mut ids = Vec::new();
        for (login, name, post_name, role) in [
            (
                format!("admin-{id}"),
                "管理员",
                "办公室副主任",
                "unit_admin",
            ),
            ("zhangsan".to_owned(), "张三", "局长", "leader"),
            (format!("staff-{id}"), "李四", "科员", "staff"),
            (format!("clerk-{id}"), "王五", "文书", "staff"),
        ] {
            let person = json!({ "login": login, "name": name, "post": post_name, "role": role });
            let user = created(&harness, &op, &format!("/units/{id}/users"), person).await;
            ids.push(user["id"].as_str().unwrap().to_owned());
        }
        let request = json!({ "user_id": ids[0], "label": "terminal tests" });
        let issued = created(&harness, &op, &format!("/units/{id}/admin-tokens"), request).await;
        let mut office = Office {
            harness,
            unit: id.to_owned(),
            token: issued["token"].as_str().unwrap().to_owned(),
            admin: ids[0].clone(),
            leader: ids[1].clone(),
            staff: ids[2].clone(),
            clerk: ids[3].clone(),
            flow: String::new(),
            dir: tempfile::tempdir().unwrap(),
        };
        office
            .load(&definition(id, &office.leader, &office.staff))
            .await;
        office.flow = office
            .start(
                &format!("def-{id}"),
                "doc-1",
                "关于做好全市防汛抗旱工作的通知",
            )
            .await;
        office
    }

    /// Loads another process definition for the unit.
    pub async fn load(&self, definition: &ProcessDefinition) {
        let body = serde_json::to_value(definition).unwrap();
        let path = format!("/units/{}/definitions", self.unit);
        created(&self.harness, &self.token, &path, body).await;
    }

    /// Starts a flow of `definition` drafted by the staff member on a new document `doc` titled
    /// `title`; its instance id.
    pub async fn start(&self, definition: &str, doc: &str, title: &str) -> String {
        let doc = document(
            &format!("{doc}-{}", self.unit),
            &self.unit,
            title,
            SecrecyLevel::None,
        );
        let body = json!({ "definition_id": definition, "drafter": self.staff, "document": doc });
        let path = format!("/units/{}/flows", self.unit);
        let started = created(&self.harness, &self.token, &path, body).await;
        started["instance_id"].as_str().unwrap().to_owned()
    }

    /// Another flow of the unit's 收文 definition.
    pub async fn another(&self, doc: &str, title: &str) -> String {
        self.start(&format!("def-{}", self.unit), doc, title).await
    }

    /// Adds a person to the unit (`extra` fields such as `secretary_for` merged in); the id.
    pub async fn person(&self, login: &str, name: &str, role: &str, extra: Value) -> String {
        let mut person = json!({ "login": login, "name": name, "post": "秘书", "role": role });
        if let (Some(fields), Some(more)) = (person.as_object_mut(), extra.as_object()) {
            fields.extend(more.clone());
        }
        let path = format!("/units/{}/users", self.unit);
        let user = created(&self.harness, &self.token, &path, person).await;
        user["id"].as_str().unwrap().to_owned()
    }

    /// The terminal of `user` (login `login`), activated with a code the administrator issued,
    /// and synced once.
    pub async fn terminal(&self, user: &str, login: &str) -> Terminal {
        let path = format!("/units/{}/users/{user}/activation-code", self.unit);
        let body = json!({ "needs_approval": false });
        let issued = created(&self.harness, &self.token, &path, body).await;
        let code = issued["code"].as_str().unwrap();
        let terminal = Terminal {
            dir: self.dir.path().join(login),
        };
        let url = self.harness.url();
        let args = [
            "activate", "--server", &url, "--login", login, "--code", code,
        ];
        terminal.ok(&args).await;
        terminal.sync().await;
        terminal
    }

    /// The leader's terminal.
    pub async fn leader(&self) -> Terminal {
        self.terminal(&self.leader.clone(), "zhangsan").await
    }

    /// The staff member's terminal.
    pub async fn staff(&self) -> Terminal {
        let login = format!("staff-{}", self.unit);
        self.terminal(&self.staff.clone(), &login).await
    }

    /// The administrator's terminal.
    pub async fn admin(&self) -> Terminal {
        let login = format!("admin-{}", self.unit);
        self.terminal(&self.admin.clone(), &login).await
    }

    /// The clerk's terminal.
    pub async fn clerk(&self) -> Terminal {
        let login = format!("clerk-{}", self.unit);
        self.terminal(&self.clerk.clone(), &login).await
    }

    /// The state of `instance` at the gateway, and the step it waits at.
    pub async fn state(&self, instance: &str) -> (InstanceState, Option<String>) {
        let summary = describe_instance(&self.harness.db, instance)
            .await
            .unwrap()
            .unwrap();
        (summary.state, summary.current_node)
    }
}

impl Terminal {
    /// `qianpi <args>` on this terminal.
    pub async fn run(&self, args: &[&str]) -> Output {
        qianpi(&self.dir, args).await
    }

    /// `qianpi <args>`, which must succeed; what it printed.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "qianpi {args:?}\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// `qianpi <args>`, which must fail, printing nothing on stdout; what it said on stderr.
    pub async fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            !out.status.success(),
            "qianpi {args:?} succeeded: {}",
            text(&out.stdout)
        );
        text(&out.stderr)
    }

    /// An action taken here: it must be signed and queued.
    pub async fn act(&self, args: &[&str]) {
        let out = self.ok(args).await;
        assert!(out.contains("已签名并放入待发队列"), "{args:?}: {out}");
    }

    /// `qianpi sync`; what it printed.
    pub async fn sync(&self) -> String {
        self.ok(&["sync"]).await
    }

    /// Approves `task` on route `r1` with `opinion` and syncs it, expecting it accepted.
    pub async fn approve_on(&self, task: &str, opinion: &str) {
        let args = [
            "act",
            task,
            "approve",
            "--route",
            "r1",
            "--opinion",
            opinion,
        ];
        self.act(&args).await;
        self.delivered(1).await;
    }

    /// Syncs and expects `accepted` commands accepted and none refused.
    pub async fn delivered(&self, accepted: usize) {
        let out = self.sync().await;
        let expected = format!("accepted {accepted}, refused 0");
        assert!(out.contains(&expected), "{out}");
    }

    /// `qianpi list <which>`: the ids on its rows, in order (the last word of each row).
    pub async fn list(&self, which: &str) -> Vec<String> {
        rows(&self.ok(&["list", which]).await)
    }

    /// The id on the row of `qianpi list <which>` whose title is `title`.
    pub async fn row(&self, which: &str, title: &str) -> String {
        let listing = self.listing(which).await;
        let line = listing.lines().find(|l| l.contains(title));
        let line = line.unwrap_or_else(|| panic!("no {title} in {listing}"));
        rows(line).remove(0)
    }

    /// `qianpi list <which>` as printed.
    pub async fn listing(&self, which: &str) -> String {
        self.ok(&["list", which]).await
    }
}

/// The ids on the rows of a listing: each row starts with its urgency, `[平件]`, and ends with
/// the id.
pub fn rows(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter(|line| line.starts_with('['))
        .filter_map(|line| line.split_whitespace().last())
        .map(str::to_owned)
        .collect()
}
