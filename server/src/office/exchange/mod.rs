//! 公文交换 between the units of one deployment: a unit sends one of its documents to other units;
//! each receiving unit's registrar signs for it (签收, the sender sees who and when: the receipt)
//! or returns it with a reason (退回), and registers what was signed for as a 收文 of their own,
//! starting its flow with one of their unit's definitions. The receiving unit's copy is a new
//! document naming the sender as 来文单位; its files are the sender's, owned by both units from
//! then on (files are stored once, by hash).
//!
//! Documents above 密级 无 are never exchanged here: classified documents travel by the secure
//! channels the rules prescribe, not through a system phones reach.

mod register;

pub use register::register;

use crate::actor::{not_found, AdminActor};
use crate::db::Db;
use crate::error::ApiError;
use crate::instances;
use crate::sql::{args, Row, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::{DocumentKind, SecrecyLevel};

/// Units one sending may name at most.
pub const MAX_RECIPIENTS: usize = 200;
/// Longest reason for returning a document.
pub const MAX_REASON: usize = 500;

/// Where an exchanged document stands at the receiving unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Sent, not yet signed for.
    Sent,
    /// Signed for (签收); not yet registered.
    Received,
    /// Registered as a 收文 and its flow started.
    Registered,
    /// Returned to the sender with a reason (退回).
    Returned,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Sent => "sent",
            State::Received => "received",
            State::Registered => "registered",
            State::Returned => "returned",
        }
    }

    fn parse(text: &str) -> State {
        match text {
            "received" => State::Received,
            "registered" => State::Registered,
            "returned" => State::Returned,
            _ => State::Sent,
        }
    }
}

/// One document sent to one unit.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its id.
    pub id: String,
    /// The sending unit and its name.
    pub from_unit: (String, String),
    /// The receiving unit and its name.
    pub to_unit: (String, String),
    /// The sender's document: title and 文号 as written.
    pub title: String,
    /// 文号.
    pub number: String,
    /// Who sent it (name) and when.
    pub sent_by: String,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// Where it stands.
    pub state: State,
    /// Who signed for, registered or returned it (name), and when.
    pub acted: Option<(String, DateTime<Utc>)>,
    /// Why it was returned.
    pub reason: Option<String>,
    /// The receiving unit's flow, once registered.
    pub instance_id: Option<String>,
}

/// A document of the unit that may be sent: id, title, 文号.
pub type Sendable = (String, String, String);

const ITEM: &str = "SELECT x.id, x.from_unit, fu.name, x.to_unit, tu.name, x.document_id,
        COALESCE(s.name, x.sent_by), x.sent_at, x.state, COALESCE(a.name, x.acted_by),
        x.acted_at, x.reason, x.instance_id
     FROM exchange_items x
     JOIN units fu ON fu.id = x.from_unit JOIN units tu ON tu.id = x.to_unit
     LEFT JOIN users s ON s.id = x.sent_by LEFT JOIN users a ON a.id = x.acted_by";

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn item(sql: &mut dyn Sql, row: &Row) -> Result<Item, ApiError> {
    let document = instances::load_document(sql, &row.text(5)?)?;
    let (title, number) = document
        .map(|d| (d.title.clone(), d.number.to_string()))
        .unwrap_or_default();
    let acted = match (row.opt_text(9)?, row.opt_text(10)?) {
        (Some(who), Some(at)) => Some((who, time(&at))),
        _ => None,
    };
    Ok(Item {
        id: row.text(0)?,
        from_unit: (row.text(1)?, row.text(2)?),
        to_unit: (row.text(3)?, row.text(4)?),
        title,
        number,
        sent_by: row.text(6)?,
        sent_at: time(&row.text(7)?),
        state: State::parse(&row.text(8)?),
        acted,
        reason: row.opt_text(11)?,
        instance_id: row.opt_text(12)?,
    })
}

/// The other units of the deployment a unit may send to: id and name, by name.
pub async fn other_units(db: &Db, unit_id: &str) -> Result<Vec<(String, String)>, ApiError> {
    let unit_id = unit_id.to_owned();
    db.tx(move |sql| {
        sql.query(
            "SELECT id, name FROM units WHERE id <> ?1 ORDER BY name",
            args![&unit_id],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
    })
    .await
}

/// The unit's 发文 documents with a flow that may be sent (not classified), newest first.
pub async fn sendable(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<Vec<Sendable>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let ids = sql.query(
            "SELECT DISTINCT d.id FROM documents d JOIN instances i ON i.document_id = d.id
             WHERE d.unit_id = ?1 AND d.secrecy = 'none' ORDER BY d.id DESC",
            args![&unit_id],
        )?;
        let mut out = Vec::new();
        for row in ids {
            let id = row.text(0)?;
            if let Some(d) = instances::load_document(sql, &id)? {
                if d.kind == DocumentKind::Outgoing {
                    out.push((d.id.clone(), d.title.clone(), d.number.to_string()));
                }
            }
        }
        Ok(out)
    })
    .await
}

