//! Office accounts for the web console: the people who register 收文, draft 发文, act for a
//! leader, administer a unit or read its audit log, each an identity of the address book with a
//! password (Argon2id, [`password`]), a TOTP second factor ([`totp`]) and roles in their unit.
//! [`accounts`] creates and administers them; [`sessions`] logs them in and keeps their
//! sessions in the database, so any replica serves any request. The console's pages
//! (`crate::console`) sit above; this module never imports them.
//!
//! The government's unified identity (统一身份认证, usually OIDC) would replace the password and
//! TOTP steps only: a verified `sub` claim maps to an account's login through a table of links,
//! and [`sessions::start_full`] opens the same session as after a TOTP code. Roles stay here,
//! per unit, because the identity provider does not know them. README's console section
//! describes the seam.

pub mod accounts;
pub mod command;
pub mod drafts;
pub mod exchange;
pub mod flows;
pub mod import;
pub mod incoming;
pub mod password;
pub mod sessions;
pub mod totp;
pub mod xlsx;

use serde::{Deserialize, Serialize};

/// What an office person may do in their unit's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Units' settings, people, devices, accounts, definitions, notices.
    Administrator,
    /// 收文登记: registers incoming documents and starts their flows.
    Registrar,
    /// 拟稿: drafts outgoing documents and starts their flows.
    Drafter,
    /// A leader's secretary: 代签 and the leader's standing delegations.
    Secretary,
    /// Reads the audit log; changes nothing.
    Auditor,
}

impl Role {
    /// Every role, in the order screens list them.
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::Registrar,
        Role::Drafter,
        Role::Secretary,
        Role::Auditor,
    ];

    /// Its stable name, as stored and as the command line takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Registrar => "registrar",
            Role::Drafter => "drafter",
            Role::Secretary => "secretary",
            Role::Auditor => "auditor",
        }
    }

    /// A role by its stable name or its Chinese name.
    pub fn parse(text: &str) -> Option<Role> {
        Some(match text.trim() {
            "administrator" | "管理员" => Role::Administrator,
            "registrar" | "收文登记" | "登记员" => Role::Registrar,
            "drafter" | "拟稿" | "拟稿人" => Role::Drafter,
            "secretary" | "秘书" => Role::Secretary,
            "auditor" | "审计" | "审计员" => Role::Auditor,
            _ => return None,
        })
    }

    /// Roles from their stored, comma-separated form; unknown names are dropped.
    pub fn parse_list(text: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = text.split(',').filter_map(Role::parse).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The stored, comma-separated form.
    pub fn join(roles: &[Role]) -> String {
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// An office account as the console sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The identity (a post in the unit) the account acts as.
    pub user_id: String,
    /// Its unit.
    pub unit_id: String,
    /// The login typed at the console.
    pub login: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// Its roles in the unit.
    pub roles: Vec<Role>,
    /// Whether a TOTP secret is enrolled.
    pub enrolled: bool,
    /// Locked out until this Unix time (0: not locked).
    pub locked_until: i64,
    /// Disabled by an administrator.
    pub disabled: bool,
}

impl Account {
    /// Whether the account holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_in_both_languages() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("秘书"), Some(Role::Secretary));
        assert_eq!(
            Role::parse_list("registrar,bogus,administrator,registrar"),
            vec![Role::Administrator, Role::Registrar]
        );
        assert_eq!(
            Role::join(&[Role::Auditor, Role::Drafter]),
            "drafter,auditor"
        );
    }
}
