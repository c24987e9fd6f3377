//! `qianpi-gateway`: run the sync gateway, or administer its database from the command line.
//!
//! ```text
//! qianpi-gateway init --data-dir ./gateway-data
//! qianpi-gateway serve --data-dir ./gateway-data --listen 127.0.0.1:8440
//! qianpi-gateway tls init --dir ./tls --name gateway.example.gov.cn
//! qianpi-gateway serve --listen 0.0.0.0:8443 --tls-cert ./tls/server.pem --tls-key ./tls/server-key.pem
//! qianpi-gateway issue-code --data-dir ./gateway-data --login wangjianguo \
//!     [--url https://oa.example.gov.cn:8443/ --tls-cert tls/server.pem]   # + the QR code's text
//! qianpi-gateway issue-admin-token --operator --label "ops laptop"
//! qianpi-gateway create-unit --id unit-a --name 某某局办公室 --organ-code 某办
//! qianpi-gateway import-users --unit unit-a --file 通讯录.csv
//! qianpi-gateway devices --unit unit-a        # state and fingerprint words of each device
//! qianpi-gateway device revoke --device dev-…
//! qianpi-gateway set-policy --unit unit-a --max-offline-block-days 3 --max-offline-wipe-days 14
//! qianpi-gateway verify-audit --expect-head <hash printed last time>
//! qianpi-gateway upload-blob --unit unit-a --file 附件.pdf --media-type application/pdf
//! qianpi-gateway publish-notice --unit unit-a --file notice.json
//! ```
//!
//! The administrative subcommands act as the deployment operator straight against the database
//! (the same `--data-dir` / `DATABASE_URL` as `serve`), audited with the actor `operator-cli`;
//! they refuse a data folder or database that holds no gateway database.
//! What they share, and the blob and notice subcommands, are in the binary's `cli` module.

mod cli;

