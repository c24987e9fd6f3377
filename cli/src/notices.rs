//! The terminal's 通知公告: the list, one notice opened (checked against the gateway's signature
//! and marked read), a reply (回执), and downloading a body or attachment file into the encrypted
//! vault. Reading and replying work offline; `qianpi sync` sends them.

use crate::phone::open;
use chrono::{DateTime, Local, Utc};
use qianpi_core::client::{NoticeDetail, NoticeSummary};
use qianpi_core::model::NoteRule;
use qianpi_core::store::ReceiptRefusal;
use std::path::Path;

/// How many notices `qianpi notices` lists.
const LIST_LIMIT: usize = 200;

/// A time as the terminal prints it: in the user's time zone, with its offset, so a time read
/// on a trip says which clock it is on.
pub(crate) fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

pub fn list(data_dir: &Path) -> Result<(), String> {
    let client = open(data_dir)?;
    let notices = client.notices(LIST_LIMIT, 0).map_err(|e| e.to_string())?;
    if notices.is_empty() {
        println!("(no notices — run `qianpi sync`)");
    }
    for notice in &notices {
        println!("{}", list_line(notice));
    }
    Ok(())
}

pub fn show(data_dir: &Path, id: &str) -> Result<(), String> {
    let client = open(data_dir)?;
    let detail = client.notice(id).map_err(|e| e.to_string())?;
    print!("{}", detail_text(&detail));
    Ok(())
}

pub fn reply(
    data_dir: &Path,
    id: &str,
    choice: Option<String>,
    note: Option<String>,
) -> Result<(), String> {
    let client = open(data_dir)?;
    let detail = client
        .reply_notice(id, choice, note)
        .map_err(|e| e.to_string())?;
    println!(
        "{} — run `qianpi sync` to send it",
        receipt_line(&detail).unwrap_or_default()
    );
    Ok(())
}

pub async fn download(data_dir: &Path, sha256: &str) -> Result<(), String> {
    let client = open(data_dir)?;
    let size = client.download(sha256).await.map_err(|e| e.to_string())?;
    println!("{sha256}: {size} bytes, kept encrypted on this device");
    Ok(())
}

/// One notice as the list shows it.
pub fn list_line(notice: &NoticeSummary) -> String {
    if notice.tampered {
        // Never the altered text as if the office had sent it.
        return format!(
            "[核验失败] this phone's copy fails its check against the gateway's signature  (notice {})",
            notice.id
        );
    }
    let badge = if notice.refusal.is_some() {
        "回执被退回"
    } else if notice.unread {
        "未读"
    } else if notice.replied_at.is_some() && notice.pending_send {
        "待同步"
    } else if notice.receipt_required && notice.replied_at.is_none() {
        "待回执"
    } else if notice.receipt_required {
        "已回执"
    } else {
        "已读"
    };
    let mut line = format!(
        "[{badge}] {}  {} · {}",
        notice.title,
        notice.publisher.name,
        when(notice.published_at)
    );
    if let Some(deadline) = notice.receipt_deadline {
        line.push_str(&format!(" · 回执截止 {}", when(deadline)));
    }
    if notice.attachments > 0 {
        line.push_str(&format!(" · 附件 {}", notice.attachments));
    }
    line.push_str(&format!("  (notice {})", notice.id));
    line
}

fn refusal_line(refusal: &ReceiptRefusal) -> String {
    format!(
        "回执未被接受：{} / {} [{}]",
        refusal.message_zh, refusal.message_en, refusal.code
    )
}

/// The reply as it stands, or none when the notice asks for no receipt.
fn receipt_line(detail: &NoticeDetail) -> Option<String> {
    if let Some(refusal) = &detail.refusal {
        return Some(refusal_line(refusal));
    }
    if !detail.notice.receipt_required {
        return None;
    }
    let Some(reply) = &detail.status.reply else {
        return Some(if detail.can_reply {
            "请回执".to_owned()
        } else {
            "已过回执截止时间".to_owned()
        });
    };
    let choice = reply
        .choice
        .as_deref()
        .and_then(|id| detail.form.choice(id))
        .map_or("收到", |c| c.label.as_str());
    let note = reply
        .note
        .as_deref()
        .map(|n| format!("（{n}）"))
        .unwrap_or_default();
    let pending = if detail.pending_send {
        "，待同步"
    } else {
        ""
    };
    Some(format!("回执：{choice}{note}{pending}"))
}

