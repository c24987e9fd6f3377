//! 委托代理 from the phone: a person names a deputy for a window (a leader leaving on a trip),
//! lists the rules that name them, and revokes one of their own. Signed requests like every
//! other phone call; the gateway stores the rule as the workflow's
//! [`StandingDelegation`](crate::workflow::StandingDelegation) and audits each change.
//!
//! - `POST /v1/delegations` — [`NewDelegation`] → [`DelegationView`] (201).
//! - `GET /v1/delegations` — the rules the signer gave or received → `Vec<DelegationView>`.
//! - `POST /v1/delegations/{id}/revoke` — the signer's own rule ends now → [`DelegationView`].

use crate::workflow::DelegationScope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Path of the standing delegation endpoint.
pub const DELEGATIONS_PATH: &str = "/v1/delegations";
/// The longest window a phone may set (a rule for longer is an administrator's business).
pub const MAX_DELEGATION_DAYS: i64 = 92;

/// A rule the signer sets for themselves: while it is active, their new tasks go to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDelegation {
    /// The deputy's user id, of the signer's unit.
    pub to: String,
    /// Which flows (every flow, or one process definition).
    pub scope: DelegationScope,
    /// Active from (inclusive).
    pub start: DateTime<Utc>,
    /// Active until (exclusive).
    pub end: DateTime<Utc>,
}

/// A standing delegation as the gateway holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelegationView {
    /// Stable id.
    pub id: String,
    /// The principal.
    pub from: String,
    /// The deputy.
    pub to: String,
    /// Which flows.
    pub scope: DelegationScope,
    /// Active from (inclusive).
    pub start: DateTime<Utc>,
    /// Active until (exclusive).
    pub end: DateTime<Utc>,
    /// When the principal ended it early, if they did.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}
