//! Documents and definitions the tests start flows with through the admin API, made from the
//! domain's shared fixtures.

use qianpi_core::model::{Document, SecrecyLevel};
use qianpi_core::workflow::ProcessDefinition;
use qianpi_domain::fixtures;

/// A one-step definition: `leader` decides.
pub fn definition(id: &str, leader: &str) -> ProcessDefinition {
    fixtures::one_step_flow(id, leader)
}

/// An incoming document `title` of `unit`, at `secrecy`, without files.
pub fn document(id: &str, unit: &str, title: &str, secrecy: SecrecyLevel) -> Document {
    Document {
        secrecy,
        ..fixtures::incoming(id, unit, title)
    }
}
