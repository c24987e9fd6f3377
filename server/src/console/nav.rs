//! The console's menu: each area's entries with the roles that see them (none listed: everyone).
//! Each area adds its own lines to [`NAV`].

use crate::office::{Account, Role};

/// Path, text key, roles that see it (empty: every office role).
pub const NAV: &[(&str, &str, &[Role])] = &[
    ("/console/", "nav.home", &[]),
    ("/console/flows", "nav.flows", &[]),
    (
        "/console/exchange",
        "nav.exchange",
        &[Role::Registrar, Role::Drafter, Role::Administrator],
    ),
    ("/console/drafts", "nav.drafts", &[Role::Drafter]),
    ("/console/secretary", "nav.secretary", &[Role::Secretary]),
    ("/console/incoming", "nav.incoming", &[Role::Registrar]),
    (
        "/console/definitions",
        "nav.definitions",
        &[Role::Administrator],
    ),
    (
        "/console/audit",
        "nav.audit",
        &[Role::Auditor, Role::Administrator],
    ),
    (
        "/console/addressbook",
        "nav.addressbook",
        &[Role::Administrator],
    ),
    ("/console/notices", "nav.notices", &[Role::Administrator]),
    (
        "/console/admin/devices",
        "nav.admin.devices",
        &[Role::Administrator],
    ),
    (
        "/console/admin/accounts",
        "nav.admin.accounts",
        &[Role::Administrator],
    ),
    (
        "/console/admin/units",
        "nav.admin.units",
        &[Role::Administrator],
    ),
    (
        "/console/admin/policy",
        "nav.admin.policy",
        &[Role::Administrator],
    ),
    ("/console/apikeys", "nav.apikeys", &[Role::Administrator]),
];

/// The entries `account` sees, in order.
pub fn entries(account: &Account) -> Vec<(&'static str, &'static str)> {
    NAV.iter()
        .filter(|(_, _, roles)| roles.is_empty() || roles.iter().any(|r| account.has(*r)))
        .map(|(path, key, _)| (*path, *key))
        .collect()
}
