//! A draft's body versions and its start: each uploaded PDF stored as a blob of the unit with
//! who uploaded it and when, the unit's process definitions a draft may start on, and the start
//! itself — the 发文 built from the draft's fields with every version (the latest current),
//! handed to [`crate::admin::flows::start_flow`], then followed by its drafter.

use super::{follows, get, load, DraftError, Invalid, NewVersion, MAX_BODY_BYTES, MAX_VERSIONS};
use super::{person_of_unit, Draft};
use crate::actor::AdminActor;
use crate::admin::flows::{start_flow, StartFlow};
use crate::blobs;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::args;
use chrono::{DateTime, Utc};
use qianpi_domain::model::{
    BodyFormat, BodyVersion, Document, DocumentBody, DocumentHead, DocumentKind, Handling,
};
use qianpi_protocol::crypto;

/// The longest file name kept for a version (it is only shown).
const MAX_FILE_NAME_CHARS: usize = 200;

/// Adds a PDF body version to draft `id` of `actor`, storing the file as a blob of the unit.
pub async fn add_version(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    id: &str,
    version: NewVersion,
    now: DateTime<Utc>,
) -> Result<u32, DraftError> {
    if version.bytes.is_empty() {
        return Err(Invalid::EmptyFile.into());
    }
    if version.bytes.len() > MAX_BODY_BYTES {
        return Err(Invalid::FileTooLarge.into());
    }
    // A PDF starts with its header; anything else would not open on the phone's viewer.
    if !version.bytes.starts_with(b"%PDF-") {
        return Err(Invalid::NotPdf.into());
    }
    let hashed = version.bytes.clone();
    let sha256 = tokio::task::spawn_blocking(move || crypto::sha256_hex(&hashed))
        .await
        .map_err(|e| ApiError::internal(format!("hashing the upload failed: {e}")))?;
    let file_name: String = version
        .file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let (actor, unit_id, id) = (actor.clone(), unit_id.to_owned(), id.to_owned());
    db.tx(move |sql| {
        let draft = match load(sql, &actor, &unit_id, &id, true)? {
            Ok(draft) => draft,
            Err(refused) => return Ok(Err(refused)),
        };
        if draft.instance_id.is_some() {
            return Ok(Err(Invalid::AlreadyStarted.into()));
        }
        if draft.versions.len() >= MAX_VERSIONS {
            return Ok(Err(Invalid::TooManyVersions.into()));
        }
        let seq = u32::try_from(draft.versions.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .ok_or_else(|| ApiError::internal("version count overflow"))?;
        let created = blobs::put(
            sql,
            &unit_id,
            &sha256,
            BodyFormat::Pdf.media_type(),
            &version.bytes,
            now,
        )?;
        let size = i64::try_from(version.bytes.len())
            .map_err(|_| ApiError::internal("file size overflow"))?;
        sql.execute(
            "INSERT INTO office_draft_versions
                (draft_id, seq, sha256, size, file_name, stage, uploaded_by, uploaded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![
                &id,
                i64::from(seq),
                &sha256,
                size,
                &file_name,
                encode(&version.stage)?,
                &actor.actor,
                now.to_rfc3339()
            ],
        )?;
        if created {
            actor.audit(
                sql,
                Some(&unit_id),
                "blob.uploaded",
                &sha256,
                serde_json::json!({ "size": size, "media_type": BodyFormat::Pdf.media_type() }),
                now,
            )?;
        }
        actor.audit(
            sql,
            Some(&unit_id),
            "draft.version_added",
            &id,
            serde_json::json!({ "seq": seq, "sha256": sha256, "size": size }),
            now,
        )?;
        Ok(Ok(seq))
    })
    .await?
}

/// The process definitions of the unit a draft may start on: (id, name), by name.
pub async fn definitions(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<Vec<(String, String)>, DraftError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    let mut out: Vec<(String, String)> = db
        .tx(move |sql| {
            person_of_unit(sql, &actor, &unit_id)?;
            sql.query(
                "SELECT body FROM definitions WHERE unit_id = ?1",
                args![&unit_id],
            )?
            .iter()
            .map(|row| {
                let definition: qianpi_domain::workflow::ProcessDefinition = decode(&row.text(0)?)?;
                Ok((definition.id, definition.name))
            })
            .collect::<Result<_, ApiError>>()
        })
        .await?;
    out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// Starts draft `id`'s flow on `definition_id` with every body version (the latest current),
/// and has the drafter follow it. Returns the instance id. Starting again after a start that
/// stored the flow but not the draft's mark finds the flow and marks the draft.
pub async fn start(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    id: &str,
    definition_id: &str,
    now: DateTime<Utc>,
) -> Result<String, DraftError> {
    let draft = get(db, actor, unit_id, id).await?;
    if draft.instance_id.is_some() {
        return Err(Invalid::AlreadyStarted.into());
    }
    if draft.versions.is_empty() {
        return Err(Invalid::NoBody.into());
    }
    // Ids derived from the draft: a second start of one draft can never make a second flow.
    let instance_id = format!("inst-{}", draft.id);
    let document = document_of(&draft, unit_id);
    let request = StartFlow {
        definition_id: definition_id.to_owned(),
        drafter: actor.actor.clone(),
        document,
        instance_id: Some(instance_id.clone()),
        handlers: Default::default(),
    };
    if let Err(error) = start_flow(db, actor, unit_id, request, now).await {
        let (lookup, wanted) = (instance_id.clone(), unit_id.to_owned());
        let exists = db
            .tx(move |sql| {
                Ok(sql
                    .query_opt(
                        "SELECT id FROM instances WHERE id = ?1 AND unit_id = ?2",
                        args![&lookup, &wanted],
                    )?
                    .is_some())
            })
            .await?;
        if !exists {
            return Err(match error.code {
                "no_such_definition" => Invalid::NoSuchDefinition.into(),
                _ => error.into(),
            });
        }
    }
    let (actor, unit_id, id, out) = (
        actor.clone(),
        unit_id.to_owned(),
        id.to_owned(),
        instance_id.clone(),
    );
    db.tx(move |sql| {
        sql.execute(
            "UPDATE office_drafts SET instance_id = ?1, started_at = ?2
             WHERE id = ?3 AND unit_id = ?4 AND instance_id IS NULL",
            args![&instance_id, now.to_rfc3339(), &id, &unit_id],
        )?;
        follows::insert(sql, &actor.actor, &instance_id, now)?;
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The 发文 a draft becomes: its fields, and its versions as body versions (the last current).
fn document_of(draft: &Draft, unit_id: &str) -> Document {
    let versions = draft
        .versions
        .iter()
        .map(|v| BodyVersion {
            id: format!("{}-v{}", draft.id, v.seq),
            stage: v.stage,
            format: BodyFormat::Pdf,
            sha256: v.sha256.clone(),
            size: v.size,
            pages: None,
            created_at: Some(v.uploaded_at),
            rendition: None,
        })
        .collect();
    let fields = &draft.fields;
    Document {
        id: format!("doc-{}", draft.id),
        unit_id: unit_id.to_owned(),
        kind: DocumentKind::Outgoing,
        title: fields.title.clone(),
        number: fields.number.clone(),
        urgency: fields.urgency,
        secrecy: fields.secrecy,
        from_organ: None,
        received_at: None,
        head: DocumentHead::default(),
        body: DocumentBody {
            main_recipients: fields.main_recipients.clone(),
            versions,
            ..Default::default()
        },
        footer: Default::default(),
        receiving: Default::default(),
        handling: Handling {
            genre: fields.genre,
            ..Default::default()
        },
    }
}
