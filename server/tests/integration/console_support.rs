//! What the console's tests share: a gateway with the demo unit (山西省农业厅办公室,
//! `unit-sxnyt`) on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a
//! server; office people made straight in the database; and a small browser over plain
//! HTTP/1.1 that keeps cookies, logs in with a password and a TOTP code (enrolling on the first
//! login as a person would), and sends forms with the CSRF token of the last page it read.

// Each console test uses its own part of these helpers; a failed assumption in them is the test
// failing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_gateway::admin::people::{self, NewUnit, NewUser};
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::db::Db;
use qianpi_gateway::office::accounts::{self, NewAccount};
use qianpi_gateway::office::Role;
use qianpi_gateway::{start, GatewayConfig, Location, RunningGateway};
use std::net::SocketAddr;

mod browser;

pub use browser::{Browser, Page, Part};

/// The demo unit every console gateway starts with.
pub const UNIT: &str = "unit-sxnyt";
/// The password [`seed_office`] gives everyone.
pub const PASSWORD: &str = "办公室的口令-2026";

/// A gateway for console tests, its database opened beside it.
pub struct Console {
    pub gateway: RunningGateway,
    pub config: GatewayConfig,
    pub db: Db,
    pub dir: tempfile::TempDir,
}

impl Console {
    /// A gateway with the demo unit.
    pub async fn start() -> Console {
        let dir = tempfile::tempdir().unwrap();
        let location = match std::env::var("QIANPI_TEST_POSTGRES") {
            Ok(server) => {
                tokio::task::spawn_blocking(move || {
                    qianpi_gateway::db::create_postgres_database(&server, "qianpi_console")
                })
                .await
                .unwrap()
                .unwrap()
                .0
            }
            Err(_) => Location::Folder(dir.path().join("gateway")),
        };
        let mut config = GatewayConfig::new(location, "127.0.0.1:0".parse().unwrap(), true);
        config.statement_key = Some(dir.path().join("statement-key.p8"));
        let gateway = start(config.clone()).await.unwrap();
        let location = config.database.clone();
        let db = tokio::task::spawn_blocking(move || Db::open(&location).unwrap().0)
            .await
            .unwrap();
        Console {
            gateway,
            config,
            db,
            dir,
        }
    }

    /// The gateway's address.
    pub fn addr(&self) -> SocketAddr {
        self.gateway.addr()
    }

    /// A browser that has not logged in.
    pub fn browser(&self) -> Browser {
        Browser::new(self.addr())
    }

    /// A new person of `unit` with an office account holding `roles`; their login.
    pub async fn person(&self, unit: &str, login: &str, name: &str, roles: &[Role]) -> String {
        seed_office(&self.db, unit, login, name, "staff", roles).await
    }

    /// A browser logged in as a new person of the demo unit holding `roles`.
    pub async fn logged_in(&self, login: &str, roles: &[Role]) -> Browser {
        self.person(UNIT, login, login, roles).await;
        let mut browser = self.browser();
        browser.login(login, PASSWORD).await;
        browser
    }

    /// Another unit (for tests of what one unit may not see of another).
    pub async fn other_unit(&self, id: &str) -> String {
        people::create_unit(
            &self.db,
            &AdminActor::cli(),
            NewUnit {
                id: Some(id.to_owned()),
                name: format!("{id} 办公室"),
                organ_code: "晋外办".into(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .id
    }
}

/// Adds a person (`role`: unit_admin, leader, secretary or staff) to `unit` with an office
/// account holding `roles` and the password [`PASSWORD`]; returns their user id.
pub async fn seed_office(
    db: &Db,
    unit: &str,
    login: &str,
    name: &str,
    role: &str,
    roles: &[Role],
) -> String {
    let user = people::create_user(
        db,
        &AdminActor::cli(),
        unit,
        NewUser {
            login: login.into(),
            name: name.into(),
            post: "科员".into(),
            role: role.into(),
            secretary_for: vec![],
            department: "办公室".into(),
            office_phone: String::new(),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    accounts::create(
        db,
        &AdminActor::cli(),
        unit,
        NewAccount {
            user_id: user.id.clone(),
            roles: roles.to_vec(),
            password: zeroize::Zeroizing::new(PASSWORD.into()),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    user.id
}
