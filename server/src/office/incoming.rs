//! 收文登记 — a registrar's incoming document turned into a stored 公文 and a started flow. The
//! form is checked whole first ([`fields`]: the GB/T 9704 fields; [`files`]: the body as PDF
//! and/or OFD by its bytes, the attachments, the sizes), the process definition must be one of
//! the registrar's unit that can start, and every fault is returned together, named by its
//! field. Only a form without faults stores anything: its files as the unit's blobs, then the
//! document and its flow through [`crate::admin::flows::start_flow`], with the registrar as the
//! initiator, all audited under the registrar.
//!
//! Also what the console shows around it: the unit's definitions with the people of each step,
//! and a document's body and attachments for the unit's own office.

mod faults;
mod fields;
mod files;
mod form;
#[cfg(test)]
mod tests;
mod view;

pub use fields::{genre_value, Field, FieldError, Problem};
pub use files::{
    is_ofd, is_pdf, shown_inline, Upload, MAX_ATTACHMENTS, MAX_FILE_BYTES, MAX_REQUEST_BYTES,
};
pub use view::{
    definitions, document_file, has_definition, people, Choice, ChoiceKind, DefinitionChoice,
    DocumentFile, Person, Step, Which,
};

use crate::actor::AdminActor;
use crate::admin::flows::{is_person_of, start_flow, FlowStarted, StartFlow};
use crate::blobs;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::instances::{load_document, standing_delegations};
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fields::Faults;
use qianpi_domain::model::{Attachment, BodyFormat, BodyStage, BodyVersion, Document, Rendition};
use qianpi_domain::workflow::{
    ChoiceError, ChosenHandlers, Env, Instance, NodeKind, ProcessDefinition, StartError,
};
use qianpi_protocol::crypto::sha256_hex;

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    /// Faulty fields, every one of them; nothing was stored.
    #[error("{} field(s) of the registration are not valid", .0.len())]
    Fields(Vec<FieldError>),
    /// Anything else (the unit, the database).
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// The registrar's form as entered: texts as typed (so a refused form is shown again with them),
/// files as sent.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// 来文单位.
    pub from_organ: String,
    /// 文号, e.g. `晋农办〔2026〕12号`.
    pub number: String,
    /// 标题.
    pub title: String,
    /// 紧急程度: `normal`, `urgent` or `extra_urgent`.
    pub urgency: String,
    /// 密级: `none`, `secret`, `confidential` or `top_secret`.
    pub secrecy: String,
    /// 文种 (`notice` …), empty for none.
    pub genre: String,
    /// 成文日期 `YYYY-MM-DD`, empty for unknown.
    pub made_on: String,
    /// 收文日期 `YYYY-MM-DD`.
    pub received_on: String,
    /// 份号, empty for none.
    pub copy_number: String,
    /// 页数, empty for unknown.
    pub pages: String,
    /// 收文编号, empty for none.
    pub registration_number: String,
    /// 办理时限 `YYYY-MM-DD`, empty for none.
    pub deadline: String,
    /// The process definition's id.
    pub definition: String,
    /// The handlers chosen, as sent: (the form field's name, a user id), in the form's order.
    /// Only those of the chosen definition count ([`Registration::chosen_handlers`]).
    pub handlers: Vec<(String, String)>,
    /// 正文 as PDF.
    pub body_pdf: Option<Upload>,
    /// 正文 as OFD.
    pub body_ofd: Option<Upload>,
    /// 附件, in order.
    pub attachments: Vec<Upload>,
    /// Whether the request was cut at [`MAX_REQUEST_BYTES`] (some files were not received).
    pub cut_short: bool,
}

/// The prefix of a handler choice's form field: `handlers/<definition id>/<node id>`.
pub const HANDLERS_FIELD: &str = "handlers/";

impl Registration {
    /// The handlers chosen for the steps of the chosen definition, in the order sent.
    pub fn chosen_handlers(&self) -> ChosenHandlers {
        let prefix = format!("{HANDLERS_FIELD}{}/", self.definition.trim());
        let mut chosen = ChosenHandlers::new();
        for (field, user) in &self.handlers {
            let (Some(node), user) = (field.strip_prefix(&prefix), user.trim()) else {
                continue;
            };
            if !user.is_empty() {
                chosen
                    .entry(node.to_owned())
                    .or_default()
                    .push(user.to_owned());
            }
        }
        chosen
    }
}

