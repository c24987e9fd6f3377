//! Opinions as the shells write them: 常用意见 (the person's own phrases first, then the unit's;
//! edited offline and exchanged with the gateway at each sync or on demand — a phrase's text is
//! what a shell puts into an action's `opinion`), and 手写签批 / 语音 attached to an action's
//! opinion: the bytes go into the phone's encrypted vault, the opinion names them by SHA-256
//! (so the signed record binds them), and they are uploaded before the command at the next sync.
//! Conversion only.

use crate::actions::TaskAction;
use crate::convert::ApprovalQueued;
use crate::presence::PreparedApproval;
use crate::{blocking, runtime, QianpiClient, QianpiError};
use qianpi_core::client::PhraseList;
use qianpi_core::model::OpinionFile;
use std::sync::Arc;

/// The phrases a person may pick an opinion from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Phrases {
    /// The person's own phrases, in their order (an edit made here included).
    pub own: Vec<String>,
    /// The unit's defaults.
    pub unit: Vec<String>,
    /// What a picker lists: the own phrases, then the unit's they do not repeat.
    pub all: Vec<String>,
    /// An edit made here waits for the gateway (sent at the next sync).
    pub edit_pending: bool,
    /// The last edit made here lost to one made first on another device of the person's; `own`
    /// is that device's list. Cleared by the next edit.
    pub edit_refused: bool,
}

impl From<PhraseList> for Phrases {
    fn from(list: PhraseList) -> Phrases {
        Phrases {
            all: list.all(),
            own: list.own,
            unit: list.unit,
            edit_pending: list.edit_pending,
            edit_refused: list.edit_refused,
        }
    }
}

/// A handwriting image or voice clip to attach to an opinion.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpinionMedia {
    /// The file's bytes (at most 2 MiB): a PNG of the signature pad, an AAC or Opus clip.
    pub bytes: Vec<u8>,
    /// Its media type (`image/png`, `audio/aac` …).
    pub media_type: String,
    /// A voice clip's length in milliseconds (none for an image).
    pub duration_ms: Option<u32>,
}

/// A handwriting image or voice clip as an opinion names it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpinionFileInfo {
    /// SHA-256 of the file (lowercase hex): `download` fetches it, `read_file` reads it.
    pub sha256: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// A voice clip's length in milliseconds.
    pub duration_ms: Option<u32>,
}

impl From<OpinionFile> for OpinionFileInfo {
    fn from(f: OpinionFile) -> OpinionFileInfo {
        OpinionFileInfo {
            sha256: f.sha256,
            media_type: f.media_type,
            size: f.size,
            duration_ms: f.duration_ms,
        }
    }
}

#[uniffi::export]
impl QianpiClient {
    /// The phrases on this phone (empty before the first sync). Offline.
    pub async fn phrases(&self) -> Result<Phrases, QianpiError> {
        blocking(&self.inner, |client| Ok(client.phrases()?.into())).await
    }

    /// Sends an edit made here and fetches the phrases if they changed (also done by `sync`).
    pub async fn sync_phrases(&self) -> Result<Phrases, QianpiError> {
        let inner = Arc::clone(&self.inner);
        runtime()?
            .spawn(async move { inner.sync_phrases().await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })?
            .map(Into::into)
            .map_err(Into::into)
    }

    /// Adds a phrase at the end of the person's own list. Offline; sent at the next sync.
    pub async fn add_phrase(&self, text: String) -> Result<Phrases, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.add_phrase(&text)?.into())
        })
        .await
    }

    /// Removes the person's own phrase at `index` (0-based). Offline.
    pub async fn remove_phrase(&self, index: u32) -> Result<Phrases, QianpiError> {
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        blocking(&self.inner, move |client| {
            Ok(client.remove_phrase(index)?.into())
        })
        .await
    }

    /// Moves the person's own phrase at `from` to `to` (0-based). Offline.
    pub async fn move_phrase(&self, from: u32, to: u32) -> Result<Phrases, QianpiError> {
        let (from, to) = (
            usize::try_from(from).unwrap_or(usize::MAX),
            usize::try_from(to).unwrap_or(usize::MAX),
        );
        blocking(&self.inner, move |client| {
            Ok(client.move_phrase(from, to)?.into())
        })
        .await
    }

    /// Replaces the person's own list. Offline.
    pub async fn set_phrases(&self, phrases: Vec<String>) -> Result<Phrases, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.set_phrases(&phrases)?.into())
        })
        .await
    }

    /// [`QianpiClient::act_on_task_with_media`] behind the user's presence: the files are kept
    /// and named in the opinion, the action is decided and laid out for the approval key as
    /// `prepare_action` does, and `complete_action` queues it. A cancelled prompt queues
    /// nothing (the kept files wait, unused, for the next attempt).
    pub async fn prepare_action_with_media(
        &self,
        task_id: String,
        action: TaskAction,
        handwriting: Option<OpinionMedia>,
        voice: Option<OpinionMedia>,
        acting_for: Option<String>,
    ) -> Result<Arc<PreparedApproval>, QianpiError> {
        blocking(&self.inner, move |client| {
            let keep = |media: Option<OpinionMedia>| {
                media
                    .map(|m| client.keep_opinion_file(&m.bytes, &m.media_type, m.duration_ms))
                    .transpose()
            };
            let handwriting = keep(handwriting)?;
            let voice = keep(voice)?;
            let mut command = action.into_command(task_id.clone());
            client.attach_opinion_files(&mut command, handwriting, voice)?;
            let prepared = client.prepare_action(&task_id, &command, acting_for.as_deref())?;
            Ok(Arc::new(PreparedApproval::new(prepared, &command)))
        })
        .await
    }

    /// An action on a task whose opinion carries a handwriting image and/or a voice clip (the
    /// action must carry an opinion: 同意 / 不同意, 驳回, 退回, 委派办结, 后加签, 暂存). The files
    /// are kept encrypted here, named in the signed opinion by their hash, and uploaded before
    /// the command at the next sync. Works offline.
    pub async fn act_on_task_with_media(
        &self,
        task_id: String,
        action: TaskAction,
        handwriting: Option<OpinionMedia>,
        voice: Option<OpinionMedia>,
        acting_for: Option<String>,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            let keep = |media: Option<OpinionMedia>| {
                media
                    .map(|m| client.keep_opinion_file(&m.bytes, &m.media_type, m.duration_ms))
                    .transpose()
            };
            let handwriting = keep(handwriting)?;
            let voice = keep(voice)?;
            let command = action.into_command(task_id);
            Ok(client
                .act_with_files(command, acting_for.as_deref(), handwriting, voice)?
                .into())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picker_gets_the_own_phrases_then_the_units() {
        let phrases = Phrases::from(PhraseList {
            own: vec!["请办公室阅处。".into()],
            unit: vec!["同意。".into(), "请办公室阅处。".into()],
            edit_pending: true,
            edit_refused: false,
        });
        assert_eq!(phrases.all, ["请办公室阅处。", "同意。"]);
        assert!(phrases.edit_pending);
    }
}
