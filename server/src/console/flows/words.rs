//! The words the flow pages show for the workflow's own names (actions, attitudes, states,
//! urgencies), each a key of `text/flows.tsv`, and a flow id made safe for a URL's path.

use qianpi_domain::model::Urgency;
use qianpi_domain::workflow::{Attitude, InstanceState};

/// The text key of an action by its stable name ([`qianpi_domain::workflow::Command::name`]).
pub(super) fn action_key(action: &str) -> &'static str {
    match action {
        "approve" => "flows.action.approve",
        "disagree" => "flows.action.disagree",
        "batch_approve" => "flows.action.batch_approve",
        "mark_read" => "flows.action.mark_read",
        "reject" => "flows.action.reject",
        "return" => "flows.action.return",
        "transfer" => "flows.action.transfer",
        "delegate" => "flows.action.delegate",
        "resolve" => "flows.action.resolve",
        "add_signer" => "flows.action.add_signer",
        "remove_signer" => "flows.action.remove_signer",
        "circulate" => "flows.action.circulate",
        "recall" => "flows.action.recall",
        "revoke" => "flows.action.revoke",
        "terminate" => "flows.action.terminate",
        "urge" => "flows.action.urge",
        "suspend" => "flows.action.suspend",
        "resume" => "flows.action.resume",
        "open" => "flows.action.open",
        "save" => "flows.action.save",
        "claim" => "flows.action.claim",
        "release" => "flows.action.release",
        "take_back" => "flows.action.take_back",
        _ => "flows.action.other",
    }
}

/// The text key of an attitude.
pub(super) fn attitude_key(attitude: Attitude) -> &'static str {
    match attitude {
        Attitude::Agree => "flows.attitude.agree",
        Attitude::Disagree => "flows.attitude.disagree",
        Attitude::Read => "flows.attitude.read",
    }
}

/// The text key of a flow's state.
pub(super) fn state_key(state: InstanceState) -> &'static str {
    match state {
        InstanceState::Draft => "flows.state.draft",
        InstanceState::Running => "flows.state.running",
        InstanceState::Completed => "flows.state.completed",
        InstanceState::Rejected => "flows.state.rejected",
        InstanceState::Revoked => "flows.state.revoked",
        InstanceState::Terminated => "flows.state.terminated",
        InstanceState::Suspended => "flows.state.suspended",
    }
}

/// A state's stable name, for the pages' `data-state` (what browser tests look for).
pub(super) fn state_name(state: InstanceState) -> &'static str {
    match state {
        InstanceState::Draft => "draft",
        InstanceState::Running => "running",
        InstanceState::Completed => "completed",
        InstanceState::Rejected => "rejected",
        InstanceState::Revoked => "revoked",
        InstanceState::Terminated => "terminated",
        InstanceState::Suspended => "suspended",
    }
}

/// The text key and badge class of an urgency (平件 has no colour).
pub(super) fn urgency_badge(urgency: Urgency) -> (&'static str, Option<&'static str>) {
    match urgency {
        Urgency::Normal => ("flows.urgency.normal", None),
        Urgency::Urgent => ("flows.urgency.urgent", Some("urgent")),
        Urgency::ExtraUrgent => ("flows.urgency.extra_urgent", Some("very-urgent")),
    }
}

/// `id` as one segment of a URL's path: every byte but the unreserved ones percent-encoded.
pub(super) fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::text::known;

    #[test]
    fn every_word_has_a_text() {
        let actions = [
            "approve",
            "disagree",
            "batch_approve",
            "mark_read",
            "reject",
            "return",
            "transfer",
            "delegate",
            "resolve",
            "add_signer",
            "remove_signer",
            "circulate",
            "recall",
            "revoke",
            "terminate",
            "urge",
            "suspend",
            "resume",
            "open",
            "save",
            "claim",
            "release",
            "take_back",
            "something new",
        ];
        let mut keys: Vec<&str> = actions.iter().map(|a| action_key(a)).collect();
        keys.extend([Attitude::Agree, Attitude::Disagree, Attitude::Read].map(attitude_key));
        keys.extend(
            [
                InstanceState::Draft,
                InstanceState::Running,
                InstanceState::Completed,
                InstanceState::Rejected,
                InstanceState::Revoked,
                InstanceState::Terminated,
                InstanceState::Suspended,
            ]
            .map(state_key),
        );
        keys.extend(
            [Urgency::Normal, Urgency::Urgent, Urgency::ExtraUrgent].map(|u| urgency_badge(u).0),
        );
        let missing: Vec<&str> = keys.into_iter().filter(|k| known(k).is_none()).collect();
        assert_eq!(missing, Vec::<&str>::new());
        assert_eq!(action_key("approve"), "flows.action.approve");
    }

    #[test]
    fn ids_are_one_path_segment() {
        assert_eq!(segment("inst-2026.0012_a~"), "inst-2026.0012_a~");
        assert_eq!(segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(segment("收文"), "%E6%94%B6%E6%96%87");
    }
}
