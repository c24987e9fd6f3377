//! The administrator's process definitions: the unit's list, one definition as a table of its
//! nodes, and loading one from a pasted or uploaded JSON document. A definition with problems is
//! stored not at all and comes back with each problem on the node it concerns and the text as
//! entered; handlers must be people of the unit. Another unit's definition is not found.

mod problems;
mod store;
mod table;

use super::prelude::*;
use super::session::checked_multipart;
use axum::http::{HeaderMap, StatusCode};
use problems::Problem;
use qianpi_domain::workflow::ProcessDefinition;
use store::{Refusal, Stored};

/// The largest definition accepted, pasted or uploaded (real ones are a few kilobytes).
const MAX_BYTES: usize = 1 << 20;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/definitions", get(list).post(submit))
        .route("/definitions/{id}", get(show))
}

async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let body = listing(&state, &office, &Entered::default()).await?;
    Ok(page(&office, office.t("definitions.title"), body))
}

/// What the administrator entered, kept when it is refused.
#[derive(Debug, Default)]
struct Entered {
    text: String,
    replace: bool,
}

/// The list and the loading form (holding `entered`).
async fn listing(
    state: &AppState,
    office: &Office,
    entered: &Entered,
) -> Result<Markup, ConsoleError> {
    let unit = office.unit().to_owned();
    let summaries = state.db.tx(move |sql| store::list(sql, &unit)).await?;
    Ok(html! {
        @if summaries.is_empty() {
            p.muted { (office.t("definitions.empty")) }
        } @else {
            table.list #definitions {
                thead { tr {
                    th { (office.t("definitions.col.id")) }
                    th { (office.t("definitions.col.name")) }
                    th { (office.t("definitions.col.nodes")) }
                } }
                tbody {
                    @for summary in &summaries {
                        tr {
                            td { a href={ "/console/definitions/" (summary.id) } { code { (summary.id) } } }
                            td { (summary.name) }
                            td { (summary.nodes) }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { (office.t("definitions.load.title")) }
            form.grid method="post" action="/console/definitions" enctype="multipart/form-data" {
                (office.csrf_field())
                label for="definition-text" { (office.t("definitions.load.paste")) }
                textarea #definition-text name="text" rows="16" { (entered.text) }
                label for="definition-file" { (office.t("definitions.load.file")) }
                input #definition-file type="file" name="file" accept=".json,application/json";
                label for="definition-replace" { (office.t("definitions.load.replace")) }
                input #definition-replace type="checkbox" name="replace" value="yes" checked[entered.replace];
                div.actions { button { (office.t("definitions.load.submit")) } }
            }
        }
    })
}

async fn show(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let unit = office.unit().to_owned();
    let (definition, people) = state
        .db
        .tx(move |sql| Ok((store::one(sql, &unit, &id)?, store::people(sql, &unit)?)))
        .await?;
    // Another unit's definition is answered as one that does not exist.
    let definition = definition.ok_or(ConsoleError::NotFound)?;
    let body = html! {
        dl.head {
            dt { (office.t("definitions.col.id")) } dd { code { (definition.id) } }
            dt { (office.t("definitions.col.name")) } dd { (definition.name) }
            dt { (office.t("definitions.urge")) }
            dd { (office.t("definitions.minutes").replace("{n}", &definition.urge_interval_minutes.to_string())) }
        }
        (table::nodes(&office, &definition, &people, None))
        p { a href="/console/definitions" { (office.t("common.back")) } }
    };
    Ok(page(&office, &definition.name, body))
}

/// The form's fields, read with a bound on each.
async fn read_form(office: &Office, mut multipart: Multipart) -> Result<Entered, ConsoleError> {
    let too_large = || ConsoleError::BadInput(office.t("definitions.error.too_large").to_owned());
    let bad_form = || ConsoleError::BadInput(office.t("definitions.error.form").to_owned());
    let (mut pasted, mut uploaded, mut replace) = (String::new(), Vec::new(), false);
    while let Some(mut field) = multipart.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| bad_form())? {
            if bytes.len().saturating_add(chunk.len()) > MAX_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "text" => pasted = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => uploaded = bytes,
            "replace" => replace = !bytes.is_empty(),
            _ => {}
        }
    }
    // An uploaded file wins over the text box; it is shown in the box if it is refused.
    let text = if uploaded.is_empty() {
        pasted
    } else {
        String::from_utf8(uploaded).map_err(|_| {
            ConsoleError::BadInput(office.t("definitions.error.not_utf8").to_owned())
        })?
    };
    Ok(Entered { text, replace })
}

async fn submit(
    State(state): State<AppState>,
    office: Office,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, ConsoleError> {
    office.require(Role::Administrator)?;
    // The same checks a urlencoded form gets: from our own pages, with the session's token,
    // before anything else in the form is read.
    checked_multipart(&office, &headers, &mut multipart).await?;
    let entered = read_form(&office, multipart).await?;
    if entered.text.trim().is_empty() {
        return refused(
            &state,
            &office,
            &entered,
            html! { p.error { (office.t("definitions.error.empty")) } },
        )
        .await;
    }
    let definition: ProcessDefinition = match serde_json::from_str(&entered.text) {
        Ok(definition) => definition,
        Err(e) => {
            let text = office
                .t("definitions.error.json")
                .replace("{line}", &e.line().to_string())
                .replace("{column}", &e.column().to_string());
            return refused(
                &state,
                &office,
                &entered,
                html! { p.error #definition-error { (text) } },
            )
            .await;
        }
    };
    let unit = office.unit().to_owned();
    let people = state.db.tx(move |sql| store::people(sql, &unit)).await?;
    let mut found: Vec<Problem> = problems::of_definition(&office, &definition);
    found.extend(problems::strangers(&office, &definition, &people));
    if !found.is_empty() {
        let grouped = problems::by_node(&definition, found);
        let whole = grouped.get(&None).cloned().unwrap_or_default();
        return refused(
            &state,
            &office,
            &entered,
            html! {
                p.error #definition-error { (office.t("definitions.error.summary")) }
                @for text in &whole { p.error { (text) } }
                (table::nodes(&office, &definition, &people, Some(&grouped)))
            },
        )
        .await;
    }
    let id = definition.id.clone();
    let actor = office.actor();
    match store::store(
        &state.db,
        &actor,
        office.unit(),
        definition,
        entered.replace,
        Utc::now(),
    )
    .await?
    {
        Ok(stored) => {
            let done = match stored {
                Stored::Loaded => "definitions.done.loaded",
                Stored::Replaced => "definitions.done.replaced",
            };
            let encoded: String = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Ok(redirect(&format!(
                "/console/definitions/{}?{encoded}",
                path_segment(&id)
            )))
        }
        Err(refusal) => {
            let key = match refusal {
                Refusal::Exists => "definitions.error.exists",
                Refusal::Taken => "definitions.error.taken",
                Refusal::InUse => "definitions.error.in_use",
            };
            refused(
                &state,
                &office,
                &entered,
                html! { p.error #definition-error { (office.t(key)) } },
            )
            .await
        }
    }
}

/// The form again with `problems` above it and the entered text kept; nothing was stored.
async fn refused(
    state: &AppState,
    office: &Office,
    entered: &Entered,
    problems: Markup,
) -> Result<Response, ConsoleError> {
    let listing = listing(state, office, entered).await?;
    let body = html! { (problems) (listing) };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page(office, office.t("definitions.title"), body),
    )
        .into_response())
}

/// `id` as one path segment (ids are the administrator's own text).
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
