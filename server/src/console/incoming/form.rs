//! The registration form as a page: each field with its label, what was entered, and its faults
//! under it (`incoming-<field>-error`), every element id `incoming-<field name>`; the unit's
//! processes with the people of each step, so the registrar knows who receives the document.

use super::super::prelude::*;
use super::handlers;
use crate::office::incoming::{
    genre_value, DefinitionChoice, Field, FieldError, Person, Problem, Registration,
};
use qianpi_domain::model::DocumentGenre;

/// 紧急程度: form value and text key.
const URGENCIES: [(&str, &str); 3] = [
    ("normal", "incoming.urgency.normal"),
    ("urgent", "incoming.urgency.urgent"),
    ("extra_urgent", "incoming.urgency.extra_urgent"),
];

/// 密级: form value and text key.
const SECRECIES: [(&str, &str); 4] = [
    ("none", "incoming.secrecy.none"),
    ("secret", "incoming.secrecy.secret"),
    ("confidential", "incoming.secrecy.confidential"),
    ("top_secret", "incoming.secrecy.top_secret"),
];

/// The text key of a field's label.
pub(super) fn label(field: Field) -> &'static str {
    match field {
        Field::FromOrgan => "incoming.field.from_organ",
        Field::Number => "incoming.field.number",
        Field::Title => "incoming.field.title",
        Field::Urgency => "incoming.field.urgency",
        Field::Secrecy => "incoming.field.secrecy",
        Field::Genre => "incoming.field.genre",
        Field::MadeOn => "incoming.field.made_on",
        Field::ReceivedOn => "incoming.field.received_on",
        Field::CopyNumber => "incoming.field.copy_number",
        Field::Pages => "incoming.field.pages",
        Field::RegistrationNumber => "incoming.field.registration_number",
        Field::Deadline => "incoming.field.deadline",
        Field::Definition => "incoming.field.definition",
        Field::Handlers => "incoming.field.handlers",
        Field::BodyPdf => "incoming.field.body_pdf",
        Field::BodyOfd => "incoming.field.body_ofd",
        Field::Attachments => "incoming.field.attachments",
    }
}

/// The text key of a 文种.
fn genre_key(genre: DocumentGenre) -> &'static str {
    match genre {
        DocumentGenre::Resolution => "incoming.genre.resolution",
        DocumentGenre::Decision => "incoming.genre.decision",
        DocumentGenre::Order => "incoming.genre.order",
        DocumentGenre::Communique => "incoming.genre.communique",
        DocumentGenre::Announcement => "incoming.genre.announcement",
        DocumentGenre::PublicNotice => "incoming.genre.public_notice",
        DocumentGenre::Opinions => "incoming.genre.opinions",
        DocumentGenre::Notice => "incoming.genre.notice",
        DocumentGenre::Bulletin => "incoming.genre.bulletin",
        DocumentGenre::Report => "incoming.genre.report",
        DocumentGenre::Request => "incoming.genre.request",
        DocumentGenre::Reply => "incoming.genre.reply",
        DocumentGenre::Motion => "incoming.genre.motion",
        DocumentGenre::Letter => "incoming.genre.letter",
        DocumentGenre::Minutes => "incoming.genre.minutes",
    }
}

/// Every text key of a choice the form offers (for the tables' test).
#[cfg(test)]
pub(super) fn choice_keys() -> Vec<&'static str> {
    URGENCIES
        .iter()
        .chain(SECRECIES.iter())
        .map(|(_, key)| *key)
        .chain(DocumentGenre::ALL.into_iter().map(genre_key))
        .collect()
}

/// The page: the form with `entered` and, after a refusal, `faults` under their fields.
pub(super) fn page(
    office: &Office,
    definitions: &[DefinitionChoice],
    people: &[Person],
    entered: &Registration,
    faults: &[FieldError],
) -> Html<String> {
    let f = Fields { office, faults };
    let handlers = f.row(Field::Handlers, |_, _| {
        handlers::pickers(office, definitions, people, entered)
    });
    let chose_files =
        entered.body_pdf.is_some() || entered.body_ofd.is_some() || !entered.attachments.is_empty();
    let content = html! {
        @if !faults.is_empty() {
            p.error id="incoming-errors" role="alert" { (office.t("incoming.errors")) }
        }
        form.grid id="incoming-form" method="post" action="/console/incoming/new"
            enctype="multipart/form-data" {
            // The token comes first: the gateway reads it before any other part.
            (office.csrf_field())
            (f.text(Field::FromOrgan, &entered.from_organ, 100, None))
            (f.text(Field::Number, &entered.number, 120, Some("incoming.hint.number")))
            (f.text(Field::Title, &entered.title, 200, None))
            (f.select(Field::Urgency, &entered.urgency, &URGENCIES, false))
            (f.select(Field::Secrecy, &entered.secrecy, &SECRECIES, false))
            p.muted.wide { (office.t("incoming.hint.secrecy")) }
            (f.genre(&entered.genre))
            (f.date(Field::MadeOn, &entered.made_on, false))
            (f.date(Field::ReceivedOn, &entered.received_on, true))
            (f.text(Field::CopyNumber, &entered.copy_number, 6, None))
            (f.number(Field::Pages, &entered.pages))
            (f.text(Field::RegistrationNumber, &entered.registration_number, 50, None))
            (f.date(Field::Deadline, &entered.deadline, false))
            (f.definition(definitions, &entered.definition))
            @if definitions.iter().any(handlers::takes_choice) { (handlers) }
            p.muted.wide { (office.t("incoming.hint.body")) }
            @if chose_files && !faults.is_empty() {
                p.field-error.wide id="incoming-reselect" { (office.t("incoming.hint.reselect")) }
            }
            (f.file(Field::BodyPdf, ".pdf,application/pdf", false))
            (f.file(Field::BodyOfd, ".ofd,application/ofd", false))
            (f.file(Field::Attachments, "", true))
            div.actions {
                button id="incoming-submit" type="submit" { (office.t("incoming.submit")) }
            }
        }
    };
    super::super::page::page(office, office.t("incoming.title"), content)
}

