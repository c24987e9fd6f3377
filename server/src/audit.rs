//! The audit log: an append-only, hash-chained record of device and workflow events (activations,
//! state changes, administrators' actions, every verdict), written in the same transaction as the
//! event itself.
//!
//! Entry n stores `hash_n = SHA-256(fields_n ‖ hash_{n-1})` over length-prefixed fields, and the
//! head row holds the newest sequence and hash. Appending reads the head `FOR UPDATE`, so replicas
//! on PostgreSQL take turns and the chain never forks. [`verify`] recomputes every link: an edited,
//! deleted, inserted or reordered row, or a truncated tail, breaks it. Someone able to rewrite the
//! whole table could recompute the chain, so operators anchor the head hash that `verify-audit`
//! prints somewhere outside the database (`--expect-head` checks against it).

use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;

/// Rows read per query while verifying.
const VERIFY_PAGE: i64 = 1000;

/// What happened, as an audit entry records it. The detail never holds document text, opinions,
/// tokens or keys: ids, codes and states only.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// The unit concerned, if any (creating a unit is deployment-wide).
    pub unit_id: Option<&'a str>,
    /// Who acted: a user id, `device:<id>`, or `operator` for the deployment's administrator.
    pub actor: &'a str,
    /// A stable kind, e.g. `device.activated`, `command.accepted`.
    pub kind: &'a str,
    /// What it was done to: a device, user, instance or unit id.
    pub subject: &'a str,
    /// Further facts as JSON.
    pub detail: serde_json::Value,
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was written.
    pub at: String,
    /// Unit, if any.
    pub unit_id: Option<String>,
    /// Who acted.
    pub actor: String,
    /// Kind.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Detail as JSON text.
    pub detail: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl Entry {
    fn compute_hash(&self) -> String {
        let mut input = Vec::new();
        for field in [
            self.seq.to_string().as_str(),
            &self.at,
            self.unit_id.as_deref().unwrap_or(""),
            &self.actor,
            &self.kind,
            &self.subject,
            &self.detail,
            &self.prev_hash,
        ] {
            // Length prefixes keep field boundaries unambiguous ("ab","c" ≠ "a","bc").
            input.extend_from_slice(&(field.len() as u64).to_be_bytes());
            input.extend_from_slice(field.as_bytes());
        }
        STANDARD.encode(crypto::sha256(&input))
    }
}

/// Appends an event; returns its sequence number.
pub fn append(sql: &mut dyn Sql, event: &Event<'_>, at: DateTime<Utc>) -> Result<i64, ApiError> {
    let lock = sql.dialect().for_update();
    let head = sql.query_one(
        &format!("SELECT seq, hash FROM audit_head WHERE id = 1{lock}"),
        &[],
    )?;
    let mut entry = Entry {
        seq: head.int(0)? + 1,
        at: at.to_rfc3339(),
        unit_id: event.unit_id.map(str::to_owned),
        actor: event.actor.to_owned(),
        kind: event.kind.to_owned(),
        subject: event.subject.to_owned(),
        detail: event.detail.to_string(),
        prev_hash: head.text(1)?,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    sql.execute(
        "INSERT INTO audit (seq, at, unit_id, actor, kind, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![
            entry.seq,
            &entry.at,
            entry.unit_id.clone(),
            &entry.actor,
            &entry.kind,
            &entry.subject,
            &entry.detail,
            &entry.prev_hash,
            &entry.hash
        ],
    )?;
    sql.execute(
        "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
        args![entry.seq, &entry.hash],
    )?;
    Ok(entry.seq)
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds.
    Intact {
        /// Entries checked.
        entries: i64,
        /// The newest hash, to anchor outside the database.
        head: String,
    },
    /// The chain breaks at `seq`.
    Broken {
        /// The first entry that does not hold (or the head).
        seq: i64,
        /// What is wrong, for the operator.
        reason: String,
    },
}

/// Reads entries `after` < seq, in order, at most one page.
fn read_page(sql: &mut dyn Sql, after: i64) -> Result<Vec<Entry>, ApiError> {
    sql.query(
        "SELECT seq, at, unit_id, actor, kind, subject, detail, prev_hash, hash FROM audit
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        args![after, VERIFY_PAGE],
    )?
    .into_iter()
    .map(|r| {
        Ok(Entry {
            seq: r.int(0)?,
            at: r.text(1)?,
            unit_id: r.opt_text(2)?,
            actor: r.text(3)?,
            kind: r.text(4)?,
            subject: r.text(5)?,
            detail: r.text(6)?,
            prev_hash: r.text(7)?,
            hash: r.text(8)?,
        })
    })
    .collect()
}

/// Recomputes the whole chain and compares it with the head.
pub fn verify(sql: &mut dyn Sql) -> Result<Verdict, ApiError> {
    let mut expected_seq = 1;
    let mut prev_hash = String::new();
    loop {
        let page = read_page(sql, expected_seq - 1)?;
        if page.is_empty() {
            break;
        }
        for entry in page {
            let broken = |reason: &str| Verdict::Broken {
                seq: expected_seq,
                reason: reason.to_owned(),
            };
            if entry.seq != expected_seq {
                return Ok(broken("an entry is missing"));
            }
            if entry.prev_hash != prev_hash {
                return Ok(broken("the entry does not link to the one before it"));
            }
            if entry.compute_hash() != entry.hash {
                return Ok(broken("the entry was changed after it was written"));
            }
            prev_hash = entry.hash;
            expected_seq += 1;
        }
    }
    let head = sql.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    let entries = expected_seq - 1;
    if head.int(0)? != entries || head.text(1)? != prev_hash {
        return Ok(Verdict::Broken {
            seq: entries + 1,
            reason: "the newest entries are missing: the chain ends before its head".into(),
        });
    }
    Ok(Verdict::Intact {
        entries,
        head: prev_hash,
    })
}
