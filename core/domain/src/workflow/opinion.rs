//! 意见 / 批示 — what a person writes when finishing a task: an attitude, the text, optional
//! handwriting and audio (each an [`OpinionFile`] named by the SHA-256 of its bytes, so the
//! signed record, which hashes the opinion, binds the file too), the opinion column it is
//! printed in, and for a secretary's entry (代签) who typed it in for the leader.

use serde::{Deserialize, Serialize};

/// 态度 — the attitude an opinion records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attitude {
    /// 同意 — agree.
    Agree,
    /// 不同意 — disagree and continue.
    Disagree,
    /// 已阅 — read.
    Read,
}

impl Attitude {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Attitude::Agree => "同意",
            Attitude::Disagree => "不同意",
            Attitude::Read => "已阅",
        }
    }
}

/// The longest opinion text, in characters: a 批示 is a few sentences, and the bound keeps a
/// record, the trace and every phone's copy of them small.
pub const MAX_OPINION_CHARS: usize = 2_000;
/// The longest reference an opinion carries (an attachment id, a column name, a user id).
pub const MAX_OPINION_REF_CHARS: usize = 128;

/// The largest handwriting image or voice clip an opinion may carry: a signature-pad PNG or a
/// minute of speech fits well inside it, and every phone that shows the flow may fetch it.
pub const MAX_OPINION_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// The longest voice clip, in milliseconds (ten minutes).
pub const MAX_OPINION_AUDIO_MS: u32 = 10 * 60 * 1000;
/// The longest media type an opinion file names.
pub const MAX_OPINION_MEDIA_TYPE_CHARS: usize = 100;

/// 手写签批 or 语音 — a file attached to an opinion: the handwriting image or the voice clip,
/// named by the SHA-256 of its bytes, with what a flow record shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionFile {
    /// SHA-256 of the file's bytes, 64 lowercase hex digits: the blob the phones fetch.
    pub sha256: String,
    /// Its media type (`image/png`, `audio/aac` …).
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// A voice clip's length in milliseconds (none for an image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
}

impl OpinionFile {
    /// Whether the hash is a SHA-256 in lowercase hex, the size and length within their bounds,
    /// and the media type a plain `type/subtype`.
    pub fn within_bounds(&self) -> bool {
        let media = self.media_type.split_once('/').is_some_and(|(t, s)| {
            let token = |x: &str| {
                !x.is_empty()
                    && x.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
            };
            token(t) && token(s)
        });
        crate::model::is_sha256_hex(&self.sha256)
            && media
            && self.media_type.len() <= MAX_OPINION_MEDIA_TYPE_CHARS
            && self.size <= MAX_OPINION_FILE_BYTES
            && self.duration_ms.is_none_or(|ms| ms <= MAX_OPINION_AUDIO_MS)
    }
}

/// 意见 / 批示 — an opinion written on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// 态度 — attitude.
    pub attitude: Attitude,
    /// 意见正文 — the text the person wrote.
    pub text: String,
    /// 手写签批 — a handwriting image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handwriting: Option<OpinionFile>,
    /// 语音 — a voice clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<OpinionFile>,
    /// 意见栏 — the column it is printed in (拟办, 领导批示, 会签 …); the workflow fills it from
    /// the node when the opinion is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// 代签 — the secretary who entered this opinion for its author, the leader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

impl Opinion {
    /// Whether the text, every reference and each file fit their bounds ([`MAX_OPINION_CHARS`],
    /// [`MAX_OPINION_REF_CHARS`], [`OpinionFile::within_bounds`]).
    pub fn within_bounds(&self) -> bool {
        let file = |f: &Option<OpinionFile>| f.as_ref().is_none_or(OpinionFile::within_bounds);
        let short = |r: &Option<String>| {
            r.as_ref()
                .is_none_or(|r| r.chars().count() <= MAX_OPINION_REF_CHARS)
        };
        self.text.chars().count() <= MAX_OPINION_CHARS
            && file(&self.handwriting)
            && file(&self.audio)
            && short(&self.column)
            && short(&self.on_behalf_of)
    }

    /// An opinion with this attitude and text, nothing attached.
    pub fn new(attitude: Attitude, text: &str) -> Opinion {
        Opinion {
            attitude,
            text: text.to_owned(),
            handwriting: None,
            audio: None,
            column: None,
            on_behalf_of: None,
        }
    }

    /// 同意, with this text.
    pub fn agree(text: &str) -> Opinion {
        Opinion::new(Attitude::Agree, text)
    }

    /// 不同意, with this text.
    pub fn disagree(text: &str) -> Opinion {
        Opinion::new(Attitude::Disagree, text)
    }

    /// 已阅, no text.
    pub fn read() -> Opinion {
        Opinion::new(Attitude::Read, "")
    }

    /// The files it carries: handwriting, then voice.
    pub fn files(&self) -> impl Iterator<Item = &OpinionFile> {
        self.handwriting.iter().chain(self.audio.iter())
    }

    /// Whether the person wrote something (text, handwriting or audio).
    pub fn is_written(&self) -> bool {
        !self.text.trim().is_empty() || self.handwriting.is_some() || self.audio.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> OpinionFile {
        OpinionFile {
            sha256: "ab".repeat(32),
            media_type: "image/png".into(),
            size: 1024,
            duration_ms: None,
        }
    }

    #[test]
    fn an_opinion_file_must_name_a_hash_a_media_type_and_a_bounded_size() {
        let mut opinion = Opinion::agree("同意。");
        opinion.handwriting = Some(png());
        assert!(opinion.within_bounds());
        assert!(opinion.is_written());
        assert_eq!(opinion.files().count(), 1);
        let bad = [
            OpinionFile {
                sha256: "AB".repeat(32),
                ..png()
            },
            OpinionFile {
                sha256: "ab".into(),
                ..png()
            },
            OpinionFile {
                media_type: "png".into(),
                ..png()
            },
            OpinionFile {
                media_type: "image/png\r\nx: y".into(),
                ..png()
            },
            OpinionFile {
                size: MAX_OPINION_FILE_BYTES + 1,
                ..png()
            },
            OpinionFile {
                duration_ms: Some(MAX_OPINION_AUDIO_MS + 1),
                ..png()
            },
        ];
        for file in bad {
            opinion.audio = Some(file.clone());
            assert!(!opinion.within_bounds(), "{file:?}");
        }
    }
}
