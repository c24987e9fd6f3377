//! `qianpi`: the terminal shell over the phone core, and the end-to-end demo.
//!
//! ```text
//! qianpi demo                                   # the whole story, self-contained
//! qianpi activate --server https://oa.example.gov.cn:8440/ --login wangjianguo --code ABCD2345 \
//!     --ca ca.pem --pin sha256/… --pin sha256/…   # the deployment's CA and pins (with a backup)
//! qianpi activate --invite 'qianpi://activate?v=1&url=…&code=…'   # the activation QR code's text
//! qianpi device [--check]                      # fingerprint words; waiting for approval or not
//! qianpi … [--proxy http://proxy:3128 [--proxy-user u --proxy-password-env VAR]]  # any command
//! qianpi inbox | approve <task> --opinion "…" [--route r2] | sync | status | verdicts
//! qianpi list <todo|done|to-read|read|sent|drafts> [--for <leader>]  # 待办 已办 待阅 已阅 已发 草稿
//! qianpi notices | notice <id> | reply <id> [--choice attend] [--note "…"] | download <sha256>
//! qianpi people [query] [--picker] [--offline]  # 通讯录: name, pinyin or initials
//! qianpi phrases [add <text> | remove <n> | move <from> <to> | pick <n>] [--offline]  # 常用意见
//! qianpi show <id>                             # 公文详情 of a task, read item, instance or document
//! qianpi search <words>… [--limit n]           # 全文检索: documents, opinions, notices
//! qianpi body <id> [--attachment n] > 正文.pdf  # 正文 or 附件 to stdout | prefetch [--metered]
//! qianpi act <task> <action> [--opinion …] [--to …] [--for <leader>] | flow <id> <action>
//! qianpi batch-approve <task>… | allowed <id> | draft <task> [--opinion …]
//! qianpi delegate-standing --to <user> --end <time> | delegations | delegation-revoke <id>
//! ```
//! The terminal keeps its keys in the SOFTWARE key vault, protected by the passphrase in
//! `QIANPI_PASSPHRASE`.

