//! 手写签批 and 语音 on the phone: the shell hands the core a handwriting image or a voice clip; the
//! core keeps it encrypted in the vault under its SHA-256, puts that hash (with the media type,
//! size and a clip's length) into the action's opinion, so the signed record binds the file, and
//! uploads it before the push that carries the command (`PUT /v1/blobs/<sha256>`).
//!
//! All of it works offline: the file and the command wait together. If the gateway still lacks a
//! file when the command arrives (`opinion_file_missing`, a refusal it does not keep), the
//! command stays queued and its files go up again at the next sync. Other phones that see the
//! flow download the file with the ordinary blob download.

use super::{Client, ClientError, QueuedCommand};
use crate::crypto;
use crate::link::{Credentials, GatewayClient, LinkError};
use crate::model::OpinionFile;
use crate::workflow::{Command, MAX_OPINION_AUDIO_MS, MAX_OPINION_FILE_BYTES};

/// Why a file cannot be attached to an opinion.
#[derive(Debug, thiserror::Error)]
pub enum OpinionFileError {
    /// The file is empty or larger than the gateway takes.
    #[error("手写或语音文件须在 1 字节至 {MAX_OPINION_FILE_BYTES} 字节之间（实为 {0} 字节） / a handwriting image or voice clip must have 1 to {MAX_OPINION_FILE_BYTES} bytes, not {0}")]
    Size(u64),
    /// The media type is not a plain `type/subtype`, or a clip is too long.
    #[error("文件类型或语音时长不符合要求：{0} / the media type or the clip's length is not acceptable: {0}")]
    Invalid(String),
    /// The action carries no opinion to attach the file to.
    #[error("该操作不带意见，不能附加手写或语音 / this action carries no opinion to attach handwriting or voice to")]
    NoOpinion,
}

impl Client {
    /// Keeps a handwriting image or voice clip (`duration_ms` for a clip) encrypted on this
    /// phone and describes it for an opinion. Works offline.
    pub fn keep_opinion_file(
        &self,
        bytes: &[u8],
        media_type: &str,
        duration_ms: Option<u32>,
    ) -> Result<OpinionFile, ClientError> {
        let size = bytes.len() as u64;
        if bytes.is_empty() || size > MAX_OPINION_FILE_BYTES {
            return Err(OpinionFileError::Size(size).into());
        }
        let file = OpinionFile {
            sha256: crypto::sha256_hex(bytes),
            media_type: media_type.trim().to_owned(),
            size,
            duration_ms,
        };
        if !file.within_bounds() {
            let reason = match duration_ms {
                Some(ms) if ms > MAX_OPINION_AUDIO_MS => format!("{ms} ms"),
                _ => format!("{media_type:?}"),
            };
            return Err(OpinionFileError::Invalid(reason).into());
        }
        let meta = self
            .files()?
            .write(&file.sha256, bytes, Some(&file.sha256))?;
        debug_assert_eq!(meta.size, size);
        self.store()?.add_opinion_file(&file, self.device_now())?;
        Ok(file)
    }

    /// Puts kept files into `command`'s opinion: `handwriting` an image, `audio` a voice clip
    /// (each from [`Client::keep_opinion_file`]). The command is then decided and signed as any.
    pub fn attach_opinion_files(
        &self,
        command: &mut Command,
        handwriting: Option<OpinionFile>,
        audio: Option<OpinionFile>,
    ) -> Result<(), ClientError> {
        if handwriting.is_none() && audio.is_none() {
            return Ok(());
        }
        let opinion = command.opinion_mut().ok_or(OpinionFileError::NoOpinion)?;
        if handwriting.is_some() {
            opinion.handwriting = handwriting;
        }
        if audio.is_some() {
            opinion.audio = audio;
        }
        Ok(())
    }

    /// An action whose opinion carries these files: kept, attached, decided, signed and
    /// queued (代签 with `acting_for`). Works offline; the files go up at the next sync.
    pub fn act_with_files(
        &self,
        mut command: Command,
        acting_for: Option<&str>,
        handwriting: Option<OpinionFile>,
        audio: Option<OpinionFile>,
    ) -> Result<QueuedCommand, ClientError> {
        self.attach_opinion_files(&mut command, handwriting, audio)?;
        let queued = self.act_as(command.clone(), acting_for)?;
        self.note_opinion_files(&command, &queued.command_id)?;
        Ok(queued)
    }

