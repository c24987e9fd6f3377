//! One 发文 draft's page and what it offers: its head and body versions
//! (`/console/drafts/{id}`), a further version uploaded, and its flow started on the latest
//! version.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/drafts/{id}", get(show))
        .route("/drafts/{id}/versions", post(add_version))
        .route("/drafts/{id}/start", post(start))
}

/// `GET /console/drafts/{id}`: the draft's head, its versions, a further version, the start.
async fn show(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Drafter)?;
    let actor = office.actor();
    let draft = drafts::get(&state.db, &actor, office.unit(), &id)
        .await
        .map_err(|e| refused(&office, e))?;
    let definitions = drafts::definitions(&state.db, &actor, office.unit())
        .await
        .map_err(|e| refused(&office, e))?;
    let f = &draft.fields;
    Ok(page(
        &office,
        &f.title,
        html! {
            dl.head {
                dt { (office.t("drafts.field.number")) } dd { (f.number.to_string()) }
                dt { (office.t("drafts.field.urgency")) } dd { (office.t(&format!("drafts.urgency.{}", snake(&f.urgency)))) }
                dt { (office.t("drafts.field.secrecy")) } dd { (office.t(&format!("drafts.secrecy.{}", snake(&f.secrecy)))) }
                dt { (office.t("drafts.field.recipients")) } dd { (f.main_recipients.join("、")) }
                dt { (office.t("drafts.created_at")) } dd { (office.when(draft.created_at)) }
            }
            section.card {
                h2 { (office.t("drafts.versions")) }
                @if draft.versions.is_empty() { p.muted { (office.t("drafts.versions.none")) } } @else {
                    table.list id="versions" {
                        thead { tr {
                            th { (office.t("drafts.version.seq")) }
                            th { (office.t("drafts.version.file")) }
                            th { (office.t("drafts.field.stage")) }
                            th { (office.t("drafts.version.size")) }
                            th { (office.t("drafts.version.by")) }
                            th { (office.t("common.time")) }
                        } }
                        tbody { @for v in &draft.versions { tr data-sha256=(v.sha256) {
                            td { (v.seq) }
                            td { (v.file_name) }
                            td { (office.t(&format!("drafts.stage.{}", snake(&v.stage)))) }
                            td { (v.size.div_ceil(1024)) " " (office.t("drafts.version.kb")) }
                            td { (v.uploaded_by_name) }
                            td { (office.when(v.uploaded_at)) }
                        } } }
                    }
                }
            }
            @if let Some(instance) = &draft.instance_id {
                p { a href={ "/console/flows/" (instance) } { (office.t("drafts.open_flow")) } }
            } @else {
                section.card {
                    h2 { (office.t("drafts.version.add")) }
                    form.grid method="post" action={ "/console/drafts/" (draft.id) "/versions" } enctype="multipart/form-data" {
                        (office.csrf_field())
                        (body_fields(&office))
                        p.actions { button type="submit" { (office.t("drafts.version.upload")) } }
                    }
                }
                section.card {
                    h2 { (office.t("drafts.start")) }
                    p.muted { (office.t("drafts.start.latest")) }
                    form.grid method="post" action={ "/console/drafts/" (draft.id) "/start" } {
                        (office.csrf_field())
                        label for="definition" { (office.t("drafts.field.definition")) }
                        select id="definition" name="definition_id" required {
                            @for (def_id, name) in &definitions { option value=(def_id) { (name) } }
                        }
                        p.actions { button id="start" type="submit" { (office.t("drafts.start")) } }
                    }
                }
            }
        },
    ))
}

/// `POST /console/drafts/{id}/versions` (multipart).
async fn add_version(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    let upload = form::read(&office, &headers, multipart).await?;
    let version = version_of(&upload)
        .ok_or_else(|| ConsoleError::BadInput(office.t("drafts.invalid.empty_file").to_owned()))?;
    drafts::add_version(
        &state.db,
        &office.actor(),
        office.unit(),
        &id,
        version,
        Utc::now(),
    )
    .await
    .map_err(|e| refused(&office, e))?;
    Ok(redirect(&format!(
        "/console/drafts/{id}?done=drafts.version.added"
    )))
}

#[derive(Deserialize)]
struct StartForm {
    definition_id: String,
}

/// `POST /console/drafts/{id}/start`.
async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, form): CsrfForm<StartForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    let actor = office.actor();
    drafts::start(
        &state.db,
        &actor,
        office.unit(),
        &id,
        &form.definition_id,
        Utc::now(),
    )
    .await
    .map_err(|e| refused(&office, e))?;
    Ok(redirect("/console/drafts?done=drafts.started.notice"))
}
