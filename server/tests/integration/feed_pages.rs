//! The feed's page at scale: each lane's select is served by the `(user_id, lane, seq)` index in
//! seq order, with no sort (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), and the pages
//! read lane by lane are exactly those of the single select over all lanes they replaced — the
//! same changes, cursor and `has_more` — across cuts by count and by size, from any cursor.
//! Runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use qianpi_domain::model::RecipientStatus;
use qianpi_gateway::db::{decode, encode, Db};
use qianpi_gateway::error::ApiError;
use qianpi_gateway::feed::{self, lane_bodies_sql, lane_sizes_sql, Cursor, MAX_PAGE_BYTES};
use qianpi_gateway::sql::{args, Dialect, Sql, Value};
use qianpi_protocol::{Change, NoticeStatus};

const USER: &str = "user-feed";

/// A new database with one unit and two people (the second's feed sits beside the first's in
/// the same index, as in a real gateway).
fn database(dir: &tempfile::TempDir) -> Db {
    let location = support::Database::new(dir.path()).location;
    let (db, _) = Db::open(&location).unwrap();
    db.tx_blocking(|sql| {
        sql.execute(
            "INSERT INTO units (id, name, organ_code, created_at) VALUES ('unit-f', 'F', 'F', '')",
            args![],
        )?;
        for user in [USER, "user-other"] {
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, 'unit-f', ?1, ?1, '', 'member', '[]', '')",
                args![user],
            )?;
        }
        Ok(())
    })
    .unwrap();
    db
}

/// A small deterministic generator, so a failing feed can be rebuilt from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A change whose JSON is about `padding` bytes longer than a bare one.
fn change(n: u64, padding: usize) -> Change {
    Change::Receipt {
        status: NoticeStatus {
            notice_id: format!("notice-{n}-{}", "x".repeat(padding)),
            user_id: USER.into(),
            status: RecipientStatus::default(),
        },
    }
}

/// Writes `rows` (seq, lane, body) into `user`'s feed with its head at `head`, as the feed
/// stores them: compaction leaves gaps in the numbers, and any lane may hold any number.
fn fill(db: &Db, user: &str, rows: &[(i64, i64, String)], head: i64) {
    let user = user.to_owned();
    let rows = rows.to_vec();
    db.tx_blocking(move |sql| {
        for (seq, lane, body) in &rows {
            sql.execute(
                "INSERT INTO changes (user_id, seq, lane, item_key, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                args![user.as_str(), *seq, *lane, format!("item:{seq}"), body.as_str()],
            )?;
        }
        sql.execute(
            "INSERT INTO feed_heads (user_id, last_seq) VALUES (?1, ?2)",
            args![user.as_str(), head],
        )?;
        Ok(())
    })
    .unwrap();
}

/// A random feed of `count` changes over the four lanes; with `large`, some large enough that a
/// page is cut by size before it is by count. Returns the head.
fn random_feed(db: &Db, user: &str, rng: &mut Rng, count: usize, large: bool) -> i64 {
    let mut seq = 0;
    let mut rows = Vec::new();
    for _ in 0..count {
        seq += 1 + rng.below(3) as i64;
        let padding = match rng.below(10) {
            _ if !large => rng.below(200) as usize,
            0 => MAX_PAGE_BYTES / 3 + rng.below(MAX_PAGE_BYTES as u64 / 2) as usize,
            1 => MAX_PAGE_BYTES + 10,
            _ => rng.below(200) as usize,
        };
        let lane = rng.below(4) as i64;
        rows.push((seq, lane, encode(&change(seq as u64, padding)).unwrap()));
    }
    let head = seq + rng.below(3) as i64;
    fill(db, user, &rows, head);
    head
}

/// The page as the single select over all lanes served it before pages were read lane by lane:
/// the reference the lane-by-lane page must equal.
fn single_select_page(
    sql: &mut dyn Sql,
    user_id: &str,
    cursor: &str,
    limit: usize,
) -> Result<(Vec<Change>, String, bool), ApiError> {
    let head = feed::head(sql, user_id)?;
    let parsed = Cursor::parse(cursor)?;
    if parsed.has_seen(head) {
        return Ok((Vec::new(), parsed.to_string(), false));
    }
    let mut lanes = [0i64; 4];
    for (slot, part) in lanes.iter_mut().zip(parsed.to_string()[3..].split('.')) {
        *slot = part.parse().unwrap();
    }
    let mut params: Vec<Value> = vec![Value::from(user_id), Value::Int(head)];
    params.extend(lanes.map(Value::Int));
    params.push(Value::Int(limit as i64 + 1));
    let rows = sql.query(
        "SELECT seq, lane, body FROM changes WHERE user_id = ?1 AND seq <= ?2
           AND ((lane = 0 AND seq > ?3) OR (lane = 1 AND seq > ?4)
             OR (lane = 2 AND seq > ?5) OR (lane = 3 AND seq > ?6))
         ORDER BY lane, seq LIMIT ?7",
        &params,
    )?;
    let mut next = lanes;
    let mut changes = Vec::new();
    let mut bytes = 0usize;
    let mut cut_at = None;
    for row in &rows {
        let lane = row.int(1)? as usize;
        let body = row.text(2)?;
        if changes.len() == limit || (!changes.is_empty() && bytes + body.len() > MAX_PAGE_BYTES) {
            cut_at = Some(lane);
            break;
        }
        bytes += body.len();
        next[lane] = row.int(0)?;
        changes.push(decode::<Change>(&body)?);
    }
    for position in next.iter_mut().take(cut_at.unwrap_or(4)) {
        *position = (*position).max(head);
    }
    let [a, b, c, d] = next;
    Ok((changes, format!("v2.{a}.{b}.{c}.{d}"), cut_at.is_some()))
}

