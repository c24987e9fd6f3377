//! The demo unit 山西省农业厅办公室, seeded into a new database unless the gateway is told not
//! to: a leader, a drafter, a handler, a 收文 process and one incoming document waiting for the
//! leader's instruction (批示), whose body and attachment are real small PDF files, stored as
//! the unit's blobs so the leader's phone can download and open them. The demo and many tests
//! start from it.

mod pdf;

use crate::blobs;
use crate::db::{encode, Db};
use crate::error::ApiError;
use crate::instances::insert_flow;
use crate::sql::args;
use qianpi_domain::model::{
    Attachment, BodyFormat, BodyStage, BodyVersion, Document, DocumentBody, DocumentKind,
    DocumentNumber, SecrecyLevel, Urgency,
};
use qianpi_domain::workflow::{Env, Instance, Node, ProcessDefinition};
use qianpi_protocol::crypto::sha256_hex;

/// 王建国, 厅长: the leader who approves.
pub const LEADER: &str = "wangjianguo";
/// 李晓梅, 秘书科科员: the drafter who registered the document.
pub const DRAFTER: &str = "lixiaomei";
/// 赵文, 办公室主任: handles the document after the leader.
pub const HANDLER: &str = "zhaowen";
/// The seeded instance.
pub const INSTANCE: &str = "inst-2026-0012";

/// Seeds the demo unit 山西省农业厅办公室: a leader, a drafter, a handler, the unit's 常用意见, a
/// 收文 process and one incoming document waiting for the leader's instruction (批示).
pub async fn seed(db: &Db) -> Result<(), ApiError> {
    db.tx(|sql| {
        let now = chrono::Utc::now();
        sql.execute(
            "INSERT INTO units (id, name, organ_code, created_at) VALUES ('unit-sxnyt', '山西省农业厅办公室', '晋农办', ?1)",
            args![now.to_rfc3339()],
        )?;
        for (id, login, name, post, role) in [
            ("user-wang", LEADER, "王建国", "厅长", "leader"),
            ("user-li", DRAFTER, "李晓梅", "秘书科科员", "staff"),
            ("user-zhao", HANDLER, "赵文", "办公室主任", "staff"),
        ] {
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, 'unit-sxnyt', ?2, ?3, ?4, ?5, '{}', ?6)",
                args![id, login, name, post, role, now.to_rfc3339()],
            )?;
        }
        // 常用意见 every phone of the unit lists after its person's own.
        let phrases = ["同意。", "请晓梅同志阅处。", "已阅。", "拟同意，请领导审定。"];
        sql.execute(
            "INSERT INTO unit_phrases (unit_id, body, updated_at) VALUES ('unit-sxnyt', ?1, ?2)",
            args![crate::db::encode(&phrases)?, now.to_rfc3339()],
        )?;
        let definition = ProcessDefinition::new(
            "def-incoming",
            "收文办理",
            "leader-instruction",
            vec![
                leader_node(),
                handling_node(),
                Node::end("end"),
            ],
        );
        let body_pdf = pdf::one_page(&[
            "Notice on preparing the 2026 spring planting",
            "Jin Nong Ban [2026] No. 12",
            "General Office of the Shanxi Provincial People's Government",
            "All cities: make the seed, fertiliser and machinery ready before 20 March.",
        ]);
        let attachment_pdf = pdf::one_page(&[
            "Annex: breakdown of the 2026 spring planting tasks",
            "Seed supply - Fertiliser supply - Machinery repair",
        ]);
        for file in [&body_pdf, &attachment_pdf] {
            blobs::put(sql, "unit-sxnyt", &sha256_hex(file), "application/pdf", file, now)?;
        }
        let document = Document {
            id: "doc-2026-0012".into(),
            unit_id: "unit-sxnyt".into(),
            kind: DocumentKind::Incoming,
            title: "关于做好2026年春耕备耕工作的通知".into(),
            number: DocumentNumber { organ: "晋农办".into(), year: 2026, sequence: 12 },
            urgency: Urgency::Urgent,
            secrecy: SecrecyLevel::None,
            from_organ: Some("山西省人民政府办公厅".into()),
            received_at: Some("2026-03-02T09:00:00+08:00".into()),
            head: Default::default(),
            body: DocumentBody {
                main_recipients: vec!["各市人民政府".into()],
                versions: vec![BodyVersion {
                    id: "doc-2026-0012-v1".into(),
                    stage: BodyStage::Sealed,
                    format: BodyFormat::Pdf,
                    sha256: sha256_hex(&body_pdf),
                    size: body_pdf.len() as u64,
                    pages: Some(1),
                    created_at: None,
                    rendition: None,
                }],
                attachments: vec![Attachment {
                    id: "doc-2026-0012-a1".into(),
                    name: "2026年春耕备耕任务分解表".into(),
                    media_type: "application/pdf".into(),
                    size: attachment_pdf.len() as u64,
                    sha256: sha256_hex(&attachment_pdf),
                }],
                ..Default::default()
            },
            footer: Default::default(),
            receiving: Default::default(),
            handling: Default::default(),
        };
        let instance = Instance::start(Env::new(&definition), INSTANCE, &document.id, "user-li", now)
            .map_err(|e| ApiError::internal(format!("demo definition invalid: {e}")))?;
        sql.execute(
            "INSERT INTO definitions (id, unit_id, body) VALUES (?1, 'unit-sxnyt', ?2)",
            args![&definition.id, encode(&definition)?],
        )?;
        insert_flow(sql, "unit-sxnyt", &definition, &document, &instance)?;
        Ok(())
    })
    .await
}

/// 领导批示: the leader may recall an instruction until the office has acted on it.
/// 承办: the office's director may pass the work on to one of his staff (转交) or circulate it
/// for reading (传阅).
fn handling_node() -> Node {
    let mut node = Node::manual("handling", "承办", &["user-zhao"]).route("办结", "end");
    node.allow.transfer = true;
    node.allow.circulate = true;
    node
}

fn leader_node() -> Node {
    let mut node =
        Node::manual("leader-instruction", "领导批示", &["user-wang"]).route("送承办", "handling");
    node.allow.recall = true;
    // A leader back from a trip clears his 待办 in one go (批量审批).
    node.allow.batch = true;
    node
}
