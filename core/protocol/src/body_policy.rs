//! 未阅正文 — a unit's rule for approving a document whose body was never opened on the phone
//! that approves it. Part of the unit's offline policy, so it reaches phones in their signed
//! checkpoints and holds offline too.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a phone does when someone approves a document whose body was never opened on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UnopenedBodyRule {
    /// 允许 — nothing is said (the rule of units that set none, and of older checkpoints).
    #[default]
    Allow,
    /// 提醒 — the screens say so and the shell asks for a confirmation; the approval goes through.
    Warn,
    /// 禁止 — the approval is refused on the phone before anything is signed.
    Refuse,
}

impl UnopenedBodyRule {
    /// The stable name (`allow`, `warn`, `refuse`), as the policy and the command line spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            UnopenedBodyRule::Allow => "allow",
            UnopenedBodyRule::Warn => "warn",
            UnopenedBodyRule::Refuse => "refuse",
        }
    }
}

impl fmt::Display for UnopenedBodyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not `allow`, `warn` or `refuse`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rule for unopened bodies: allow, warn or refuse")]
pub struct UnknownRule(pub String);

impl FromStr for UnopenedBodyRule {
    type Err = UnknownRule;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "allow" => Ok(UnopenedBodyRule::Allow),
            "warn" => Ok(UnopenedBodyRule::Warn),
            "refuse" => Ok(UnopenedBodyRule::Refuse),
            other => Err(UnknownRule(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::OfflinePolicy;

    #[test]
    fn a_policy_without_the_rule_allows_and_names_parse_back() {
        let mut old = serde_json::to_value(OfflinePolicy::default()).unwrap();
        old.as_object_mut().unwrap().remove("unopened_body");
        let policy: OfflinePolicy = serde_json::from_value(old).unwrap();
        assert_eq!(policy.unopened_body, UnopenedBodyRule::Allow);
        for rule in [
            UnopenedBodyRule::Allow,
            UnopenedBodyRule::Warn,
            UnopenedBodyRule::Refuse,
        ] {
            assert_eq!(rule.as_str().parse::<UnopenedBodyRule>().unwrap(), rule);
            assert_eq!(
                serde_json::to_value(rule).unwrap(),
                serde_json::json!(rule.as_str())
            );
        }
        assert!("deny".parse::<UnopenedBodyRule>().is_err());
    }
}