mod actions;
mod activation;
mod bodies;
mod connection;
mod demo;
mod detail;
mod lists;
mod notices;
mod people;
mod phone;
mod phrases;
mod search;
mod status;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "qianpi",
    about = "签批 Qianpi — the terminal shell over the phone core",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    proxy: connection::ProxyArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the end-to-end demo: gateway, activation, offline approval, reconnect, verdict.
    Demo,
    /// Bind this terminal to a user with an activation code, or with the activation QR code's
    /// text (`--invite`, which carries the gateway, the code and its certificates).
    Activate {
        /// The activation QR code's text, `qianpi://activate?…`.
        #[arg(long, conflicts_with_all = ["server", "code"])]
        invite: Option<String>,
        /// The gateway's base URL.
        #[arg(long, required_unless_present = "invite")]
        server: Option<String>,
        /// The user's login (with `--invite`, only when the code names none).
        #[arg(long, required_unless_present = "invite")]
        login: Option<String>,
        /// The one-time activation code.
        #[arg(long, required_unless_present = "invite")]
        code: Option<String>,
        #[command(flatten)]
        trust: connection::TrustArgs,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// The device page: binding, fingerprint words (设备指纹词), waiting for approval or not.
    Device {
        /// Ask the gateway whether the administrator approved this terminal first.
        #[arg(long)]
        check: bool,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// List the inbox (待办 first).
    Inbox {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// List 待办, 已办, 待阅, 已阅, 已发 or 草稿 with the id each row's verbs take (works
    /// offline; times in the local time zone).
    List {
        /// Which list: todo (待办), done (已办), to-read (待阅), read (已阅), sent (已发),
        /// drafts (草稿).
        which: lists::Which,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Skip this many rows (the next page).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// 代签: the pending tasks of this leader, whose secretary you are.
        #[arg(long = "for")]
        acting_for: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Approve a task with an opinion (works offline).
    Approve {
        /// The task id, as `inbox` shows it.
        task: String,
        /// The opinion (批示).
        #[arg(long)]
        opinion: String,
        /// Record 不同意 instead of 同意 (the flow continues).
        #[arg(long)]
        disagree: bool,
        /// The route id when the step has several (`inbox` lists them).
        #[arg(long)]
        route: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Push the outbox and pull changes.
    Sync {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Show the sync status: idle, syncing, offline or blocked (and why), the last sync in local
    /// time, what waits and what was refused.
    Status {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Show the gateway's verdicts on this device's commands.
    Verdicts {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Show a document (公文详情): head, files, opinions by column, the flow record (works
    /// offline; times in the local time zone).
    Show {
        /// A task, read item or instance id as the lists show it, or a document id.
        id: String,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// 全文检索: the documents, opinions and notices on this phone matching every word, newest
    /// first (Chinese of any length, 文号 digits, names).
    Search {
        /// The words: 春耕, 李娜, 12号, 关于 防汛.
        #[arg(required = true)]
        words: Vec<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// List the notices (通知公告), unread first.
    Notices {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Open a notice: checked against the gateway's signature and marked read (works offline).
    Notice {
        /// The notice id, as `notices` shows it.
        id: String,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Reply to a notice (回执); works offline, `sync` sends it.
    Reply {
        /// The notice id.
        id: String,
        /// The choice's id, as `notice` lists them.
        #[arg(long)]
        choice: Option<String>,
        /// A note (备注).
        #[arg(long)]
        note: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// The workflow actions: act, flow, batch-approve, allowed, draft, delegate-standing,
    /// delegations, delegation-revoke.
    #[command(flatten)]
    Actions(actions::Actions),
    /// 通讯录: refresh the unit's address book and search it by name, pinyin or initials.
    People {
        /// Name, full pinyin or initials (王建国: 建国, wangjianguo, wjg); none lists everyone.
        query: Option<String>,
        /// Show the departments with their people, as the pickers do (without you).
        #[arg(long)]
        picker: bool,
        /// Search the copy on this phone without asking the gateway.
        #[arg(long)]
        offline: bool,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Download a document's current body (the PDF rendition when there is one) or an
    /// attachment, with progress on stderr, and write its bytes to stdout.
    Body {
        /// A task, read item or instance id as the lists show it, or a document id.
        id: String,
        /// The n-th attachment (附件说明 order, from 1) instead of the body.
        #[arg(long)]
        attachment: Option<usize>,
        /// The body file itself (e.g. the OFD) rather than its PDF rendition.
        #[arg(long)]
        original: bool,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Fetch the bodies and attachments of pending tasks ahead of time (as on Wi-Fi).
    Prefetch {
        /// The connection is metered (mobile data): fetch nothing.
        #[arg(long)]
        metered: bool,
        /// At most this many MiB (200 when not given).
        #[arg(long)]
        budget_mb: Option<u64>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// 常用意见: exchange them with the gateway and list them (own first, then the unit's); edit
    /// your own list offline; print one to write an opinion from it.
    Phrases {
        /// add, remove, move or pick; none lists them.
        #[command(subcommand)]
        command: Option<phrases::PhraseCommand>,
        /// Use the copy on this phone without asking the gateway.
        #[arg(long, global = true)]
        offline: bool,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone", global = true)]
        data_dir: PathBuf,
    },
    /// Download a body or attachment file by its SHA-256 into the encrypted vault.
    Download {
        /// The file's SHA-256, as `notice` shows it.
        sha256: String,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("qianpi: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let cli = Cli::parse();
        cli.proxy.install()?;
        match cli.command {
            Command::Demo => demo::run().await,
            Command::Activate {
                invite,
                server,
                login,
                code,
                trust,
                data_dir,
            } => match (invite, server, login, code) {
                (Some(invite), _, login, _) => {
                    activation::activate_invite(&data_dir, &invite, login.as_deref()).await
                }
                (None, Some(server), Some(login), Some(code)) => {
                    let trust = connection::trust(trust.ca.as_deref(), &trust.pins)?;
                    phone::activate(&data_dir, &server, &trust, &login, &code).await
                }
                _ => Err("give --invite, or --server, --login and --code".into()),
            },
            Command::Device { check, data_dir } => activation::device(&data_dir, check).await,
            Command::Inbox { data_dir } => phone::inbox(&data_dir),
            Command::List {
                which,
                limit,
                offset,
                acting_for,
                data_dir,
            } => lists::list(&data_dir, which, limit, offset, acting_for),
            Command::Approve {
                task,
                opinion,
                disagree,
                route,
                data_dir,
            } => phone::approve(&data_dir, &task, &opinion, disagree, route),
            Command::Sync { data_dir } => phone::sync(&data_dir).await,
            Command::Status { data_dir } => status::status(&data_dir),
            Command::Verdicts { data_dir } => phone::verdicts(&data_dir),
            Command::People {
                query,
                picker,
                offline,
                data_dir,
            } => people::people(&data_dir, query, picker, offline).await,
            Command::Show { id, data_dir } => detail::show(&data_dir, &id),
            Command::Search {
                words,
                limit,
                data_dir,
            } => search::search(&data_dir, &words, limit),
            Command::Notices { data_dir } => notices::list(&data_dir),
            Command::Notice { id, data_dir } => notices::show(&data_dir, &id),
            Command::Reply {
                id,
                choice,
                note,
                data_dir,
            } => notices::reply(&data_dir, &id, choice, note),
            Command::Download { sha256, data_dir } => notices::download(&data_dir, &sha256).await,
            Command::Phrases {
                command,
                offline,
                data_dir,
            } => phrases::phrases(&data_dir, command, offline).await,
            Command::Body {
                id,
                attachment,
                original,
                data_dir,
            } => bodies::body(&data_dir, &id, attachment, original).await,
            Command::Prefetch {
                metered,
                budget_mb,
                data_dir,
            } => bodies::prefetch(&data_dir, metered, budget_mb).await,
            Command::Actions(actions) => actions::run(actions).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("qianpi: {message}");
            ExitCode::FAILURE
        }
    }
}
