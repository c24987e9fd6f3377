//! The drafter's pages (拟稿): their 发文 drafts and the flows they follow (with 撤销 while no
//! one has approved, and 关注 of any flow of the unit), a new draft with its body uploaded as a
//! PDF, one draft with its body versions, a further version, and the start of its flow on the
//! latest version. The data is in [`crate::office::drafts`].

mod form;
mod one;

pub(crate) use form::refused;

use super::prelude::*;
use crate::office::drafts::{self, follows, DraftFields, NewVersion};
use axum::http::HeaderMap;
use form::{parse_snake, snake, Upload};
use qianpi_domain::model::{BodyStage, DocumentGenre, DocumentNumber, SecrecyLevel, Urgency};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/drafts", get(list))
        .route("/drafts/new", get(new_form).post(create))
        .route("/drafts/follow", post(follow))
        .route("/drafts/flows/{id}/revoke", post(revoke))
        .route("/drafts/flows/{id}/unfollow", post(unfollow))
        .merge(one::routes())
}

const URGENCIES: [Urgency; 3] = [Urgency::Normal, Urgency::Urgent, Urgency::ExtraUrgent];
const SECRECIES: [SecrecyLevel; 4] = [
    SecrecyLevel::None,
    SecrecyLevel::Secret,
    SecrecyLevel::Confidential,
    SecrecyLevel::TopSecret,
];
const STAGES: [BodyStage; 4] = [
    BodyStage::Draft,
    BodyStage::Reviewed,
    BodyStage::Final,
    BodyStage::Sealed,
];

/// `GET /console/drafts`: the drafter's drafts and followed flows.
async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Drafter)?;
    let actor = office.actor();
    let mine = drafts::list(&state.db, &actor, office.unit())
        .await
        .map_err(|e| refused(&office, e))?;
    let followed = follows::followed(&state.db, &actor, office.unit(), Utc::now())
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(page(
        &office,
        office.t("drafts.title"),
        html! {
            p.actions { a id="new-draft" href="/console/drafts/new" { (office.t("drafts.new")) } }
            section.card {
                h2 { (office.t("drafts.mine")) }
                @if mine.is_empty() { p.muted { (office.t("drafts.none")) } } @else {
                    table.list id="drafts" {
                        thead { tr {
                            th { (office.t("drafts.field.title")) }
                            th { (office.t("drafts.field.number")) }
                            th { (office.t("drafts.created_at")) }
                            th { (office.t("common.status")) }
                        } }
                        tbody { @for d in &mine { tr {
                            td { a href={ "/console/drafts/" (d.id) } { (d.fields.title) } }
                            td { (d.fields.number.to_string()) }
                            td { (office.when(d.created_at)) }
                            td { @if let Some(instance) = &d.instance_id {
                                a.badge.ok href={ "/console/flows/" (instance) } { (office.t("drafts.started")) }
                            } @else { span.badge { (office.t("drafts.unstarted")) } } }
                        } } }
                    }
                }
            }
            section.card {
                h2 { (office.t("drafts.followed")) }
                @if followed.is_empty() { p.muted { (office.t("drafts.followed.none")) } } @else {
                    table.list id="followed" {
                        thead { tr {
                            th { (office.t("drafts.field.title")) }
                            th { (office.t("common.status")) }
                            th { (office.t("drafts.followed.node")) }
                            th { (office.t("drafts.followed.pending_with")) }
                            th { (office.t("drafts.followed.since")) }
                            th { (office.t("common.actions")) }
                        } }
                        tbody { @for f in &followed { tr data-instance=(f.instance_id) {
                            td { a href={ "/console/flows/" (f.instance_id) } { (f.title) } }
                            td { (office.t(&format!("drafts.state.{}", snake(&f.state)))) }
                            td { (f.current_node.as_deref().unwrap_or("")) }
                            td { (f.pending_with.join("、")) }
                            td { (office.when(f.followed_at)) }
                            td.actions {
                                @if f.can_revoke {
                                    form.inline method="post" action={ "/console/drafts/flows/" (f.instance_id) "/revoke" } {
                                        (office.csrf_field())
                                        input type="hidden" name="version" value=(f.version);
                                        button.danger type="submit" data-confirm=(office.t("drafts.revoke.confirm")) { (office.t("drafts.revoke")) }
                                    }
                                }
                                form.inline method="post" action={ "/console/drafts/flows/" (f.instance_id) "/unfollow" } {
                                    (office.csrf_field())
                                    button type="submit" { (office.t("drafts.unfollow")) }
                                }
                            }
                        } } }
                    }
                }
                form.grid method="post" action="/console/drafts/follow" {
                    (office.csrf_field())
                    label for="follow-id" { (office.t("drafts.follow.id")) }
                    input id="follow-id" name="instance_id" required;
                    button type="submit" { (office.t("drafts.follow")) }
                }
            }
        },
    ))
}

