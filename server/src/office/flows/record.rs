//! 流转记录 — one flow as the office reads it: its head (the list's fields and more of the
//! document), every trace entry in order (node, who, on whose behalf, action, attitude, opinion
//! with its column, handwriting and voice), and what the reading office person may do to it now.
//! The handwriting images and voice clips are served only as files of an opinion in that very
//! flow of the office's own unit.

use super::act::{self, Acting};
use super::{refresh, row_of, unit_names, FlowError, FlowRow};
use crate::blobs;
use crate::db::Db;
use crate::error::ApiError;
use crate::instances::{load_instance, LoadedFlow};
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::DocumentKind;
use qianpi_domain::workflow::{
    Attitude, Command, Event, Instance, Opinion, OpinionFile, TraceRecord, MAX_OPINION_FILE_BYTES,
};

/// One entry of the flow record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// The version the entry produced (its place in the record).
    pub version: u64,
    /// The node it happened at, by name (none for actions on the whole flow).
    pub node: Option<String>,
    /// Who did it, by name: the secretary who entered a 代签, the deputy of a delegated task.
    pub who: String,
    /// On whose behalf, by name: the leader of a 代签, the principal of a delegated task.
    pub on_behalf_of: Option<String>,
    /// The action's stable name (`approve`, `urge`, `terminate` …).
    pub action: &'static str,
    /// The attitude of its opinion.
    pub attitude: Option<Attitude>,
    /// The opinion's text.
    pub opinion: Option<String>,
    /// The opinion column (拟办, 领导批示 …).
    pub column: Option<String>,
    /// 手写签批.
    pub handwriting: Option<OpinionFile>,
    /// 语音.
    pub audio: Option<OpinionFile>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// One flow with its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowDetail {
    /// The list's fields.
    pub row: FlowRow,
    /// 发起人, by name.
    pub initiator: String,
    /// The document's kind.
    pub kind: DocumentKind,
    /// 来文单位.
    pub from_organ: Option<String>,
    /// The process definition's name.
    pub process: String,
    /// The document's id (its body and attachments are read by it).
    pub document_id: String,
    /// Whether the document has a body.
    pub has_body: bool,
    /// Its attachments: id, name, size in bytes.
    pub attachments: Vec<(String, String, u64)>,
    /// The record, oldest first.
    pub record: Vec<RecordEntry>,
    /// Whether the reader may 催办 now (or could, but for the interval between two).
    pub may_urge: bool,
    /// Whether the reader may 终止.
    pub may_terminate: bool,
}

/// Flow `instance_id` of `unit_id` as `reader` sees it.
pub async fn detail(
    db: &Db,
    unit_id: &str,
    instance_id: &str,
    reader: &Acting,
    now: DateTime<Utc>,
) -> Result<FlowDetail, FlowError> {
    let (unit_id, instance_id, reader) =
        (unit_id.to_owned(), instance_id.to_owned(), reader.clone());
    db.tx(move |sql| {
        let Some(flow) = own_flow(sql, &unit_id, &instance_id)? else {
            return Ok(None);
        };
        refresh(sql, &unit_id, now)?;
        let started = sql
            .query_one(
                "SELECT started_at FROM flow_index WHERE instance_id = ?1",
                args![&instance_id],
            )?
            .text(0)?;
        let started_at = DateTime::parse_from_rfc3339(&started)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::internal("a stored time is damaged"))?;
        let names = unit_names(sql, &unit_id)?;
        let (may_urge, may_terminate) = act::offered(sql, &flow, &reader, now)?;
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        Ok(Some(FlowDetail {
            row: row_of(&flow, &names, started_at, now),
            initiator: name(&flow.instance.initiator),
            kind: flow.document.kind,
            from_organ: flow.document.from_organ.clone(),
            process: flow.definition.name.clone(),
            document_id: flow.document.id.clone(),
            has_body: flow.document.current_body().is_some(),
            attachments: flow
                .document
                .body
                .attachments
                .iter()
                .map(|a| (a.id.clone(), a.name.clone(), a.size))
                .collect(),
            record: flow
                .instance
                .trace
                .iter()
                .map(|record| entry(&flow, record, &name))
                .collect(),
            may_urge,
            may_terminate,
        }))
    })
    .await?
    .ok_or(FlowError::NotFound)
}

/// The flow, if it is one of the unit's.
pub(super) fn own_flow(
    sql: &mut dyn Sql,
    unit_id: &str,
    instance_id: &str,
) -> Result<Option<LoadedFlow>, ApiError> {
    Ok(load_instance(sql, instance_id, false)?.filter(|flow| flow.unit_id == unit_id))
}

