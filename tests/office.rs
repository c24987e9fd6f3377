//! An office set up through the admin API for the tests with several phones and for the P-8
//! benchmark: a unit with an administrator, a drafter and some leaders, each leader with flows of
//! his own waiting for him (one-step 领导批示), flows any of the leaders may decide (抢办: the
//! first to finish decides, the others' tasks are cancelled), documents with a body, and notices
//! to everyone in the unit.

use crate::admin_api::{operator, post};
use crate::{http, Harness, Phone};
use qianpi_core::model::{BodyFormat, BodyStage, BodyVersion, Document, SecrecyLevel};
use qianpi_core::workflow::{Completion, HandlerMode, Node, ProcessDefinition};
use serde_json::{json, Value};

/// A leader of the office.
#[derive(Debug, Clone)]
pub struct Leader {
    /// User id.
    pub id: String,
    /// Login.
    pub login: String,
}

/// A unit set up for a day's work.
#[derive(Debug, Clone)]
pub struct Office {
    /// The unit id.
    pub unit: String,
    /// The unit administrator's admin token.
    pub token: String,
    /// The administrator (the notices' publisher).
    pub admin: String,
    /// The drafter of every flow.
    pub drafter: String,
    /// The leaders.
    pub leaders: Vec<Leader>,
}

/// An admin call that must answer `expected`; its JSON body.
async fn expect(
    harness: &Harness,
    token: &str,
    path: &str,
    body: Value,
    expected: u16,
) -> Result<Value, String> {
    let (status, answer) = post(harness, token, path, body).await;
    if status == expected {
        Ok(answer)
    } else {
        Err(format!("POST {path} answered {status}: {answer}"))
    }
}

fn field(value: &Value, pointer: &str) -> Result<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {value}"))
}

impl Office {
    /// Creates unit `unit` with an administrator, a drafter and `leaders` leaders.
    pub async fn create(harness: &Harness, unit: &str, leaders: usize) -> Result<Office, String> {
        let op = operator(harness).await;
        let body = json!({ "id": unit, "name": format!("{unit} 办公室"), "organ_code": "某办" });
        expect(harness, &op, "/units", body, 201).await?;
        let mut people = vec![
            (
                format!("admin-{unit}"),
                "管理员".to_owned(),
                "办公室主任",
                "unit_admin",
            ),
            (
                format!("drafter-{unit}"),
                "李四".to_owned(),
                "科员",
                "staff",
            ),
        ];
        for i in 1..=leaders {
            people.push((
                format!("leader{i}-{unit}"),
                format!("领导{i}"),
                "副局长",
                "leader",
            ));
        }
        let mut ids = Vec::new();
        for (login, name, post_name, role) in &people {
            let person = json!({ "login": login, "name": name, "post": post_name, "role": role });
            let user = expect(harness, &op, &format!("/units/{unit}/users"), person, 201).await?;
            ids.push(field(&user, "/id")?);
        }
        let token_request = json!({ "user_id": ids[0], "label": "office" });
        let issued = expect(
            harness,
            &op,
            &format!("/units/{unit}/admin-tokens"),
            token_request,
            201,
        )
        .await?;
        let office = Office {
            unit: unit.to_owned(),
            token: field(&issued, "/token")?,
            admin: ids[0].clone(),
            drafter: ids[1].clone(),
            leaders: people[2..]
                .iter()
                .zip(&ids[2..])
                .map(|((login, ..), id)| Leader {
                    id: id.clone(),
                    login: login.clone(),
                })
                .collect(),
        };
        for leader in &office.leaders {
            let own = ProcessDefinition::new(
                &format!("def-{}", leader.id),
                "收文办理",
                "leader",
                vec![
                    Node::manual("leader", "领导批示", &[leader.id.as_str()]).route("办结", "end"),
                    Node::end("end"),
                ],
            );
            office.load(harness, &own).await?;
        }
        if leaders > 1 {
            let ids: Vec<&str> = office.leaders.iter().map(|l| l.id.as_str()).collect();
            let mut node = Node::manual("leaders", "领导批示", &ids).route("办结", "end");
            node.mode = HandlerMode::Parallel;
            node.completion = Completion::FirstWins;
            let shared = ProcessDefinition::new(
                "def-shared",
                "抢办",
                "leaders",
                vec![node, Node::end("end")],
            );
            office.load(harness, &shared).await?;
        }
        Ok(office)
    }

    async fn load(&self, harness: &Harness, definition: &ProcessDefinition) -> Result<(), String> {
        let body = serde_json::to_value(definition).map_err(|e| e.to_string())?;
        let path = format!("/units/{}/definitions", self.unit);
        expect(harness, &self.token, &path, body, 201).await?;
        Ok(())
    }

    /// A document `id` of the unit, with a title of the day's mail.
    pub fn document(&self, id: &str) -> Document {
        crate::fixtures::document(
            id,
            &self.unit,
            "关于做好全市防汛抗旱工作的通知",
            SecrecyLevel::None,
        )
    }

