//! What the flow tests start from: a 收文 process whose steps allow 催办 (领导批示 by a leader,
//! then 承办 by a handler), flows started on unclassified documents by an office person, and a
//! leader's approval from his phone with handwriting and voice, written as the gateway writes
//! a phone's accepted command (instance, feeds, trace row).

use chrono::{DateTime, Utc};
use qianpi_domain::model::{Document, DocumentKind, DocumentNumber, SecrecyLevel, Urgency};
use qianpi_domain::workflow::{
    self, Actor, Attitude, Command, Env, Node, Opinion, OpinionFile, Outcome, ProcessDefinition,
    Submission,
};
use qianpi_gateway::admin::flows::{load_definition, start_flow, StartFlow};
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::blobs::opinion_files;
use qianpi_gateway::db::{encode, Db};
use qianpi_gateway::feed;
use qianpi_gateway::instances::{load_instance, save_instance};
use qianpi_gateway::sql::args;
use qianpi_protocol::crypto::sha256_hex;
use qianpi_protocol::Change;

/// An opinion a page must show as text, never as markup.
pub const HOSTILE_OPINION: &str = "<script>alert('批示')</script>同意，请办理。";

/// The people of one unit's flows.
#[derive(Debug, Clone)]
pub struct Office {
    pub unit: String,
    pub leader: String,
    pub handler: String,
    /// Who starts the flows (their initiator).
    pub initiator: String,
}

impl Office {
    /// The definition id the flows follow.
    pub const DEFINITION: &'static str = "def-flows-urgeable";

    /// Loads the 收文 process into the unit.
    pub async fn load_process(&self, db: &Db) {
        let mut leader =
            Node::manual("leader", "领导批示", &[&self.leader]).route("送承办", "handling");
        leader.allow.urge = true;
        leader.opinion_column = Some("领导批示".into());
        let mut handling = Node::manual("handling", "承办", &[&self.handler]).route("办结", "end");
        handling.allow.urge = true;
        let definition = ProcessDefinition::new(
            Office::DEFINITION,
            "收文办理",
            "leader",
            vec![leader, handling, Node::end("end")],
        );
        load_definition(db, &AdminActor::cli(), &self.unit, definition, Utc::now())
            .await
            .unwrap();
    }

    /// An unclassified 特急 incoming document of the unit, due at `deadline` if given.
    pub fn document(&self, id: &str, title: &str, deadline: Option<DateTime<Utc>>) -> Document {
        let mut document = Document {
            id: id.into(),
            unit_id: self.unit.clone(),
            kind: DocumentKind::Incoming,
            title: title.into(),
            number: DocumentNumber {
                organ: "某农".into(),
                year: 2026,
                sequence: 7,
            },
            urgency: Urgency::ExtraUrgent,
            secrecy: SecrecyLevel::None,
            from_organ: Some("市农业农村局".into()),
            received_at: None,
            head: Default::default(),
            body: Default::default(),
            footer: Default::default(),
            receiving: Default::default(),
            handling: Default::default(),
        };
        document.handling.deadline = deadline;
        document
    }

    /// Starts flow `id` on `document`, as the initiator; returns the instance id.
    pub async fn start(&self, db: &Db, id: &str, document: Document) -> String {
        let start = StartFlow {
            definition_id: Office::DEFINITION.into(),
            drafter: self.initiator.clone(),
            document,
            instance_id: Some(id.into()),
            handlers: Default::default(),
        };
        let actor = AdminActor::unit_admin(&self.initiator, &self.unit);
        start_flow(db, &actor, &self.unit, start, Utc::now())
            .await
            .unwrap()
            .instance_id
    }

    /// A handwriting image and a voice clip, uploaded by the leader's phone.
    pub async fn upload_opinion_files(&self, db: &Db) -> (OpinionFile, OpinionFile) {
        let mut files = Vec::new();
        for (bytes, media_type, duration_ms) in [
            (b"\x89PNG\r\n\x1a\nhandwriting".to_vec(), "image/png", None),
            (
                b"voice clip of the leader".to_vec(),
                "audio/aac",
                Some(3_000),
            ),
        ] {
            let sha256 = sha256_hex(&bytes);
            let size = bytes.len() as u64;
            opinion_files::upload(
                db,
                &self.unit,
                &self.leader,
                &sha256,
                media_type.into(),
                bytes.into(),
                Utc::now(),
            )
            .await
            .unwrap();
            files.push(OpinionFile {
                sha256,
                media_type: media_type.into(),
                size,
                duration_ms,
            });
        }
        let audio = files.pop().unwrap();
        (files.pop().unwrap(), audio)
    }

    /// The leader approves the flow's pending task from his phone with `text`, handwriting and
    /// voice; returns the two files.
    pub async fn leader_approves(
        &self,
        db: &Db,
        instance_id: &str,
        text: &str,
    ) -> (OpinionFile, OpinionFile) {
        let (handwriting, audio) = self.upload_opinion_files(db).await;
        let opinion = Opinion {
            attitude: Attitude::Agree,
            text: text.into(),
            handwriting: Some(handwriting.clone()),
            audio: Some(audio.clone()),
            column: None,
            on_behalf_of: None,
        };
        let (leader, instance_id) = (self.leader.clone(), instance_id.to_owned());
        db.tx(move |sql| {
            let flow = load_instance(sql, &instance_id, true)?.unwrap();
            let task = flow
                .instance
                .tasks
                .iter()
                .find(|t| t.state.is_pending() && t.assignee == leader)
                .unwrap();
            let submission = Submission {
                command_id: format!("phone-{instance_id}"),
                actor: Actor::user(&leader),
                acting_for: None,
                base_version: flow.instance.version,
                command: Command::Approve {
                    task_id: task.id.clone(),
                    route: None,
                    opinion: opinion.clone(),
                },
                at: Utc::now(),
            };
            let Ok(Outcome::Applied { instance, record }) =
                workflow::execute(Env::new(&flow.definition), &flow.instance, &submission)
            else {
                panic!("the leader's approval was refused");
            };
            save_instance(sql, &instance, &flow.definition, &flow.document)?;
            sql.execute(
                "INSERT INTO trace (instance_id, command_id, actor, device_id, body, at)
                 VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
                args![
                    &instance_id,
                    &submission.command_id,
                    &leader,
                    encode(&record)?,
                    Utc::now().to_rfc3339()
                ],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        (handwriting, audio)
    }

    /// How many changes of the handler's feed carried the flow with the handler's task urged.
    pub async fn urged_in_feed(&self, db: &Db, instance_id: &str) -> usize {
        let (handler, instance_id) = (self.handler.clone(), instance_id.to_owned());
        db.tx(move |sql| feed::stored_changes(sql, &handler))
            .await
            .unwrap()
            .iter()
            .filter(|(_, change)| match change {
                Change::Inbox { entry } => {
                    entry.instance.id == instance_id
                        && entry
                            .instance
                            .tasks
                            .iter()
                            .any(|t| t.assignee == self.handler && t.urge_count > 0)
                }
                _ => false,
            })
            .count()
    }
}
