//! 流程 — the unit's flows for everyone in the office: the lists by state (流转中, 办结,
//! 终止/撤销) with urgency and overdue badges, and one flow's page with its head and its flow
//! record, every opinion shown as text with its handwriting and voice. The forms for 催办 and
//! 终止, and the opinion files, are in [`act`]; the data is [`crate::office::flows`].

mod act;
mod words;

use super::prelude::*;
use crate::office::flows::{self, Acting, FlowDetail, FlowError, FlowPage, FlowRow, Tab};
use words::{action_key, attitude_key, segment, state_key, urgency_badge};

/// Every office role reads the unit's flows.
const READERS: &[Role] = &Role::ALL;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/flows", get(list))
        .route("/flows/{id}", get(show))
        .merge(act::routes())
}

/// What the reader's roles give them in the workflow (see [`Acting`]).
fn acting(office: &Office) -> Acting {
    let account = &office.account;
    Acting {
        user_id: account.user_id.clone(),
        may_act: act::ACTORS.iter().any(|r| account.has(*r)),
        administrator: account.has(Role::Administrator),
        registrar: account.has(Role::Registrar),
    }
}

/// A data-layer refusal as the console shows it.
fn refusal(office: &Office, error: FlowError) -> ConsoleError {
    match error {
        FlowError::NotFound => ConsoleError::NotFound,
        FlowError::ReasonRequired => {
            ConsoleError::BadInput(office.t("flows.terminate.reason_required").to_owned())
        }
        FlowError::Refused(code) => ConsoleError::BadInput(refused_text(office, code).to_owned()),
        FlowError::Store(e) => ConsoleError::Api(e),
    }
}

/// The workflow's own words for a refusal, in the reader's language.
fn refused_text(office: &Office, code: qianpi_domain::workflow::RejectionCode) -> &'static str {
    match office.lang {
        Lang::Zh => code.message_zh(),
        Lang::En => code.message_en(),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    page: Option<u32>,
}

