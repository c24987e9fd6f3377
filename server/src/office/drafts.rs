//! 发文 drafts kept at the gateway before their flow starts: a drafter's title and head fields,
//! the body's versions (each a PDF blob of the unit, with who uploaded it and when), and starting
//! the flow on the latest version through [`crate::admin::flows::start_flow`]. The drafter
//! follows (关注) the flows they started and any flow of the unit they choose ([`follows`]); the
//! initiator's 撤销 and a secretary's 代签 are decided by the workflow in [`acting`]; a leader's
//! standing delegations kept by their secretary are in [`deputies`].
//!
//! A draft belongs to its drafter: another person's draft, like another unit's, answers as if it
//! did not exist. Every change is audited under the person who made it, in its transaction.

pub mod acting;
pub mod deputies;
pub mod follows;
mod start;

pub use start::{add_version, definitions, start};

use crate::actor::AdminActor;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::{
    BodyStage, DocumentGenre, DocumentNumber, SecrecyLevel, Urgency, MAX_TITLE_CHARS,
};
use qianpi_domain::workflow::RejectionCode;
use serde::{Deserialize, Serialize};

/// The largest body file a drafter may upload (a scanned 公文 of some dozen pages fits).
pub const MAX_BODY_BYTES: usize = 50 * 1024 * 1024;
/// The most body versions one draft keeps.
pub const MAX_VERSIONS: usize = 50;
/// The most main recipients (主送机关) a draft names.
const MAX_RECIPIENTS: usize = 50;

/// Why a draft, a 撤销, a 代签 or a standing delegation was not done.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// No such draft or flow for this person (or it is another unit's).
    #[error("no such draft or flow")]
    NotFound,
    /// The person is not a secretary of that leader.
    #[error("not a secretary of that leader")]
    NotSecretary,
    /// The flow's rules refused the command (撤销 after an approval: `TooLate`).
    #[error("refused by the flow's rules: {}", .0.as_str())]
    Refused(RejectionCode),
    /// What the person entered cannot be used.
    #[error("cannot be used: {0:?}")]
    Invalid(Invalid),
    /// The database or a shared check failed.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// What was wrong with what a person entered; each has its text in the console's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// A blank title.
    EmptyTitle,
    /// A title over [`MAX_TITLE_CHARS`].
    TitleTooLong,
    /// A 发文字号 without organ code, a year not of four digits, or sequence 0.
    BadNumber,
    /// A blank or too long list of main recipients.
    BadRecipients,
    /// The body file is not a PDF.
    NotPdf,
    /// The body file is empty.
    EmptyFile,
    /// The body file is over [`MAX_BODY_BYTES`].
    FileTooLarge,
    /// The draft already holds [`MAX_VERSIONS`] versions.
    TooManyVersions,
    /// Starting a draft that has no body version yet.
    NoBody,
    /// The draft's flow has started already: it is no longer changed.
    AlreadyStarted,
    /// No such process definition in the unit.
    NoSuchDefinition,
    /// The opinion text is over the workflow's bound.
    OpinionTooLong,
    /// A delegation to oneself (the leader).
    DelegateToSelf,
    /// A delegation window that is empty or already over.
    BadWindow,
    /// A delegation window over the 92 days a principal may set.
    WindowTooLong,
    /// A deputy who is not a person of the unit.
    NoSuchDeputy,
}

impl From<Invalid> for DraftError {
    fn from(invalid: Invalid) -> DraftError {
        DraftError::Invalid(invalid)
    }
}

/// The head fields of a 发文 draft, as the drafter enters them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftFields {
    /// 标题.
    pub title: String,
    /// 发文字号.
    pub number: DocumentNumber,
    /// 紧急程度.
    pub urgency: Urgency,
    /// 密级 (a draft above 无 is started but never reaches a phone).
    pub secrecy: SecrecyLevel,
    /// 文种.
    pub genre: Option<DocumentGenre>,
    /// 主送机关.
    pub main_recipients: Vec<String>,
}

impl DraftFields {
    /// The fields trimmed, or what is wrong with them.
    fn checked(mut self) -> Result<DraftFields, Invalid> {
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            return Err(Invalid::EmptyTitle);
        }
        if self.title.chars().count() > MAX_TITLE_CHARS || self.title.chars().any(char::is_control)
        {
            return Err(Invalid::TitleTooLong);
        }
        self.number.organ = self.number.organ.trim().to_owned();
        let number = &self.number;
        if number.organ.is_empty()
            || number.organ.chars().count() > 32
            || !(1000..=9999).contains(&number.year)
            || number.sequence == 0
        {
            return Err(Invalid::BadNumber);
        }
        self.main_recipients = self
            .main_recipients
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        let too_long = self.main_recipients.iter().any(|r| r.chars().count() > 100);
        if self.main_recipients.len() > MAX_RECIPIENTS || too_long {
            return Err(Invalid::BadRecipients);
        }
        Ok(self)
    }
}

/// A body version of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftVersion {
    /// 1 for the first upload, and so on.
    pub seq: u32,
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The file's name as uploaded.
    pub file_name: String,
    /// 草稿, 核稿, 定稿 or 盖章版.
    pub stage: BodyStage,
    /// Who uploaded it (user id) and their name.
    pub uploaded_by: String,
    /// The uploader's name.
    pub uploaded_by_name: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A draft as its drafter sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Id.
    pub id: String,
    /// The drafter's user id.
    pub drafter: String,
    /// The head fields.
    pub fields: DraftFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The flow it started, once started.
    pub instance_id: Option<String>,
    /// The body versions, oldest first; the last is the one a start uses.
    pub versions: Vec<DraftVersion>,
}

