//! The console's login, sessions and protections, as an office person meets them: a first login
//! enrols TOTP; wrong passwords and codes are refused and lock the account; a session id held
//! before login is never the one after (fixation); forms without the session's token or from
//! another site are refused; logout ends the session; every page carries a strict CSP; the
//! language switch shows English.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{Console, PASSWORD, UNIT};
use qianpi_gateway::console::SESSION_COOKIE;
use qianpi_gateway::office::Role;

#[tokio::test]
async fn first_login_enrols_totp_then_the_home_page_shows_the_roles() {
    let console = Console::start().await;
    console
        .person(UNIT, "dengji", "邓记", &[Role::Registrar, Role::Drafter])
        .await;
    let mut browser = console.browser();
    // Not logged in: the console sends the browser to the login page, remembering the page.
    let page = browser.get("/console/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/console/login?next=%2Fconsole%2F");

    let home = browser.login("dengji", PASSWORD).await;
    assert!(
        browser.totp.is_some(),
        "the enrolment page showed the secret"
    );
    assert_eq!(home.text_of("who-name").as_deref(), Some("邓记"));
    let roles = home.text_of("roles").unwrap();
    assert!(
        roles.contains("收文登记员") && roles.contains("拟稿人"),
        "{roles}"
    );
    assert!(!roles.contains("管理员"));
    // What waits: the demo unit's one running flow; a registrar also sees unsigned exchange.
    assert_eq!(home.text_of("count-running").as_deref(), Some("1"));
    assert_eq!(home.text_of("count-unsigned").as_deref(), Some("0"));
    assert!(
        home.text_of("count-pending-devices").is_none(),
        "not an administrator"
    );

    // A second login asks for a code, not a new enrolment, and a replayed code is refused.
    let mut again = console.browser();
    again.totp = browser.totp.clone();
    let step = again.password("dengji", PASSWORD).await;
    let code_page = again.get(step.location()).await;
    assert!(
        code_page.text_of("totp-secret").is_none(),
        "no second enrolment"
    );
    let (secret, last) = again.totp.clone().unwrap();
    let replayed = format!(
        "{:06}",
        qianpi_gateway::office::totp::code_at(&secret, last as u64)
    );
    let refused = again
        .post_form("/console/login/code", &[("code", &replayed)])
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.text_of("login-error").as_deref(),
        Some("动态口令错误或已使用过。")
    );
    let code = again.next_code().await;
    let done = again
        .post_form("/console/login/code", &[("code", &code)])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(again.get("/console/").await.status, 200);
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_five_lock_the_account() {
    let console = Console::start().await;
    console.person(UNIT, "suo", "索", &[Role::Auditor]).await;
    let mut browser = console.browser();
    let unknown = browser.password("nobody", PASSWORD).await;
    assert_eq!(unknown.status, 401);
    let wrong = browser.password("suo", "不是这个口令-0000").await;
    assert_eq!(wrong.status, 401);
    // An unknown login and a wrong password read the same.
    assert_eq!(unknown.text_of("login-error"), wrong.text_of("login-error"));
    for _ in 0..4 {
        browser.password("suo", "不是这个口令-0000").await;
    }
    let locked = browser.password("suo", PASSWORD).await;
    assert_eq!(
        locked.status, 401,
        "the right password is refused while locked"
    );
    let text = locked.text_of("login-error").unwrap();
    assert!(text.starts_with("连续失败次数过多，账户已锁定至"), "{text}");
    // The lockout is in the audit log, as the gateway's own rule.
    let locks = console
        .db
        .tx(|sql| {
            Ok(sql
                .query(
                    "SELECT actor FROM audit WHERE kind = 'console.locked' AND unit_id = ?1",
                    &[UNIT.into()],
                )?
                .len())
        })
        .await
        .unwrap();
    assert_eq!(locks, 1);
}

