//! 公文交换 pages: what other units sent to this one (a registrar signs for it, returns it with a
//! reason, or registers it as a 收文 and starts its flow), and what this unit sent, with each
//! receiving unit's receipt (a drafter or administrator sends one of the unit's 发文).

use super::prelude::*;
use crate::office::exchange::{self, Item, State as ItemState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/exchange", get(show))
        .route("/exchange/send", get(send_form).post(send))
        .route("/exchange/{item}/receive", post(receive))
        .route("/exchange/{item}/return", post(give_back))
        .route("/exchange/{item}/register", post(register))
}

const RECEIVERS: &[Role] = &[Role::Registrar, Role::Administrator];
const SENDERS: &[Role] = &[Role::Drafter, Role::Administrator];

fn state_badge(office: &Office, state: ItemState) -> Markup {
    let (class, key) = match state {
        ItemState::Sent => ("badge urgent", "exchange.state.sent"),
        ItemState::Received => ("badge", "exchange.state.received"),
        ItemState::Registered => ("badge ok", "exchange.state.registered"),
        ItemState::Returned => ("badge overdue", "exchange.state.returned"),
    };
    html! { span class=(class) data-state=(format!("{state:?}").to_lowercase()) { (office.t(key)) } }
}

fn acted(office: &Office, item: &Item) -> Markup {
    html! {
        @if let Some((who, at)) = &item.acted {
            (who) " · " (office.when(*at))
        }
        @if let Some(reason) = &item.reason {
            div.muted { (office.t("exchange.reason")) ": " (reason) }
        }
    }
}

/// The unit's definitions, id and name, for the register form.
async fn definitions(state: &AppState, unit: &str) -> Result<Vec<(String, String)>, ConsoleError> {
    let unit = unit.to_owned();
    Ok(state
        .db
        .tx(move |sql| {
            let rows = sql.query(
                "SELECT id, body FROM definitions WHERE unit_id = ?1 ORDER BY id",
                crate::sql::args![&unit],
            )?;
            rows.iter()
                .map(|r| {
                    let definition: qianpi_domain::workflow::ProcessDefinition =
                        crate::db::decode(&r.text(1)?)?;
                    Ok((r.text(0)?, definition.name))
                })
                .collect()
        })
        .await?)
}

async fn show(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require_any(&[Role::Registrar, Role::Drafter, Role::Administrator])?;
    let actor = office.actor();
    let receives = office.require_any(RECEIVERS).is_ok();
    let sends = office.require_any(SENDERS).is_ok();
    let inbox = if receives {
        exchange::list(&state.db, &actor, office.unit(), true).await?
    } else {
        Vec::new()
    };
    let outbox = if sends {
        exchange::list(&state.db, &actor, office.unit(), false).await?
    } else {
        Vec::new()
    };
    let definitions = definitions(&state, office.unit()).await?;
    Ok(page(
        &office,
        office.t("exchange.title"),
        html! {
            @if receives {
                section.card {
                    h2 { (office.t("exchange.inbox")) }
                    @if inbox.is_empty() { p.muted { (office.t("exchange.inbox.none")) } }
                    @else {
                        table.list id="exchange-inbox" {
                            thead { tr {
                                th { (office.t("exchange.col.from")) }
                                th { (office.t("exchange.col.title")) }
                                th { (office.t("exchange.col.sent")) }
                                th { (office.t("common.status")) }
                                th { (office.t("common.actions")) }
                            } }
                            tbody { @for item in &inbox { tr data-item=(item.id) {
                                td { (item.from_unit.1) }
                                td { (item.title) div.muted { (item.number) } }
                                td { (item.sent_by) " · " (office.when(item.sent_at)) }
                                td { (state_badge(&office, item.state)) div { (acted(&office, item)) } }
                                td { (inbox_actions(&office, item, &definitions)) }
                            } } }
                        }
                    }
                }
            }
            @if sends {
                section.card {
                    h2 { (office.t("exchange.outbox")) }
                    p { a.button href="/console/exchange/send" { (office.t("exchange.send")) } }
                    @if outbox.is_empty() { p.muted { (office.t("exchange.outbox.none")) } }
                    @else {
                        table.list id="exchange-outbox" {
                            thead { tr {
                                th { (office.t("exchange.col.to")) }
                                th { (office.t("exchange.col.title")) }
                                th { (office.t("exchange.col.sent")) }
                                th { (office.t("exchange.col.receipt")) }
                            } }
                            tbody { @for item in &outbox { tr data-item=(item.id) {
                                td { (item.to_unit.1) }
                                td { (item.title) div.muted { (item.number) } }
                                td { (item.sent_by) " · " (office.when(item.sent_at)) }
                                td { (state_badge(&office, item.state)) div { (acted(&office, item)) } }
                            } } }
                        }
                    }
                }
            }
        },
    ))
}