    /// Notes that queued command `command_id` names the files of `command`'s opinion.
    pub fn note_opinion_files(
        &self,
        command: &Command,
        command_id: &str,
    ) -> Result<(), ClientError> {
        let hashes: Vec<&str> = command
            .opinion()
            .into_iter()
            .flat_map(|o| o.files())
            .map(|f| f.sha256.as_str())
            .collect();
        if !hashes.is_empty() {
            self.store()?.bind_opinion_files(&hashes, command_id)?;
        }
        Ok(())
    }

    /// Uploads every kept opinion file the gateway does not have yet; returns how many went
    /// up. A file the gateway refuses stays marked (its command will be refused as missing
    /// the file, and stays queued); no connection stops the uploads with the error.
    pub(super) async fn upload_opinion_files(
        &self,
        gateway: &GatewayClient,
        credentials: &Credentials,
    ) -> Result<usize, ClientError> {
        let pending = self.store()?.opinion_files_to_upload()?;
        let mut sent = 0;
        for (sha256, media_type) in pending {
            let bytes = self.files()?.read_to_vec(&sha256, &sha256)?;
            match gateway
                .upload_opinion_file(credentials, &sha256, &media_type, bytes.to_vec())
                .await
            {
                Ok(()) => {
                    self.store()?.opinion_file_uploaded(&sha256)?;
                    sent += 1;
                }
                Err(LinkError::Refused { status, code, .. }) if status != 401 => {
                    tracing::warn!(status, code = %code, "the gateway refused an opinion file");
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Opinion;

    #[test]
    fn a_kept_file_is_encrypted_under_its_hash_and_waits_for_upload() {
        let (_dir, client, _key) = crate::client::test_support::offline_client();
        let png = b"\x89PNG\r\n\x1a\n handwriting".to_vec();
        let file = client.keep_opinion_file(&png, "image/png", None).unwrap();
        assert_eq!(file.sha256, crypto::sha256_hex(&png));
        assert_eq!(file.size, png.len() as u64);
        let mut back = Vec::new();
        client.read_file(&file.sha256, &mut back).unwrap();
        assert_eq!(back, png);
        let pending = client.store().unwrap().opinion_files_to_upload().unwrap();
        assert_eq!(pending, [(file.sha256.clone(), "image/png".to_owned())]);
        // The retention purge keeps it: the outbox will need it.
        let report = client.purge().unwrap();
        assert!(!report.orphan_files.contains(&file.sha256));
        assert!(client.files().unwrap().contains(&file.sha256));

        let mut command = Command::Approve {
            task_id: "t".into(),
            route: None,
            opinion: Opinion::agree("同意。"),
        };
        client
            .attach_opinion_files(&mut command, Some(file.clone()), None)
            .unwrap();
        assert_eq!(command.opinion().unwrap().handwriting, Some(file));
    }

    #[test]
    fn empty_oversized_mistyped_or_overlong_files_are_refused_before_anything_is_kept() {
        let (_dir, client, _key) = crate::client::test_support::offline_client();
        let too_big = vec![0u8; MAX_OPINION_FILE_BYTES as usize + 1];
        for (bytes, media, ms) in [
            (&b""[..], "image/png", None),
            (&too_big[..], "image/png", None),
            (&b"x"[..], "png", None),
            (&b"x"[..], "audio/aac", Some(MAX_OPINION_AUDIO_MS + 1)),
        ] {
            assert!(matches!(
                client.keep_opinion_file(bytes, media, ms),
                Err(ClientError::OpinionFile(_))
            ));
        }
        assert!(client
            .store()
            .unwrap()
            .opinion_files_to_upload()
            .unwrap()
            .is_empty());
        let mut read = Command::MarkRead {
            task_id: "t".into(),
        };
        let file = client.keep_opinion_file(b"x", "image/png", None).unwrap();
        assert!(matches!(
            client.attach_opinion_files(&mut read, Some(file), None),
            Err(ClientError::OpinionFile(OpinionFileError::NoOpinion))
        ));
    }
}