/// Sends document `document_id` of `unit_id` to `to_units`; the new items' ids. Sending again
/// to a unit that already has it is refused rather than duplicated.
pub async fn send(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    document_id: &str,
    to_units: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    if to_units.is_empty() || to_units.len() > MAX_RECIPIENTS {
        return Err(ApiError::bad_request(
            "no_recipients",
            format!("name 1 to {MAX_RECIPIENTS} receiving units"),
        ));
    }
    let (actor, unit_id, document_id) = (actor.clone(), unit_id.to_owned(), document_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let document = instances::load_document(sql, &document_id)?
            .filter(|d| d.unit_id == unit_id)
            .ok_or_else(|| not_found("no_such_document", format!("no document {document_id}")))?;
        if document.secrecy != SecrecyLevel::None {
            return Err(ApiError::bad_request(
                "classified",
                "classified documents are not exchanged through this system",
            ));
        }
        let mut ids = Vec::new();
        for to in &to_units {
            if *to == unit_id
                || sql
                    .query_opt("SELECT id FROM units WHERE id = ?1", args![to])?
                    .is_none()
            {
                return Err(not_found("no_such_unit", format!("no other unit {to}")));
            }
            let already = sql
                .query_opt(
                    "SELECT id FROM exchange_items WHERE document_id = ?1 AND to_unit = ?2",
                    args![&document_id, to],
                )?
                .is_some();
            if already {
                return Err(ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    "already_sent",
                    format!("the document was already sent to {to}"),
                ));
            }
            let id = format!("xch-{}", uuid::Uuid::now_v7());
            sql.execute(
                "INSERT INTO exchange_items (id, from_unit, to_unit, document_id, sent_by, sent_at,
                    state, acted_by, acted_at, reason, instance_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sent', NULL, NULL, NULL, NULL)",
                args![
                    &id,
                    &unit_id,
                    to,
                    &document_id,
                    &actor.actor,
                    now.to_rfc3339()
                ],
            )?;
            actor.audit(
                sql,
                Some(&unit_id),
                "exchange.sent",
                &id,
                serde_json::json!({ "document": document_id, "to_unit": to }),
                now,
            )?;
            ids.push(id);
        }
        Ok(ids)
    })
    .await
}

/// What the unit received (newest first) or sent (newest first).
pub async fn list(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    received: bool,
) -> Result<Vec<Item>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let column = if received { "x.to_unit" } else { "x.from_unit" };
        let rows = sql.query(
            &format!("{ITEM} WHERE {column} = ?1 ORDER BY x.sent_at DESC, x.id DESC LIMIT 500"),
            args![&unit_id],
        )?;
        rows.iter().map(|r| item(sql, r)).collect()
    })
    .await
}

/// One item the unit received, in the state `expected`; another unit's is not found.
pub(super) fn received_item(
    sql: &mut dyn Sql,
    unit_id: &str,
    item_id: &str,
    expected: State,
) -> Result<Item, ApiError> {
    let row = sql
        .query_opt(
            &format!("{ITEM} WHERE x.id = ?1 AND x.to_unit = ?2"),
            args![item_id, unit_id],
        )?
        .ok_or_else(|| not_found("no_such_item", format!("no exchanged document {item_id}")))?;
    let found = item(sql, &row)?;
    if found.state != expected {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "wrong_state",
            format!(
                "the exchanged document is {}, not {}",
                found.state.as_str(),
                expected.as_str()
            ),
        ));
    }
    Ok(found)
}

/// Signs for (签收) or returns (退回, with a reason) a document the unit received.
pub async fn answer(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    item_id: &str,
    returned: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(reason) = &returned {
        let chars = reason.trim().chars().count();
        if chars == 0 || chars > MAX_REASON {
            return Err(ApiError::bad_request(
                "reason_required",
                format!("a return needs a reason of 1 to {MAX_REASON} characters"),
            ));
        }
    }
    let (actor, unit_id, item_id) = (actor.clone(), unit_id.to_owned(), item_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        received_item(sql, &unit_id, &item_id, State::Sent)?;
        let (state, kind) = match &returned {
            Some(_) => (State::Returned, "exchange.returned"),
            None => (State::Received, "exchange.received"),
        };
        sql.execute(
            "UPDATE exchange_items SET state = ?1, acted_by = ?2, acted_at = ?3, reason = ?4
             WHERE id = ?5",
            args![
                state.as_str(),
                &actor.actor,
                now.to_rfc3339(),
                returned.as_deref().map(str::trim),
                &item_id
            ],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            kind,
            &item_id,
            serde_json::json!({}),
            now,
        )?;
        Ok(())
    })
    .await
}
