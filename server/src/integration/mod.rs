//! The integration API for a bureau's existing OA system: [`keys`] (API keys per external system,
//! scoped to units, stored only hashed), [`documents`] (files, documents and the flows started on
//! them), [`record`] (an instance and its flow record as the OA reads them back), [`webhooks`]
//! (subscriptions and their deliveries), [`events`] (the dispatcher that turns the audit log into
//! deliveries) and [`deliver`] (the worker that sends them, signed, with retries).
//!
//! A key acts in a unit through an [`AdminActor`] named `apikey:<id>` and limited to that unit,
//! so every change it makes is checked and audited by the same code an administrator's is; a unit
//! outside the key's scope answers 404 as if it did not exist.

pub mod deliver;
pub mod documents;
pub mod events;
pub mod keys;
pub mod record;
pub mod webhooks;

use crate::actor::{not_found, AdminActor};
use crate::error::ApiError;

/// An authenticated API key: who it is and the units it may act in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationKey {
    /// The key's id (`key-…`), never the secret.
    pub id: String,
    /// Its label, e.g. the OA system's name.
    pub label: String,
    /// The units it is scoped to.
    pub units: Vec<String>,
}

impl IntegrationKey {
    /// The actor this key is in `unit_id`: 404 `no_such_unit` outside its scope.
    pub fn in_unit(&self, unit_id: &str) -> Result<AdminActor, ApiError> {
        if self.units.iter().any(|u| u == unit_id) {
            Ok(AdminActor::unit_admin(&self.actor_name(), unit_id))
        } else {
            Err(not_found("no_such_unit", format!("no unit {unit_id}")))
        }
    }

    /// How audit entries name this key.
    pub fn actor_name(&self) -> String {
        format!("apikey:{}", self.id)
    }
}

/// The events a subscription may ask for.
pub const EVENT_TYPES: [&str; 4] = [
    events::FLOW_MOVED,
    events::TASK_DONE,
    events::FLOW_COMPLETED,
    events::NOTICE_RECEIPT,
];
