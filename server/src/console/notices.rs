//! 通知公告 for a unit's administrator: the unit's notices with how many have read and replied,
//! publishing one ([`publish`]: to the whole unit or chosen people, with a 回执 form, a deadline
//! and attachments), and one notice's roster — who has not read, who has not replied, filtered
//! either way — with its export as an `.xlsx` workbook. Another unit's notice is not found.

mod publish;

use super::prelude::*;
use crate::notices::roster::{self, MAX_LIST};
use crate::office::xlsx::{self, Roster, RosterRow};
use axum::http::header;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notices", get(list))
        .route("/notices/new", get(publish::form).post(publish::submit))
        .route("/notices/{id}", get(show))
        .route("/notices/{id}/roster.xlsx", get(export))
}

async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let notices = roster::list(&state.db, &office.actor(), office.unit(), MAX_LIST, 0).await?;
    let body = html! {
        p.actions { a #new-notice href="/console/notices/new" { (office.t("notices.new")) } }
        @if notices.is_empty() {
            p.muted #no-notices { (office.t("notices.none")) }
        } @else {
            table.list #notices {
                thead { tr {
                    th { (office.t("notices.col.title")) } th { (office.t("notices.col.published")) }
                    th { (office.t("notices.col.recipients")) } th { (office.t("notices.col.read")) }
                    th { (office.t("notices.col.replied")) }
                } }
                tbody { @for n in &notices { tr data-notice=(n.id) {
                    td { a href=(format!("/console/notices/{}", n.id)) { (n.title) } }
                    td { (office.when(n.published_at)) }
                    td.recipients { (n.recipients) }
                    td.read { (n.read) "/" (n.recipients) }
                    td.replied {
                        @if n.receipt_required { (n.replied) "/" (n.recipients) }
                        @else { span.muted { (office.t("notices.no_receipt")) } }
                    }
                } } }
            }
        }
    };
    Ok(page(&office, office.t("notices.title"), body))
}

/// Which recipients the roster shows.
#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    show: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let roster = xlsx::roster(&state.db, &office.actor(), office.unit(), &id).await?;
    let show = filter.show.as_deref().unwrap_or("all");
    let wanted = |r: &&RosterRow| match show {
        "unread" => r.unread,
        "unreplied" => r.unreplied,
        _ => true,
    };
    let unread = roster.rows.iter().filter(|r| r.unread).count();
    let unreplied = roster.rows.iter().filter(|r| r.unreplied).count();
    let base = format!("/console/notices/{}", roster.notice_id);
    let filters = [
        ("filter-all", "all", "notices.filter.all", roster.rows.len()),
        ("filter-unread", "unread", "notices.filter.unread", unread),
        (
            "filter-unreplied",
            "unreplied",
            "notices.filter.unreplied",
            unreplied,
        ),
    ];
    let body = html! {
        dl.head {
            dt { (office.t("notices.col.published")) } dd { (office.when(roster.published_at)) }
            dt { (office.t("notices.receipt")) }
            dd #receipt-required { @if roster.receipt_required { (office.t("common.yes")) } @else { (office.t("common.no")) } }
            @if let Some(deadline) = roster.deadline {
                dt { (office.t("notices.deadline")) } dd #deadline { (office.when(deadline)) }
            }
            dt { (office.t("notices.col.recipients")) } dd #count-recipients { (roster.rows.len()) }
            dt { (office.t("notices.filter.unread")) } dd #count-unread { (unread) }
            @if roster.receipt_required {
                dt { (office.t("notices.filter.unreplied")) } dd #count-unreplied { (unreplied) }
            }
        }
        p.pager {
            @for (element, key, text, n) in filters {
                @if key != "unreplied" || roster.receipt_required {
                    a id=(element) href=(format!("{base}?show={key}"))
                        class=[(show == key).then_some("current")] { (office.t(text)) " (" (n) ")" }
                    " "
                }
            }
            a #export-xlsx href=(format!("{base}/roster.xlsx")) { (office.t("notices.export")) }
        }
        table.list #roster data-show=(show) {
            thead { tr {
                th { (office.t("common.name")) } th { (office.t("common.post")) }
                th { (office.t("common.department")) } th { (office.t("notices.col.read_at")) }
                th { (office.t("notices.col.replied_at")) } th { (office.t("notices.col.reply")) }
                th { (office.t("notices.col.note")) }
            } }
            tbody { @for r in roster.rows.iter().filter(wanted) {
                tr data-user=(r.user_id) class=[r.unread.then_some("unread")] {
                    td.name { (r.name) } td { (r.post) } td { (r.department) }
                    td.read-at { @match r.read_at {
                        Some(t) => (office.when(t)),
                        None => span.badge.overdue { (office.t("notices.unread")) },
                    } }
                    td.replied-at { @match r.replied_at {
                        Some(t) => (office.when(t)),
                        None => @if r.unreplied { span.badge.overdue { (office.t("notices.unreplied")) } },
                    } }
                    td.reply { (r.choice.clone().unwrap_or_default()) }
                    td.note { (r.note.clone().unwrap_or_default()) }
                }
            } }
        }
        p { a href="/console/notices" { (office.t("common.back")) } }
    };
    Ok(page(&office, &roster.title, body))
}

async fn export(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Administrator)?;
    let roster: Roster = xlsx::roster(&state.db, &office.actor(), office.unit(), &id).await?;
    let headings = [
        office.t("common.name"),
        office.t("common.post"),
        office.t("common.department"),
        office.t("notices.col.read_at"),
        office.t("notices.col.replied_at"),
        office.t("notices.col.reply"),
        office.t("notices.col.note"),
    ];
    let zone = office.zone;
    let sheet = office.t("notices.sheet").to_owned();
    let bytes =
        tokio::task::spawn_blocking(move || xlsx::roster_xlsx(&roster, &headings, &sheet, zone))
            .await
            .map_err(|e| ConsoleError::Api(crate::error::ApiError::internal(e.to_string())))?
            .map_err(|e| match e {
                xlsx::ExportError::Api(e) => ConsoleError::Api(e),
                other => ConsoleError::Api(crate::error::ApiError::internal(other.to_string())),
            })?;
    // The notice id is ASCII by construction, so the file name needs no encoding.
    let disposition = format!("attachment; filename=\"roster-{id}.xlsx\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
