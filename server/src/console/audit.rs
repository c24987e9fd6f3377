//! The audit log page for auditors and administrators (read-only): the unit's entries newest
//! first, a page at a time, narrowed by dates (in the deployment's zone), person and kind; each
//! actor by real name and login, each kind in words; and a check of the whole hash chain that
//! says up to which entry it holds, with the head hash to keep elsewhere, or where it breaks.

mod query;
mod words;

use super::prelude::*;
use crate::audit::{self, Verdict};
use chrono::TimeZone as _;
use query::{Filter, Line};
use serde::Serialize;

/// Who may read the log.
const READERS: &[Role] = &[Role::Auditor, Role::Administrator];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/verify", post(verify))
}

/// The filters as the form sends them (empty fields mean "any").
#[derive(Debug, Default, Deserialize, Serialize)]
struct ListQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    person: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<i64>,
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// How the stored times begin (`2026-12-06T16:00:00`), without the fraction and the offset.
const STAMP: &str = "%Y-%m-%dT%H:%M:%S";

/// The first instant of `date` in `zone`, as the RFC 3339 prefix the stored times compare with.
fn day_start(zone: chrono_tz::Tz, date: NaiveDate) -> Option<String> {
    let local = date.and_hms_opt(0, 0, 0)?;
    let instant = zone.from_local_datetime(&local).earliest()?;
    Some(instant.with_timezone(&Utc).format(STAMP).to_string())
}

/// The filter for `query`, or the text saying which date is wrong.
fn filter(office: &Office, zone: chrono_tz::Tz, query: &ListQuery) -> Result<Filter, ConsoleError> {
    let date = |text: &str| -> Result<Option<NaiveDate>, ConsoleError> {
        non_empty(text)
            .map(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| ConsoleError::BadInput(office.t("audit.error.date").to_owned()))
    };
    let (from, to) = (date(&query.from)?, date(&query.to)?);
    let bad = || ConsoleError::BadInput(office.t("audit.error.date").to_owned());
    let from = from
        .map(|d| day_start(zone, d).ok_or_else(bad))
        .transpose()?;
    // The end date counts whole: entries before the next day's first instant.
    let until = to
        .map(|d| {
            d.succ_opt()
                .and_then(|next| day_start(zone, next))
                .ok_or_else(bad)
        })
        .transpose()?;
    Ok(Filter {
        unit_id: office.unit().to_owned(),
        from,
        until,
        actor: non_empty(&query.person),
        kind: non_empty(&query.kind),
        before: query.before,
    })
}

/// The same filters with another page cursor, as a link.
fn link(query: &ListQuery, before: Option<i64>) -> String {
    let next = ListQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        person: query.person.clone(),
        kind: query.kind.clone(),
        before,
    };
    match serde_urlencoded::to_string(&next) {
        Ok(encoded) if !encoded.is_empty() => format!("/console/audit?{encoded}"),
        _ => "/console/audit".to_owned(),
    }
}