/// A trace record as the flow record shows it.
fn entry(flow: &LoadedFlow, record: &TraceRecord, name: &dyn Fn(&str) -> String) -> RecordEntry {
    let instance = &flow.instance;
    let task = record.command.task_id().and_then(|id| instance.task(id));
    let node_id = task.map(|t| t.node_id.as_str()).or_else(|| {
        record
            .command
            .task_id()
            .and_then(|id| instance.read_item(id))
            .map(|item| item.node_id.as_str())
    });
    let node = node_id.map(|id| {
        flow.definition
            .node(id)
            .map_or_else(|| id.to_owned(), |n| n.name.clone())
    });
    // 代签: the secretary typed it in for the leader; a standing delegation: the deputy acted
    // on the principal's task.
    let (who, on_behalf_of) = match &record.entered_by {
        Some(secretary) => (name(secretary), Some(name(&record.actor))),
        None => (
            name(&record.actor),
            task.and_then(|t| t.on_behalf_of.as_deref())
                .filter(|principal| *principal != record.actor)
                .map(name),
        ),
    };
    let opinion = recorded_opinion(record);
    RecordEntry {
        version: record.version,
        node,
        who,
        on_behalf_of,
        action: record.command.name(),
        attitude: opinion.map(|o| o.attitude),
        opinion: opinion.map(|o| o.text.clone()).filter(|t| !t.is_empty()),
        column: opinion.and_then(|o| o.column.clone()),
        handwriting: opinion.and_then(|o| o.handwriting.clone()),
        audio: opinion.and_then(|o| o.audio.clone()),
        at: record.at,
    }
}

/// The opinion an entry recorded: as the workflow stamped it into the flow (with its column),
/// else as the command carried it. A 暂存 draft is the person's own and not shown.
fn recorded_opinion(record: &TraceRecord) -> Option<&Opinion> {
    let stamped = record.events.iter().find_map(|event| match event {
        Event::TaskFinished { opinion, .. }
        | Event::TaskApproving { opinion, .. }
        | Event::TaskReturned { opinion, .. } => Some(opinion),
        _ => None,
    });
    match &record.command {
        Command::Save { .. } => None,
        command => stamped.or_else(|| command.opinion()),
    }
}

/// A handwriting image or voice clip as the console serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpinionMedia {
    /// The media type to serve it as: an image or audio type a browser shows safely, else
    /// `application/octet-stream` (and then only as a download).
    pub media_type: String,
    /// Whether the browser may show it in the page.
    pub inline: bool,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The media types served for display; anything else (an SVG, HTML) is served as a download,
/// so a file a phone named cannot run in the console's origin.
const SHOWN: [&str; 13] = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "audio/aac",
    "audio/mp4",
    "audio/mpeg",
    "audio/ogg",
    "audio/webm",
    "audio/wav",
    "audio/x-wav",
    "audio/amr",
    "audio/x-m4a",
];

/// File `sha256` of an opinion in flow `instance_id` of `unit_id`.
pub async fn opinion_file(
    db: &Db,
    unit_id: &str,
    instance_id: &str,
    sha256: &str,
) -> Result<OpinionMedia, FlowError> {
    if !qianpi_protocol::crypto::is_sha256_hex(sha256) {
        return Err(FlowError::NotFound);
    }
    let (unit_id, instance_id, sha256) = (
        unit_id.to_owned(),
        instance_id.to_owned(),
        sha256.to_owned(),
    );
    db.tx(move |sql| {
        let Some(flow) = own_flow(sql, &unit_id, &instance_id)? else {
            return Ok(None);
        };
        if !names_file(&flow.instance, &sha256) {
            return Ok(None);
        }
        let Some(row) = sql.query_opt(
            "SELECT b.size, o.media_type FROM blobs b
             JOIN blob_owners o ON o.sha256 = b.sha256 AND o.unit_id = ?2
             WHERE b.sha256 = ?1",
            args![&sha256, &unit_id],
        )?
        else {
            return Ok(None);
        };
        let size = u64::try_from(row.int(0)?)
            .map_err(|_| ApiError::internal("a stored blob size is negative"))?;
        if size > MAX_OPINION_FILE_BYTES {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        let mut idx = 0u64;
        while u64::try_from(bytes.len()).unwrap_or(u64::MAX) < size {
            let chunk = blobs::chunk(sql, &sha256, idx)?;
            if chunk.is_empty() {
                return Err(ApiError::internal("a stored blob has an empty chunk"));
            }
            bytes.extend(chunk);
            idx = idx.saturating_add(1);
        }
        let stored = row.text(1)?;
        let essence = stored
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let inline = SHOWN.contains(&essence.as_str());
        Ok(Some(OpinionMedia {
            media_type: if inline {
                essence
            } else {
                "application/octet-stream".to_owned()
            },
            inline,
            bytes,
        }))
    })
    .await?
    .ok_or(FlowError::NotFound)
}

/// Whether an opinion recorded in the flow names the file.
fn names_file(instance: &Instance, sha256: &str) -> bool {
    let in_trace = instance
        .trace
        .iter()
        .filter_map(recorded_opinion)
        .flat_map(Opinion::files)
        .any(|f| f.sha256 == sha256);
    in_trace
        || instance
            .tasks
            .iter()
            .filter_map(|t| t.opinion.as_ref())
            .flat_map(Opinion::files)
            .any(|f| f.sha256 == sha256)
}
