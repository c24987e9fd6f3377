//! 常用意见 on the phone: the list a person picks an opinion from — their own phrases first, then
//! the unit's defaults — read offline from the store, edited offline (add, remove, move, replace),
//! and exchanged with the gateway at each sync or on demand ([`Client::sync_phrases`]).
//!
//! Two devices editing at once: the gateway keeps a version per person and takes an edit only if
//! it was made on the current version. The first edit to reach it wins; the other device's edit
//! is refused (`409 stale_phrases`), that device takes the winning list, and
//! [`PhraseList::edit_refused`] tells the shell its edit was replaced, until the person edits
//! again. Nothing is merged silently, and nothing is lost without the person being told.

use super::{Client, ClientError};
use crate::link::{Credentials, GatewayClient, LinkError};
use crate::protocol::phrases::{check_phrases, PhraseEdit, STALE_PHRASES};
use crate::store::PhraseCopy;
use std::sync::Arc;

/// Why an edit of the phrases cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PhraseError {
    /// The list would break a bound (count, length, blank, control characters, a repeat).
    #[error("常用意见不符合要求 / the phrases are not acceptable: {0}")]
    Invalid(String),
    /// No phrase of the person's own list at this position.
    #[error("没有第 {0} 条个人常用意见 / there is no own phrase at position {0}")]
    NoSuchPhrase(usize),
}

/// The phrases a person may pick an opinion from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhraseList {
    /// The person's own phrases, in their order (an edit made here included).
    pub own: Vec<String>,
    /// The unit's defaults.
    pub unit: Vec<String>,
    /// An edit made here waits for the gateway.
    pub edit_pending: bool,
    /// The last edit made here lost to one made on another device first; `own` is that list.
    pub edit_refused: bool,
}

impl PhraseList {
    /// What a picker shows: the person's own phrases, then the unit's they do not repeat.
    pub fn all(&self) -> Vec<String> {
        let mut all = self.own.clone();
        all.extend(self.unit.iter().filter(|p| !self.own.contains(p)).cloned());
        all
    }
}

impl From<PhraseCopy> for PhraseList {
    fn from(copy: PhraseCopy) -> PhraseList {
        PhraseList {
            own: copy.own,
            unit: copy.unit,
            edit_pending: copy.edited,
            edit_refused: copy.edit_refused,
        }
    }
}

impl Client {
    /// The phrases held on this phone (empty before the first sync). Works offline.
    pub fn phrases(&self) -> Result<PhraseList, ClientError> {
        Ok(self
            .store()?
            .phrase_copy()?
            .map(PhraseList::from)
            .unwrap_or_default())
    }

    /// Adds a phrase at the end of the person's own list (kept here, sent at the next sync).
    pub fn add_phrase(&self, text: &str) -> Result<PhraseList, ClientError> {
        self.edit_phrases(|own| {
            own.push(text.trim().to_owned());
            Ok(())
        })
    }

    /// Removes the person's own phrase at `index` (0-based).
    pub fn remove_phrase(&self, index: usize) -> Result<PhraseList, ClientError> {
        self.edit_phrases(|own| {
            if index >= own.len() {
                return Err(PhraseError::NoSuchPhrase(index + 1));
            }
            own.remove(index);
            Ok(())
        })
    }

    /// Moves the person's own phrase at `from` to position `to` (0-based).
    pub fn move_phrase(&self, from: usize, to: usize) -> Result<PhraseList, ClientError> {
        self.edit_phrases(|own| {
            if from >= own.len() || to >= own.len() {
                return Err(PhraseError::NoSuchPhrase(from.max(to) + 1));
            }
            let phrase = own.remove(from);
            own.insert(to, phrase);
            Ok(())
        })
    }

    /// Replaces the person's own list.
    pub fn set_phrases(&self, phrases: &[String]) -> Result<PhraseList, ClientError> {
        self.edit_phrases(|own| {
            *own = phrases.iter().map(|p| p.trim().to_owned()).collect();
            Ok(())
        })
    }

