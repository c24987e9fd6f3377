//! The properties every simulated day must keep (sync.md, "How it is tested"), checked at its
//! end against the gateway's committed state and each phone's store and ledger: every command
//! queued reaches exactly one verdict, the same on the phone and at the gateway; none was applied
//! twice; none was lost across crashes (the outbox is empty and nothing the person queued is
//! missing); the phone's cursor stands at the head of its feed, every item of which it applied
//! exactly once (no page twice); refused commands are kept with their reason; every 回执 reached
//! the gateway. What the loop itself saw (two requests in flight, a busy engine, conflicting
//! verdicts, an unknown cursor) comes along.

use super::world::World;
use std::collections::BTreeSet;

/// Every property broken in `world`, in words.
pub(crate) fn broken(world: &World) -> Vec<String> {
    let mut broken = world.violations.clone();
    let twice = world.gateway.applied_twice();
    if !twice.is_empty() {
        broken.push(format!("applied twice at the gateway: {twice:?}"));
    }
    for phone in &world.phones {
        let store = &phone.store;
        let device = &store.device;
        let ledger: BTreeSet<&String> = phone.ledger.iter().collect();
        if ledger.len() != phone.ledger.len() {
            broken.push(format!("{device}: two queued commands share an id"));
        }
        for id in &phone.ledger {
            match (store.verdicts.get(id), world.gateway.verdict(id)) {
                (Some(mine), Some(theirs)) if mine == theirs => {}
                (Some(mine), Some(theirs)) => broken.push(format!(
                    "{device}: {id} has {mine:?} on the phone but {theirs:?} at the gateway"
                )),
                (None, Some(_)) => broken.push(format!(
                    "{device}: {id} was decided, the phone never learned it"
                )),
                (Some(mine), None) => broken.push(format!(
                    "{device}: {id} has {mine:?} on the phone, no verdict at the gateway"
                )),
                (None, None) => broken.push(format!("{device}: {id} never reached a verdict")),
            }
            let refused = store.verdicts.get(id).and_then(|v| v.refused.as_ref());
            if refused != store.refused.get(id) {
                broken.push(format!(
                    "{device}: {id} refused but not kept with its reason"
                ));
            }
        }
        for id in world.gateway.verdicts_of(device).keys() {
            if !ledger.contains(id) {
                broken.push(format!("{device}: the gateway decided {id}, never queued"));
            }
        }
        // Every 回执 reached the gateway, and nothing else of this device's.
        let prefix = format!("{device}-receipt-");
        let taken: BTreeSet<String> = world
            .gateway
            .receipts_of(&store.user)
            .into_iter()
            .filter(|r| r.starts_with(&prefix))
            .collect();
        let caused: BTreeSet<String> = phone.receipt_ledger.iter().cloned().collect();
        if !store.receipts.is_empty() || taken != caused {
            broken.push(format!(
                "{device}: {} 回执 still queued, {} of {} taken by the gateway",
                store.receipts.len(),
                taken.intersection(&caused).count(),
                caused.len()
            ));
        }
        if !store.outbox.is_empty() {
            let ids: Vec<&str> = store.outbox.iter().map(|c| c.id.as_str()).collect();
            broken.push(format!("{device}: outbox not empty at the end: {ids:?}"));
        }
        // Each page applied once: every item of the feed landed exactly once.
        let others = world.gateway.others(&store.user);
        if store.others != others {
            broken.push(format!(
                "{device}: {} items applied for the {others} of its feed",
                store.others
            ));
        }
        let head = world.gateway.head(&store.user);
        if store.cursor != head {
            broken.push(format!(
                "{device}: cursor {} is not the head of the feed {head}",
                store.cursor
            ));
        }
    }
    broken
}