/// `GET /console/flows`.
async fn list(
    State(state): State<AppState>,
    office: Office,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, ConsoleError> {
    office.require_any(READERS)?;
    let tab = Tab::parse(&query.tab);
    let page_no = query.page.unwrap_or(1).max(1);
    let listed = flows::list(&state.db, office.unit(), tab, page_no, Utc::now())
        .await
        .map_err(|e| refusal(&office, e))?;
    Ok(page(
        &office,
        office.t("flows.title"),
        html! {
            nav.tabs id="flow-tabs" {
                @for (each, key) in [
                    (Tab::Running, "flows.tab.running"),
                    (Tab::Finished, "flows.tab.finished"),
                    (Tab::Ended, "flows.tab.ended"),
                ] {
                    a href={ "/console/flows?tab=" (each.as_str()) }
                        id={ "tab-" (each.as_str()) }
                        class=[(each == tab).then_some("current")] {
                        (office.t(key))
                        @if each == Tab::Running && listed.overdue > 0 {
                            " "
                            span.badge.overdue id="overdue-count"
                                title=(office.t("flows.overdue")) { (listed.overdue) }
                        }
                    }
                }
            }
            (table(&office, &listed))
            (pager(&office, tab, &listed))
        },
    ))
}

/// The list's table, or a line saying there is nothing under the tab.
fn table(office: &Office, listed: &FlowPage) -> Markup {
    if listed.rows.is_empty() {
        return html! { p.muted id="flow-empty" { (office.t("flows.empty")) } };
    }
    html! {
        table.list id="flow-list" {
            thead { tr {
                th { (office.t("flows.field.title")) }
                th { (office.t("flows.field.number")) }
                th { (office.t("flows.field.urgency")) }
                th { (office.t("flows.field.node")) }
                th { (office.t("flows.field.holders")) }
                th { (office.t("flows.field.deadline")) }
                th { (office.t("common.status")) }
                th { (office.t("flows.field.started")) }
            } }
            tbody {
                @for row in &listed.rows {
                    tr.flow data-instance=(row.instance_id)
                        class=[row.overdue.then_some("overdue")] {
                        td { a.flow-title href={ "/console/flows/" (segment(&row.instance_id)) } {
                            (row.title)
                        } }
                        td { (row.number) }
                        td { (urgency(office, row)) }
                        td { (row.current_node.as_deref().unwrap_or("—")) }
                        td { (holders(office, row)) }
                        td { (deadline(office, row)) }
                        td.state data-state=(words::state_name(row.state)) {
                            (office.t(state_key(row.state)))
                        }
                        td { (office.when(row.started_at)) }
                    }
                }
            }
        }
    }
}

/// The previous and next pages, with where the reader is.
fn pager(office: &Office, tab: Tab, listed: &FlowPage) -> Markup {
    let pages = listed.pages();
    let link = |n: u32| format!("/console/flows?tab={}&page={n}", tab.as_str());
    html! {
        @if pages > 1 {
            nav.pager {
                @if listed.page > 1 {
                    a rel="prev" href=(link(listed.page - 1)) { (office.t("common.previous")) }
                }
                span.muted { (listed.page) " / " (pages) }
                @if u64::from(listed.page) < pages {
                    a rel="next" href=(link(listed.page.saturating_add(1))) {
                        (office.t("common.next"))
                    }
                }
            }
        }
    }
}

/// The urgency badge (平件 plain).
fn urgency(office: &Office, row: &FlowRow) -> Markup {
    let (key, class) = urgency_badge(row.urgency);
    html! { span class={ "badge urgency" @if let Some(c) = class { " " (c) } } { (office.t(key)) } }
}

/// Who holds the flow now, "deputy（代 principal）" for a standing delegation.
fn holders(office: &Office, row: &FlowRow) -> Markup {
    html! {
        @for (n, holder) in row.holders.iter().enumerate() {
            @if n > 0 { "、" }
            span.holder {
                (holder.name)
                @if let Some(principal) = &holder.on_behalf_of {
                    " (" (office.t("flows.on_behalf_of")) " " (principal) ")"
                }
            }
        }
        @if row.holders.is_empty() { span.muted { "—" } }
    }
}

/// The deadline in the deployment's zone, with the overdue badge.
fn deadline(office: &Office, row: &FlowRow) -> Markup {
    html! {
        @match row.deadline {
            Some(at) => { (office.when(at)) }
            None => { span.muted { "—" } }
        }
        @if row.overdue {
            " " span.badge.overdue { (office.t("flows.overdue")) }
        }
    }
}

/// `GET /console/flows/<id>`.
async fn show(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    office.require_any(READERS)?;
    let detail = flows::detail(&state.db, office.unit(), &id, &acting(&office), Utc::now())
        .await
        .map_err(|e| refusal(&office, e))?;
    Ok(render(&office, &detail, None))
}

/// One flow's page; `error` says why an action on it was just refused.
fn render(office: &Office, detail: &FlowDetail, error: Option<&str>) -> Html<String> {
    let row = &detail.row;
    page(
        office,
        &row.title,
        html! {
            @if let Some(error) = error { p.error id="flow-error" role="alert" { (error) } }
            section.card {
                dl.head id="flow-head" data-instance=(row.instance_id) {
                    dt { (office.t("flows.field.title")) } dd id="flow-title" { (row.title) }
                    dt { (office.t("flows.field.number")) } dd { (row.number) }
                    dt { (office.t("flows.field.urgency")) } dd { (urgency(office, row)) }
                    @if let Some(organ) = &detail.from_organ {
                        dt { (office.t("flows.field.from_organ")) } dd { (organ) }
                    }
                    dt { (office.t("flows.field.process")) } dd { (detail.process) }
                    dt { (office.t("flows.field.initiator")) } dd { (detail.initiator) }
                    dt { (office.t("flows.field.started")) } dd { (office.when(row.started_at)) }
                    dt { (office.t("common.status")) }
                    dd id="flow-state" data-state=(words::state_name(row.state)) {
                        (office.t(state_key(row.state)))
                    }
                    dt { (office.t("flows.field.node")) }
                    dd { (row.current_node.as_deref().unwrap_or("—")) }
                    dt { (office.t("flows.field.holders")) } dd { (holders(office, row)) }
                    dt { (office.t("flows.field.deadline")) } dd { (deadline(office, row)) }
                }
            }
            (files(office, detail))
            @if office.account.has(Role::Drafter) {
                form.inline id="follow-form" method="post" action="/console/drafts/follow" {
                    (office.csrf_field())
                    input type="hidden" name="instance_id" value=(row.instance_id);
                    button.secondary type="submit" { (office.t("flows.follow")) }
                }
            }
            (record(office, detail))
            (act::forms(office, detail))
            p { a href="/console/flows" { (office.t("common.back")) } }
        },
    )
}

/// The document's body and attachments, opened in the browser (PDFs and pictures) or saved.
fn files(office: &Office, detail: &FlowDetail) -> Markup {
    let base = format!("/console/documents/{}", segment(&detail.document_id));
    html! {
        @if detail.has_body || !detail.attachments.is_empty() {
            section.card id="flow-files" {
                h2 { (office.t("flows.files")) }
                ul.links {
                    @if detail.has_body {
                        li { a id="flow-body" href=(format!("{base}/body")) target="_blank" rel="noopener" {
                            (office.t("flows.files.body"))
                        } }
                    }
                    @for (id, name, size) in &detail.attachments {
                        li {
                            a.attachment href=(format!("{base}/attachments/{}", segment(id)))
                                target="_blank" rel="noopener" { (name) }
                            " " span.muted { "(" (size.div_ceil(1024)) " KB)" }
                        }
                    }
                }
            }
        }
    }
}

/// 流转记录: every entry in order, each opinion as text with its handwriting and voice.
fn record(office: &Office, detail: &FlowDetail) -> Markup {
    let files = format!("/console/flows/{}/files/", segment(&detail.row.instance_id));
    html! {
        section.card id="flow-record" {
            h2 { (office.t("flows.record")) }
            @if detail.record.is_empty() {
                p.muted id="flow-record-empty" { (office.t("flows.record.empty")) }
            } @else {
                table.list id="flow-record-table" {
                    thead { tr {
                        th { (office.t("flows.field.node")) }
                        th { (office.t("flows.record.who")) }
                        th { (office.t("flows.record.action")) }
                        th { (office.t("flows.record.attitude")) }
                        th { (office.t("flows.record.opinion")) }
                        th { (office.t("common.time")) }
                    } }
                    tbody {
                        @for entry in &detail.record {
                            tr.entry data-version=(entry.version) data-action=(entry.action) {
                                td { (entry.node.as_deref().unwrap_or("—")) }
                                td.who {
                                    (entry.who)
                                    @if let Some(principal) = &entry.on_behalf_of {
                                        " (" (office.t("flows.on_behalf_of")) " " (principal) ")"
                                    }
                                }
                                td.action { (office.t(action_key(entry.action))) }
                                td.attitude {
                                    @if let Some(attitude) = entry.attitude {
                                        (office.t(attitude_key(attitude)))
                                    }
                                }
                                td.opinion {
                                    @if let Some(column) = &entry.column {
                                        span.badge.column { (column) } " "
                                    }
                                    @if let Some(text) = &entry.opinion {
                                        span.opinion-text { (text) }
                                    }
                                    @if let Some(file) = &entry.handwriting {
                                        div { img.opinion.handwriting
                                            src={ (files) (file.sha256) }
                                            alt=(office.t("flows.record.handwriting")); }
                                    }
                                    @if let Some(file) = &entry.audio {
                                        div { audio.voice controls preload="none"
                                            src={ (files) (file.sha256) }
                                            title=(office.t("flows.record.voice")) {} }
                                    }
                                }
                                td { (office.when(entry.at)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