#[test]
fn pages_read_lane_by_lane_equal_the_single_select_they_replace() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir);
    let mut rng = Rng(0x5eed_f00d_cafe_0001);
    let head = random_feed(&db, USER, &mut rng, 120, true);
    random_feed(&db, "user-other", &mut rng, 30, true);
    let mut pages = 0;
    for limit in [1usize, 2, 3, 7, 50, 500] {
        // From the start to the end, and from cursors part-way in each lane.
        let mut starts = vec![String::new()];
        for _ in 0..6 {
            let lanes: Vec<String> = (0..4)
                .map(|_| rng.below(head as u64 + 2).to_string())
                .collect();
            starts.push(format!("v2.{}", lanes.join(".")));
        }
        starts.push(head.to_string());
        for start in starts {
            let mut cursor = start.clone();
            let mut walked = 0;
            loop {
                let (reference, page) = db
                    .tx_blocking(|sql| {
                        let reference = single_select_page(sql, USER, &cursor, limit)?;
                        let page = feed::page(sql, USER, Cursor::parse(&cursor)?, limit)?;
                        Ok((reference, page))
                    })
                    .unwrap();
                let ours = (page.changes, page.next.to_string(), page.has_more);
                assert_eq!(ours, reference, "limit {limit}, from {start}, at {cursor}");
                assert!(
                    !ours.0.is_empty() || !ours.2,
                    "an empty page must be the last"
                );
                pages += 1;
                walked += ours.0.len();
                cursor = ours.1;
                if !ours.2 {
                    break;
                }
            }
            if start.is_empty() {
                assert_eq!(
                    walked, 120,
                    "a walk from the start returns every change once"
                );
            }
        }
    }
    assert!(pages > 300, "{pages} pages compared");
}

/// The plan of `statement` with these arguments, one line per step.
fn plan(db: &Db, statement: &str, arguments: Vec<Value>) -> String {
    let explain = match db.dialect() {
        Dialect::Sqlite => format!("EXPLAIN QUERY PLAN {statement}"),
        Dialect::Postgres => format!("EXPLAIN {statement}"),
    };
    let column = match db.dialect() {
        Dialect::Sqlite => 3,
        Dialect::Postgres => 0,
    };
    db.tx_blocking(|sql| {
        let rows = sql.query(&explain, &arguments)?;
        Ok(rows
            .iter()
            .map(|row| row.text(column))
            .collect::<Result<Vec<_>, _>>()?
            .join("\n"))
    })
    .unwrap()
}

#[test]
fn each_lane_select_walks_the_lane_index_in_order_without_a_sort() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir);
    // Enough rows that PostgreSQL's planner, with fresh statistics, weighs a scan of the whole
    // table; SQLite plans without statistics, as a gateway's file has none.
    let mut rng = Rng(0x0dd_ba11_0002);
    let head = random_feed(&db, USER, &mut rng, 3000, false);
    random_feed(&db, "user-other", &mut rng, 3000, false);
    if db.dialect() == Dialect::Postgres {
        db.tx_blocking(|sql| Ok(sql.batch("ANALYZE changes")?))
            .unwrap();
    }
    for lane in 0..4i64 {
        let sizes = lane_sizes_sql(db.dialect());
        for statement in [sizes, lane_bodies_sql(db.dialect())] {
            let arguments = if statement == sizes {
                args![USER, lane, 100i64, head, 51i64].to_vec()
            } else {
                args![USER, lane, 100i64, 400i64].to_vec()
            };
            let plan = plan(&db, statement, arguments);
            assert!(plan.contains("changes_by_lane"), "lane {lane}:\n{plan}");
            match db.dialect() {
                Dialect::Sqlite => {
                    assert!(plan.contains("USING INDEX changes_by_lane (user_id=? AND lane=? AND seq>? AND seq<?)"), "{plan}");
                    assert!(!plan.contains("TEMP B-TREE"), "lane {lane}:\n{plan}");
                }
                Dialect::Postgres => {
                    assert!(plan.contains("Index Scan using changes_by_lane"), "{plan}");
                    assert!(!plan.contains("Sort"), "lane {lane}:\n{plan}");
                    assert!(!plan.contains("Seq Scan"), "lane {lane}:\n{plan}");
                }
            }
        }
    }
}