/// Who registers: the registrar's identity, unit and the deployment's time zone.
#[derive(Debug, Clone)]
pub struct Registrar {
    /// The registrar acting (audited under their user id, confined to their unit).
    pub actor: AdminActor,
    /// The unit.
    pub unit_id: String,
    /// The registrar's user id: the flow's initiator.
    pub user_id: String,
    /// The deployment's time zone, in which dates are meant.
    pub zone: Tz,
}

/// One file to store: its hash, media type and bytes.
struct File {
    sha256: String,
    media_type: &'static str,
    bytes: bytes::Bytes,
}

/// Registers the document and starts its flow; every fault of the form at once otherwise, with
/// nothing stored.
pub async fn register(
    db: &Db,
    who: &Registrar,
    form: Registration,
    now: DateTime<Utc>,
) -> Result<FlowStarted, IncomingError> {
    let mut faults = Faults::default();
    let checked = form::check(&form, who.zone, now, &mut faults);
    let chosen = form.chosen_handlers();
    probe_definition(db, who, &form.definition, &chosen, now, &mut faults).await?;
    let (Some(mut document), true) = (checked, faults.0.is_empty()) else {
        return Err(IncomingError::Fields(faults.0));
    };
    document.unit_id = who.unit_id.clone();
    let (document, files) = with_files(document, &form).await?;
    document
        .validate()
        .map_err(|e| ApiError::bad_request("invalid_document", e.to_string()))?;
    store_files(db, who, files, now).await?;
    let start = StartFlow {
        definition_id: form.definition.trim().to_owned(),
        drafter: who.user_id.clone(),
        document,
        instance_id: None,
        handlers: chosen,
    };
    Ok(start_flow(db, &who.actor, &who.unit_id, start, now).await?)
}

/// Records a fault unless `definition_id` is a definition of the registrar's unit that can start
/// a flow for the registrar now with the handlers `chosen`.
async fn probe_definition(
    db: &Db,
    who: &Registrar,
    definition_id: &str,
    chosen: &ChosenHandlers,
    now: DateTime<Utc>,
    faults: &mut Faults,
) -> Result<(), ApiError> {
    let definition_id = definition_id.trim().to_owned();
    if definition_id.is_empty() {
        return Ok(());
    }
    let (unit_id, user_id, chosen) = (who.unit_id.clone(), who.user_id.clone(), chosen.clone());
    let problem = db
        .once(move |sql| {
            let Some(definition) = unit_definition(sql, &unit_id, &definition_id)? else {
                return Ok(Some((Field::Definition, Problem::NoSuchDefinition)));
            };
            for user in chosen.values().flatten() {
                if !is_person_of(sql, user, &unit_id)? {
                    return Ok(Some((Field::Handlers, Problem::HandlersNotAllowed)));
                }
            }
            // What start_flow will do, tried first: a definition that cannot start is the
            // registrar's to change, not a fault found after the files are stored.
            let delegations = standing_delegations(sql, &unit_id)?;
            let env = Env {
                definition: &definition,
                delegations: &delegations,
            };
            let started = Instance::start_choosing(env, "probe", "probe", &user_id, &chosen, now);
            Ok(started.err().map(|e| match e {
                StartError::Choice(e) => (Field::Handlers, choice_problem(&e)),
                StartError::Definition(_) => (Field::Definition, Problem::DefinitionCannotStart),
            }))
        })
        .await?;
    if let Some((field, problem)) = problem {
        faults.add(field, problem);
    }
    Ok(())
}

/// The registration form's wording of a handler choice that does not fit.
fn choice_problem(error: &ChoiceError) -> Problem {
    match error {
        ChoiceError::Missing(_) => Problem::HandlersMissing,
        ChoiceError::Twice { .. } => Problem::HandlersTwice,
        ChoiceError::OnlyOne(_) => Problem::HandlersOnlyOne,
        ChoiceError::ThresholdUnreachable(_) => Problem::HandlersVote,
        ChoiceError::UnknownNode(_) | ChoiceError::NotChoosable(_) => Problem::HandlersNotAllowed,
    }
}

