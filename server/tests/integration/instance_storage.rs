//! Instances and documents are stored deflated: a database whose rows hold their JSON plain, as
//! gateways wrote them before, is converted in place when a newer gateway opens it and serves the
//! same instances and documents; a conversion stopped half-way serves the same from rows of both
//! forms and is finished by the next start; a decision saved on a converted instance reads back.
//! Runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use qianpi_gateway::admin;
use qianpi_gateway::db::{encode, Db};
use qianpi_gateway::error::ApiError;
use qianpi_gateway::instances::{self, load_instance};
use qianpi_gateway::sql::{args, Sql};

/// Instances beside the demo's.
const COPIES: usize = 9;

/// A database seeded as `qianpi-gateway demo` does, with [`COPIES`] more instances of the demo's
/// flow, every instance row then written as gateways wrote them before (the JSON in `body`).
/// Returns the database, each instance's id with its JSON, and the demo document's.
fn old_form_database(dir: &std::path::Path) -> (support::Database, Vec<(String, String)>, String) {
    let database = support::Database::new(dir);
    let (db, _) = Db::open(&database.location).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(admin::demo::seed(&db))
        .unwrap();
    let expected = db
        .tx_blocking(|sql| {
            let flow = load_instance(sql, admin::demo::INSTANCE, false)?.unwrap();
            let mut expected = vec![(flow.instance.id.clone(), encode(&flow.instance)?)];
            for n in 0..COPIES {
                let mut instance = flow.instance.clone();
                instance.id = format!("inst-copy-{n}");
                instance.version = n as u64 + 1;
                instance.initiator = format!("user-{n}");
                expected.push((instance.id.clone(), encode(&instance)?));
                sql.execute(
                    "INSERT INTO instances (id, unit_id, document_id, definition_id, version, body)
                     SELECT ?1, unit_id, document_id, definition_id, ?2, '' FROM instances
                     WHERE id = ?3",
                    args![instance.id.as_str(), n as i64 + 1, admin::demo::INSTANCE],
                )?;
            }
            for (id, json) in &expected {
                sql.execute(
                    "UPDATE instances SET body = ?2, packed = NULL WHERE id = ?1",
                    args![id.as_str(), json.as_str()],
                )?;
            }
            let document = encode(&flow.document)?;
            sql.execute(
                "UPDATE documents SET body = ?2, packed = NULL WHERE id = ?1",
                args![flow.document.id.as_str(), document.as_str()],
            )?;
            Ok((expected, document))
        })
        .unwrap();
    (database, expected.0, expected.1)
}

/// The demo document as the gateway reads it, alone and with its flow.
fn demo_document(db: &Db) -> (String, String) {
    db.tx_blocking(|sql| {
        let flow = load_instance(sql, admin::demo::INSTANCE, false)?.unwrap();
        let alone = instances::load_document(sql, &flow.document.id)?.unwrap();
        Ok((encode(&alone)?, encode(&flow.document)?))
    })
    .unwrap()
}

fn count(sql: &mut dyn Sql, query: &str) -> Result<i64, ApiError> {
    Ok(sql.query_one(query, args![])?.int(0)?)
}

/// Instance and document rows still holding their JSON plain.
fn unconverted(db: &Db) -> (i64, i64) {
    db.tx_blocking(|sql| {
        Ok((
            count(sql, "SELECT COUNT(*) FROM instances WHERE body <> ''")?,
            count(sql, "SELECT COUNT(*) FROM documents WHERE body <> ''")?,
        ))
    })
    .unwrap()
}

/// Each instance as the gateway reads it, one by one and unit by unit, is the one stored.
fn assert_same_instances(db: &Db, expected: &[(String, String)]) {
    for (id, json) in expected {
        let flow = db
            .tx_blocking(|sql| load_instance(sql, id, false))
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is gone"));
        assert_eq!(
            &encode(&flow.instance).unwrap(),
            json,
            "{id} reads differently"
        );
    }
    let mut listed: Vec<String> = db
        .tx_blocking(|sql| instances::unit_instances(sql, "unit-sxnyt"))
        .unwrap()
        .iter()
        .map(|instance| encode(instance).unwrap())
        .collect();
    let mut stored: Vec<String> = expected.iter().map(|(_, json)| json.clone()).collect();
    listed.sort();
    stored.sort();
    assert!(listed == stored, "the unit's instances read differently");
}

