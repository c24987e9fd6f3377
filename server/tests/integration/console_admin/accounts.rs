//! Office accounts made by an administrator in the console: one with a typed first password logs
//! in and sees only its role's pages, one with a drawn password shown once logs in too, roles
//! changed here hold at the next page, a disabled account is logged out, and an administrator
//! cannot shut themselves out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{admin, audited};
use crate::console_support::Console;

#[tokio::test]
async fn an_account_made_here_logs_in_and_sees_only_its_pages() {
    let console = Console::start().await;
    let (admin_id, mut browser) = admin(&console).await;
    let page = browser.get("/console/admin/accounts").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"account-create\""));
    let created = browser
        .post_form(
            "/console/admin/accounts",
            &[
                ("user_id", "user-li"),
                ("role_registrar", "on"),
                ("password", "李晓梅的初始口令-1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        audited(&console.db, "console.account_created")
            .await
            .last()
            .unwrap(),
        &(admin_id.clone(), "user-li".into())
    );

    let mut registrar = console.browser();
    let home = registrar.login("lixiaomei", "李晓梅的初始口令-1").await;
    assert!(
        !home.body.contains("href=\"/console/admin/"),
        "no administrator's menu"
    );
    for path in [
        "/console/admin/devices",
        "/console/admin/accounts",
        "/console/admin/units",
        "/console/admin/policy",
    ] {
        assert_eq!(registrar.get(path).await.status, 403, "{path}");
    }
    let forbidden = registrar
        .post_form("/console/admin/policy", &[("max_offline_block_days", "1")])
        .await;
    assert_eq!(forbidden.status, 403);

    // A first password drawn here is shown once and works.
    let drawn = browser
        .post_form(
            "/console/admin/accounts",
            &[
                ("user_id", "user-zhao"),
                ("role_auditor", "on"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(drawn.status, 200, "{}", drawn.body);
    let password = drawn.text_of("account-first-password").unwrap();
    let mut auditor = console.browser();
    auditor.login("zhaowen", &password).await;

    // Roles changed here hold at the next page; a disabled account is logged out.
    browser.get("/console/admin/accounts").await;
    let changed = browser
        .post_form(
            "/console/admin/accounts/user-li/roles",
            &[("role_administrator", "on")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(registrar.get("/console/admin/devices").await.status, 200);
    let disabled = browser
        .post_form("/console/admin/accounts/user-zhao/disable", &[])
        .await;
    assert_eq!(disabled.status, 303);
    assert_eq!(
        auditor.get("/console/").await.status,
        303,
        "back to the login page"
    );
    // An administrator cannot shut themselves out.
    let own = browser
        .post_form(&format!("/console/admin/accounts/{admin_id}/disable"), &[])
        .await;
    assert_eq!(own.status, 400);
}
