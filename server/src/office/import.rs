//! 通讯录导入 for the console: an uploaded address book (CSV in UTF-8, GBK or GB18030, or an
//! `.xlsx` workbook, [`read`]) is checked row by row with the address book's own rules
//! ([`crate::admin::address_book`]) and compared with the unit's people, giving a [`Preview`]:
//! who is new, who changes and in which fields, who stays as they are, and each bad row by its
//! line and why, in Chinese and English.
//!
//! Applying is all or nothing and refused while any row is bad: an import half-applied would
//! leave the unit with some of a file's people and the administrator guessing which, while a
//! fixed file imported again shows the good rows as unchanged anyway. The rows the preview showed
//! travel to the apply step as UTF-8 CSV text ([`Preview::carried`]) with a fingerprint of the
//! planned changes; the apply checks the rows again and plans again in its own transaction, and
//! refuses ([`ImportError::Stale`]) when the plan is no longer the one that was shown.

mod read;

pub use read::{decode, SourceKind};

use crate::actor::AdminActor;
use crate::admin::address_book::{
    apply_plan, check_records, header_columns, plan, Action, BadRow, Planned,
};
use crate::admin::people::{NewUser, MAX_IMPORT_ROWS};
use crate::db::Db;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;

/// The largest upload taken (a 5,000-row address book is well under 1 MB as CSV).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Why an upload cannot be previewed or applied.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Over [`MAX_UPLOAD_BYTES`].
    #[error("the file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge,
    /// Neither UTF-8 nor GB18030 text, nor a workbook.
    #[error("the file is not CSV text in UTF-8, GBK or GB18030, nor an .xlsx workbook")]
    NotText,
    /// A ZIP archive that is no readable workbook.
    #[error("the .xlsx workbook cannot be read ({0})")]
    Workbook(String),
    /// A workbook that unpacks to more than [`read::MAX_UNPACKED_BYTES`] or holds more than
    /// [`read::MAX_ENTRIES`] files: no address book is that large, a ZIP bomb is.
    #[error("the .xlsx workbook unpacks to more than {} MB", read::MAX_UNPACKED_BYTES / 1024 / 1024)]
    Unpacked,
    /// A first line that is none of the headers taken.
    #[error(
        "the first line must be login,name,post,role (or 登录名,姓名,职务,角色), optionally \
         followed by department,office_phone (处室,办公电话)"
    )]
    Header,
    /// Nothing after the header.
    #[error("the file has no rows")]
    NoRows,
    /// More than [`MAX_IMPORT_ROWS`] rows.
    #[error("at most {MAX_IMPORT_ROWS} rows per import")]
    TooManyRows,
    /// Bad rows: nothing is applied while there are any.
    #[error("{} rows are bad; nothing was imported", .0.len())]
    BadRows(Vec<BadRow>),
    /// The unit's people changed since the preview.
    #[error("the address book changed since the preview; check the new preview")]
    Stale,
    /// A refusal of the data layer (another unit: 404).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl ImportError {
    /// The reason in Chinese (a data-layer refusal keeps its own message).
    pub fn zh(&self) -> String {
        match self {
            ImportError::TooLarge => {
                format!("文件超过{}MB", MAX_UPLOAD_BYTES / 1024 / 1024)
            }
            ImportError::NotText => {
                "文件既不是UTF-8、GBK或GB18030编码的CSV，也不是.xlsx工作簿".to_owned()
            }
            ImportError::Workbook(why) => format!(".xlsx工作簿无法读取（{why}）"),
            ImportError::Unpacked => format!(
                ".xlsx工作簿解压后超过{}MB，不像通讯录",
                read::MAX_UNPACKED_BYTES / 1024 / 1024
            ),
            ImportError::Header => "第一行须为“登录名,姓名,职务,角色”（或login,name,post,role），\
                                    其后可加“处室,办公电话”（department,office_phone）"
                .to_owned(),
            ImportError::NoRows => "文件中没有数据行".to_owned(),
            ImportError::TooManyRows => format!("每次最多导入{MAX_IMPORT_ROWS}行"),
            ImportError::BadRows(bad) => format!("有{}行有误，未导入任何数据", bad.len()),
            ImportError::Stale => "预览之后通讯录已有变化，请核对新的预览".to_owned(),
            ImportError::Api(e) => e.message.clone(),
        }
    }

    /// The reason in the language asked for.
    pub fn message(&self, chinese: bool) -> String {
        if chinese {
            self.zh()
        } else {
            self.to_string()
        }
    }
}

/// What importing a file would do.
#[derive(Debug, Clone)]
pub struct Preview {
    /// How the file was read.
    pub source: SourceKind,
    /// New identities.
    pub new: Vec<Planned>,
    /// Identities whose fields change ([`Action::Changed`] names them).
    pub changed: Vec<Planned>,
    /// Identities the file names exactly as they are.
    pub unchanged: Vec<Planned>,
    /// Bad rows, by line.
    pub bad: Vec<BadRow>,
    /// The good rows as UTF-8 CSV, for the apply step.
    pub carried: String,
    /// A fingerprint of the planned changes, for the apply step.
    pub fingerprint: String,
}