#[test]
fn plain_instances_are_deflated_in_place_and_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (database, expected, document) = old_form_database(dir.path());
    let plain: usize = expected.iter().map(|(_, json)| json.len()).sum();
    let (db, new) = Db::open(&database.location).unwrap();
    assert!(!new);
    assert_eq!(unconverted(&db), (0, 0), "every row is converted at start");
    assert_same_instances(&db, &expected);
    assert_eq!(demo_document(&db), (document.clone(), document));
    let packed = db
        .tx_blocking(|sql| {
            count(
                sql,
                "SELECT COALESCE(SUM(octet_length(packed)), 0) FROM instances",
            )
        })
        .unwrap() as usize;
    eprintln!("instances: {plain} bytes of JSON, {packed} stored");
    // Even the demo's small instances (≈ 500 bytes of JSON each) shrink by a third.
    assert!(packed * 3 < plain * 2, "{packed} bytes stored for {plain}");

    // A decision on a converted instance is saved and read back.
    let flow = db
        .tx_blocking(|sql| load_instance(sql, admin::demo::INSTANCE, true))
        .unwrap()
        .unwrap();
    let mut next = flow.instance.clone();
    next.version += 1;
    next.jump_back = Some("拟办".into());
    db.tx_blocking(|sql| instances::save_instance(sql, &next, &flow.definition, &flow.document))
        .unwrap();
    drop(db);
    let (db, _) = Db::open(&database.location).unwrap();
    let saved = db
        .tx_blocking(|sql| load_instance(sql, admin::demo::INSTANCE, false))
        .unwrap()
        .unwrap();
    assert_eq!(encode(&saved.instance).unwrap(), encode(&next).unwrap());
    assert_eq!(
        unconverted(&db),
        (0, 0),
        "a decision stores its instance deflated"
    );
}

#[test]
fn a_conversion_stopped_half_way_reads_the_same_and_the_next_start_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (database, expected, document) = old_form_database(dir.path());
    let total = expected.len() as i64;
    // A batch whose transaction fails converts nothing; one committed batch converts its rows;
    // the rows of both forms read the same.
    // What a gateway killed right after the migrations leaves: nothing converted. Opening
    // converts everything, so the old form is written back over its result.
    let db = {
        let (db, _) = Db::open(&database.location).unwrap();
        db.tx_blocking(|sql| {
            for (id, json) in &expected {
                sql.execute(
                    "UPDATE instances SET body = ?2, packed = NULL WHERE id = ?1",
                    args![id.as_str(), json.as_str()],
                )?;
            }
            sql.execute(
                "UPDATE documents SET body = ?1, packed = NULL
                 WHERE id = (SELECT document_id FROM instances WHERE id = ?2)",
                args![document.as_str(), admin::demo::INSTANCE],
            )?;
            Ok(())
        })
        .unwrap();
        db
    };
    assert_eq!(unconverted(&db), (total, 1));
    assert_same_instances(&db, &expected);
    assert_eq!(demo_document(&db), (document.clone(), document.clone()));
    let failed = db.tx_blocking(|sql| -> Result<(), ApiError> {
        assert_eq!(instances::convert_batch(sql, 4)?, 4);
        Err(ApiError::internal("the gateway stopped mid-batch"))
    });
    assert!(failed.is_err());
    assert_eq!(unconverted(&db), (total, 1));
    assert_eq!(
        db.tx_blocking(|sql| instances::convert_batch(sql, 4))
            .unwrap(),
        4
    );
    assert_eq!(unconverted(&db), (total - 4, 1));
    assert_same_instances(&db, &expected);
    // A batch reaching past the instances goes on with the documents.
    let rest = total as usize - 4;
    assert_eq!(
        db.tx_blocking(|sql| instances::convert_batch(sql, rest))
            .unwrap(),
        rest
    );
    assert_eq!(unconverted(&db), (0, 1));
    assert_eq!(
        db.tx_blocking(|sql| instances::convert_batch(sql, rest))
            .unwrap(),
        1
    );
    assert_eq!(unconverted(&db), (0, 0));
    assert_same_instances(&db, &expected);
    assert_eq!(demo_document(&db), (document.clone(), document.clone()));
    // Written back plain over the converted rows, as a gateway stopped before the conversion
    // left them, the next start converts them all again.
    db.tx_blocking(|sql| {
        for (id, json) in &expected[..3] {
            sql.execute(
                "UPDATE instances SET body = ?2, packed = NULL WHERE id = ?1",
                args![id.as_str(), json.as_str()],
            )?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(unconverted(&db), (3, 0));
    drop(db);

    // The next start converts the rest.
    let (db, _) = Db::open(&database.location).unwrap();
    assert_eq!(unconverted(&db), (0, 0));
    assert_same_instances(&db, &expected);
    assert_eq!(demo_document(&db), (document.clone(), document));
    let packed = db
        .tx_blocking(|sql| {
            count(
                sql,
                "SELECT COUNT(*) FROM instances WHERE packed IS NOT NULL",
            )
        })
        .unwrap();
    assert_eq!(packed, total);
}
