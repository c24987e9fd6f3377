//! The administrator's console pages as an administrator meets them: a pending device listed with
//! the same fingerprint words `qianpi-gateway devices` prints, approved, suspended and revoked;
//! an activation code with its QR code; an office account made here that logs in and sees only
//! its role's pages; departments renamed for everyone in them; the offline policy changed under
//! the administrator's own name ([`accounts`], [`unit`]); another unit's ids answered as if they
//! did not exist, and other roles refused. Runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{seed_office, Browser, Console, PASSWORD, UNIT};
use crate::support::Database;
use qianpi_gateway::db::Db;
use qianpi_gateway::office::Role;
use qianpi_gateway::sql::args;
use qianpi_gateway::Location;
use qianpi_protocol::crypto::key_id;
use qianpi_protocol::fingerprint::Fingerprint;
use qianpi_protocol::invite::Invite;

mod accounts;
mod unit;

/// Binds a device for `user_id` as activation would, in `state`; returns its id.
async fn device(db: &Db, id: &str, user_id: &str, state: &str) -> String {
    let (request_spki, approval_spki) = (format!("{id} request"), format!("{id} approval"));
    let (device_id, user_id, state) = (id.to_owned(), user_id.to_owned(), state.to_owned());
    db.tx(move |sql| {
        sql.execute(
            "INSERT INTO devices (id, user_id, request_key_id, request_key_spki, approval_key_id,
                approval_key_spki, token_hash, state, name, platform, assurance, attestation,
                last_counter, last_record_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'Pixel 8', 'android', 'strongbox', NULL, 0,
                '', '2026-12-06T00:00:00Z')",
            args![
                &device_id,
                &user_id,
                key_id("dk", request_spki.as_bytes()),
                request_spki.as_bytes().to_vec(),
                key_id("ak", approval_spki.as_bytes()),
                approval_spki.as_bytes().to_vec(),
                vec![0u8; 32],
                &state
            ],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    id.to_owned()
}

/// The audit entries of `kind`: (actor, subject).
pub(crate) async fn audited(db: &Db, kind: &str) -> Vec<(String, String)> {
    let kind = kind.to_owned();
    db.tx(move |sql| {
        sql.query(
            "SELECT actor, subject FROM audit WHERE kind = ?1 ORDER BY seq",
            args![&kind],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
    })
    .await
    .unwrap()
}

/// An administrator of the demo unit, logged in; their user id and browser.
pub(crate) async fn admin(console: &Console) -> (String, Browser) {
    let user = seed_office(
        &console.db,
        UNIT,
        "guanli",
        "管理员甲",
        "staff",
        &[Role::Administrator],
    )
    .await;
    let mut browser = console.browser();
    browser.login("guanli", PASSWORD).await;
    (user, browser)
}

/// The `devices` subcommand's output on the console's database.
fn devices_cli(console: &Console) -> String {
    let data = match &console.config.database {
        Location::Folder(folder) => folder.clone(),
        Location::Postgres(_) => console.dir.path().join("cli"),
    };
    let database = Database {
        location: console.config.database.clone(),
        data,
    };
    database.ok("devices", &["--unit", UNIT])
}

#[tokio::test]
async fn a_pending_device_is_approved_by_its_words_then_suspended_and_revoked() {
    let console = Console::start().await;
    let (admin_id, mut browser) = admin(&console).await;
    let id = device(&console.db, "dev-pixel", "user-wang", "pending").await;
    let home = browser.get("/console/").await;
    assert_eq!(home.text_of("count-pending-devices").as_deref(), Some("1"));

    let page = browser.get("/console/admin/devices").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = format!("id=\"device-{id}\"");
    assert!(page.body.contains(&row), "{}", page.body);
    assert!(page.body.contains("data-state=\"pending\""));
    let words = Fingerprint::from_spkis(b"dev-pixel request", b"dev-pixel approval").words();
    let shown = page.text_of(&format!("words-{id}")).unwrap();
    assert_eq!(shown, words.join(" "));
    // The same words the command line prints for the same device.
    let cli = devices_cli(&console);
    let line = cli.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(line.contains(&shown), "{line} / {shown}");
    assert!(page
        .text_of(&format!("owner-{id}"))
        .unwrap()
        .contains("王建国"));
    assert_eq!(
        page.text_of(&format!("state-{id}")).as_deref(),
        Some("待审批")
    );
    assert!(page.body.contains(&format!("id=\"approve-{id}\"")));

    let approved = browser
        .post_form(&format!("/console/admin/devices/{id}/approve"), &[])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let page = browser.get_following(approved.location()).await;
    assert_eq!(
        page.text_of(&format!("state-{id}")).as_deref(),
        Some("正常")
    );
    assert!(
        page.text_of(&format!("words-{id}")).is_none(),
        "words only while pending"
    );
    // Approving twice is refused with a reason, not a fault.
    let again = browser
        .post_form(&format!("/console/admin/devices/{id}/approve"), &[])
        .await;
    assert_eq!(again.status, 400);

    for (action, state) in [
        ("suspend", "已暂停"),
        ("resume", "正常"),
        ("revoke", "已吊销"),
    ] {
        let done = browser
            .post_form(&format!("/console/admin/devices/{id}/{action}"), &[])
            .await;
        assert_eq!(done.status, 303, "{action}: {}", done.body);
        let page = browser.get("/console/admin/devices").await;
        assert_eq!(
            page.text_of(&format!("state-{id}")).as_deref(),
            Some(state),
            "{action}"
        );
    }
    assert!(devices_cli(&console).contains(&format!("{id} revoked")));
    // Each change is audited under the administrator, not the command line.
    for kind in [
        "device.approved",
        "device.suspended",
        "device.resumed",
        "device.revoked",
    ] {
        assert_eq!(
            audited(&console.db, kind).await,
            vec![(admin_id.clone(), id.clone())],
            "{kind}"
        );
    }
    // A form without the session's token changes nothing.
    let forged = browser
        .post_form(
            &format!("/console/admin/devices/{id}/wipe"),
            &[("_csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(audited(&console.db, "device.wipe_requested")
        .await
        .is_empty());
}

#[tokio::test]
async fn an_activation_code_comes_with_its_qr_code() {
    let console = Console::start().await;
    let (admin_id, mut browser) = admin(&console).await;
    let page = browser.get("/console/admin/devices").await;
    assert!(
        page.body.contains("value=\"user-wang\""),
        "the person is offered"
    );
    let issued = browser
        .post_form(
            "/console/admin/devices/code",
            &[("user_id", "user-wang"), ("needs_approval", "on")],
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let code = issued.text_of("activation-code").unwrap();
    assert_eq!(code.len(), 8);
    let invite = Invite::parse(&issued.text_of("activation-invite").unwrap()).unwrap();
    assert_eq!(invite.code, code);
    assert_eq!(invite.login.as_deref(), Some("wangjianguo"));
    assert_eq!(invite.server_url, format!("http://{}/", console.addr()));
    // The QR code is drawn in the page, not fetched.
    let qr = &issued.body[issued.body.find("id=\"activation-qr\"").unwrap()..];
    assert!(qr.contains("<svg") && qr.contains("<path"), "{qr}");
    assert!(!issued.body.contains("<img"));
    // The expiry is a local time, not RFC 3339.
    let expires = issued.text_of("activation-expires").unwrap();
    assert!(!expires.contains('T') && !expires.is_empty(), "{expires}");
    assert_eq!(
        audited(&console.db, "code.issued").await,
        vec![(admin_id, "user-wang".into())]
    );
    // The code is stored as a hash only.
    let stored: Vec<u8> = console
        .db
        .tx(|sql| {
            sql.query_one(
                "SELECT code_hash FROM activation_codes WHERE user_id = 'user-wang'",
                &[],
            )?
            .blob(0)
            .map_err(Into::into)
        })
        .await
        .unwrap();
    assert_ne!(stored, code.as_bytes());
}

#[tokio::test]
async fn another_units_ids_answer_as_if_they_did_not_exist() {
    let console = Console::start().await;
    let (_, mut browser) = admin(&console).await;
    let other = console.other_unit("unit-other").await;
    let stranger = seed_office(
        &console.db,
        &other,
        "moshengren",
        "陌生人",
        "staff",
        &[Role::Registrar],
    )
    .await;
    let theirs = device(&console.db, "dev-theirs", &stranger, "pending").await;

    let page = browser.get("/console/admin/devices").await;
    assert!(!page.body.contains(&theirs) && !page.body.contains(&stranger));
    for path in [
        format!("/console/admin/devices/{theirs}/approve"),
        format!("/console/admin/accounts/{stranger}/disable"),
        format!("/console/admin/accounts/{stranger}/reset-password"),
    ] {
        assert_eq!(browser.post_form(&path, &[]).await.status, 404, "{path}");
    }
    let code = browser
        .post_form("/console/admin/devices/code", &[("user_id", &stranger)])
        .await;
    assert_eq!(code.status, 404);
    let account = browser
        .post_form(
            "/console/admin/accounts",
            &[
                ("user_id", &stranger),
                ("role_drafter", "on"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(account.status, 404);
    // Nothing of theirs changed.
    let state: String = console
        .db
        .tx(move |sql| {
            sql.query_one("SELECT state FROM devices WHERE id = 'dev-theirs'", &[])?
                .text(0)
                .map_err(Into::into)
        })
        .await
        .unwrap();
    assert_eq!(state, "pending");
}
