//! P-1: applying pulled changes, against a bare bulk insert of the same rows.

use super::*;

/// P-1.
pub(crate) fn apply_rate(defs: &Definitions, tmp: &Path) {
    eprintln!("P-1: generating {P1_ENTRIES} entries …");
    let pages: Vec<SyncPage> = (0..P1_ENTRIES)
        .step_by(PAGE)
        .map(|start| page(defs, start..(start + PAGE).min(P1_ENTRIES)))
        .collect();
    let key = DataKey::generate().expect("random key");
    let path = tmp.join("p1.db");
    let mut store = Store::open(&path, &key).expect("a fresh store");
    store.save_account(&account(), 0).expect("account");
    let now = t0() + Duration::days(400);
    eprintln!("P-1: applying {} pages of {PAGE} …", pages.len());
    let start = Instant::now();
    for page in &pages {
        store.apply_page_at(page, now).expect("apply");
    }
    let applied = start.elapsed();
    drop(store);

    // What was written, and a copy of it for the reference.
    let conn = open_raw(&path, &key);
    let db_bytes: i64 = conn
        .query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )
        .expect("database size");
    let mut rows = 0u64;
    let mut per_table = Vec::new();
    let mut copy: Vec<(&str, usize, Vec<Vec<Value>>)> = Vec::new();
    for table in FEED_TABLES {
        let n = count(&conn, table);
        rows += n;
        per_table.push(format!("\"{table}\": {n}"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .expect("select");
        let columns = stmt.column_count();
        let data: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..columns).map(|c| r.get::<_, Value>(c)).collect())
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        copy.push((table, columns, data));
    }
    drop(conn);
    let rate = rows as f64 / applied.as_secs_f64();
    eprintln!(
        "P-1: {rows} rows in {:.0} ms: {rate:.0} rows/s",
        ms(applied)
    );

    // Reference: the same rows, one transaction, prepared statements, same schema and settings.
    let ref_path = tmp.join("p1-reference.db");
    drop(Store::open(&ref_path, &key).expect("the schema"));
    let mut conn = open_raw(&ref_path, &key);
    let start = Instant::now();
    let tx = conn.transaction().expect("transaction");
    for (table, columns, data) in &copy {
        let marks = (1..=*columns)
            .map(|c| format!("?{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = tx
            .prepare(&format!("INSERT INTO {table} VALUES ({marks})"))
            .expect("insert");
        for row in data {
            stmt.execute(params_from_iter(row.iter())).expect("insert");
        }
    }
    tx.commit().expect("commit");
    let reference_time = start.elapsed();
    let reference = rows as f64 / reference_time.as_secs_f64();
    let written: u64 = FEED_TABLES.iter().map(|t| count(&conn, t)).sum();
    assert_eq!(written, rows, "the reference wrote the same rows");
    eprintln!(
        "P-1 reference: {rows} rows in {:.0} ms: {reference:.0} rows/s",
        ms(reference_time)
    );
    line(
        "store_apply_pulled_changes",
        rate,
        "rows/s",
        Some(reference),
        &[
            ("entries", P1_ENTRIES.to_string()),
            ("page_size", PAGE.to_string()),
            ("rows", rows.to_string()),
            ("apply_ms", format!("{:.0}", ms(applied))),
            ("reference_ms", format!("{:.0}", ms(reference_time))),
            ("rows_per_table", format!("{{{}}}", per_table.join(", "))),
            ("db_mb", format!("{:.0}", db_bytes as f64 / 1e6)),
        ],
    );
}
