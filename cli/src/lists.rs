//! `qianpi list <todo|done|to-read|read|sent|drafts>`: the phone's lists in the terminal, in
//! Chinese — 待办, 已办, 待阅, 已阅, 已发 and 草稿 — one row per item with the id every verb takes
//! (a task id for `act`, a read item id for `act … read`, an instance id for `flow`), read from
//! the store on this phone (offline too; `sync` refreshes it). `--for <leader>` lists the
//! leader's pending tasks a secretary may enter actions on (代签). Times print in the user's
//! local time zone, as `qianpi show` prints them.

use crate::notices::when;
use crate::phone::open;
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use qianpi_core::client::Client;
use qianpi_core::model::{SecrecyLevel, Urgency};
use qianpi_core::store::{ListItem, ListKind};
use std::fmt::Write as _;
use std::path::Path;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// 待办: tasks waiting for you (task ids for `act`).
    #[value(alias = "待办")]
    Todo,
    /// 已办: tasks you finished, and those acted on here still waiting to be sent.
    #[value(alias = "已办")]
    Done,
    /// 待阅: documents circulated to you, unread (read item ids for `act <id> read`).
    #[value(alias = "待阅")]
    ToRead,
    /// 已阅: circulated documents you have read.
    #[value(alias = "已阅")]
    Read,
    /// 已发: flows you started (instance ids for `flow`).
    #[value(alias = "已发")]
    Sent,
    /// 草稿: opinions kept with `draft` (暂存 on this terminal).
    #[value(alias = "草稿")]
    Drafts,
}

impl Which {
    fn kind(self) -> ListKind {
        match self {
            Which::Todo => ListKind::Todo,
            Which::Done => ListKind::Done,
            Which::ToRead => ListKind::ToRead,
            Which::Read => ListKind::Read,
            Which::Sent => ListKind::Sent,
            Which::Drafts => ListKind::Drafts,
        }
    }

    /// The list's Chinese name.
    pub fn name(self) -> &'static str {
        match self {
            Which::Todo => "待办",
            Which::Done => "已办",
            Which::ToRead => "待阅",
            Which::Read => "已阅",
            Which::Sent => "已发",
            Which::Drafts => "草稿",
        }
    }

    /// What the row's time is.
    fn at_label(self) -> &'static str {
        match self {
            Which::Todo => "收到",
            Which::Done => "办结",
            Which::ToRead | Which::Read => "送达",
            Which::Sent => "发起",
            Which::Drafts => "暂存",
        }
    }
}

pub fn list(
    data_dir: &Path,
    which: Which,
    limit: usize,
    offset: usize,
    acting_for: Option<String>,
) -> Result<(), String> {
    let client = open(data_dir)?;
    match acting_for {
        Some(leader) => print!("{}", held_by_text(&client, &leader)?),
        None => {
            let items = client
                .list(which.kind(), limit, offset)
                .map_err(|e| e.to_string())?;
            print!("{}", list_text(which, &items, offset, Utc::now()));
        }
    }
    Ok(())
}

fn urgency(urgency: Urgency) -> String {
    format!("[{}]", urgency.label_zh())
}

/// One list as text: a heading, then one line per row ending with the row's id.
pub fn list_text(which: Which, items: &[ListItem], offset: usize, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    if items.is_empty() {
        let hint = if offset == 0 {
            "——运行 `qianpi sync` 取回最新"
        } else {
            ""
        };
        let _ = writeln!(out, "{}：没有事项{hint}", which.name());
        return out;
    }
    let _ = writeln!(out, "{}（{} 件）", which.name(), items.len());
    for item in items {
        let mut line = format!(
            "{} {}  {} · {}",
            urgency(item.urgency),
            item.title,
            item.number,
            item.kind.label_zh()
        );
        if item.secrecy != SecrecyLevel::None {
            let _ = write!(line, " · {}", item.secrecy.label_zh());
        }
        if let Some(at) = item.at {
            let _ = write!(line, "  {} {}", which.at_label(), when(at));
        }
        // A deadline matters while the item still waits for the person.
        if let (Some(due), Which::Todo | Which::ToRead | Which::Drafts) = (item.deadline, which) {
            let late = if due < now { "，已超期" } else { "" };
            let _ = write!(line, "  时限 {}{late}", when(due));
        }
        if item.queued {
            line.push_str("  待同步");
        }
        let _ = writeln!(out, "{line}  {}", item.id);
    }
    out
}

/// The leader's pending tasks on a secretary's terminal, as rows.
fn held_by_text(client: &Client, leader: &str) -> Result<String, String> {
    let tasks = client.tasks_held_by(leader).map_err(|e| e.to_string())?;
    let mut out = String::new();
    if tasks.is_empty() {
        let _ = writeln!(
            out,
            "{leader} 的待办：没有可代签的事项——运行 `qianpi sync` 取回最新"
        );
        return Ok(out);
    }
    let _ = writeln!(out, "{leader} 的待办（{} 件，可代签）", tasks.len());
    for task in &tasks {
        let detail = client.document_detail(task).map_err(|e| e.to_string())?;
        let head = &detail.head;
        let _ = writeln!(
            out,
            "{} {}  {}  {task}",
            urgency(head.urgency),
            head.title,
            head.number
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::{Duration, Local, TimeZone};
    use qianpi_core::model::DocumentKind;

    fn item(id: &str, deadline: Option<DateTime<Utc>>, queued: bool) -> ListItem {
        ListItem {
            id: id.into(),
            document_id: "doc-1".into(),
            title: "关于做好春耕备耕工作的通知".into(),
            number: "晋农办〔2026〕12号".into(),
            urgency: Urgency::Urgent,
            kind: DocumentKind::Incoming,
            secrecy: SecrecyLevel::None,
            at: Some(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()),
            deadline,
            queued,
        }
    }

    #[test]
    fn a_row_names_its_time_in_local_time_and_ends_with_the_id_a_verb_takes() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let now = at + Duration::days(3);
        let due = at + Duration::days(1);
        let text = list_text(Which::Todo, &[item("t-1", Some(due), true)], 0, now);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("待办（1 件）"));
        let row = lines.next().unwrap();
        let local = at.with_timezone(&Local).format("%Y-%m-%d %H:%M %:z");
        assert!(row.starts_with("[加急] 关于做好春耕备耕工作的通知  晋农办〔2026〕12号 · 收文"));
        assert!(row.contains(&format!("收到 {local}")), "{row}");
        assert!(row.contains("，已超期") && row.contains("待同步"), "{row}");
        assert!(row.ends_with("  t-1"), "{row}");
    }

    #[test]
    fn finished_lists_show_no_deadline_and_an_empty_list_says_so() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let text = list_text(Which::Sent, &[item("inst-1", Some(at), false)], 0, at);
        assert!(text.contains("发起 ") && !text.contains("时限"), "{text}");
        let empty = list_text(Which::ToRead, &[], 0, at);
        assert_eq!(empty, "待阅：没有事项——运行 `qianpi sync` 取回最新\n");
    }
}
