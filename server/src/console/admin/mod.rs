//! The administrator's console pages for their unit: [`devices`] (approve, suspend, revoke, wipe,
//! with the fingerprint words) and [`activation`] (codes with their QR invite), [`accounts`]
//! (office accounts and roles), [`units`] (the unit and its departments) and [`policy`] (the
//! offline policy). Every page needs the administrator role and acts in the administrator's own
//! unit only; an id from another unit answers 404 as if it did not exist, because the data layer
//! below is asked with the administrator's unit.

mod accounts;
mod activation;
mod devices;
mod policy;
mod units;

use super::prelude::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(devices::routes())
        .merge(activation::routes())
        .merge(accounts::routes())
        .merge(units::routes())
        .merge(policy::routes())
}

/// 403 unless the account administers its unit.
fn admin_only(office: &Office) -> Result<(), ConsoleError> {
    office.require(Role::Administrator)
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
struct NoFields {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::text::known;
    use std::path::Path;

    /// Keys picked by `match` (a device's state, a role, an action's notice) are not `t("…")`
    /// calls the console's own scan finds: every `"admin.…"` literal here must be in a table,
    /// and so must each action's `?done=` notice.
    #[test]
    fn every_admin_key_here_is_in_a_table() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console/admin");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (at, _) in source.match_indices("\"admin.") {
                let rest = &source[at + 1..];
                let key = &rest[..rest.find('"').unwrap()];
                // Whole keys only: not a prefix a `format!` completes, nor prose.
                let whole = key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if whole && !key.ends_with('.') && known(key).is_none() {
                    missing.push(key.to_owned());
                }
            }
        }
        for action in ["approve", "suspend", "resume", "revoke", "wipe"] {
            let key = format!("admin.devices.done.{action}");
            if known(&key).is_none() {
                missing.push(key);
            }
        }
        for action in ["roles", "unlock", "reset_totp", "disable", "enable"] {
            let key = format!("admin.accounts.done.{action}");
            if known(&key).is_none() {
                missing.push(key);
            }
        }
        assert_eq!(missing, Vec::<String>::new());
    }
}
