//! The registrar's choice of handlers on the registration form: for each process with steps whose
//! handlers are chosen at registration, one group of pickers (`incoming-handlers-<definition>`),
//! a step per row: one person, several at once, or several one after another in numbered places.
//! Every process's group is in the form (it works without scripts); only the chosen process's
//! choices count, and `console.js` hides the other groups. The process's suggestions are
//! preselected on a fresh form; after a refusal, what was chosen.

use super::super::prelude::*;
use crate::office::incoming::{
    ChoiceKind, DefinitionChoice, Person, Registration, Step, HANDLERS_FIELD,
};

/// Places offered for a step handled one after another.
pub const IN_ORDER_PLACES: usize = 5;

/// Whether the registrar chooses handlers for some step of `definition`.
pub(super) fn takes_choice(definition: &DefinitionChoice) -> bool {
    definition.steps.iter().any(|s| s.choice.is_some())
}

/// Every process's group of pickers.
pub(super) fn pickers(
    office: &Office,
    definitions: &[DefinitionChoice],
    people: &[Person],
    entered: &Registration,
) -> Markup {
    html! {
        div.wide id="incoming-handlers" {
            p.muted { (office.t("incoming.handlers.hint")) }
            @for d in definitions.iter().filter(|d| takes_choice(d)) {
                fieldset.handlers id={ "incoming-handlers-" (d.id) } data-definition=(d.id) {
                    legend { (d.name) }
                    @for step in &d.steps {
                        @if step.choice.is_some() {
                            (step_picker(office, d, step, people, entered))
                        }
                    }
                }
            }
        }
    }
}

/// One step's picker.
fn step_picker(
    office: &Office,
    definition: &DefinitionChoice,
    step: &Step,
    people: &[Person],
    entered: &Registration,
) -> Markup {
    let Some(choice) = &step.choice else {
        return html! {};
    };
    let name = format!("{HANDLERS_FIELD}{}/{}", definition.id, step.node_id);
    let id = format!("incoming-handlers-{}-{}", definition.id, step.node_id);
    // A fresh form shows the process's suggestion; a refused one what was sent.
    let chosen: Vec<&str> = if entered.handlers.is_empty() {
        choice.suggested.iter().map(String::as_str).collect()
    } else {
        entered
            .handlers
            .iter()
            .filter(|(field, user)| *field == name && !user.trim().is_empty())
            .map(|(_, user)| user.trim())
            .collect()
    };
    let options = |selected: &dyn Fn(&str) -> bool| {
        html! {
            @for p in people {
                option value=(p.id) selected[selected(&p.id)] { (p.label) }
            }
        }
    };
    html! {
        div.step-handlers id=(id) {
            label for={ (id) "-1" } { (step.name) }
            @match choice.kind {
                ChoiceKind::One => {
                    select id={ (id) "-1" } name=(name) {
                        option value="" { (office.t("common.none")) }
                        (options(&|p| chosen.first() == Some(&p)))
                    }
                }
                ChoiceKind::Several => {
                    select id={ (id) "-1" } name=(name) multiple size="6" {
                        (options(&|p| chosen.contains(&p)))
                    }
                    span.muted { (office.t("incoming.handlers.several")) }
                }
                ChoiceKind::InOrder => {
                    span.muted { (office.t("incoming.handlers.in_order")) }
                    @for place in 0..IN_ORDER_PLACES {
                        select id={ (id) "-" (place + 1) } name=(name)
                            aria-label=(office.t("incoming.handlers.position")
                                .replace("{n}", &(place + 1).to_string())) {
                            option value="" { (office.t("common.none")) }
                            (options(&|p| chosen.get(place) == Some(&p)))
                        }
                    }
                }
            }
        }
    }
}