    /// Starts a flow on `document` under definition `definition`; its instance id.
    async fn start(
        &self,
        harness: &Harness,
        definition: &str,
        document: &Document,
    ) -> Result<String, String> {
        let body = json!({
            "definition_id": definition,
            "drafter": self.drafter,
            "document": document,
        });
        let path = format!("/units/{}/flows", self.unit);
        let started = expect(harness, &self.token, &path, body, 201).await?;
        field(&started, "/instance_id")
    }

    /// Starts `count` flows waiting for leader `leader` alone, on documents `<prefix>-<n>`;
    /// their instance ids.
    pub async fn own_flows(
        &self,
        harness: &Harness,
        leader: usize,
        prefix: &str,
        count: usize,
    ) -> Result<Vec<String>, String> {
        let definition = format!("def-{}", self.leaders[leader].id);
        let mut started = Vec::new();
        for n in 0..count {
            let document = self.document(&format!("{prefix}-{n}"));
            started.push(self.start(harness, &definition, &document).await?);
        }
        Ok(started)
    }

    /// Starts a flow on document `id` that any leader may decide, the first to finish for all;
    /// its instance id.
    pub async fn shared_flow(&self, harness: &Harness, id: &str) -> Result<String, String> {
        self.start(harness, "def-shared", &self.document(id)).await
    }

    /// Uploads `body` and starts a flow for leader `leader` on document `id`, whose body it is;
    /// the instance id and the body's SHA-256.
    pub async fn flow_with_body(
        &self,
        harness: &Harness,
        leader: usize,
        id: &str,
        body: &[u8],
    ) -> Result<(String, String), String> {
        let sha256 = qianpi_core::crypto::sha256_hex(body);
        let response = http()
            .put(format!(
                "{}v1/admin/units/{}/blobs/{sha256}",
                harness.url(),
                self.unit
            ))
            .bearer_auth(&self.token)
            .header("content-type", "application/pdf")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() != 201 {
            return Err(format!("the body's upload answered {}", response.status()));
        }
        let mut document = self.document(id);
        document.body.versions.push(BodyVersion {
            id: format!("{id}-v1"),
            stage: BodyStage::Final,
            format: BodyFormat::Pdf,
            sha256: sha256.clone(),
            size: body.len() as u64,
            pages: Some(4),
            created_at: None,
            rendition: None,
        });
        let definition = format!("def-{}", self.leaders[leader].id);
        Ok((self.start(harness, &definition, &document).await?, sha256))
    }

    /// Publishes notice `title` to everyone in the unit; its id.
    pub async fn notice(&self, harness: &Harness, title: &str) -> Result<String, String> {
        self.publish(harness, title, false).await
    }

    /// Publishes notice `title` to everyone in the unit, asking each to reply whether they
    /// attend (`attend` or `absent`) within a day; its id.
    pub async fn meeting(&self, harness: &Harness, title: &str) -> Result<String, String> {
        self.publish(harness, title, true).await
    }

    async fn publish(&self, harness: &Harness, title: &str, reply: bool) -> Result<String, String> {
        let mut body = json!({
            "title": title,
            "body": "定于本周五上午九时在三楼会议室召开工作会议，请各位领导准时参加。",
            "publisher": self.admin,
            "scope": { "units": [self.unit] },
            "receipt_required": reply,
        });
        if reply {
            body["receipt_form"] = json!({
                "choices": [
                    { "id": "attend", "label": "参加" },
                    { "id": "absent", "label": "不参加" }
                ],
                "note": "optional"
            });
            body["receipt_deadline"] = json!(chrono::Utc::now() + chrono::Duration::days(1));
        }
        let path = format!("/units/{}/notices", self.unit);
        let published = expect(harness, &self.token, &path, body, 201).await?;
        field(&published, "/notice/id")
    }

    /// A phone named `name` activated for leader `leader` against `server_url` (a proxy in front
    /// of the gateway, say).
    pub async fn phone(
        &self,
        harness: &Harness,
        leader: usize,
        name: &str,
        server_url: &str,
    ) -> Result<Phone, String> {
        let user = &self.leaders[leader];
        let path = format!("/units/{}/users/{}/activation-code", self.unit, user.id);
        let issued = expect(
            harness,
            &self.token,
            &path,
            json!({ "needs_approval": false }),
            201,
        )
        .await?;
        let code = field(&issued, "/code")?;
        let phone = harness.phone(name)?;
        phone
            .client
            .activate(server_url, &user.login, &code, name, "terminal")
            .await
            .map_err(|e| e.to_string())?;
        Ok(phone)
    }
}

/// An opinion of `chars` characters, the `n`th of its kind, as a leader writes one.
pub fn opinion(n: usize, chars: usize) -> String {
    let head = format!("第{n}件：同意。");
    let body = "请办公室牵头，会同有关部门认真研究，抓紧制定落实方案，明确责任分工和完成时限，按时报送办理结果。";
    head.chars()
        .chain(body.chars().cycle())
        .take(chars)
        .collect()
}