/// The definition `definition_id` if it is `unit_id`'s.
fn unit_definition(
    sql: &mut dyn Sql,
    unit_id: &str,
    definition_id: &str,
) -> Result<Option<ProcessDefinition>, ApiError> {
    sql.query_opt(
        "SELECT body FROM definitions WHERE id = ?1 AND unit_id = ?2",
        args![definition_id, unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
}

/// The document with its body version and attachments described, and the files to store.
async fn with_files(
    mut document: Document,
    form: &Registration,
) -> Result<(Document, Vec<File>), ApiError> {
    let mut uploads: Vec<(bytes::Bytes, &'static str)> = Vec::new();
    if let Some(ofd) = &form.body_ofd {
        uploads.push((ofd.bytes.clone(), "application/ofd"));
    }
    if let Some(pdf) = &form.body_pdf {
        uploads.push((pdf.bytes.clone(), "application/pdf"));
    }
    for a in &form.attachments {
        uploads.push((a.bytes.clone(), files::media_type(&a.file_name, &a.bytes)));
    }
    // Hashing tens of megabytes takes a while: off the async workers.
    let hashed = uploads.clone();
    let hashes = tokio::task::spawn_blocking(move || {
        hashed
            .iter()
            .map(|(bytes, _)| sha256_hex(bytes))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(format!("hashing the files failed: {e}")))?;
    let files: Vec<File> = uploads
        .into_iter()
        .zip(hashes)
        .map(|((bytes, media_type), sha256)| File {
            sha256,
            media_type,
            bytes,
        })
        .collect();
    let size = |f: &File| f.bytes.len() as u64;
    let pages = fields::pages(&form.pages).ok().flatten();
    let mut rest = files.iter();
    let version = |file: &File, format| BodyVersion {
        id: format!("{}-v1", document.id),
        stage: BodyStage::Sealed,
        format,
        sha256: file.sha256.clone(),
        size: size(file),
        pages,
        created_at: None,
        rendition: None,
    };
    // An OFD is the original; a PDF sent with it is its rendition for viewers without OFD.
    let body = match (&form.body_ofd, &form.body_pdf) {
        (Some(_), pdf) => rest.next().map(|ofd| {
            let mut v = version(ofd, BodyFormat::Ofd);
            if pdf.is_some() {
                v.rendition = rest.next().map(|p| Rendition {
                    format: BodyFormat::Pdf,
                    sha256: p.sha256.clone(),
                    size: size(p),
                });
            }
            v
        }),
        (None, Some(_)) => rest.next().map(|pdf| version(pdf, BodyFormat::Pdf)),
        (None, None) => None,
    };
    document.body.versions = body.into_iter().collect();
    for (i, (upload, file)) in form.attachments.iter().zip(rest).enumerate() {
        document.body.attachments.push(Attachment {
            id: format!("{}-a{}", document.id, i + 1),
            name: files::attachment_name(&upload.file_name)
                .map_err(|_| ApiError::internal("an attachment name changed after its check"))?,
            media_type: file.media_type.to_owned(),
            size: size(file),
            sha256: file.sha256.clone(),
        });
    }
    Ok((document, files))
}

/// Stores the files as the unit's blobs in one transaction, each new one audited under the
/// registrar.
async fn store_files(
    db: &Db,
    who: &Registrar,
    files: Vec<File>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (actor, unit_id) = (who.actor.clone(), who.unit_id.clone());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        for file in &files {
            if blobs::put(
                sql,
                &unit_id,
                &file.sha256,
                file.media_type,
                &file.bytes,
                now,
            )? {
                actor.audit(
                    sql,
                    Some(&unit_id),
                    "blob.uploaded",
                    &file.sha256,
                    serde_json::json!({ "size": file.bytes.len(), "media_type": file.media_type }),
                    now,
                )?;
            }
        }
        Ok(())
    })
    .await
}

/// Whether `kind` is a node people handle (shown as a step of a definition).
fn is_step(kind: NodeKind) -> bool {
    kind == NodeKind::Manual
}

/// The unit's document `document_id`, `None` when it is absent or another unit's.
fn unit_document(
    sql: &mut dyn Sql,
    unit_id: &str,
    document_id: &str,
) -> Result<Option<Document>, ApiError> {
    let own = sql
        .query_opt(
            "SELECT id FROM documents WHERE id = ?1 AND unit_id = ?2",
            args![document_id, unit_id],
        )?
        .is_some();
    if !own {
        return Ok(None);
    }
    load_document(sql, document_id)
}
