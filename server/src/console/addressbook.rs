//! 通讯录导入 for a unit's administrator: upload a CSV (UTF-8, GBK or GB18030) or `.xlsx` file,
//! see what it would change — new people, changed fields, unchanged, each bad row by its line —
//! and confirm. Nothing is stored until the confirmation, and a file with any bad row cannot be
//! confirmed: the administrator fixes the file and uploads it again (see [`crate::office::import`]
//! for why all or nothing).
//!
//! The preview's good rows travel to the confirmation as a hidden field (UTF-8 CSV) with a
//! fingerprint of the planned changes; the confirmation checks the rows again and is refused with
//! a fresh preview when the unit's people changed in between.

use super::prelude::*;
use super::session::checked_multipart;
use crate::admin::address_book::{Action, BadRow, Planned};
use crate::admin::people::list_users;
use crate::office::import::{self, ImportError, Preview, MAX_UPLOAD_BYTES};
use axum::http::HeaderMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/addressbook", get(form))
        .route("/addressbook/preview", post(preview))
        .route("/addressbook/apply", post(apply))
        .route("/addressbook/result", get(result))
}

/// The upload form and the unit's people as they are.
async fn form(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let people = list_users(&state.db, &office.actor(), office.unit()).await?;
    Ok(page(
        &office,
        office.t("addressbook.title"),
        html! {
            (upload_form(&office))
            section.card {
                h2 { (office.t("addressbook.current")) " " span #people-count { (people.len()) } }
                table.list #people {
                    thead { tr {
                        th { (office.t("common.login")) } th { (office.t("common.name")) }
                        th { (office.t("common.post")) } th { (office.t("addressbook.col.role")) }
                    } }
                    tbody { @for p in &people { tr {
                        td { (p.login) } td { (p.name) } td { (p.post) } td { (role(&office, &p.role)) }
                    } } }
                }
            }
        },
    ))
}

fn upload_form(office: &Office) -> Markup {
    html! {
        section.card {
            p.muted { (office.t("addressbook.help")) }
            form.grid #import-form method="post" action="/console/addressbook/preview"
                enctype="multipart/form-data" {
                (office.csrf_field())
                label for="import-file" { (office.t("addressbook.file")) }
                input #import-file type="file" name="file" accept=".csv,.xlsx,text/csv" required;
                div.actions { button #preview-button type="submit" { (office.t("addressbook.preview")) } }
            }
        }
    }
}

/// Reads the upload: the CSRF token (the first field, checked before anything else) and the file.
async fn read_upload(
    office: &Office,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Vec<u8>, ConsoleError> {
    checked_multipart(office, headers, &mut multipart).await?;
    let malformed = |_| ConsoleError::Malformed;
    let mut file = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some("file") {
            continue;
        }
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if file.len().saturating_add(chunk.len()) > MAX_UPLOAD_BYTES {
                return Err(ConsoleError::BadInput(
                    office.t("addressbook.error.too_large").to_owned(),
                ));
            }
            file.extend_from_slice(&chunk);
        }
    }
    Ok(file)
}

fn refused(office: &Office, error: ImportError) -> ConsoleError {
    match error {
        ImportError::Api(e) => e.into(),
        e => ConsoleError::BadInput(e.message(office.lang == Lang::Zh)),
    }
}

async fn preview(
    State(state): State<AppState>,
    office: Office,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let file = read_upload(&office, &headers, multipart).await?;
    let preview = import::preview(&state.db, &office.actor(), office.unit(), &file)
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(preview_page(&office, &preview, None))
}

fn preview_page(office: &Office, preview: &Preview, warning: Option<&str>) -> Html<String> {
    let counts = [
        ("count-new", "addressbook.new", preview.new.len()),
        (
            "count-changed",
            "addressbook.changed",
            preview.changed.len(),
        ),
        (
            "count-unchanged",
            "addressbook.unchanged",
            preview.unchanged.len(),
        ),
        ("count-bad", "addressbook.bad", preview.bad.len()),
    ];
    let source = match preview.source {
        import::SourceKind::Utf8 => "addressbook.source.utf8",
        import::SourceKind::Gb18030 => "addressbook.source.gb18030",
        import::SourceKind::Xlsx => "addressbook.source.xlsx",
    };
    let body = html! {
        @if let Some(w) = warning { p.error #preview-warning { (w) } }
        p #preview-source data-source=(preview.source.as_str()) { (office.t(source)) }
        table.list #summary { tbody { @for (id, key, n) in counts { tr {
            th { (office.t(key)) } td id=(id) { (n) }
        } } } }
        @if !preview.bad.is_empty() {
            section.card {
                h2 { (office.t("addressbook.bad")) }
                p.error #import-refused { (office.t("addressbook.fix_and_retry")) }
                (bad_rows(office, &preview.bad))
            }
        }
        @if preview.applicable() {
            form #confirm-form method="post" action="/console/addressbook/apply" {
                (office.csrf_field())
                input type="hidden" name="rows" value=(preview.carried);
                input type="hidden" name="fingerprint" value=(preview.fingerprint);
                div.actions { button #confirm-import type="submit" { (office.t("addressbook.confirm")) } }
            }
        } @else if preview.bad.is_empty() {
            p.notice #nothing-to-do { (office.t("addressbook.nothing")) }
        }
        (rows(office, "new-rows", "addressbook.new", &preview.new))
        (rows(office, "changed-rows", "addressbook.changed", &preview.changed))
        (rows(office, "unchanged-rows", "addressbook.unchanged", &preview.unchanged))
        @if !preview.bad.is_empty() { (upload_form(office)) }
        p { a href="/console/addressbook" { (office.t("common.back")) } }
    };
    page(office, office.t("addressbook.preview_title"), body)
}

