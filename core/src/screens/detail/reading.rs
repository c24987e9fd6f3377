//! Which body version an approval names, and whether the person opened it here: the record's
//! `document_hash` is the hash of the version the phone holds (the one the person could read),
//! the newest listed when it holds none; the unit's rule then says whether approving a body
//! never opened on this phone is allowed, warned or refused. The detail screen and the action
//! path both decide through [`BodyReading::new`], so the screen says what the action will do.

use crate::model::Document;
use crate::protocol::UnopenedBodyRule;
use std::collections::HashSet;

/// The body an approval made now would name, and what the unit's rule says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyReading {
    /// The version an approval names: the newest whose file (original or rendition) the phone
    /// holds, else the newest listed; none when the document has no body file.
    pub version_id: Option<String>,
    /// That version's original hash: the record's `document_hash`.
    pub sha256: Option<String>,
    /// Its file (original or rendition) is on this phone.
    pub held: bool,
    /// Its file (original or rendition) was opened on this phone.
    pub opened: bool,
    /// The unit's rule for approving a body never opened here.
    pub rule: UnopenedBodyRule,
}

/// What approving now meets, as the task controls show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnopenedBodyCheck {
    /// Nothing to say: the body was opened, there is none, or the unit allows it.
    Clear,
    /// 提醒 — the body was never opened here: the shell asks for a confirmation first.
    Confirm,
    /// 禁止 — the body was never opened here: approving fails until it is.
    Refused,
}

impl BodyReading {
    /// Decides from the document, the body files the vault holds and those opened here.
    pub fn new(
        document: &Document,
        held: &HashSet<String>,
        opened: &HashSet<String>,
        rule: UnopenedBodyRule,
    ) -> BodyReading {
        let versions = &document.body.versions;
        let holds = |v: &&crate::model::BodyVersion| {
            held.contains(&v.sha256)
                || v.rendition
                    .as_ref()
                    .is_some_and(|r| held.contains(&r.sha256))
        };
        let held_version = versions.iter().rev().find(holds);
        let named = held_version.or(versions.last());
        BodyReading {
            version_id: named.map(|v| v.id.clone()),
            sha256: named.map(|v| v.sha256.clone()),
            held: held_version.is_some(),
            opened: named.is_some_and(|v| {
                opened.contains(&v.sha256)
                    || v.rendition
                        .as_ref()
                        .is_some_and(|r| opened.contains(&r.sha256))
            }),
            rule,
        }
    }

    /// What approving now meets.
    pub fn check(&self) -> UnopenedBodyCheck {
        if self.version_id.is_none() || self.opened {
            return UnopenedBodyCheck::Clear;
        }
        match self.rule {
            UnopenedBodyRule::Allow => UnopenedBodyCheck::Clear,
            UnopenedBodyRule::Warn => UnopenedBodyCheck::Confirm,
            UnopenedBodyRule::Refuse => UnopenedBodyCheck::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::{BodyFormat, BodyStage, BodyVersion, Rendition};

    fn hash(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn document() -> Document {
        let version = |id: &str, c: char| BodyVersion {
            id: id.into(),
            stage: BodyStage::Final,
            format: BodyFormat::Ofd,
            sha256: hash(c),
            size: 10,
            pages: None,
            created_at: None,
            rendition: None,
        };
        let mut doc =
            qianpi_domain::fixtures::incoming("doc-1", "unit", "关于开展安全生产检查的通知");
        doc.body.versions = vec![version("v1", 'a'), version("v2", 'b')];
        doc.body.versions[1].rendition = Some(Rendition {
            format: BodyFormat::Pdf,
            sha256: hash('c'),
            size: 12,
        });
        doc
    }

    fn set(hashes: &[String]) -> HashSet<String> {
        hashes.iter().cloned().collect()
    }

    #[test]
    fn an_approval_names_the_version_held_and_the_newest_when_none_is() {
        let doc = document();
        let none = HashSet::new();
        let newest = BodyReading::new(&doc, &none, &none, UnopenedBodyRule::Allow);
        assert_eq!(newest.version_id.as_deref(), Some("v2"));
        assert!(!newest.held);
        let older = BodyReading::new(&doc, &set(&[hash('a')]), &none, UnopenedBodyRule::Allow);
        assert_eq!(
            (older.version_id.as_deref(), older.sha256),
            (Some("v1"), Some(hash('a')))
        );
        // Holding the rendition is holding the version; the record names the original.
        let rendition = BodyReading::new(
            &doc,
            &set(&[hash('a'), hash('c')]),
            &set(&[hash('c')]),
            UnopenedBodyRule::Refuse,
        );
        assert_eq!(rendition.sha256, Some(hash('b')));
        assert!(rendition.held && rendition.opened);
        assert_eq!(rendition.check(), UnopenedBodyCheck::Clear);
    }

    #[test]
    fn the_rule_applies_only_to_a_body_never_opened() {
        let doc = document();
        let none = HashSet::new();
        let check =
            |opened: &HashSet<String>, rule| BodyReading::new(&doc, &none, opened, rule).check();
        assert_eq!(
            check(&none, UnopenedBodyRule::Allow),
            UnopenedBodyCheck::Clear
        );
        assert_eq!(
            check(&none, UnopenedBodyRule::Warn),
            UnopenedBodyCheck::Confirm
        );
        assert_eq!(
            check(&none, UnopenedBodyRule::Refuse),
            UnopenedBodyCheck::Refused
        );
        // Opening an older version is not reading the one an approval names.
        let old = set(&[hash('a')]);
        assert_eq!(
            check(&old, UnopenedBodyRule::Refuse),
            UnopenedBodyCheck::Refused
        );
        assert_eq!(
            check(&set(&[hash('b')]), UnopenedBodyRule::Refuse),
            UnopenedBodyCheck::Clear
        );
        let mut bodiless = doc.clone();
        bodiless.body.versions.clear();
        let reading = BodyReading::new(&bodiless, &none, &none, UnopenedBodyRule::Refuse);
        assert_eq!(reading.check(), UnopenedBodyCheck::Clear);
    }
}
