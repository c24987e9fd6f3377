//! How the audit page says what an entry records: the actor as a person (real name and login) or
//! as the deployment's operator, its command line or the gateway itself; each kind in words, with
//! the raw kind for kinds newer than this table; the detail's ids and codes; why a chain broke.

use super::super::prelude::*;

/// The kinds the gateway records, each with its text key. A kind missing here is shown as
/// recorded, so a new kind is never hidden.
const KINDS: &[(&str, &str)] = &[
    ("activation.locked_out", "audit.kind.activation.locked_out"),
    ("address_book.imported", "audit.kind.address_book.imported"),
    ("admin_token.issued", "audit.kind.admin_token.issued"),
    ("api_key.issued", "audit.kind.api_key.issued"),
    ("api_key.revoked", "audit.kind.api_key.revoked"),
    ("blob.uploaded", "audit.kind.blob.uploaded"),
    ("code.issued", "audit.kind.code.issued"),
    ("command.accepted", "audit.kind.command.accepted"),
    ("command.refused", "audit.kind.command.refused"),
    (
        "console.account_created",
        "audit.kind.console.account_created",
    ),
    (
        "console.account_disabled",
        "audit.kind.console.account_disabled",
    ),
    (
        "console.account_enabled",
        "audit.kind.console.account_enabled",
    ),
    (
        "console.account_password",
        "audit.kind.console.account_password",
    ),
    ("console.account_roles", "audit.kind.console.account_roles"),
    (
        "console.account_totp_reset",
        "audit.kind.console.account_totp_reset",
    ),
    (
        "console.account_unlocked",
        "audit.kind.console.account_unlocked",
    ),
    ("console.locked", "audit.kind.console.locked"),
    ("console.login", "audit.kind.console.login"),
    ("console.logout", "audit.kind.console.logout"),
    ("console.own_password", "audit.kind.console.own_password"),
    ("console.totp_enrolled", "audit.kind.console.totp_enrolled"),
    ("definition.loaded", "audit.kind.definition.loaded"),
    ("definition.replaced", "audit.kind.definition.replaced"),
    ("delegation.created", "audit.kind.delegation.created"),
    ("delegation.revoked", "audit.kind.delegation.revoked"),
    ("device.activated", "audit.kind.device.activated"),
    ("device.approved", "audit.kind.device.approved"),
    ("device.resumed", "audit.kind.device.resumed"),
    ("device.revoked", "audit.kind.device.revoked"),
    ("device.suspended", "audit.kind.device.suspended"),
    ("device.wipe_requested", "audit.kind.device.wipe_requested"),
    ("device.wipe_sent", "audit.kind.device.wipe_sent"),
    (
        "directory.department_renamed",
        "audit.kind.directory.department_renamed",
    ),
    ("directory.entry_set", "audit.kind.directory.entry_set"),
    ("directory.policy_set", "audit.kind.directory.policy_set"),
    ("document.received", "audit.kind.document.received"),
    ("draft.created", "audit.kind.draft.created"),
    ("draft.version_added", "audit.kind.draft.version_added"),
    ("exchange.registered", "audit.kind.exchange.registered"),
    ("exchange.returned", "audit.kind.exchange.returned"),
    ("exchange.sent", "audit.kind.exchange.sent"),
    (
        "flow.entered_for_leader",
        "audit.kind.flow.entered_for_leader",
    ),
    ("flow.followed", "audit.kind.flow.followed"),
    ("flow.revoked", "audit.kind.flow.revoked"),
    ("flow.started", "audit.kind.flow.started"),
    ("flow.terminated", "audit.kind.flow.terminated"),
    ("flow.unfollowed", "audit.kind.flow.unfollowed"),
    ("flow.urged", "audit.kind.flow.urged"),
    ("notice.published", "audit.kind.notice.published"),
    ("notice.read", "audit.kind.notice.read"),
    ("notice.replied", "audit.kind.notice.replied"),
    ("opinion_file.uploaded", "audit.kind.opinion_file.uploaded"),
    ("phrases.unit_set", "audit.kind.phrases.unit_set"),
    ("policy.changed", "audit.kind.policy.changed"),
    ("unit.created", "audit.kind.unit.created"),
    ("user.created", "audit.kind.user.created"),
    ("user.updated", "audit.kind.user.updated"),
    ("webhook.subscribed", "audit.kind.webhook.subscribed"),
    ("webhook.unsubscribed", "audit.kind.webhook.unsubscribed"),
];

