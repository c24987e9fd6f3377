//! The administrator's API keys for the unit's existing OA systems: the keys scoped to the unit
//! (never their secret), issuing one (its secret shown on this one page, never again), revoking
//! one, and for each key its webhook subscriptions with their latest deliveries and every attempt
//! (time, the receiver's status, the error). The data layer is [`crate::integration`]; every
//! change is audited under the administrator.

use super::prelude::*;
use crate::integration::keys::{self, KeyView, NewKey};
use crate::integration::webhooks::{self, DeliveryView, SubscriptionView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/apikeys", get(list).post(issue))
        .route("/apikeys/{id}/revoke", post(revoke))
}

/// A key with its subscriptions, each with its latest deliveries.
type Listed = Vec<(KeyView, Vec<(SubscriptionView, Vec<DeliveryView>)>)>;

async fn listed(state: &AppState, office: &Office) -> Result<Listed, ConsoleError> {
    let keys = keys::list(&state.db, &office.actor(), office.unit()).await?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let key_id = key.id.clone();
        let subscriptions = state
            .db
            .once(move |sql| {
                let mut with = Vec::new();
                for subscription in webhooks::subscriptions_of(sql, &key_id)? {
                    let deliveries = webhooks::deliveries_of(sql, &subscription.id)?;
                    with.push((subscription, deliveries));
                }
                Ok(with)
            })
            .await?;
        out.push((key, subscriptions));
    }
    Ok(out)
}

/// A stored RFC 3339 time in the deployment's zone (as stored if it does not parse).
fn when(office: &Office, stored: &str) -> String {
    DateTime::parse_from_rfc3339(stored)
        .map(|t| office.when(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| stored.to_owned())
}

async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let listed = listed(&state, &office).await?;
    Ok(page(
        &office,
        office.t("apikeys.title"),
        content(&office, &listed, None),
    ))
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    label: String,
}

async fn issue(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<IssueForm>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let new = NewKey {
        label: form.label,
        units: Vec::new(),
    };
    let issued = keys::issue(&state.db, &office.actor(), office.unit(), new, Utc::now())
        .await
        .map_err(|e| match e.code {
            "invalid_label" => ConsoleError::BadInput(office.t("apikeys.bad_label").to_owned()),
            _ => ConsoleError::Api(e),
        })?;
    let listed = listed(&state, &office).await?;
    // The secret is on this answer only: the page is not a redirect target, and is not cached.
    Ok(page(
        &office,
        office.t("apikeys.title"),
        content(&office, &listed, Some(&issued.key)),
    ))
}

#[derive(Deserialize)]
struct RevokeForm {}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, _form): CsrfForm<RevokeForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Administrator)?;
    keys::revoke(&state.db, &office.actor(), office.unit(), &id, Utc::now())
        .await
        .map_err(|e| match e.code {
            "no_such_key" => ConsoleError::NotFound,
            _ => ConsoleError::Api(e),
        })?;
    Ok(redirect("/console/apikeys?done=apikeys.revoked"))
}

fn content(office: &Office, listed: &Listed, new_key: Option<&str>) -> Markup {
    html! {
        @if let Some(key) = new_key {
            section.card #issued {
                p.notice role="status" { (office.t("apikeys.issued")) }
                p { code #new-key { (key) } }
                p.muted { (office.t("apikeys.shown_once")) }
            }
        }
        section.card {
            h2 { (office.t("apikeys.issue")) }
            form.grid method="post" action="/console/apikeys" {
                (office.csrf_field())
                label for="label" { (office.t("apikeys.label")) }
                input #label name="label" maxlength="100" required;
                div.actions { button type="submit" { (office.t("apikeys.issue_button")) } }
            }
        }
        @if listed.is_empty() {
            p.muted { (office.t("apikeys.empty")) }
        } @else {
            table.list #keys {
                thead { tr {
                    th { (office.t("apikeys.col.label")) }
                    th { (office.t("apikeys.col.id")) }
                    th { (office.t("apikeys.col.created")) }
                    th { (office.t("common.status")) }
                    th { (office.t("common.actions")) }
                } }
                tbody {
                    @for (key, _) in listed {
                        tr data-key=(key.id) {
                            td { (key.label) }
                            td { code { (key.id) } }
                            td { (when(office, &key.created_at)) }
                            td {
                                @if let Some(at) = &key.revoked_at {
                                    span.badge { (office.t("apikeys.revoked_at")) " " (when(office, at)) }
                                } @else {
                                    span.badge.ok { (office.t("apikeys.active")) }
                                }
                            }
                            td {
                                @if key.revoked_at.is_none() {
                                    form.inline method="post" action={ "/console/apikeys/" (key.id) "/revoke" } {
                                        (office.csrf_field())
                                        button.danger type="submit" data-confirm=(office.t("apikeys.revoke_confirm")) {
                                            (office.t("apikeys.revoke"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for (key, subscriptions) in listed {
                @if !subscriptions.is_empty() {
                    section.card data-key=(key.id) {
                        h2 { (office.t("apikeys.webhooks")) " · " (key.label) }
                        @for (subscription, deliveries) in subscriptions {
                            (webhook(office, subscription, deliveries))
                        }
                    }
                }
            }
        }
    }
}

fn webhook(
    office: &Office,
    subscription: &SubscriptionView,
    deliveries: &[DeliveryView],
) -> Markup {
    html! {
        h3 { code { (subscription.url) } }
        p.muted { (office.t("apikeys.events")) " " (subscription.events.join(", ")) }
        @if deliveries.is_empty() {
            p.muted { (office.t("apikeys.no_deliveries")) }
        } @else {
            table.list.deliveries data-subscription=(subscription.id) {
                thead { tr {
                    th { (office.t("apikeys.col.event")) }
                    th { (office.t("common.time")) }
                    th { (office.t("common.status")) }
                    th { (office.t("apikeys.col.attempts")) }
                } }
                tbody {
                    @for delivery in deliveries {
                        tr data-state=(delivery.state) {
                            td { (delivery.event_type) }
                            td { (when(office, &delivery.created_at)) }
                            td { (office.t(state_key(&delivery.state))) }
                            td {
                                ol {
                                    @for attempt in &delivery.attempts {
                                        li {
                                            (when(office, &attempt.at)) " "
                                            @if let Some(status) = attempt.status { "HTTP " (status) " " }
                                            @if let Some(error) = &attempt.error { span.error { (error) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn state_key(state: &str) -> &'static str {
    match state {
        "delivered" => "apikeys.state.delivered",
        "failed" => "apikeys.state.failed",
        _ => "apikeys.state.pending",
    }
}
