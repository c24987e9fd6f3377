//! 通讯录 for phones: the unit's address book as a signed device receives it (`GET /v1/people`),
//! and what administrators set on it — each identity's 处室 and 办公电话 and whether it is listed,
//! and the unit's policy on showing office phones (hidden unless the unit allows it).
//!
//! Delivered as a whole snapshot with a version, not as feed changes: the directory is the
//! unit's, not one person's lane; it stays small (a few thousand rows), a snapshot lets a phone
//! drop whoever left without tombstones, and the version (a hash of exactly what the device would
//! receive) answers an unchanged directory with a bodiless 304.

use crate::actor::AdminActor;
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;
use qianpi_protocol::people::{DirectoryPerson, PeopleDirectory};
use serde::{Deserialize, Serialize};

/// Longest department or phone number accepted.
const MAX_FIELD: usize = 64;

/// What an administrator sets on one identity's address book entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEntry {
    /// 处室 (empty for none).
    #[serde(default)]
    #[schema(max_length = 64, default = "")]
    pub department: String,
    /// 办公电话 (empty for none).
    #[serde(default)]
    #[schema(max_length = 64, default = "")]
    pub office_phone: String,
    /// Whether phones list the identity (false takes someone who left off every phone).
    #[serde(default = "listed_by_default")]
    #[schema(default = true)]
    pub listed: bool,
}

fn listed_by_default() -> bool {
    true
}

/// The unit's address book policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryPolicy {
    /// Whether phones may show office phone numbers.
    pub show_office_phones: bool,
}

/// The address book of `unit_id` as its devices receive it.
pub async fn for_unit(db: &Db, unit_id: &str) -> Result<PeopleDirectory, ApiError> {
    let unit_id = unit_id.to_owned();
    db.tx(move |sql| read(sql, &unit_id)).await
}

fn read(sql: &mut dyn Sql, unit_id: &str) -> Result<PeopleDirectory, ApiError> {
    let unit_name = sql
        .query_opt("SELECT name FROM units WHERE id = ?1", args![unit_id])?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_default();
    let show_office_phones = sql
        .query_opt(
            "SELECT show_office_phones FROM directory_policies WHERE unit_id = ?1",
            args![unit_id],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .is_some_and(|v| v != 0);
    let people = sql
        .query(
            "SELECT u.id, u.name, u.post, e.department, e.office_phone FROM users u
             LEFT JOIN directory_entries e ON e.user_id = u.id
             WHERE u.unit_id = ?1 AND (e.listed IS NULL OR e.listed = 1)
             ORDER BY u.id",
            args![unit_id],
        )?
        .into_iter()
        .map(|r| {
            let phone = r.opt_text(4)?.filter(|p| !p.is_empty());
            Ok(DirectoryPerson {
                user_id: r.text(0)?,
                name: r.text(1)?,
                post: r.text(2)?,
                department: r.opt_text(3)?.unwrap_or_default(),
                office_phone: phone.filter(|_| show_office_phones),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut directory = PeopleDirectory {
        version: String::new(),
        unit_name,
        show_office_phones,
        people,
    };
    let bytes = serde_json::to_vec(&directory)
        .map_err(|e| ApiError::internal(format!("cannot encode the directory: {e}")))?;
    directory.version = crypto::sha256(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(directory)
}

/// Sets identity `user_id`'s entry in `unit_id`'s address book.
pub async fn set_entry(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    user_id: &str,
    entry: DirectoryEntry,
    now: DateTime<Utc>,
) -> Result<DirectoryEntry, ApiError> {
    let entry = DirectoryEntry {
        department: entry.department.trim().to_owned(),
        office_phone: entry.office_phone.trim().to_owned(),
        listed: entry.listed,
    };
    for (field, value) in [
        ("department", &entry.department),
        ("office_phone", &entry.office_phone),
    ] {
        if value.chars().count() > MAX_FIELD || value.chars().any(char::is_control) {
            return Err(ApiError::bad_request(
                "invalid_entry",
                format!(
                    "{field} is longer than {MAX_FIELD} characters or holds control characters"
                ),
            ));
        }
    }
    let (actor, unit_id, user_id, out) = (
        actor.clone(),
        unit_id.to_owned(),
        user_id.to_owned(),
        entry.clone(),
    );
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let known = sql
            .query_opt(
                "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
                args![&user_id, &unit_id],
            )?
            .is_some();
        if !known {
            return Err(crate::actor::not_found(
                "no_such_user",
                format!("no user {user_id} in this unit"),
            ));
        }
        sql.execute(
            "INSERT INTO directory_entries (user_id, department, office_phone, listed)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE SET department = excluded.department,
                office_phone = excluded.office_phone, listed = excluded.listed",
            args![
                &user_id,
                &entry.department,
                &entry.office_phone,
                i64::from(entry.listed)
            ],
        )?;
        // The number itself stays out of the audit detail: it says what changed, not to what.
        actor.audit(
            sql,
            Some(&unit_id),
            "directory.entry_set",
            &user_id,
            serde_json::json!({
                "department": entry.department, "listed": entry.listed,
                "has_office_phone": !entry.office_phone.is_empty(),
            }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Sets `unit_id`'s address book policy.
pub async fn set_policy(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    policy: DirectoryPolicy,
    now: DateTime<Utc>,
) -> Result<DirectoryPolicy, ApiError> {
    let (actor, unit_id, out) = (actor.clone(), unit_id.to_owned(), policy.clone());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        sql.execute(
            "INSERT INTO directory_policies (unit_id, show_office_phones) VALUES (?1, ?2)
             ON CONFLICT (unit_id) DO UPDATE SET show_office_phones = excluded.show_office_phones",
            args![&unit_id, i64::from(policy.show_office_phones)],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "directory.policy_set",
            &unit_id,
            serde_json::json!({ "show_office_phones": policy.show_office_phones }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}