use clap::{Parser, Subcommand};
use cli::{read, with_db, DatabaseArgs};
use qianpi_gateway::admin::devices::Transition;
use qianpi_gateway::admin::people::{NewUnit, NewUser};
use qianpi_gateway::admin::tokens::Holder;
use qianpi_gateway::admin::{self, AdminActor};
use qianpi_gateway::audit::{self, Verdict};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "qianpi-gateway", about = "The Qianpi sync gateway", version)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    #[command(flatten)]
    Gateway(cli::serve::Commands),
    #[command(flatten)]
    Office(cli::office::Commands),
    /// Issue a one-time activation code for a user; prints the code.
    IssueCode {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The user's login.
        #[arg(long)]
        login: String,
        /// The identity's unit, when the login holds identities in several units.
        #[arg(long)]
        unit: Option<String>,
        /// The identity's post, when the login holds several posts.
        #[arg(long)]
        post: Option<String>,
        /// The device this code binds waits as pending until an administrator approves it.
        #[arg(long)]
        needs_approval: bool,
        /// The gateway's address as phones reach it: also print the activation QR code's text
        /// (`qianpi://activate?…`) on a second line.
        #[arg(long)]
        url: Option<String>,
        /// The certificate chain the gateway serves (`serve --tls-cert`): the invite then
        /// carries its CA certificate and the pins of the server and CA keys.
        #[arg(long, requires = "url")]
        tls_cert: Option<PathBuf>,
    },
    /// Create a unit; prints its id.
    CreateUnit {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit's id (generated when absent).
        #[arg(long)]
        id: Option<String>,
        /// 单位名称.
        #[arg(long)]
        name: String,
        /// 机关代字.
        #[arg(long)]
        organ_code: String,
    },
    /// Add one identity (login + post) to a unit; prints its user id.
    AddUser {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The person's login.
        #[arg(long)]
        login: String,
        /// 姓名.
        #[arg(long)]
        name: String,
        /// 职务.
        #[arg(long)]
        post: String,
        /// unit_admin, leader, secretary or staff.
        #[arg(long)]
        role: String,
        /// For a secretary: a leader's user id they may sign for (repeatable).
        #[arg(long)]
        secretary_for: Vec<String>,
    },
    /// Import a unit's address book (CSV: login,name,post,role), all or nothing.
    ImportUsers {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Load a process definition (JSON) into a unit.
    LoadDefinition {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The definition file.
        #[arg(long)]
        file: PathBuf,
    },
    /// List a unit's devices with their state and fingerprint words (设备指纹词): compare the
    /// words with the person's phone before `device approve`.
    Devices {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
    },
    /// Change a device's state.
    Device {
        #[command(flatten)]
        database: DatabaseArgs,
        /// approve, suspend, resume, revoke or wipe.
        #[arg(value_parser = ["approve", "suspend", "resume", "revoke", "wipe"])]
        action: String,
        /// The device id.
        #[arg(long)]
        device: String,
    },
    /// Issue an admin API token (shown once): the operator's, or a unit administrator's.
    IssueAdminToken {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit administrator's login.
        #[arg(long, requires = "unit", conflicts_with = "operator")]
        login: Option<String>,
        /// The unit administrator's unit.
        #[arg(long, requires = "login")]
        unit: Option<String>,
        /// A deployment operator's token instead.
        #[arg(long, required_unless_present = "login")]
        operator: bool,
        /// A label saying where the token is used.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Check the audit chain; prints the entry count and head hash, fails if the chain is broken.
    VerifyAudit {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The head hash anchored outside the database; fails if the chain no longer ends there.
        #[arg(long)]
        expect_head: Option<String>,
    },
    #[command(flatten)]
    Content(cli::content::Commands),
    #[command(flatten)]
    Policy(cli::policy::Commands),
    /// A private CA and the gateway's HTTPS certificate (`tls init`, `tls renew`).
    Tls {
        #[command(subcommand)]
        command: cli::tls::Commands,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("qianpi-gateway: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Commands::Gateway(command) => cli::serve::run(command),
        Commands::Office(command) => cli::office::run(command),
        Commands::Tls { command } => cli::tls::run(command),
        Commands::IssueCode {
            database,
            login,
            unit,
            post,
            needs_approval,
            url,
            tls_cert,
        } => {
            let invite_login = login.clone();
            let issued = with_db(&database, |db| async move {
                let user =
                    admin::find_identity(&db, &login, unit.as_deref(), post.as_deref()).await?;
                let now = chrono::Utc::now().timestamp();
                admin::issue_code(&db, &AdminActor::cli(), None, &user, needs_approval, now).await
            })?;
            println!("{}", issued.code);
            if let Some(url) = url {
                let invite = admin::invite::activation_invite(
                    &url,
                    Some(&invite_login),
                    &issued.code,
                    tls_cert.as_deref(),
                )
                .map_err(|e| e.to_string())?;
                println!("{invite}");
            }
            eprintln!("valid until {}", issued.expires_at);
            Ok(())
        }
        Commands::CreateUnit {
            database,
            id,
            name,
            organ_code,
        } => {
            let unit = NewUnit {
                id,
                name,
                organ_code,
            };
            let view = with_db(&database, |db| async move {
                admin::people::create_unit(&db, &AdminActor::cli(), unit, chrono::Utc::now()).await
            })?;
            println!("{}", view.id);
            Ok(())
        }
        Commands::AddUser {
            database,
            unit,
            login,
            name,
            post,
            role,
            secretary_for,
        } => {
            let user = NewUser {
                login,
                name,
                post,
                role,
                secretary_for,
                department: String::new(),
                office_phone: String::new(),
            };
            let view = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                admin::people::create_user(&db, &AdminActor::cli(), &unit, user, now).await
            })?;
            println!("{}", view.id);
            Ok(())
        }
        Commands::ImportUsers {
            database,
            unit,
            file,
        } => {
            let text = read(&file)?;
            let users = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                admin::address_book::import_csv(&db, &AdminActor::cli(), &unit, &text, now).await
            })?;
            for user in &users {
                println!("{}\t{}\t{}\t{}", user.id, user.login, user.post, user.role);
            }
            eprintln!("imported {} identities", users.len());
            Ok(())
        }
        Commands::LoadDefinition {
            database,
            unit,
            file,
        } => {
            let definition = serde_json::from_str(&read(&file)?)
                .map_err(|e| format!("{} is not a process definition: {e}", file.display()))?;
            let loaded = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                admin::flows::load_definition(&db, &AdminActor::cli(), &unit, definition, now).await
            })?;
            println!("{}", loaded.id);
            Ok(())
        }
        Commands::Devices { database, unit } => {
            let devices = with_db(&database, |db| async move {
                admin::devices::list_devices(&db, &AdminActor::cli(), &unit).await
            })?;
            for d in devices {
                println!(
                    "{} {} {} ({}, {}) {} · {} · {}",
                    d.id,
                    d.state,
                    d.login,
                    d.name,
                    d.platform,
                    d.assurance,
                    d.fingerprint_words.join(" "),
                    d.fingerprint_digits
                );
            }
            Ok(())
        }
        Commands::Device {
            database,
            action,
            device,
        } => {
            let transition =
                Transition::parse(&action).ok_or_else(|| format!("unknown action {action}"))?;
            let view = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                admin::devices::transition(&db, &AdminActor::cli(), None, &device, transition, now)
                    .await
            })?;
            println!("{} {}", view.id, view.state);
            Ok(())
        }
        Commands::IssueAdminToken {
            database,
            login,
            unit,
            operator,
            label,
        } => {
            let issued = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                let actor = AdminActor::cli();
                match (login, unit) {
                    (Some(login), Some(unit_id)) if !operator => {
                        let holder = Holder::Login { login, unit_id };
                        admin::tokens::issue_unit_admin_token(
                            &db, &actor, None, holder, &label, now,
                        )
                        .await
                    }
                    _ => admin::tokens::issue_operator_token(&db, &actor, &label, now).await,
                }
            })?;
            println!("{}", issued.token);
            Ok(())
        }
        Commands::VerifyAudit {
            database,
            expect_head,
        } => {
            let verdict = with_db(&database, |db| async move {
                db.tx(|sql| audit::verify(sql)).await
            })?;
            match verdict {
                Verdict::Intact { entries, head } => {
                    println!("entries: {entries}");
                    println!("head: {head}");
                    match expect_head {
                        Some(expected) if expected != head => Err(format!(
                            "the audit chain does not end at the expected head {expected}: \
                             entries were removed or rewritten"
                        )),
                        _ => Ok(()),
                    }
                }
                Verdict::Broken { seq, reason } => Err(format!(
                    "the audit chain is broken at entry {seq}: {reason}"
                )),
            }
        }
        Commands::Content(command) => cli::content::run(command),
        Commands::Policy(command) => cli::policy::run(command),
    }
}