fn bad_rows(office: &Office, bad: &[BadRow]) -> Markup {
    html! {
        table.list #bad-rows {
            thead { tr { th { (office.t("addressbook.col.line")) } th { (office.t("addressbook.col.why")) } } }
            tbody { @for b in bad { tr data-line=(b.line) {
                td.line { (b.line) }
                td.why { @if office.lang == Lang::Zh { (b.zh) } @else { (b.en) } }
            } } }
        }
    }
}

fn rows(office: &Office, id: &str, title: &str, planned: &[Planned]) -> Markup {
    if planned.is_empty() {
        return html! {};
    }
    html! {
        section.card {
            h2 { (office.t(title)) }
            table.list id=(id) {
                thead { tr {
                    th { (office.t("addressbook.col.line")) } th { (office.t("common.login")) }
                    th { (office.t("common.name")) } th { (office.t("common.post")) }
                    th { (office.t("addressbook.col.role")) } th { (office.t("common.department")) }
                    th { (office.t("addressbook.col.phone")) }
                    @if id == "changed-rows" { th { (office.t("addressbook.col.fields")) } }
                } }
                tbody { @for p in planned { tr data-line=(p.line) data-login=(p.user.login) {
                    td { (p.line) } td { (p.user.login) } td.name { (p.user.name) } td { (p.user.post) }
                    td { (role(office, p.role)) } td { (p.user.department) } td { (p.user.office_phone) }
                    @if let Action::Changed { fields, .. } = &p.action {
                        td.fields { @for (i, f) in fields.iter().enumerate() {
                            @if i > 0 { "、" } (field(office, f))
                        } }
                    }
                } } }
            }
        }
    }
}

fn role<'a>(office: &'a Office, role: &str) -> &'a str {
    match role {
        "unit_admin" => office.t("addressbook.role.unit_admin"),
        "leader" => office.t("addressbook.role.leader"),
        "secretary" => office.t("addressbook.role.secretary"),
        _ => office.t("addressbook.role.staff"),
    }
}

fn field<'a>(office: &'a Office, name: &str) -> &'a str {
    match name {
        "name" => office.t("common.name"),
        "role" => office.t("addressbook.col.role"),
        "department" => office.t("common.department"),
        _ => office.t("addressbook.col.phone"),
    }
}

#[derive(Deserialize)]
struct Confirm {
    rows: String,
    fingerprint: String,
}

async fn apply(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<Confirm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Administrator)?;
    let actor = office.actor();
    let outcome = import::apply(
        &state.db,
        &actor,
        office.unit(),
        &form.rows,
        &form.fingerprint,
        Utc::now(),
    )
    .await;
    match outcome {
        Ok(applied) => Ok(redirect(&format!(
            "/console/addressbook/result?new={}&changed={}&unchanged={}",
            applied.new, applied.changed, applied.unchanged
        ))),
        // The people changed since the preview: show what the same rows would do now.
        Err(ImportError::Stale) => {
            let preview = import::preview(&state.db, &actor, office.unit(), form.rows.as_bytes())
                .await
                .map_err(|e| refused(&office, e))?;
            let warning = office.t("addressbook.stale");
            Ok(preview_page(&office, &preview, Some(warning)).into_response())
        }
        Err(e) => Err(refused(&office, e)),
    }
}

#[derive(Deserialize)]
struct Counts {
    #[serde(default)]
    new: usize,
    #[serde(default)]
    changed: usize,
    #[serde(default)]
    unchanged: usize,
}

async fn result(
    office: Office,
    Query(counts): Query<Counts>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let line = office
        .t("addressbook.result")
        .replace("{new}", &counts.new.to_string())
        .replace("{changed}", &counts.changed.to_string())
        .replace("{unchanged}", &counts.unchanged.to_string());
    Ok(page(
        &office,
        office.t("addressbook.title"),
        html! {
            p.notice #import-result { (line) }
            p { a #back-to-addressbook href="/console/addressbook" { (office.t("addressbook.current")) } }
        },
    ))
}
