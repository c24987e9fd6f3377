//! 收文登记 — the registrar's pages: the registration form (`/console/incoming/new`: the GB/T 9704
//! fields, the body as PDF and/or OFD, attachments, the process to start), its submission
//! (registered and started, then on to the flow's record; or the form again with each fault
//! under its field and the values entered kept), and the unit's own documents' bodies and
//! attachments for reading in the browser (`/console/documents/{id}/…`). Registrars and
//! administrators only.

mod documents;
mod form;
mod handlers;
mod read;

use super::prelude::*;
use crate::office::incoming::{self, IncomingError, Registrar, Registration};
use axum::http::{HeaderMap, StatusCode};

/// Who may register incoming documents.
const ROLES: &[Role] = &[Role::Registrar, Role::Administrator];
/// Everyone in the office reads a flow's documents from its record.
const READERS: &[Role] = &Role::ALL;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incoming", get(to_form))
        .route("/incoming/new", get(show).post(submit))
        .merge(documents::routes())
}

/// The menu's entry leads to the form.
async fn to_form(office: Office) -> Result<Response, ConsoleError> {
    office.require_any(ROLES)?;
    Ok(redirect("/console/incoming/new"))
}

/// `GET /console/incoming/new`: an empty form, received today, ordinary and unclassified.
async fn show(State(state): State<AppState>, office: Office) -> Result<Response, ConsoleError> {
    office.require_any(ROLES)?;
    let definitions = incoming::definitions(&state.db, office.unit()).await?;
    let people = incoming::people(&state.db, office.unit()).await?;
    let today = Utc::now().with_timezone(&office.zone).date_naive();
    let entered = Registration {
        urgency: "normal".into(),
        secrecy: "none".into(),
        received_on: office.date(today),
        definition: definitions
            .first()
            .map(|d| d.id.clone())
            .unwrap_or_default(),
        ..Default::default()
    };
    Ok(form::page(&office, &definitions, &people, &entered, &[]).into_response())
}

/// `POST /console/incoming/new` (multipart): registers and starts, then shows the flow's record.
async fn submit(
    State(state): State<AppState>,
    office: Office,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    // The role is the session's: checked before a byte of the form is read.
    office.require_any(ROLES)?;
    let entered = read::form(&office, &headers, multipart).await?;
    let who = Registrar {
        actor: office.actor(),
        unit_id: office.unit().to_owned(),
        user_id: office.account.user_id.clone(),
        zone: office.zone,
    };
    match incoming::register(&state.db, &who, entered.clone(), Utc::now()).await {
        Ok(started) => Ok(redirect(&format!(
            "/console/flows/{}?done=incoming.started",
            started.instance_id
        ))),
        Err(IncomingError::Fields(faults)) => {
            let definitions = incoming::definitions(&state.db, office.unit()).await?;
            let people = incoming::people(&state.db, office.unit()).await?;
            let page = form::page(&office, &definitions, &people, &entered, &faults);
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(IncomingError::Api(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::known;
    use crate::office::incoming::{Field, Problem};

    /// The texts chosen at run time (a fault's wording, a field's label, a choice) are in the
    /// table too, not only those the pages name literally.
    #[test]
    fn every_text_chosen_at_run_time_is_in_a_table() {
        let mut keys: Vec<String> = Problem::ALL.iter().map(|p| p.key().to_owned()).collect();
        keys.extend(Field::ALL.iter().map(|f| super::form::label(*f).to_owned()));
        keys.extend(super::form::choice_keys().into_iter().map(str::to_owned));
        let missing: Vec<&String> = keys.iter().filter(|k| known(k).is_none()).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }
}
