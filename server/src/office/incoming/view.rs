//! What the registrar's pages read: the unit's process definitions with the people of each step
//! (to pick one knowing who will receive the document), and a document's body or attachment as
//! stored for the unit (another unit's document is as absent as one that never existed).

use super::{is_step, unit_definition, unit_document};
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::sql::args;
use qianpi_domain::model::BodyFormat;
use qianpi_domain::workflow::{HandlerMode, Node, ProcessDefinition};

/// A process definition the registrar may start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionChoice {
    /// Id.
    pub id: String,
    /// 流程名称.
    pub name: String,
    /// The steps people handle, in the definition's order.
    pub steps: Vec<Step>,
}

/// A step of a definition and who handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The node's id (the handler choice's key).
    pub node_id: String,
    /// 节点名称.
    pub name: String,
    /// 处理人, by name (the suggestion, for a step whose handlers the registrar chooses).
    pub handlers: Vec<String>,
    /// How the registrar chooses this step's handlers; `None` where the process fixes them.
    pub choice: Option<Choice>,
}

/// How a step's handlers are chosen at registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// How many, and whether their order counts.
    pub kind: ChoiceKind,
    /// The user ids the process suggests, in order.
    pub suggested: Vec<String>,
}

/// What a step takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceKind {
    /// Exactly one person.
    One,
    /// Several, one after another in the order chosen.
    InOrder,
    /// Several at once.
    Several,
}

/// A person of the unit the registrar may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// User id.
    pub id: String,
    /// 姓名（职务）.
    pub label: String,
}

/// The unit's people, by name.
pub async fn people(db: &Db, unit_id: &str) -> Result<Vec<Person>, ApiError> {
    let unit_id = unit_id.to_owned();
    db.once(move |sql| {
        let rows = sql.query(
            "SELECT id, name, post FROM users WHERE unit_id = ?1 ORDER BY name, id",
            args![&unit_id],
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(Person {
                    id: r.text(0)?,
                    label: format!("{}（{}）", r.text(1)?, r.text(2)?),
                })
            })
            .collect()
    })
    .await
}

/// How `node`'s handlers are chosen, if the registrar chooses them.
fn choice_of(node: &Node) -> Option<Choice> {
    node.chosen_at_start.then(|| Choice {
        kind: match node.mode {
            HandlerMode::Single => ChoiceKind::One,
            HandlerMode::Serial => ChoiceKind::InOrder,
            HandlerMode::Parallel | HandlerMode::Pool => ChoiceKind::Several,
        },
        suggested: node.handlers.iter().map(|h| h.user.clone()).collect(),
    })
}

/// The unit's process definitions, by name.
pub async fn definitions(db: &Db, unit_id: &str) -> Result<Vec<DefinitionChoice>, ApiError> {
    let unit_id = unit_id.to_owned();
    db.once(move |sql| {
        let rows = sql.query(
            "SELECT body FROM definitions WHERE unit_id = ?1 ORDER BY id",
            args![&unit_id],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let definition: ProcessDefinition = decode(&row.text(0)?)?;
            let mut steps = Vec::new();
            for node in definition.nodes.iter().filter(|n| is_step(n.kind)) {
                let mut handlers = Vec::with_capacity(node.handlers.len());
                for handler in &node.handlers {
                    let name = sql
                        .query_opt(
                            "SELECT name FROM users WHERE id = ?1 AND unit_id = ?2",
                            args![&handler.user, &unit_id],
                        )?
                        .map(|r| r.text(0))
                        .transpose()?;
                    handlers.push(name.unwrap_or_else(|| handler.user.clone()));
                }
                steps.push(Step {
                    node_id: node.id.clone(),
                    name: node.name.clone(),
                    handlers,
                    choice: choice_of(node),
                });
            }
            out.push(DefinitionChoice {
                id: definition.id,
                name: definition.name,
                steps,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    })
    .await
}

/// Whether the unit has `definition_id` (the form's choice kept only if it still exists).
pub async fn has_definition(db: &Db, unit_id: &str, definition_id: &str) -> Result<bool, ApiError> {
    let (unit_id, definition_id) = (unit_id.to_owned(), definition_id.to_owned());
    db.once(move |sql| Ok(unit_definition(sql, &unit_id, &definition_id)?.is_some()))
        .await
}

/// Which file of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// The body as a browser shows it: the PDF rendition of an OFD when there is one, else the
    /// current version itself.
    Body,
    /// The current body version's own file (the OFD of an OFD with a rendition).
    Original,
    /// The attachment with this id.
    Attachment(String),
}

/// A stored file of a document, as a download needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The media type it is served with.
    pub media_type: String,
    /// The name to save it under.
    pub file_name: String,
    /// Bytes per stored chunk.
    pub chunk_size: u64,
}

/// The file `which` of `unit_id`'s document `document_id`; `None` when the document is absent,
/// another unit's, or has no such file.
pub async fn document_file(
    db: &Db,
    unit_id: &str,
    document_id: &str,
    which: Which,
) -> Result<Option<DocumentFile>, ApiError> {
    let (unit_id, document_id) = (unit_id.to_owned(), document_id.to_owned());
    db.once(move |sql| {
        let Some(document) = unit_document(sql, &unit_id, &document_id)? else {
            return Ok(None);
        };
        let extension = |format: BodyFormat| match format {
            BodyFormat::Ofd => "ofd",
            BodyFormat::Pdf => "pdf",
            BodyFormat::Docx => "docx",
        };
        let chosen =
            match &which {
                Which::Body => document.current_body().map(|v| {
                    let (format, sha256, size) = v.viewer_file();
                    (
                        sha256.to_owned(),
                        size,
                        format.media_type().to_owned(),
                        format!("{}.{}", document.title, extension(format)),
                    )
                }),
                Which::Original => document.current_body().map(|v| {
                    let name = format!("{}.{}", document.title, extension(v.format));
                    (
                        v.sha256.clone(),
                        v.size,
                        v.format.media_type().to_owned(),
                        name,
                    )
                }),
                Which::Attachment(id) => document
                    .body
                    .attachments
                    .iter()
                    .find(|a| &a.id == id)
                    .map(|a| {
                        (
                            a.sha256.clone(),
                            a.size,
                            a.media_type.clone(),
                            a.name.clone(),
                        )
                    }),
            };
        let Some((sha256, size, media_type, file_name)) = chosen else {
            return Ok(None);
        };
        // The unit must own the bytes (it always does for a document it stored).
        let stored = sql.query_opt(
            "SELECT b.chunk_size FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256
             WHERE b.sha256 = ?1 AND o.unit_id = ?2",
            args![&sha256, &unit_id],
        )?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        let chunk_size = u64::try_from(stored.int(0)?)
            .map_err(|_| ApiError::internal("a stored chunk size is negative"))?
            .max(1);
        Ok(Some(DocumentFile {
            sha256,
            size,
            media_type,
            file_name,
            chunk_size,
        }))
    })
    .await
}