/// Actors that are not people, each with its text key.
const NON_PERSONS: &[(&str, &str)] = &[
    ("operator", "audit.actor.operator"),
    ("operator-cli", "audit.actor.cli"),
    ("gateway", "audit.actor.gateway"),
];

/// The reasons [`crate::audit::verify`] gives, each with its text key.
const BREAKS: &[(&str, &str)] = &[
    ("an entry is missing", "audit.verify.reason.missing"),
    (
        "the entry does not link to the one before it",
        "audit.verify.reason.link",
    ),
    (
        "the entry was changed after it was written",
        "audit.verify.reason.changed",
    ),
    (
        "the newest entries are missing: the chain ends before its head",
        "audit.verify.reason.tail",
    ),
];

/// The kinds this table has words for.
pub(super) fn known_kinds() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|(kind, _)| *kind)
}

/// The actors that are not people (the operator, its command line, the gateway).
pub(super) fn non_persons() -> impl Iterator<Item = &'static str> {
    NON_PERSONS.iter().map(|(actor, _)| *actor)
}

fn lookup(table: &[(&str, &'static str)], raw: &str) -> Option<&'static str> {
    table.iter().find(|(r, _)| *r == raw).map(|(_, key)| *key)
}

/// The kind in words, or as recorded when it is newer than this table.
pub(super) fn kind(office: &Office, kind: &str) -> String {
    lookup(KINDS, kind).map_or_else(|| kind.to_owned(), |key| office.t(key).to_owned())
}

/// The actor: "王芳 (wangfang)" for a person, the operator or command line in words, else as
/// recorded (a person since removed, a device).
pub(super) fn actor(office: &Office, actor: &str, person: Option<&(String, String)>) -> String {
    if let Some((name, login)) = person {
        return format!("{name} ({login})");
    }
    lookup(NON_PERSONS, actor).map_or_else(|| actor.to_owned(), |key| office.t(key).to_owned())
}

/// The detail's facts as `key: value` pairs (they are ids, codes and states by design).
pub(super) fn detail(detail: &str, zone: chrono_tz::Tz) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(serde_json::Value::Object(fields)) => fields
            .iter()
            .map(|(key, value)| match value {
                // A time in a detail is stored in UTC; the office reads it in its own zone.
                serde_json::Value::String(text) => match chrono::DateTime::parse_from_rfc3339(text)
                {
                    Ok(at) => format!(
                        "{key}: {}",
                        crate::console::time::when(zone, at.with_timezone(&chrono::Utc))
                    ),
                    Err(_) => format!("{key}: {text}"),
                },
                other => format!("{key}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => detail.to_owned(),
    }
}

/// Why the chain broke, in words.
pub(super) fn break_reason(office: &Office, reason: &str) -> String {
    lookup(BREAKS, reason).map_or_else(|| reason.to_owned(), |key| office.t(key).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detail_shows_its_facts_and_a_non_object_as_stored() {
        let zone = crate::console::time::DEFAULT_ZONE;
        assert_eq!(
            detail(r#"{"nodes":3,"definition_id":"def-1"}"#, zone),
            "definition_id: def-1; nodes: 3"
        );
        assert_eq!(detail("[1,2]", zone), "[1,2]");
        assert_eq!(
            detail(r#"{"until":"2026-12-06T17:30:00+00:00"}"#, zone),
            "until: 2026-12-07 01:30"
        );
    }

    #[test]
    fn every_kind_actor_and_reason_here_has_a_text() {
        for (_, key) in KINDS.iter().chain(NON_PERSONS).chain(BREAKS) {
            assert!(crate::console::text::known(key).is_some(), "{key}");
        }
    }

    #[test]
    fn every_reason_the_chain_check_gives_has_words() {
        // The reasons are written in the audit module; a new one would show in English only.
        const BROKEN: &str = "broken(\"";
        const REASON: &str = "reason: \"";
        let source = include_str!("../../audit.rs");
        let given: Vec<&str> = source
            .split(BROKEN)
            .skip(1)
            .chain(source.split(REASON).skip(1))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(given.len(), BREAKS.len(), "{given:?}");
        for reason in given {
            assert!(lookup(BREAKS, reason).is_some(), "{reason}");
        }
    }
}
