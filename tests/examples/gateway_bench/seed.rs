//! The gateway's feed at the size P-7 asks for: the bench users, each with a share of the
//! documents in the feed, written through the gateway's own `feed::append_change` (the same path a
//! decided command takes) in big transactions, so the tables and indexes are at that size while
//! the load runs.

use crate::BenchResult;
use chrono::Utc;
use qianpi_core::protocol::Change;
use qianpi_gateway::db::Db;
use qianpi_gateway::sql::args;
use qianpi_gateway::{feed, ApiError};
use std::sync::Arc;

/// Users whose feeds are seeded in one transaction (each with its share of the documents).
const USERS_PER_SEED_TX: usize = 50;

/// Adds `count` staff users to the demo unit, with `per_user` documents in each one's feed (copies
/// of the demo flow's inbox change, each with its own document, instance and task), seeded through
/// the gateway's own `feed::append_change` in transactions of [`USERS_PER_SEED_TX`] users; returns
/// their logins.
pub(crate) async fn create_users(
    db: &Db,
    count: usize,
    per_user: usize,
) -> BenchResult<Vec<String>> {
    let logins: Vec<String> = (0..count).map(|i| format!("bench{i:05}")).collect();
    // The demo leader's first change, read as a phone would get it (whatever the rows hold).
    let template: Change = db
        .once(|sql| {
            feed::page(sql, "user-wang", feed::Cursor::default(), 1)?
                .changes
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::internal("the demo leader's feed is empty"))
        })
        .await
        .map_err(|e| format!("cannot read the demo's inbox change: {}", e.message))?;
    if !matches!(template, Change::Inbox { .. }) {
        return Err("the demo leader's first change is not an inbox entry".into());
    }
    let template = Arc::new(template);
    for (n, chunk) in logins.chunks(USERS_PER_SEED_TX).enumerate() {
        let rows = chunk.to_vec();
        let template = Arc::clone(&template);
        db.tx(move |sql| {
            let now = Utc::now().to_rfc3339();
            for login in &rows {
                let user_id = format!("user-{login}");
                sql.execute(
                    "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                     VALUES (?1, 'unit-sxnyt', ?2, ?3, '科员', 'staff', '{}', ?4)",
                    args![&user_id, login, format!("测试用户{login}"), &now],
                )?;
                for i in 0..per_user {
                    feed::append_change(sql, &user_id, &document_copy(&template, login, i))?;
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| format!("cannot create the bench users: {}", e.message))?;
        if (n + 1) % 4 == 0 {
            eprintln!(
                "[bench]     {} users seeded",
                ((n + 1) * USERS_PER_SEED_TX).min(count)
            );
        }
    }
    Ok(logins)
}

/// The template inbox change as the `i`-th document of `login`'s feed: its own document,
/// instance and task ids, so the feed holds that many distinct documents (the feed keeps only the
/// newest change of an item, and the gateway may store a document once however many feeds name it).
fn document_copy(template: &Change, login: &str, i: usize) -> Change {
    let mut change = template.clone();
    if let Change::Inbox { entry } = &mut change {
        let suffix = format!("-{login}-{i}");
        entry.task_id.push_str(&suffix);
        entry.document.id.push_str(&suffix);
        entry.instance.id.push_str(&suffix);
        entry.instance.document_id.push_str(&suffix);
    }
    change
}

/// The rows the gateway holds once seeded: changes in all feeds, and the bench users' share.
pub(crate) async fn feed_size(db: &Db) -> BenchResult<(i64, i64)> {
    db.once(|sql| {
        let all = sql
            .query_one("SELECT COUNT(*) FROM changes", args![])?
            .int(0)?;
        let bench = sql
            .query_one(
                "SELECT COUNT(*) FROM changes WHERE user_id LIKE 'user-bench%'",
                args![],
            )?
            .int(0)?;
        Ok((all, bench))
    })
    .await
    .map_err(|e| format!("cannot count the feed: {}", e.message))
}
