//! The unit's settings in the console: the offline policy changed under the administrator's own
//! name (a policy that erases before it blocks refused), and departments listed with their head
//! counts and renamed for everyone in them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{admin, audited};
use crate::console_support::{seed_office, Console, UNIT};
use qianpi_gateway::office::Role;

#[tokio::test]
async fn the_offline_policy_is_changed_under_the_administrators_name() {
    let console = Console::start().await;
    let (admin_id, mut browser) = admin(&console).await;
    let page = browser.get("/console/admin/policy").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.input("max_offline_block_days").as_deref(), Some("7"));
    let form = |block: &'static str, wipe: &'static str| {
        vec![
            ("max_offline_block_days", block),
            ("max_offline_wipe_days", wipe),
            ("retention_days", "60"),
            ("inactivity_lock_minutes", "3"),
            ("unopened_body", "refuse"),
            ("require_hardware_keys", "on"),
        ]
    };
    // Erasing before becoming read-only makes no policy: refused, nothing audited.
    let refused = browser
        .post_form("/console/admin/policy", &form("14", "3"))
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("自动擦除的天数不能少于只读的天数"),
        "{}",
        refused.body
    );
    assert!(audited(&console.db, "policy.changed").await.is_empty());

    let saved = browser
        .post_form("/console/admin/policy", &form("3", "14"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        audited(&console.db, "policy.changed").await,
        vec![(admin_id, UNIT.to_owned())]
    );
    let page = browser.get_following(saved.location()).await;
    assert_eq!(page.input("max_offline_block_days").as_deref(), Some("3"));
    assert_eq!(page.input("max_offline_wipe_days").as_deref(), Some("14"));
    assert!(
        page.body.contains("value=\"refuse\" selected"),
        "{}",
        page.body
    );
    assert_eq!(page.text_of("policy-version").unwrap(), "策略版本 2");
    let stored = console
        .db
        .tx(|sql| qianpi_gateway::checkpoints::whole_unit_policy(sql, UNIT))
        .await
        .unwrap();
    assert!(stored.require_hardware_keys);
    assert_eq!(stored.offline.max_offline_block_secs, 3 * 86_400);
    assert_eq!(stored.offline.inactivity_lock_minutes, 3);
}

#[tokio::test]
async fn departments_are_listed_and_renamed_for_everyone_in_them() {
    let console = Console::start().await;
    let (admin_id, mut browser) = admin(&console).await;
    // seed_office puts everyone in 办公室.
    seed_office(
        &console.db,
        UNIT,
        "kuaiji",
        "会计乙",
        "staff",
        &[Role::Drafter],
    )
    .await;
    let page = browser.get("/console/admin/units").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.text_of("unit-name").as_deref(),
        Some("山西省农业厅办公室")
    );
    assert_eq!(page.text_of("unit-organ-code").as_deref(), Some("晋农办"));
    assert!(page.body.contains("data-department=\"办公室\""));
    assert!(
        page.body.contains("<td class=\"head-count\">2</td>"),
        "{}",
        page.body
    );

    let renamed = browser
        .post_form(
            "/console/admin/units/departments/rename",
            &[("from", "办公室"), ("to", "综合处")],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let page = browser.get("/console/admin/units").await;
    assert!(
        page.body.contains("data-department=\"综合处\"")
            && !page.body.contains("data-department=\"办公室\"")
    );
    let directory = qianpi_gateway::directory::for_unit(&console.db, UNIT)
        .await
        .unwrap();
    assert_eq!(
        directory
            .people
            .iter()
            .filter(|p| p.department == "综合处")
            .count(),
        2
    );
    assert_eq!(
        audited(&console.db, "directory.department_renamed").await,
        vec![(admin_id, UNIT.to_owned())]
    );
    let empty = browser
        .post_form(
            "/console/admin/units/departments/rename",
            &[("from", "综合处"), ("to", "  ")],
        )
        .await;
    assert_eq!(empty.status, 400);
}