/// Renders the form's fields with their faults.
pub(super) struct Fields<'a> {
    office: &'a Office,
    faults: &'a [FieldError],
}

impl Fields<'_> {
    fn problems(&self, field: Field) -> Vec<Problem> {
        self.faults
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.problem)
            .collect()
    }

    /// The label, the control and the faults under it.
    pub(super) fn row(&self, field: Field, control: impl FnOnce(&str, bool) -> Markup) -> Markup {
        let id = format!("incoming-{}", field.name());
        let problems = self.problems(field);
        html! {
            label for=(id) { (self.office.t(label(field))) }
            (control(&id, !problems.is_empty()))
            @if !problems.is_empty() {
                p.field-error id={ (id) "-error" } {
                    @for (i, problem) in problems.iter().enumerate() {
                        @if i > 0 { " " }
                        span { (self.office.t(problem.key())) }
                    }
                }
            }
        }
    }

    fn text(&self, field: Field, value: &str, max: usize, hint: Option<&str>) -> Markup {
        let placeholder = hint.map(|key| self.office.t(key));
        self.row(field, |id, invalid| {
            html! {
                input id=(id) type="text" name=(field.name()) value=(value)
                    maxlength=(max) placeholder=[placeholder]
                    aria-invalid=[invalid.then_some("true")];
            }
        })
    }

    fn number(&self, field: Field, value: &str) -> Markup {
        self.row(field, |id, invalid| {
            html! {
                input id=(id) type="number" name=(field.name()) value=(value) min="1" max="9999"
                    aria-invalid=[invalid.then_some("true")];
            }
        })
    }

    fn date(&self, field: Field, value: &str, required: bool) -> Markup {
        self.row(field, |id, invalid| {
            html! {
                input id=(id) type="date" name=(field.name()) value=(value) required[required]
                    aria-invalid=[invalid.then_some("true")];
            }
        })
    }

    fn select(&self, field: Field, value: &str, choices: &[(&str, &str)], empty: bool) -> Markup {
        self.row(field, |id, invalid| {
            html! {
                select id=(id) name=(field.name()) aria-invalid=[invalid.then_some("true")] {
                    @if empty { option value="" { (self.office.t("common.none")) } }
                    @for (choice, key) in choices {
                        option value=(choice) selected[*choice == value] { (self.office.t(key)) }
                    }
                }
            }
        })
    }

    fn genre(&self, value: &str) -> Markup {
        let choices: Vec<(String, &str)> = DocumentGenre::ALL
            .into_iter()
            .map(|g| (genre_value(g), genre_key(g)))
            .collect();
        let choices: Vec<(&str, &str)> = choices.iter().map(|(v, k)| (v.as_str(), *k)).collect();
        self.select(Field::Genre, value, &choices, true)
    }

    fn file(&self, field: Field, accept: &str, multiple: bool) -> Markup {
        self.row(field, |id, invalid| {
            html! {
                input id=(id) type="file" name=(field.name())
                    accept=[(!accept.is_empty()).then_some(accept)] multiple[multiple]
                    aria-invalid=[invalid.then_some("true")];
            }
        })
    }

    /// The process to start, and below it each process's steps and their people.
    fn definition(&self, definitions: &[DefinitionChoice], value: &str) -> Markup {
        let office = self.office;
        let control = self.row(Field::Definition, |id, invalid| {
            html! {
                select id=(id) name="definition" required aria-invalid=[invalid.then_some("true")] {
                    @for d in definitions {
                        option value=(d.id) selected[d.id == value] { (d.name) }
                    }
                }
            }
        });
        html! {
            (control)
            @if definitions.is_empty() {
                p.error.wide id="incoming-no-definitions" { (office.t("incoming.no_definitions")) }
            } @else {
                table.list.wide id="incoming-steps" {
                    thead { tr {
                        th { (office.t("incoming.field.definition")) }
                        th { (office.t("incoming.steps")) }
                    } }
                    tbody {
                        @for d in definitions {
                            tr {
                                td { (d.name) }
                                td {
                                    @for (i, step) in d.steps.iter().enumerate() {
                                        @if i > 0 { " → " }
                                        (step.name) "（" (step.handlers.join("、")) "）"
                                        @if step.choice.is_some() {
                                            " " span.badge { (office.t("incoming.handlers.chosen")) }
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
