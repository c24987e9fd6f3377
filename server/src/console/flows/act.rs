//! What the office does to a flow from its page: 催办 and 终止 (a reason required), each a form
//! with the session's CSRF field and the version the person saw, applied by the data layer as
//! that person through the workflow; a refusal shows the flow again with the workflow's reason.
//! And the opinions' handwriting images and voice clips, served only to the flow's own unit.

use super::super::prelude::*;
use super::words::segment;
use super::{acting, refusal, refused_text, render, READERS};
use crate::office::flows::{self, FlowDetail, FlowError};
use axum::http::{header, HeaderValue, StatusCode};

/// Who may 催办 and 终止 from the console (the workflow then decides).
pub(super) const ACTORS: &[Role] = &[Role::Administrator, Role::Registrar, Role::Drafter];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/flows/{id}/urge", post(urge))
        .route("/flows/{id}/terminate", post(terminate))
        .route("/flows/{id}/files/{sha256}", get(file))
}

/// The forms the reader may use on the flow now (none for a reader who may not act).
pub(super) fn forms(office: &Office, detail: &FlowDetail) -> Markup {
    let base = format!("/console/flows/{}", segment(&detail.row.instance_id));
    html! {
        @if detail.may_urge || detail.may_terminate {
            section.card id="flow-actions" {
                h2 { (office.t("flows.actions")) }
                @if detail.may_urge {
                    form id="urge-form" method="post" action={ (base) "/urge" } {
                        (office.csrf_field())
                        input type="hidden" name="version" value=(detail.row.version);
                        p.muted { (office.t("flows.urge.hint")) }
                        div.actions {
                            button id="urge-button" type="submit"
                                data-confirm=(office.t("flows.urge.confirm")) {
                                (office.t("flows.urge"))
                            }
                        }
                    }
                }
                @if detail.may_terminate {
                    form.grid id="terminate-form" method="post" action={ (base) "/terminate" } {
                        (office.csrf_field())
                        input type="hidden" name="version" value=(detail.row.version);
                        label for="terminate-reason" { (office.t("flows.terminate.reason")) }
                        textarea id="terminate-reason" name="reason" required
                            maxlength="2000" {}
                        div.actions {
                            button.danger id="terminate-button" type="submit"
                                data-confirm=(office.t("flows.terminate.confirm")) {
                                (office.t("flows.terminate"))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A 催办 or 终止 form: the version the person saw, and for 终止 the reason.
#[derive(Debug, Deserialize)]
struct ActForm {
    version: u64,
    #[serde(default)]
    reason: String,
}

/// `POST /console/flows/<id>/urge`.
async fn urge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, form): CsrfForm<ActForm>,
) -> Result<Response, ConsoleError> {
    office.require_any(ACTORS)?;
    let done = flows::urge(
        &state.db,
        &office.actor(),
        office.unit(),
        &id,
        form.version,
        &acting(&office),
        Utc::now(),
    )
    .await;
    answer(&state, &office, &id, done.map(|_| "flows.urged")).await
}

/// `POST /console/flows/<id>/terminate`.
async fn terminate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, form): CsrfForm<ActForm>,
) -> Result<Response, ConsoleError> {
    office.require_any(ACTORS)?;
    let done = flows::terminate(
        &state.db,
        &office.actor(),
        office.unit(),
        &id,
        form.version,
        &acting(&office),
        &form.reason,
        Utc::now(),
    )
    .await;
    answer(&state, &office, &id, done.map(|_| "flows.terminated")).await
}

/// Back to the flow with a notice when it was done; the flow again with the reason when the
/// workflow refused (409) or the reason was missing (400).
async fn answer(
    state: &AppState,
    office: &Office,
    id: &str,
    done: Result<&'static str, FlowError>,
) -> Result<Response, ConsoleError> {
    let (status, error) = match done {
        Ok(notice) => {
            return Ok(redirect(&format!(
                "/console/flows/{}?done={notice}",
                segment(id)
            )))
        }
        Err(FlowError::ReasonRequired) => (
            StatusCode::BAD_REQUEST,
            office.t("flows.terminate.reason_required"),
        ),
        Err(FlowError::Refused(code)) => (StatusCode::CONFLICT, refused_text(office, code)),
        Err(other) => return Err(refusal(office, other)),
    };
    let detail = flows::detail(&state.db, office.unit(), id, &acting(office), Utc::now())
        .await
        .map_err(|e| refusal(office, e))?;
    Ok((status, render(office, &detail, Some(error))).into_response())
}

/// `GET /console/flows/<id>/files/<sha256>`: a handwriting image or voice clip of an opinion in
/// the flow, for a reader of the flow's unit. A type a browser could run is sent as a download.
async fn file(
    State(state): State<AppState>,
    office: Office,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    office.require_any(READERS)?;
    let media = flows::opinion_file(&state.db, office.unit(), &id, &sha256)
        .await
        .map_err(|e| refusal(&office, e))?;
    let content_type =
        HeaderValue::from_str(&media.media_type).map_err(|_| ConsoleError::NotFound)?;
    let disposition = if media.inline { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(disposition),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            ),
        ],
        media.bytes,
    )
        .into_response())
}
