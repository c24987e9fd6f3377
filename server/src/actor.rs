//! Who performs an administrative action, and what they may touch: the deployment operator
//! anything, a unit's administrator only their own unit. A leaf of the data layer: the modules
//! that check an administrator (units, devices, flows, blobs, notices, policies) all ask it, and it
//! asks none of them.

use crate::audit::{self, Event};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;

/// Who performs an administrative action. The deployment operator (`unit_id` `None`) may do
/// anything; a unit administrator only within their unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminActor {
    /// How audit entries name the actor: `operator`, `operator-cli`, or the admin's user id.
    pub actor: String,
    /// The unit a unit administrator administers; `None` for the operator.
    pub unit_id: Option<String>,
}

impl AdminActor {
    /// The deployment operator through the HTTP API.
    pub fn operator() -> AdminActor {
        AdminActor {
            actor: "operator".into(),
            unit_id: None,
        }
    }

    /// The deployment operator at the command line, straight against the database.
    pub fn cli() -> AdminActor {
        AdminActor {
            actor: "operator-cli".into(),
            unit_id: None,
        }
    }

    /// A unit administrator.
    pub fn unit_admin(user_id: &str, unit_id: &str) -> AdminActor {
        AdminActor {
            actor: user_id.to_owned(),
            unit_id: Some(unit_id.to_owned()),
        }
    }

    /// 403 unless this is the operator.
    pub fn require_operator(&self) -> Result<(), ApiError> {
        match self.unit_id {
            None => Ok(()),
            Some(_) => Err(forbidden("only the deployment operator may do this")),
        }
    }

    /// Whether this actor may see and change `unit_id`'s data.
    pub fn may_administer(&self, unit_id: &str) -> bool {
        self.unit_id.as_deref().is_none_or(|own| own == unit_id)
    }

    /// Checks that unit `unit_id` exists and this actor administers it; another unit looks like
    /// no unit at all (404), so one unit never learns about another.
    pub fn check_unit(&self, sql: &mut dyn Sql, unit_id: &str) -> Result<(), ApiError> {
        let exists = sql
            .query_opt("SELECT id FROM units WHERE id = ?1", args![unit_id])?
            .is_some();
        if exists && self.may_administer(unit_id) {
            Ok(())
        } else {
            Err(not_found("no_such_unit", format!("no unit {unit_id}")))
        }
    }

    /// Appends an audit entry for this actor's action.
    pub fn audit(
        &self,
        sql: &mut dyn Sql,
        unit_id: Option<&str>,
        kind: &str,
        subject: &str,
        detail: serde_json::Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, ApiError> {
        audit::append(
            sql,
            &Event {
                unit_id,
                actor: &self.actor,
                kind,
                subject,
                detail,
            },
            now,
        )
    }
}

/// 403 `forbidden`.
pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// 404 with `code`.
pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, message)
}
