//! Registering a document another unit sent, once signed for, as this unit's own 收文: a copy
//! naming the sender as 来文单位, its files owned by this unit too, and its flow started with one
//! of this unit's definitions, the registrar as initiator.

use super::{received_item, State};
use crate::actor::AdminActor;
use crate::admin::flows::{self, FlowStarted, StartFlow};
use crate::blobs;
use crate::db::Db;
use crate::error::ApiError;
use crate::instances;
use crate::sql::args;
use chrono::{DateTime, Utc};
use qianpi_domain::model::{DocumentKind, Handling, Receiving};

/// Registers a signed-for document as the unit's own 收文 and starts its flow with
/// `definition_id`, the registrar (`actor`) as its initiator. A retry after a crash between the
/// flow's start and the item's update finds the flow and only finishes the update.
pub async fn register(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    item_id: &str,
    definition_id: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let (a, unit, id) = (actor.clone(), unit_id.to_owned(), item_id.to_owned());
    let (instance_id, document, already) = db
        .tx(move |sql| {
            a.check_unit(sql, &unit)?;
            let found = received_item(sql, &unit, &id, State::Received)?;
            // The flow's id is fixed before it starts, so a retry finds it.
            let instance_id = match found.instance_id {
                Some(existing) => existing,
                None => {
                    let fresh = format!("inst-{}", uuid::Uuid::now_v7());
                    sql.execute(
                        "UPDATE exchange_items SET instance_id = ?1 WHERE id = ?2",
                        args![&fresh, &id],
                    )?;
                    fresh
                }
            };
            let already = sql
                .query_opt(
                    "SELECT id FROM instances WHERE id = ?1",
                    args![&instance_id],
                )?
                .is_some();
            let document_id = sql
                .query_one(
                    "SELECT document_id FROM exchange_items WHERE id = ?1",
                    args![&id],
                )?
                .text(0)?;
            let original = instances::load_document(sql, &document_id)?
                .ok_or_else(|| ApiError::internal("an exchanged document is missing"))?;
            // The receiving unit owns the same files from now on (stored once, by hash).
            for (sha256, _) in blobs::document_files(&original) {
                sql.execute(
                    "INSERT INTO blob_owners (sha256, unit_id, media_type)
                     SELECT sha256, ?2, media_type FROM blob_owners
                     WHERE sha256 = ?1 AND unit_id = ?3 ON CONFLICT DO NOTHING",
                    args![sha256, &unit, &original.unit_id],
                )?;
            }
            let mut copy = original.clone();
            copy.id = format!("doc-{}", uuid::Uuid::now_v7());
            copy.unit_id = unit.clone();
            copy.kind = DocumentKind::Incoming;
            copy.from_organ = Some(found.from_unit.1.clone());
            copy.received_at = Some(now.to_rfc3339());
            copy.receiving = Receiving::default();
            copy.handling = Handling::default();
            Ok((instance_id, copy, already))
        })
        .await?;
    if !already {
        let started: FlowStarted = flows::start_flow(
            db,
            actor,
            unit_id,
            StartFlow {
                definition_id: definition_id.to_owned(),
                drafter: actor.actor.clone(),
                document,
                instance_id: Some(instance_id.clone()),
                handlers: Default::default(),
            },
            now,
        )
        .await?;
        if started.instance_id != instance_id {
            return Err(ApiError::internal("the registered flow took another id"));
        }
    }
    let (a, unit, id, instance) = (
        actor.clone(),
        unit_id.to_owned(),
        item_id.to_owned(),
        instance_id.clone(),
    );
    db.tx(move |sql| {
        sql.execute(
            "UPDATE exchange_items SET state = 'registered', acted_by = ?1, acted_at = ?2
             WHERE id = ?3 AND to_unit = ?4",
            args![&a.actor, now.to_rfc3339(), &id, &unit],
        )?;
        a.audit(
            sql,
            Some(&unit),
            "exchange.registered",
            &id,
            serde_json::json!({ "instance": instance }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(instance_id)
}
