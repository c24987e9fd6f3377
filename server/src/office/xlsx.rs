//! A notice's roster as the console shows and exports it: every recipient with their 处室, when
//! they read and replied, and the reply in words (the form's label for the chosen id, and the
//! note), built on the publisher's roster ([`crate::notices::roster`]); and that roster as an
//! `.xlsx` workbook, times written in the deployment's zone as the console shows them.
//!
//! Times are written as text, not as Excel date cells: a date cell carries no zone and Excel
//! would show it in whatever the opening machine assumes, while text reads the same everywhere.

use crate::actor::AdminActor;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::notices::roster;
use crate::sql::args;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use qianpi_domain::model::{Notice, ReceiptForm};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;

/// Why a roster cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The workbook writer failed.
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// A refusal of the data layer (another unit's notice: 404).
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// One recipient on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// User id.
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 处室 (empty for none).
    pub department: String,
    /// 阅读时间.
    pub read_at: Option<DateTime<Utc>>,
    /// 回执时间.
    pub replied_at: Option<DateTime<Utc>>,
    /// The chosen option's label (its id if the form no longer has it).
    pub choice: Option<String>,
    /// 备注.
    pub note: Option<String>,
    /// Has not read it.
    pub unread: bool,
    /// Owes a reply.
    pub unreplied: bool,
}

/// A notice's roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// The notice id.
    pub notice_id: String,
    /// 标题.
    pub title: String,
    /// 发布时间.
    pub published_at: DateTime<Utc>,
    /// 需要回执.
    pub receipt_required: bool,
    /// 回执单.
    pub form: Option<ReceiptForm>,
    /// 回执截止时间.
    pub deadline: Option<DateTime<Utc>>,
    /// Every recipient, by name.
    pub rows: Vec<RosterRow>,
}

/// The roster of notice `notice_id` of `unit_id`; another unit's notice is 404.
pub async fn roster(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    notice_id: &str,
) -> Result<Roster, ApiError> {
    let receipts = roster::receipts(db, actor, unit_id, notice_id).await?;
    let (unit, id) = (unit_id.to_owned(), receipts.notice_id.clone());
    let (notice, departments) = db
        .tx(move |sql| {
            let notice: Notice = decode(
                &sql.query_one(
                    "SELECT body FROM notices WHERE id = ?1 AND unit_id = ?2",
                    args![&id, &unit],
                )?
                .text(0)?,
            )?;
            let mut departments = HashMap::new();
            for r in sql.query(
                "SELECT r.user_id, e.department FROM notice_recipients r
                 JOIN directory_entries e ON e.user_id = r.user_id WHERE r.notice_id = ?1",
                args![&id],
            )? {
                departments.insert(r.text(0)?, r.text(1)?);
            }
            Ok((notice, departments))
        })
        .await?;
    let form = notice.receipt_form.clone();
    let mut rows: Vec<RosterRow> = receipts
        .recipients
        .into_iter()
        .map(|r| {
            let reply = r.reply.unwrap_or_default();
            let label = |id: String| {
                form.as_ref()
                    .and_then(|f| f.choice(&id))
                    .map_or(id, |c| c.label.clone())
            };
            RosterRow {
                unread: receipts.unread.contains(&r.user_id),
                unreplied: receipts.unreplied.contains(&r.user_id),
                department: departments.get(&r.user_id).cloned().unwrap_or_default(),
                user_id: r.user_id,
                name: r.name,
                post: r.post,
                read_at: r.read_at,
                replied_at: r.replied_at,
                choice: reply.choice.map(label),
                note: reply.note,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.department, &a.name, &a.user_id).cmp(&(&b.department, &b.name, &b.user_id))
    });
    Ok(Roster {
        notice_id: receipts.notice_id,
        title: receipts.title,
        published_at: notice.published_at,
        receipt_required: receipts.receipt_required,
        form: notice.receipt_form,
        deadline: notice.receipt_deadline,
        rows,
    })
}

/// The column headings of the export, in the reader's language: name, post, department, read
/// at, replied at, reply, note.
pub type Headings<'a> = [&'a str; 7];

/// `roster` as an `.xlsx` workbook: one sheet named `sheet` (at most 31 characters, as Excel
/// allows), a heading row, then one row per recipient; times in `zone`, blank when not yet.
pub fn roster_xlsx(
    roster: &Roster,
    headings: &Headings<'_>,
    sheet: &str,
    zone: Tz,
) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let page = book.add_worksheet();
    let name: String = sheet
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if !name.trim().is_empty() {
        page.set_name(name)?;
    }
    let bold = Format::new().set_bold();
    for (column, (heading, width)) in headings
        .iter()
        .zip([12, 16, 16, 18, 18, 12, 30])
        .enumerate()
    {
        let column = u16::try_from(column).unwrap_or(u16::MAX);
        page.write_string_with_format(0, column, *heading, &bold)?;
        page.set_column_width(column, width)?;
    }
    page.set_freeze_panes(1, 0)?;
    let when = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    for (index, r) in roster.rows.iter().enumerate() {
        let row = u32::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(1))
            .ok_or(XlsxError::RowColumnLimitError)?;
        let cells = [
            r.name.clone(),
            r.post.clone(),
            r.department.clone(),
            when(r.read_at),
            when(r.replied_at),
            r.choice.clone().unwrap_or_default(),
            r.note.clone().unwrap_or_default(),
        ];
        for (column, text) in (0u16..).zip(cells) {
            if !text.is_empty() {
                page.write_string(row, column, text)?;
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use chrono::TimeZone;

    fn row(name: &str, read: Option<DateTime<Utc>>) -> RosterRow {
        RosterRow {
            user_id: format!("user-{name}"),
            name: name.to_owned(),
            post: "科员".to_owned(),
            department: "办公室".to_owned(),
            read_at: read,
            replied_at: read,
            choice: read.map(|_| "参加".to_owned()),
            note: None,
            unread: read.is_none(),
            unreplied: read.is_none(),
        }
    }

    #[test]
    fn the_export_opens_with_a_heading_row_and_times_in_the_deployment_zone() {
        let read = Utc.with_ymd_and_hms(2026, 12, 7, 1, 30, 0).unwrap();
        let roster = Roster {
            notice_id: "notice-1".into(),
            title: "关于召开年度工作会议的通知".into(),
            published_at: read,
            receipt_required: true,
            form: Some(ReceiptForm::attendance()),
            deadline: None,
            rows: vec![row("张三", Some(read)), row("李四", None)],
        };
        let headings = [
            "姓名",
            "职务",
            "处室",
            "阅读时间",
            "回执时间",
            "回执",
            "备注",
        ];
        let bytes =
            roster_xlsx(&roster, &headings, "回执/汇总", chrono_tz::Asia::Shanghai).unwrap();

        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["回执汇总"]);
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let text = |r: u32, c: u32| range.get_value((r, c)).map(Data::to_string);
        assert_eq!(text(0, 0).as_deref(), Some("姓名"));
        assert_eq!(text(1, 0).as_deref(), Some("张三"));
        // 01:30 UTC is 09:30 in Shanghai.
        assert_eq!(text(1, 3).as_deref(), Some("2026-12-07 09:30"));
        assert_eq!(text(1, 5).as_deref(), Some("参加"));
        assert_eq!(text(2, 0).as_deref(), Some("李四"));
        assert!(text(2, 3).is_none_or(|t| t.is_empty()));
        assert_eq!(range.height(), 3);
    }
}