/// `GET /console/drafts/new`.
async fn new_form(
    State(state): State<AppState>,
    office: Office,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Drafter)?;
    let organ = drafts::organ_code(&state.db, &office.actor(), office.unit())
        .await
        .map_err(|e| refused(&office, e))?;
    let year = Utc::now()
        .with_timezone(&office.zone)
        .format("%Y")
        .to_string();
    Ok(page(
        &office,
        office.t("drafts.new"),
        html! {
            form.grid method="post" action="/console/drafts/new" enctype="multipart/form-data" {
                (office.csrf_field())
                label for="title" { (office.t("drafts.field.title")) }
                input id="title" name="title" required maxlength="200";
                label for="organ" { (office.t("drafts.field.organ")) }
                input id="organ" name="organ" value=(organ) required maxlength="32";
                label for="year" { (office.t("drafts.field.year")) }
                input id="year" name="year" type="number" min="1000" max="9999" value=(year) required;
                label for="sequence" { (office.t("drafts.field.sequence")) }
                input id="sequence" name="sequence" type="number" min="1" required;
                label for="urgency" { (office.t("drafts.field.urgency")) }
                select id="urgency" name="urgency" { @for u in URGENCIES {
                    option value=(snake(&u)) { (office.t(&format!("drafts.urgency.{}", snake(&u)))) }
                } }
                label for="secrecy" { (office.t("drafts.field.secrecy")) }
                select id="secrecy" name="secrecy" { @for s in SECRECIES {
                    option value=(snake(&s)) { (office.t(&format!("drafts.secrecy.{}", snake(&s)))) }
                } }
                label for="genre" { (office.t("drafts.field.genre")) }
                select id="genre" name="genre" {
                    option value="" { (office.t("common.none")) }
                    @for g in DocumentGenre::ALL {
                        option value=(snake(&g)) { (office.t(&format!("drafts.genre.{}", snake(&g)))) }
                    }
                }
                label for="recipients" { (office.t("drafts.field.recipients")) }
                textarea id="recipients" name="recipients" rows="3" {}
                (body_fields(&office))
                p.actions { button type="submit" { (office.t("common.save")) } }
            }
        },
    ))
}

/// The body file and its stage, in the new draft's form and the new version's.
fn body_fields(office: &Office) -> Markup {
    html! {
        label for="stage" { (office.t("drafts.field.stage")) }
        select id="stage" name="stage" { @for s in STAGES {
            option value=(snake(&s)) { (office.t(&format!("drafts.stage.{}", snake(&s)))) }
        } }
        label for="body" { (office.t("drafts.field.body")) }
        input id="body" name="body" type="file" accept="application/pdf,.pdf";
    }
}

/// `POST /console/drafts/new` (multipart): the draft, and its first body version when a file
/// was chosen.
async fn create(
    State(state): State<AppState>,
    office: Office,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    let upload = form::read(&office, &headers, multipart).await?;
    let bad = |key: &'static str| ConsoleError::BadInput(office.t(key).to_owned());
    let number = DocumentNumber {
        organ: upload.text("organ").to_owned(),
        year: upload
            .text("year")
            .parse()
            .map_err(|_| bad("drafts.invalid.bad_number"))?,
        sequence: upload
            .text("sequence")
            .parse()
            .map_err(|_| bad("drafts.invalid.bad_number"))?,
    };
    let fields = DraftFields {
        title: upload.text("title").to_owned(),
        number,
        urgency: parse_snake(upload.text("urgency")).unwrap_or(Urgency::Normal),
        secrecy: parse_snake(upload.text("secrecy")).unwrap_or(SecrecyLevel::None),
        genre: parse_snake(upload.text("genre")),
        main_recipients: upload
            .text("recipients")
            .lines()
            .map(str::to_owned)
            .collect(),
    };
    let actor = office.actor();
    let now = Utc::now();
    let id = drafts::create(&state.db, &actor, office.unit(), fields, now)
        .await
        .map_err(|e| refused(&office, e))?;
    if let Some(version) = version_of(&upload) {
        drafts::add_version(&state.db, &actor, office.unit(), &id, version, now)
            .await
            .map_err(|e| refused(&office, e))?;
    }
    Ok(redirect(&format!(
        "/console/drafts/{id}?done=drafts.created"
    )))
}

fn version_of(upload: &Upload) -> Option<NewVersion> {
    let (file_name, bytes) = upload.file.clone()?;
    Some(NewVersion {
        file_name,
        stage: parse_snake(upload.text("stage")).unwrap_or(BodyStage::Draft),
        bytes,
    })
}

#[derive(Deserialize)]
struct RevokeForm {
    version: u64,
}

/// `POST /console/drafts/flows/{id}/revoke`: 撤销 on the version the list showed.
async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, form): CsrfForm<RevokeForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    let actor = office.actor();
    crate::office::drafts::acting::revoke(
        &state.db,
        &actor,
        office.unit(),
        &id,
        form.version,
        Utc::now(),
    )
    .await
    .map_err(|e| refused(&office, e))?;
    Ok(redirect("/console/drafts?done=drafts.revoked"))
}

#[derive(Deserialize)]
struct FollowForm {
    instance_id: String,
}

/// `POST /console/drafts/follow`: 关注 a flow of the unit by its id.
async fn follow(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<FollowForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    let id = form.instance_id.trim();
    follows::follow(&state.db, &office.actor(), office.unit(), id, Utc::now())
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(redirect("/console/drafts?done=drafts.followed.notice"))
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub(super) struct Empty {}

/// `POST /console/drafts/flows/{id}/unfollow`.
async fn unfollow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(office, Empty {}): CsrfForm<Empty>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Drafter)?;
    follows::unfollow(&state.db, &office.actor(), office.unit(), &id, Utc::now())
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(redirect("/console/drafts?done=drafts.unfollowed"))
}
