//! 意见 / 批示 — what a person writes when finishing a task: an attitude, the text, optional
//! handwriting and audio (as attachment references), the opinion column it is printed in, and for
//! a secretary's entry (代签) who typed it in for the leader.

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

/// 意见 / 批示 — an opinion written on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// 态度 — attitude.
    pub attitude: Attitude,
    /// 意见正文 — the text the person wrote.
    pub text: String,
    /// 手写签批 — the attachment id of a handwriting image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handwriting: Option<String>,
    /// 语音 — the attachment id of an audio note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// 意见栏 — the column it is printed in (拟办, 领导批示, 会签 …); the workflow fills it from
    /// the node when the opinion is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// 代签 — the secretary who entered this opinion for its author, the leader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

impl Opinion {
    /// Whether the text and every reference fit their bounds ([`MAX_OPINION_CHARS`],
    /// [`MAX_OPINION_REF_CHARS`]).
    pub fn within_bounds(&self) -> bool {
        let short = |r: &Option<String>| {
            r.as_ref()
                .is_none_or(|r| r.chars().count() <= MAX_OPINION_REF_CHARS)
        };
        self.text.chars().count() <= MAX_OPINION_CHARS
            && short(&self.handwriting)
            && short(&self.audio)
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

    /// Whether the person wrote something (text, handwriting or audio).
    pub fn is_written(&self) -> bool {
        !self.text.trim().is_empty() || self.handwriting.is_some() || self.audio.is_some()
    }
}