fn inbox_actions(office: &Office, item: &Item, definitions: &[(String, String)]) -> Markup {
    let base = format!("/console/exchange/{}", item.id);
    html! {
        @match item.state {
            ItemState::Sent => {
                form.inline method="post" action=(format!("{base}/receive")) {
                    (office.csrf_field())
                    button.receive type="submit" { (office.t("exchange.receive")) }
                }
                form method="post" action=(format!("{base}/return")) {
                    (office.csrf_field())
                    input name="reason" required maxlength="500"
                        placeholder=(office.t("exchange.reason"));
                    button.danger type="submit" data-confirm=(office.t("common.are_you_sure")) {
                        (office.t("exchange.return"))
                    }
                }
            }
            ItemState::Received => {
                form method="post" action=(format!("{base}/register")) {
                    (office.csrf_field())
                    select name="definition" required {
                        @for (id, name) in definitions { option value=(id) { (name) } }
                    }
                    button.register type="submit" { (office.t("exchange.register")) }
                }
            }
            ItemState::Registered => {
                @if let Some(instance) = &item.instance_id {
                    a href=(format!("/console/flows/{instance}")) { (office.t("exchange.open_flow")) }
                }
            }
            ItemState::Returned => {}
        }
    }
}

async fn send_form(
    State(state): State<AppState>,
    office: Office,
) -> Result<Html<String>, ConsoleError> {
    office.require_any(SENDERS)?;
    let documents = exchange::sendable(&state.db, &office.actor(), office.unit()).await?;
    let units = exchange::other_units(&state.db, office.unit()).await?;
    Ok(page(
        &office,
        office.t("exchange.send"),
        html! {
            p { (office.t("exchange.send.intro")) }
            form.grid id="exchange-send" method="post" action="/console/exchange/send" {
                (office.csrf_field())
                label for="document" { (office.t("exchange.col.title")) }
                select id="document" name="document" required {
                    @for (id, title, number) in &documents {
                        option value=(id) { (title) " " (number) }
                    }
                }
                fieldset {
                    legend { (office.t("exchange.col.to")) }
                    @for (id, name) in &units {
                        label { input type="checkbox" name="to" value=(id); " " (name) }
                    }
                }
                div.actions { button type="submit" { (office.t("exchange.send")) } }
            }
        },
    ))
}

/// The send form's fields; `to` repeats, which serde's urlencoded maps do not take.
fn fields(raw: &[(String, String)], name: &str) -> Vec<String> {
    raw.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

async fn send(
    State(state): State<AppState>,
    CsrfForm(office, raw): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    office.require_any(SENDERS)?;
    let document = fields(&raw, "document")
        .into_iter()
        .next()
        .unwrap_or_default();
    let to = fields(&raw, "to");
    if to.is_empty() {
        return Err(ConsoleError::BadInput(
            office.t("exchange.error.no_units").to_owned(),
        ));
    }
    exchange::send(
        &state.db,
        &office.actor(),
        office.unit(),
        &document,
        to,
        Utc::now(),
    )
    .await?;
    Ok(redirect("/console/exchange?done=exchange.done.sent"))
}

#[derive(Deserialize)]
struct Nothing {}

async fn receive(
    State(state): State<AppState>,
    Path(item): Path<String>,
    CsrfForm(office, Nothing {}): CsrfForm<Nothing>,
) -> Result<Response, ConsoleError> {
    office.require_any(RECEIVERS)?;
    exchange::answer(
        &state.db,
        &office.actor(),
        office.unit(),
        &item,
        None,
        Utc::now(),
    )
    .await?;
    Ok(redirect("/console/exchange?done=exchange.done.received"))
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
}

async fn give_back(
    State(state): State<AppState>,
    Path(item): Path<String>,
    CsrfForm(office, form): CsrfForm<Reason>,
) -> Result<Response, ConsoleError> {
    office.require_any(RECEIVERS)?;
    if form.reason.trim().is_empty() {
        return Err(ConsoleError::BadInput(
            office.t("exchange.error.reason").to_owned(),
        ));
    }
    exchange::answer(
        &state.db,
        &office.actor(),
        office.unit(),
        &item,
        Some(form.reason),
        Utc::now(),
    )
    .await?;
    Ok(redirect("/console/exchange?done=exchange.done.returned"))
}

#[derive(Deserialize)]
struct Register {
    #[serde(default)]
    definition: String,
}

async fn register(
    State(state): State<AppState>,
    Path(item): Path<String>,
    CsrfForm(office, form): CsrfForm<Register>,
) -> Result<Response, ConsoleError> {
    office.require_any(RECEIVERS)?;
    let instance = exchange::register(
        &state.db,
        &office.actor(),
        office.unit(),
        &item,
        &form.definition,
        Utc::now(),
    )
    .await?;
    Ok(redirect(&format!(
        "/console/flows/{instance}?done=exchange.done.registered"
    )))
}