    fn edit_phrases(
        &self,
        edit: impl FnOnce(&mut Vec<String>) -> Result<(), PhraseError>,
    ) -> Result<PhraseList, ClientError> {
        let mut store = self.store()?;
        let mut own = store.phrase_copy()?.unwrap_or_default().own;
        edit(&mut own)?;
        check_phrases(&own).map_err(PhraseError::Invalid)?;
        store.edit_own_phrases(&own, self.device_now())?;
        Ok(store
            .phrase_copy()?
            .map(PhraseList::from)
            .unwrap_or_default())
    }

    /// Sends an edit made here, then fetches the book if it changed. Needs the gateway.
    pub async fn sync_phrases(&self) -> Result<PhraseList, ClientError> {
        let (gateway, credentials) = {
            let store = self.store()?;
            let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            let gateway = self.link(&store, &account, &device)?;
            let credentials = Credentials {
                signer: Arc::clone(&self.signer),
                request_key_id: account.request_key_id,
                access_token: account.access_token,
                clock_offset_ms: device.clock_offset_ms,
            };
            (gateway, credentials)
        };
        self.exchange_phrases(&gateway, &credentials).await
    }

    /// [`Client::sync_phrases`] over a link the caller holds (the sync's).
    pub(super) async fn exchange_phrases(
        &self,
        gateway: &GatewayClient,
        credentials: &Credentials,
    ) -> Result<PhraseList, ClientError> {
        let copy = self.store()?.phrase_copy()?.unwrap_or_default();
        if copy.edited {
            let edit = PhraseEdit {
                base_version: copy.own_version,
                phrases: copy.own.clone(),
            };
            let refused = match gateway.replace_phrases(credentials, &edit).await {
                Ok(book) => {
                    self.store()?
                        .save_phrase_book(&book, false, self.device_now())?;
                    return self.phrases();
                }
                Err(LinkError::Refused { status, code, .. })
                    if status == 409 && code == STALE_PHRASES =>
                {
                    true
                }
                Err(error) => return Err(error.into()),
            };
            // Another device edited first: its list is the person's now.
            if let Some(book) = gateway.phrases(credentials, None).await? {
                self.store()?
                    .save_phrase_book(&book, refused, self.device_now())?;
            }
            return self.phrases();
        }
        if let Some(book) = gateway
            .phrases(credentials, Some(copy.version.as_str()))
            .await?
        {
            self.store()?
                .save_phrase_book(&book, copy.edit_refused, self.device_now())?;
        }
        self.phrases()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_picker_lists_the_own_phrases_first_then_the_units_it_does_not_repeat() {
        let list = PhraseList {
            own: vec!["请王处长阅处。".into(), "同意。".into()],
            unit: vec!["同意。".into(), "已阅。".into()],
            ..PhraseList::default()
        };
        assert_eq!(list.all(), ["请王处长阅处。", "同意。", "已阅。"]);
    }

    #[test]
    fn edits_made_offline_are_kept_checked_and_marked_for_the_gateway() {
        let (_dir, client, _key) = crate::client::test_support::offline_client();
        let list = client.add_phrase("同意。").unwrap();
        assert_eq!(list.own, ["同意。"]);
        assert!(list.edit_pending);
        client.add_phrase(" 已阅。 ").unwrap();
        client.add_phrase("请办公室阅处。").unwrap();
        let moved = client.move_phrase(2, 0).unwrap();
        assert_eq!(moved.own, ["请办公室阅处。", "同意。", "已阅。"]);
        let removed = client.remove_phrase(1).unwrap();
        assert_eq!(removed.own, ["请办公室阅处。", "已阅。"]);
        // Refused edits change nothing.
        assert!(matches!(
            client.add_phrase("已阅。"),
            Err(ClientError::Phrase(PhraseError::Invalid(_)))
        ));
        assert!(matches!(
            client.remove_phrase(5),
            Err(ClientError::Phrase(PhraseError::NoSuchPhrase(6)))
        ));
        assert_eq!(client.phrases().unwrap().own, ["请办公室阅处。", "已阅。"]);
    }
}
