//! The wire JSON each side reads from the other, decoded as the receiving side decodes it
//! (`serde_json` into the shared protocol types), then taken one step further where that side
//! does: keys in an activation, signed records in a batch, signed statements in an answer.
//!
//! Invariant: whatever decodes re-encodes to JSON that decodes to the same value, so what one
//! side stores or forwards the other reads back unchanged.

use crate::keys::HarnessKey;
use crate::Outcome;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_protocol::crypto;
use qianpi_protocol::{
    page_checksum, ActivateRequest, ActivateResponse, Change, CommandBatch, ErrorBody,
    PushResponse, ReceiptBatch, ReceiptResponse, SyncPage,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// Decodes `data` as `T`; on success checks the JSON round trip and runs `then` on the value.
fn decode<T>(data: &[u8], then: impl FnOnce(&T) -> Outcome) -> Outcome
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let value: T = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    let again = serde_json::to_vec(&value)
        .map_err(|e| e.to_string())
        .and_then(|json| serde_json::from_slice::<T>(&json).map_err(|e| e.to_string()));
    match again {
        Ok(again) if again == value => then(&value),
        Ok(again) => Outcome::Broken(format!("JSON round trip changed {value:?} into {again:?}")),
        Err(error) => Outcome::Broken(format!("a decoded value does not re-decode: {error}")),
    }
}

/// Request bodies the gateway reads.
pub fn gateway(data: &[u8]) -> Outcome {
    let key = HarnessKey::shared();
    Outcome::worst([
        decode::<ActivateRequest>(data, |request| {
            // The gateway takes both keys as base64 SPKI of a P-256 point.
            Outcome::worst(
                [&request.request_key_spki, &request.approval_key_spki].map(|spki| {
                    let der = STANDARD.decode(spki).map_err(|e| e.to_string());
                    Outcome::of(der.and_then(|der| {
                        crypto::p256_point_from_spki(&der)
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }))
                }),
            )
        }),
        decode::<CommandBatch>(data, |batch| {
            let verified = batch.commands.iter().map(|command| match key {
                Some(key) => {
                    let _ = command.record_hash();
                    Outcome::of(command.verify(&key.spki))
                }
                None => Outcome::Broken("the harness key does not load".into()),
            });
            Outcome::worst(verified.chain([Outcome::Accepted]))
        }),
        decode::<ReceiptBatch>(data, |_| Outcome::Accepted),
    ])
}

/// Answers the phone reads.
pub fn phone(data: &[u8]) -> Outcome {
    let Some(key) = HarnessKey::shared() else {
        return Outcome::Broken("the harness key does not load".into());
    };
    let gateway = key.gateway_public();
    Outcome::worst([
        decode::<SyncPage>(data, |page| {
            let _ = page_checksum(&page.changes);
            let checkpoint = page.checkpoint.as_ref().map(|c| {
                let _ = c.hash();
                Outcome::of(c.verify(gateway))
            });
            let changes = page.changes.iter().map(|change| match change {
                Change::Notice { signed, .. } => Outcome::of(signed.verify(gateway)),
                Change::Verdict { verdict } => match &verdict.receipt {
                    Some(receipt) => Outcome::of(receipt.verify(gateway)),
                    None => Outcome::Accepted,
                },
                Change::Inbox { .. } | Change::Receipt { .. } => Outcome::Accepted,
            });
            Outcome::worst(
                checkpoint
                    .into_iter()
                    .chain(changes)
                    .chain([Outcome::Accepted]),
            )
        }),
        decode::<PushResponse>(data, |response| {
            Outcome::worst(
                response
                    .verdicts
                    .iter()
                    .filter_map(|verdict| verdict.receipt.as_ref())
                    .map(|receipt| Outcome::of(receipt.verify(gateway)))
                    .chain([Outcome::Accepted]),
            )
        }),
        decode::<ReceiptResponse>(data, |_| Outcome::Accepted),
        decode::<ActivateResponse>(data, |response| {
            Outcome::of(response.gateway_key.spki_der())
        }),
        decode::<ErrorBody>(data, |body| match &body.wipe {
            Some(wipe) => Outcome::of(wipe.verify(gateway)),
            None => Outcome::Accepted,
        }),
    ])
}