/// An opened notice as the terminal prints it.
pub fn detail_text(detail: &NoticeDetail) -> String {
    let notice = &detail.notice;
    let mut out = format!(
        "{}\n发布：{} · {} · {}\n\n{}\n",
        notice.title,
        notice.publisher.name,
        notice.publisher.post,
        when(notice.published_at),
        notice.body
    );
    if !detail.attachments.is_empty() {
        out.push_str("\n附件：\n");
        for a in &detail.attachments {
            let state = if a.stored {
                "on this device".to_owned()
            } else {
                format!("`qianpi download {}`", a.attachment.sha256)
            };
            out.push_str(&format!(
                "  {} ({}, {} bytes) — {state}\n",
                a.attachment.name, a.attachment.media_type, a.attachment.size
            ));
        }
    }
    if let Some(line) = receipt_line(detail) {
        out.push_str(&format!("\n{line}\n"));
    }
    if detail.can_reply {
        let choices: Vec<String> = detail
            .form
            .choices
            .iter()
            .map(|c| format!("{}={}", c.id, c.label))
            .collect();
        let note = match detail.form.note {
            NoteRule::Forbidden => "no note",
            NoteRule::Optional => "--note optional",
            NoteRule::Required => "--note required",
        };
        let deadline = notice
            .receipt_deadline
            .map(|d| format!(", by {}", when(d)))
            .unwrap_or_default();
        let how = if choices.is_empty() {
            format!("`qianpi reply {}`", notice.id)
        } else {
            format!(
                "`qianpi reply {} --choice <{}>`",
                notice.id,
                choices.join(" | ")
            )
        };
        let verb = if detail.status.reply.is_some() {
            "change the reply with"
        } else {
            "reply with"
        };
        out.push_str(&format!("{verb} {how} ({note}{deadline})\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::client::NoticeAttachment;
    use qianpi_core::model::{Attachment, Identity, Notice, ReceiptForm, RecipientStatus, Reply};

    fn published() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn times_print_in_the_users_zone_with_its_offset() {
        let local = published().with_timezone(&Local);
        let printed = when(published());
        assert!(printed.starts_with(&local.format("%Y-%m-%d %H:%M").to_string()));
        assert!(printed.ends_with(&local.format("%:z").to_string()));
    }

    fn detail(reply: Option<Reply>, refusal: Option<ReceiptRefusal>) -> NoticeDetail {
        let at = published();
        let notice = Notice {
            id: "n1".into(),
            title: "关于召开会议的通知".into(),
            body: "周五上午九时。".into(),
            attachments: vec![Attachment {
                id: "a1".into(),
                name: "议程".into(),
                media_type: "application/pdf".into(),
                size: 10,
                sha256: "ab".repeat(32),
            }],
            publisher: Identity {
                user_id: "zhao".into(),
                name: "赵文".into(),
                post: "办公室主任".into(),
                unit_id: "u".into(),
            },
            published_at: at,
            scope: Default::default(),
            receipt_required: true,
            receipt_form: Some(ReceiptForm::attendance()),
            receipt_deadline: Some(at + chrono::Duration::days(3)),
        };
        NoticeDetail {
            attachments: vec![NoticeAttachment {
                attachment: notice.attachments[0].clone(),
                stored: false,
            }],
            form: notice.effective_form(),
            notice,
            status: RecipientStatus {
                replied_at: reply.as_ref().map(|_| at),
                reply,
                ..Default::default()
            },
            can_reply: true,
            pending_send: true,
            refusal,
        }
    }

    #[test]
    fn an_opened_notice_shows_its_files_and_how_to_reply() {
        let text = detail_text(&detail(None, None));
        assert!(text.starts_with(&format!(
            "关于召开会议的通知\n发布：赵文 · 办公室主任 · {}",
            when(published())
        )));
        assert!(text.contains(&format!("`qianpi download {}`", "ab".repeat(32))));
        assert!(text.contains("请回执"));
        assert!(text.contains(&format!(
            "reply with `qianpi reply n1 --choice <attend=参加 | absent=不参加 | undecided=待定>` (--note optional, by {})",
            when(published() + chrono::Duration::days(3))
        )));
    }

    #[test]
    fn a_reply_shows_with_its_label_and_a_refusal_with_its_reason() {
        let reply = Reply {
            choice: Some("attend".into()),
            note: Some("两人".into()),
        };
        let text = detail_text(&detail(Some(reply.clone()), None));
        assert!(text.contains("回执：参加（两人），待同步"), "{text}");
        assert!(text.contains("change the reply with"));
        let refusal = ReceiptRefusal {
            code: "from_future".into(),
            message_zh: "回执时间晚于服务器时间".into(),
            message_en: "the receipt claims a time in the future".into(),
            status: RecipientStatus::default(),
            refused_at: Utc::now(),
        };
        let text = detail_text(&detail(Some(reply), Some(refusal)));
        assert!(text.contains("回执未被接受：回执时间晚于服务器时间 / the receipt claims a time in the future [from_future]"), "{text}");
    }
}
