//! 单位与处室 — the administrator's unit page: the unit's name and 机关代字, and its departments
//! as the address book records them (each identity's 处室) with how many people each holds; a
//! department renamed here is renamed for every person in it, in one audited transaction, and
//! phones get the new address book with their next pull (its version is a hash of the content).
//!
//! Office accounts belong to one unit each, and the deployment operator works at the command line
//! and through the admin API, not in the console: so this page shows the administrator's own
//! unit only. Units are created by the operator (`qianpi-gateway create-unit`).

use super::super::prelude::*;
use super::admin_only;
use crate::error::ApiError;
use crate::sql::args;

/// Longest department name accepted (as the address book's other fields).
const MAX_DEPARTMENT: usize = 64;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/units", get(show))
        .route("/admin/units/departments/rename", post(rename))
}

/// A unit as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UnitHead {
    /// 单位名称.
    pub name: String,
    /// 机关代字.
    pub organ_code: String,
    /// Departments with their head counts, by name; people without one are left out.
    pub departments: Vec<(String, i64)>,
    /// Identities with no department.
    pub without_department: i64,
}

/// Reads `unit_id`'s name, code and departments.
pub(super) async fn unit_head(
    state: &AppState,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<UnitHead, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    state
        .db
        .tx(move |sql| {
            actor.check_unit(sql, &unit_id)?;
            let unit = sql.query_one(
                "SELECT name, organ_code FROM units WHERE id = ?1",
                args![&unit_id],
            )?;
            let mut departments = Vec::new();
            let mut without_department = 0;
            for row in sql.query(
                "SELECT COALESCE(e.department, ''), COUNT(*) FROM users u
                 LEFT JOIN directory_entries e ON e.user_id = u.id
                 WHERE u.unit_id = ?1 GROUP BY COALESCE(e.department, '')
                 ORDER BY COALESCE(e.department, '')",
                args![&unit_id],
            )? {
                let (name, count) = (row.text(0)?, row.int(1)?);
                if name.is_empty() {
                    without_department = count;
                } else {
                    departments.push((name, count));
                }
            }
            Ok(UnitHead {
                name: unit.text(0)?,
                organ_code: unit.text(1)?,
                departments,
                without_department,
            })
        })
        .await
}

/// Why a department cannot be renamed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum RenameError {
    /// The new name is empty, too long or holds control characters.
    #[error("the new department name is empty, too long or holds control characters")]
    BadName,
    /// No one in the unit is in the department.
    #[error("no one in the unit is in that department")]
    NoSuchDepartment,
}

impl RenameError {
    fn text_key(&self) -> &'static str {
        match self {
            RenameError::BadName => "admin.units.error.bad_name",
            RenameError::NoSuchDepartment => "admin.units.error.no_such_department",
        }
    }
}

/// Renames department `from` to `to` for every identity of `unit_id` in it, audited under
/// `actor`; a name already in use merges the two. Returns how many people moved.
pub(super) async fn rename_department(
    state: &AppState,
    actor: &AdminActor,
    unit_id: &str,
    from: &str,
    to: &str,
) -> Result<Result<i64, RenameError>, ApiError> {
    let to = to.trim().to_owned();
    if to.is_empty() || to.chars().count() > MAX_DEPARTMENT || to.chars().any(char::is_control) {
        return Ok(Err(RenameError::BadName));
    }
    let (actor, unit_id, from) = (actor.clone(), unit_id.to_owned(), from.to_owned());
    let now = Utc::now();
    state
        .db
        .tx(move |sql| {
            actor.check_unit(sql, &unit_id)?;
            if from.is_empty() {
                return Ok(Err(RenameError::NoSuchDepartment));
            }
            let moved = sql.execute(
                "UPDATE directory_entries SET department = ?1 WHERE department = ?2
                 AND user_id IN (SELECT id FROM users WHERE unit_id = ?3)",
                args![&to, &from, &unit_id],
            )?;
            if moved == 0 {
                return Ok(Err(RenameError::NoSuchDepartment));
            }
            let moved = i64::try_from(moved).unwrap_or(i64::MAX);
            actor.audit(
                sql,
                Some(&unit_id),
                "directory.department_renamed",
                &unit_id,
                serde_json::json!({ "from": from, "to": to, "people": moved }),
                now,
            )?;
            Ok(Ok(moved))
        })
        .await
}

async fn show(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    admin_only(&office)?;
    let head = unit_head(&state, &office.actor(), office.unit()).await?;
    let body = html! {
        section.card #unit {
            h2 { (office.t("admin.units.heading")) }
            dl.head {
                dt { (office.t("admin.units.name")) }
                dd #unit-name { (head.name) }
                dt { (office.t("admin.units.organ_code")) }
                dd #unit-organ-code { (head.organ_code) }
            }
            p.muted { (office.t("admin.units.own_unit_only")) }
        }
        section.card #departments {
            h2 { (office.t("admin.units.departments")) }
            @if head.departments.is_empty() {
                p.muted { (office.t("admin.units.no_departments")) }
            } @else {
                table.list #department-list {
                    thead { tr {
                        th { (office.t("admin.units.col.department")) }
                        th { (office.t("admin.units.col.people")) }
                        th { (office.t("admin.units.col.rename")) }
                    } }
                    tbody {
                        @for (name, count) in &head.departments {
                            tr.department data-department=(name) {
                                td.department-name { (name) }
                                td.head-count { (count) }
                                td {
                                    form.rename-department method="post"
                                        action="/console/admin/units/departments/rename" {
                                        (office.csrf_field())
                                        input type="hidden" name="from" value=(name);
                                        input type="text" name="to" required
                                            maxlength=(MAX_DEPARTMENT) value=(name)
                                            aria-label=(office.t("admin.units.new_name"));
                                        button type="submit" { (office.t("admin.units.rename")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.muted #without-department {
                (office.t("admin.units.without_department")) " " (head.without_department)
            }
        }
    };
    Ok(page(&office, office.t("admin.units.title"), body))
}

/// Both fields may be missing (the role is checked before the fields are).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RenameForm {
    from: String,
    to: String,
}

async fn rename(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<RenameForm>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    match rename_department(&state, &office.actor(), office.unit(), &form.from, &form.to).await? {
        Ok(_) => Ok(redirect(
            "/console/admin/units?done=admin.units.done.renamed",
        )),
        Err(e) => Err(ConsoleError::BadInput(office.t(e.text_key()).to_owned())),
    }
}