/// A PDF body version to add.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The file's name as uploaded.
    pub file_name: String,
    /// The stage it stands at.
    pub stage: BodyStage,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

/// Creates a draft of `actor` (a person of `unit_id`) with these fields.
pub async fn create(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    fields: DraftFields,
    now: DateTime<Utc>,
) -> Result<String, DraftError> {
    let fields = fields.checked()?;
    let id = format!("draft-{}", uuid::Uuid::now_v7());
    let (actor, unit_id, out) = (actor.clone(), unit_id.to_owned(), id.clone());
    db.tx(move |sql| {
        person_of_unit(sql, &actor, &unit_id)?;
        sql.execute(
            "INSERT INTO office_drafts (id, unit_id, drafter, title, fields, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![
                &id,
                &unit_id,
                &actor.actor,
                &fields.title,
                encode(&fields)?,
                now.to_rfc3339()
            ],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "draft.created",
            &id,
            serde_json::json!({ "title_chars": fields.title.chars().count() }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The unit's 机关代字, which a new draft's 发文字号 starts from.
pub async fn organ_code(db: &Db, actor: &AdminActor, unit_id: &str) -> Result<String, DraftError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    Ok(db
        .tx(move |sql| {
            person_of_unit(sql, &actor, &unit_id)?;
            Ok(sql
                .query_one(
                    "SELECT organ_code FROM units WHERE id = ?1",
                    args![&unit_id],
                )?
                .text(0)?)
        })
        .await?)
}

/// The drafts of `actor`, newest first, without their versions.
pub async fn list(db: &Db, actor: &AdminActor, unit_id: &str) -> Result<Vec<Draft>, DraftError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    Ok(db
        .tx(move |sql| {
            person_of_unit(sql, &actor, &unit_id)?;
            sql.query(
                "SELECT id, drafter, fields, created_at, instance_id FROM office_drafts
                 WHERE unit_id = ?1 AND drafter = ?2 ORDER BY created_at DESC, id DESC",
                args![&unit_id, &actor.actor],
            )?
            .iter()
            .map(|row| {
                Ok(Draft {
                    id: row.text(0)?,
                    drafter: row.text(1)?,
                    fields: decode(&row.text(2)?)?,
                    created_at: time(&row.text(3)?)?,
                    instance_id: row.opt_text(4)?,
                    versions: Vec::new(),
                })
            })
            .collect()
        })
        .await?)
}

/// Draft `id` of `actor`, with its versions; `NotFound` for anyone else's.
pub async fn get(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    id: &str,
) -> Result<Draft, DraftError> {
    let (actor, unit_id, id) = (actor.clone(), unit_id.to_owned(), id.to_owned());
    db.tx(move |sql| load(sql, &actor, &unit_id, &id, false))
        .await?
}

/// Draft `id` of `actor` with its versions (`lock`: the draft row for update), or `NotFound`.
fn load(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    id: &str,
    lock: bool,
) -> Result<Result<Draft, DraftError>, ApiError> {
    person_of_unit(sql, actor, unit_id)?;
    let lock = if lock { sql.dialect().for_update() } else { "" };
    let Some(row) = sql.query_opt(
        &format!(
            "SELECT id, drafter, fields, created_at, instance_id FROM office_drafts
             WHERE id = ?1 AND unit_id = ?2 AND drafter = ?3{lock}"
        ),
        args![id, unit_id, &actor.actor],
    )?
    else {
        return Ok(Err(DraftError::NotFound));
    };
    let mut versions = Vec::new();
    for v in sql.query(
        "SELECT v.seq, v.sha256, v.size, v.file_name, v.stage, v.uploaded_by, v.uploaded_at,
                COALESCE(u.name, v.uploaded_by)
         FROM office_draft_versions v LEFT JOIN users u ON u.id = v.uploaded_by
         WHERE v.draft_id = ?1 ORDER BY v.seq",
        args![id],
    )? {
        versions.push(DraftVersion {
            seq: u32::try_from(v.int(0)?).map_err(|_| ApiError::internal("bad version seq"))?,
            sha256: v.text(1)?,
            size: u64::try_from(v.int(2)?).map_err(|_| ApiError::internal("bad file size"))?,
            file_name: v.text(3)?,
            stage: decode(&v.text(4)?)?,
            uploaded_by: v.text(5)?,
            uploaded_by_name: v.text(7)?,
            uploaded_at: time(&v.text(6)?)?,
        });
    }
    Ok(Ok(Draft {
        id: row.text(0)?,
        drafter: row.text(1)?,
        fields: decode(&row.text(2)?)?,
        created_at: time(&row.text(3)?)?,
        instance_id: row.opt_text(4)?,
        versions,
    }))
}

/// Checks that the unit is the actor's and the actor a person of it (404 otherwise).
fn person_of_unit(sql: &mut dyn Sql, actor: &AdminActor, unit_id: &str) -> Result<(), ApiError> {
    actor.check_unit(sql, unit_id)?;
    let found = sql
        .query_opt(
            "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
            args![&actor.actor, unit_id],
        )?
        .is_some();
    if found {
        Ok(())
    } else {
        Err(crate::actor::not_found(
            "no_such_user",
            "no such person in this unit",
        ))
    }
}

/// A stored RFC 3339 time.
fn time(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::internal("a stored time is malformed"))
}
