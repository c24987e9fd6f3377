//! What the engine's tests share: starting a run, picking requests, waits and outcomes out of
//! the actions, and the events a driver reports.

#![allow(clippy::unwrap_used)]

use super::*;

pub(super) const CAP: u64 = 300_000;

pub(super) fn start(mode: Mode, outbox: usize, receipts: usize, budget_ms: Option<u64>) -> Event {
    Event::Start(Start {
        mode,
        outbox,
        receipts,
        budget_ms,
    })
}

pub(super) fn sends(actions: &[Action]) -> Vec<Request> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { request, .. } => Some(*request),
            _ => None,
        })
        .collect()
}

pub(super) fn sleep(actions: &[Action]) -> Option<Millis> {
    actions.iter().find_map(|a| match a {
        Action::SleepUntil(at) => Some(*at),
        _ => None,
    })
}

pub(super) fn finished(actions: &[Action]) -> Option<Outcome> {
    actions.iter().find_map(|a| match a {
        Action::Finished(o) => Some(o.clone()),
        _ => None,
    })
}

/// A page applied with nothing queued afterwards.
pub(super) fn page(items: usize, has_more: bool) -> Event {
    page_leaving(items, has_more, 0, 0)
}

/// A page applied with `outbox` commands and `receipts` 回执 still queued afterwards.
pub(super) fn page_leaving(items: usize, has_more: bool, outbox: usize, receipts: usize) -> Event {
    Event::Response(Response::Page {
        items,
        bytes: 1000,
        has_more,
        outbox,
        receipts,
    })
}

pub(super) fn fail(kind: FailureKind) -> Event {
    Event::Failure(Failure::new(kind))
}