#[tokio::test]
async fn a_session_id_set_before_login_is_never_the_one_after() {
    let console = Console::start().await;
    console.person(UNIT, "gu", "顾", &[Role::Registrar]).await;
    let mut browser = console.browser();
    // An attacker plants a session id in the victim's browser.
    browser
        .cookies
        .insert(SESSION_COOKIE.into(), "planted-by-someone-else".into());
    browser.login("gu", PASSWORD).await;
    let after = browser.session().cloned().unwrap();
    assert_ne!(after, "planted-by-someone-else");
    let mut attacker = console.browser();
    attacker
        .cookies
        .insert(SESSION_COOKIE.into(), "planted-by-someone-else".into());
    assert_eq!(
        attacker.get("/console/").await.status,
        303,
        "the planted id is nobody"
    );

    // The id of the password step (before the code) is not a session either, once the code is in.
    let mut half = console.browser();
    half.totp = browser.totp.clone();
    let step = half.password("gu", PASSWORD).await;
    let pending = half.session().cloned().unwrap();
    half.get(step.location()).await;
    let code = half.next_code().await;
    half.post_form("/console/login/code", &[("code", &code)])
        .await;
    assert_ne!(half.session().unwrap(), &pending);
    let mut thief = console.browser();
    thief.cookies.insert(SESSION_COOKIE.into(), pending);
    assert_eq!(thief.get("/console/").await.status, 303);
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused_and_logout_ends_the_session() {
    let console = Console::start().await;
    let mut browser = console.logged_in("an", &[Role::Drafter]).await;
    let session = browser.session().cloned().unwrap();
    // No token, a wrong token, and the right token sent by another site's page.
    let none = browser
        .send(
            "POST",
            "/console/logout",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"",
        )
        .await;
    assert_eq!(none.status, 403);
    let wrong = browser
        .post_form("/console/logout", &[("_csrf", "guessed")])
        .await;
    assert_eq!(wrong.status, 403);
    let token = browser.csrf.clone().unwrap();
    let body = format!("_csrf={token}");
    let cross = browser
        .send(
            "POST",
            "/console/logout",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "http://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            body.as_bytes(),
        )
        .await;
    assert_eq!(cross.status, 403);
    assert_eq!(
        browser.get("/console/").await.status,
        200,
        "still logged in"
    );

    let token = browser.csrf.clone().unwrap();
    let out = browser
        .send(
            "POST",
            "/console/logout",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "null"),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            format!("_csrf={token}").as_bytes(),
        )
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/console/login?bye=1");
    assert!(browser.session().is_none(), "the cookie is deleted");
    let mut replay = console.browser();
    replay.cookies.insert(SESSION_COOKIE.into(), session);
    assert_eq!(
        replay.get("/console/").await.status,
        303,
        "the session is gone"
    );
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_secure_cookies_and_speak_english_on_request() {
    let console = Console::start().await;
    let mut browser = console.browser();
    let login = browser.get("/console/login").await;
    let csp = login.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(login.header("x-frame-options"), Some("DENY"));
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    let cookie = login.header("set-cookie").unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    console.person(UNIT, "ying", "英", &[Role::Auditor]).await;
    browser.login("ying", PASSWORD).await;
    let switched = browser.get("/console/lang?to=en&back=%2Fconsole%2F").await;
    assert_eq!(switched.location(), "/console/");
    // A page inside the console links the switch back to itself, and a login asked for by a
    // page returns to it.
    let flows = browser.get("/console/flows").await;
    assert!(
        flows.body.contains("back=%2Fconsole%2Fflows"),
        "{}",
        flows.body
    );
    let mut stranger = console.browser();
    let sent = stranger.get("/console/flows").await;
    assert_eq!(sent.location(), "/console/login?next=%2Fconsole%2Fflows");
    let home = browser.get("/console/").await;
    assert!(home.body.contains("<html lang=\"en\">"));
    assert!(home.body.contains("Welcome to the Qianpi office console."));
    // The switch never sends the browser off the console.
    let away = browser
        .get("/console/lang?to=zh&back=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(away.location(), "/console/");
    let away = browser
        .get("/console/lang?to=zh&back=%2F%2Fevil.example")
        .await;
    assert_eq!(away.location(), "/console/");
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_loses_its_sessions() {
    let console = Console::start().await;
    let mut browser = console.logged_in("ting", &[Role::Registrar]).await;
    let account = qianpi_gateway::office::accounts::list(
        &console.db,
        &qianpi_gateway::admin::AdminActor::cli(),
        UNIT,
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.login == "ting")
    .unwrap();
    qianpi_gateway::office::accounts::change(
        &console.db,
        &qianpi_gateway::admin::AdminActor::cli(),
        UNIT,
        &account.user_id,
        qianpi_gateway::office::accounts::Change::Disabled(true),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        browser.get("/console/").await.status,
        303,
        "the session ended"
    );
    let refused = console.browser().password("ting", PASSWORD).await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.text_of("login-error").as_deref(),
        Some("该账户已被停用，请联系管理员。")
    );
}

#[tokio::test]
async fn a_person_changes_their_password_and_their_other_sessions_end() {
    let console = Console::start().await;
    let mut desk = console.logged_in("mima", &[Role::Drafter]).await;
    let mut laptop = console.browser();
    laptop.totp = desk.totp.clone();
    laptop.login("mima", PASSWORD).await;
    desk.totp = laptop.totp.clone();

    let page = desk.get("/console/account").await;
    assert_eq!(page.text_of("account-roles").as_deref(), Some("拟稿人"));
    let wrong = desk
        .post_form(
            "/console/account",
            &[
                ("current", "不对的口令-123"),
                ("new", "新的口令-2027年"),
                ("repeat", "新的口令-2027年"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.text_of("account-error").as_deref(),
        Some("当前密码不正确。")
    );
    let differ = desk
        .post_form(
            "/console/account",
            &[
                ("current", PASSWORD),
                ("new", "新的口令-2027年"),
                ("repeat", "新的口令-2028年"),
            ],
        )
        .await;
    assert_eq!(
        differ.text_of("account-error").as_deref(),
        Some("两次输入的新密码不一致。")
    );
    let short = desk
        .post_form(
            "/console/account",
            &[("current", PASSWORD), ("new", "短"), ("repeat", "短")],
        )
        .await;
    assert_eq!(short.status, 400);

    let changed = desk
        .post_form(
            "/console/account",
            &[
                ("current", PASSWORD),
                ("new", "新的口令-2027年"),
                ("repeat", "新的口令-2027年"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    assert_eq!(
        desk.get("/console/").await.status,
        200,
        "this session stays"
    );
    assert_eq!(
        laptop.get("/console/").await.status,
        303,
        "the other one ended"
    );
    assert_eq!(
        console.browser().password("mima", PASSWORD).await.status,
        401
    );
    let mut again = console.browser();
    again.totp = desk.totp.clone();
    again.login("mima", "新的口令-2027年").await;
}