impl Preview {
    /// Whether the file may be applied: no bad row, and something to do.
    pub fn applicable(&self) -> bool {
        self.bad.is_empty() && !(self.new.is_empty() && self.changed.is_empty())
    }
}

/// How many identities an applied import created, changed and left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Created.
    pub new: usize,
    /// Changed.
    pub changed: usize,
    /// Named as they were.
    pub unchanged: usize,
}

/// Checked rows and bad rows of an upload's records.
type Checked = (Vec<(usize, NewUser, &'static str)>, Vec<BadRow>);

fn check(records: read::Records) -> Result<Checked, ImportError> {
    let (header, records) = records;
    let columns = header_columns(&header).ok_or(ImportError::Header)?;
    if records.len() > MAX_IMPORT_ROWS {
        return Err(ImportError::TooManyRows);
    }
    let (rows, bad) = check_records(columns, records);
    if rows.is_empty() && bad.is_empty() {
        return Err(ImportError::NoRows);
    }
    Ok((rows, bad))
}

/// Previews importing `bytes` into `unit_id`; changes nothing.
pub async fn preview(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    bytes: &[u8],
) -> Result<Preview, ImportError> {
    let (source, records) = read::read(bytes)?;
    let (rows, bad) = check(records)?;
    let carried = carry(&rows);
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    let planned = db
        .tx(move |sql| {
            actor.check_unit(sql, &unit_id)?;
            plan(sql, &unit_id, rows.clone())
        })
        .await?;
    let fingerprint = fingerprint(&planned);
    let mut preview = Preview {
        source,
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: Vec::new(),
        bad,
        carried,
        fingerprint,
    };
    for row in planned {
        match row.action {
            Action::New => preview.new.push(row),
            Action::Changed { .. } => preview.changed.push(row),
            Action::Unchanged { .. } => preview.unchanged.push(row),
        }
    }
    Ok(preview)
}

/// Applies rows carried from a preview (its [`Preview::carried`] and [`Preview::fingerprint`])
/// to `unit_id` in one transaction, audited under `actor`.
pub async fn apply(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    carried: &str,
    expected: &str,
    now: DateTime<Utc>,
) -> Result<Applied, ImportError> {
    let (_, records) = read::read(carried.as_bytes())?;
    let (rows, bad) = check(records)?;
    if !bad.is_empty() {
        return Err(ImportError::BadRows(bad));
    }
    let (actor, unit_id, expected) = (actor.clone(), unit_id.to_owned(), expected.to_owned());
    let outcome = db
        .tx(move |sql| {
            actor.check_unit(sql, &unit_id)?;
            let planned = plan(sql, &unit_id, rows.clone())?;
            if !crypto::constant_time_eq(fingerprint(&planned).as_bytes(), expected.as_bytes()) {
                return Ok(None);
            }
            apply_plan(sql, &actor, &unit_id, &planned, "console", now)?;
            let count = |f: fn(&Action) -> bool| planned.iter().filter(|p| f(&p.action)).count();
            let applied = Applied {
                new: count(|a| matches!(a, Action::New)),
                changed: count(|a| matches!(a, Action::Changed { .. })),
                unchanged: count(|a| matches!(a, Action::Unchanged { .. })),
            };
            actor.audit(
                sql,
                Some(&unit_id),
                "address_book.imported",
                &unit_id,
                serde_json::json!({
                    "new": applied.new, "changed": applied.changed,
                    "unchanged": applied.unchanged, "source": "console",
                }),
                now,
            )?;
            Ok(Some(applied))
        })
        .await?;
    outcome.ok_or(ImportError::Stale)
}

/// The good rows as UTF-8 CSV with the six English columns.
fn carry(rows: &[(usize, NewUser, &'static str)]) -> String {
    let mut out = String::from("login,name,post,role,department,office_phone\n");
    for (_, user, role) in rows {
        let fields = [
            &user.login,
            &user.name,
            &user.post,
            *role,
            &user.department,
            &user.office_phone,
        ];
        let quoted: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma or a quote (the checks refuse line breaks).
fn quote(field: &str) -> String {
    if field.contains([',', '"']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// A fingerprint of what a plan changes: each row's action, identity and fields.
fn fingerprint(planned: &[Planned]) -> String {
    let canonical: Vec<serde_json::Value> = planned
        .iter()
        .map(|p| {
            let (action, user_id) = match &p.action {
                Action::New => ("new", ""),
                Action::Changed { user_id, .. } => ("changed", user_id.as_str()),
                Action::Unchanged { user_id } => ("unchanged", user_id.as_str()),
            };
            serde_json::json!([
                action,
                user_id,
                p.user.login,
                p.user.name,
                p.user.post,
                p.role,
                p.user.department,
                p.user.office_phone
            ])
        })
        .collect();
    crypto::sha256_hex(serde_json::Value::Array(canonical).to_string().as_bytes())
}

#[cfg(test)]
mod tests;