async fn list(
    State(state): State<AppState>,
    office: Office,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, ConsoleError> {
    office.require_any(READERS)?;
    let filter = filter(&office, office.zone, &query)?;
    let unit = office.unit().to_owned();
    let (entries, mut actors) = state
        .db
        .tx(move |sql| Ok((query::page(sql, &filter)?, query::people(sql, &unit)?)))
        .await?;
    actors.extend(words::non_persons().map(|actor| query::Actor {
        actor: actor.to_owned(),
        person: None,
    }));
    // Every kind with words, and any newer kind this page shows or the reader asked for.
    let mut kinds: Vec<String> = words::known_kinds()
        .map(str::to_owned)
        .chain(entries.lines.iter().map(|line| line.kind.clone()))
        .chain(non_empty(&query.kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    let body = html! {
        (filters(&office, &query, &actors, &kinds))
        form method="post" action="/console/audit/verify" class="actions" {
            (office.csrf_field())
            button { (office.t("audit.verify.button")) }
        }
        @if entries.lines.is_empty() {
            p.muted { (office.t("audit.empty")) }
        } @else {
            table.list {
                thead { tr {
                    th { (office.t("audit.col.seq")) }
                    th { (office.t("audit.col.time")) }
                    th { (office.t("audit.col.actor")) }
                    th { (office.t("audit.col.kind")) }
                    th { (office.t("audit.col.target")) }
                    th { (office.t("audit.col.detail")) }
                } }
                tbody {
                    @for line in &entries.lines { (entry(&office, line)) }
                }
            }
        }
        div.pager {
            @if query.before.is_some() {
                a href=(link(&query, None)) { (office.t("audit.pager.newest")) }
            }
            @if let Some(older) = entries.older {
                a href=(link(&query, Some(older))) { (office.t("audit.pager.older")) }
            }
        }
    };
    Ok(page(&office, office.t("audit.title"), body))
}

fn filters(
    office: &Office,
    query: &ListQuery,
    actors: &[query::Actor],
    kinds: &[String],
) -> Markup {
    html! {
        form.grid method="get" action="/console/audit" {
            label for="audit-from" { (office.t("audit.filter.from")) }
            input #audit-from type="date" name="from" value=(query.from);
            label for="audit-to" { (office.t("audit.filter.to")) }
            input #audit-to type="date" name="to" value=(query.to);
            label for="audit-person" { (office.t("audit.filter.person")) }
            select #audit-person name="person" {
                option value="" { (office.t("audit.filter.any")) }
                @for actor in actors {
                    option value=(actor.actor) selected[actor.actor == query.person] {
                        (words::actor(office, &actor.actor, actor.person.as_ref()))
                    }
                }
            }
            label for="audit-kind" { (office.t("audit.filter.kind")) }
            select #audit-kind name="kind" {
                option value="" { (office.t("audit.filter.any")) }
                @for kind in kinds {
                    option value=(kind) selected[*kind == query.kind] { (words::kind(office, kind)) }
                }
            }
            div.actions { button { (office.t("audit.filter.apply")) } }
        }
    }
}

fn entry(office: &Office, line: &Line) -> Markup {
    let when = DateTime::parse_from_rfc3339(&line.at)
        .map(|at| office.when(at.with_timezone(&Utc)))
        .unwrap_or_else(|_| line.at.clone());
    html! {
        tr {
            td.muted { (line.seq) }
            td { (when) }
            td { (words::actor(office, &line.actor, line.person.as_ref())) }
            td { (words::kind(office, &line.kind)) }
            td { code { (line.subject) } }
            td { (words::detail(&line.detail, office.zone)) }
        }
    }
}

async fn verify(
    State(state): State<AppState>,
    CsrfForm(office, _form): CsrfForm<NoFields>,
) -> Result<Html<String>, ConsoleError> {
    office.require_any(READERS)?;
    // Reading only: the check writes nothing, so an auditor stays read-only.
    let verdict = state.db.tx(audit::verify).await?;
    let body = match verdict {
        Verdict::Intact { entries, head } => html! {
            p.notice { (office.t("audit.verify.intact").replace("{seq}", &entries.to_string())) }
            dl.head {
                dt { (office.t("audit.verify.head")) }
                dd { code #audit-head { (head) } }
            }
            p.muted { (office.t("audit.verify.anchor")) }
        },
        Verdict::Broken { seq, reason } => html! {
            p.error #audit-broken { (office.t("audit.verify.broken").replace("{seq}", &seq.to_string())) }
            p { (words::break_reason(&office, &reason)) }
        },
    };
    let body = html! {
        (body)
        p { a href="/console/audit" { (office.t("common.back")) } }
    };
    Ok(page(&office, office.t("audit.verify.title"), body))
}

/// A form with nothing but its CSRF field.
#[derive(Debug, Deserialize)]
struct NoFields {}
