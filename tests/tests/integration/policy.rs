//! A unit's offline policy: set through the admin API (checked, versioned, audited, one unit only)
//! and delivered to phones in the signed checkpoint of their next pull, which otherwise stays the
//! same for a few minutes.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_core::protocol::Checkpoint;
use qianpi_gateway::admin::demo;
use qianpi_gateway::sql::args;
use qianpi_tests::admin_api::{operator, post, put};
use qianpi_tests::{pull, Harness, Phone};
use serde_json::{json, Value};

async fn put_policy(harness: &Harness, token: &str, unit: &str, body: Value) -> (u16, Value) {
    put(harness, token, &format!("/units/{unit}/policy"), body).await
}

/// The checkpoint of a fresh pull, verified under the key the phone got at activation.
async fn checkpoint(harness: &Harness, phone: &Phone) -> (String, Checkpoint) {
    let page = pull(harness, phone, "cursor=").await;
    let signed = page.checkpoint.expect("every page carries a checkpoint");
    let key = phone.account().gateway_key.unwrap();
    (signed.hash().unwrap(), signed.verify(&key).unwrap())
}

#[tokio::test]
async fn a_policy_change_reaches_the_phone_in_its_next_checkpoint() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let (first_hash, first) = checkpoint(&harness, &leader).await;
    assert_eq!(first.device_id, leader.account().device_id);
    assert_eq!(first.policy.max_offline_block_secs, 7 * 86_400);
    // Within a few minutes and under the same policy, the same checkpoint comes back.
    let (again, _) = checkpoint(&harness, &leader).await;
    assert_eq!(again, first_hash);

    let token = operator(&harness).await;
    let (status, policy) = put_policy(
        &harness,
        &token,
        "unit-sxnyt",
        json!({ "max_offline_block_days": 2, "max_offline_wipe_days": 10 }),
    )
    .await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(policy["version"], 2);
    assert_eq!(
        policy["retention_days"], 30,
        "untouched fields keep their value"
    );
    let (hash, next) = checkpoint(&harness, &leader).await;
    assert_ne!(hash, first_hash, "a new policy needs a new checkpoint");
    assert_eq!(next.policy.version, 2);
    assert_eq!(next.policy.max_offline_block_secs, 2 * 86_400);
    assert_eq!(next.policy.max_offline_wipe_secs, 10 * 86_400);

    let audited = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT count(*) FROM audit WHERE kind = 'policy.changed' AND subject = ?1",
                    args!["unit-sxnyt"],
                )?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_policy_that_makes_no_sense_is_refused_and_changes_nothing() {
    let harness = Harness::start().await.unwrap();
    let token = operator(&harness).await;
    for body in [
        json!({ "max_offline_block_days": 10, "max_offline_wipe_days": 3 }),
        json!({ "max_offline_block_days": 0 }),
        json!({ "retention_days": 0 }),
    ] {
        let (status, error) = put_policy(&harness, &token, "unit-sxnyt", body.clone()).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("invalid_policy")),
            "{body}"
        );
    }
    let (status, error) =
        put_policy(&harness, &token, "unit-sxnyt", json!({ "max_days": 3 })).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("malformed_body"))
    );
    let (status, _) = put_policy(&harness, &token, "no-such-unit", json!({})).await;
    assert_eq!(status, 404);
    let stored = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query_one("SELECT count(*) FROM unit_policies", &[])?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_unit_administrator_cannot_change_another_units_policy() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let unit = json!({ "id": "unit-b", "name": "乙局办公室", "organ_code": "乙办" });
    assert_eq!(post(&harness, &op, "/units", unit).await.0, 201);
    let person =
        json!({ "login": "admin-b", "name": "乙管理员", "post": "管理员", "role": "unit_admin" });
    let (status, admin) = post(&harness, &op, "/units/unit-b/users", person).await;
    assert_eq!(status, 201);
    let body = json!({ "user_id": admin["id"] });
    let (status, token) = post(&harness, &op, "/units/unit-b/admin-tokens", body).await;
    assert_eq!(status, 201);
    let token = token["token"].as_str().unwrap();
    let (status, _) = put_policy(
        &harness,
        token,
        "unit-sxnyt",
        json!({ "retention_days": 7 }),
    )
    .await;
    assert_eq!(status, 404, "another unit looks like no unit at all");
    let (status, _) = put_policy(&harness, token, "unit-b", json!({ "retention_days": 7 })).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn checkpoints_older_than_the_longest_wipe_limit_are_pruned_and_newer_ones_kept() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let (recent, _) = checkpoint(&harness, &leader).await;
    let device = leader.account().device_id;
    let day = 86_400_i64;
    let now = chrono::Utc::now().timestamp();
    // One unit keeps phones 60 days; checkpoints of 45 days ago must stay, of 90 days ago go.
    let token = operator(&harness).await;
    let (status, _) = put_policy(
        &harness,
        &token,
        "unit-sxnyt",
        json!({ "max_offline_wipe_days": 60 }),
    )
    .await;
    assert_eq!(status, 200);
    harness
        .db
        .tx(move |sql| {
            for (hash, age) in [("old", 90 * day), ("kept", 45 * day)] {
                sql.execute(
                    "INSERT INTO checkpoints (hash, device_id, issued_at, issued_unix, policy_version, signed)
                     VALUES (?1, ?2, 'then', ?3, 1, 'x')",
                    args![hash, &device, now - age],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let pruned = qianpi_gateway::housekeeping::prune_checkpoints(&harness.db)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let left: Vec<String> = harness
        .db
        .tx(|sql| {
            sql.query("SELECT hash FROM checkpoints ORDER BY issued_unix", &[])?
                .into_iter()
                .map(|r| Ok(r.text(0)?))
                .collect()
        })
        .await
        .unwrap();
    assert_eq!(left, ["kept".to_owned(), recent]);
}
