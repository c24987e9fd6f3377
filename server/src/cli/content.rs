//! The content subcommands of `qianpi-gateway`, as the deployment operator straight against the
//! database (audited as `operator-cli`): upload a file as a unit's blob, publish a notice, and
//! show who has not read or replied to one.
//!
//! ```text
//! qianpi-gateway upload-blob --unit unit-a --file 附件.pdf --media-type application/pdf
//! qianpi-gateway publish-notice --unit unit-a --file notice.json
//! qianpi-gateway notice-receipts --unit unit-a --notice notice-… --unread
//! ```

use super::{read, with_db, with_db_and_key, DatabaseArgs};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::blobs;
use qianpi_gateway::notices::roster::{self, NoticeReceipts, RecipientView};
use qianpi_gateway::notices::{self, PublishNotice};
use std::path::PathBuf;

/// Blobs and notices.
#[derive(Subcommand)]
pub enum Commands {
    /// Upload a file as a blob of a unit; prints its SHA-256.
    UploadBlob {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The file.
        #[arg(long)]
        file: PathBuf,
        /// Its media type (application/octet-stream when absent).
        #[arg(long)]
        media_type: Option<String>,
    },
    /// Publish a notice (通知公告) from a JSON file (the admin API's PublishNotice); prints its id.
    PublishNotice {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The notice file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Show a notice's recipients and who has read and replied, as a table.
    NoticeReceipts {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The notice id.
        #[arg(long)]
        notice: String,
        /// Only those still owing something: not read, or not replied when a receipt is required.
        #[arg(long)]
        unread: bool,
    },
}

/// Runs one content subcommand.
pub fn run(command: Commands) -> Result<(), String> {
    let actor = AdminActor::cli();
    match command {
        Commands::UploadBlob {
            database,
            unit,
            file,
            media_type,
        } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let sha256 = qianpi_protocol::crypto::sha256_hex(&bytes);
            let media_type = blobs::media_type(media_type.as_deref())
                .map_err(|e| format!("{} ({})", e.message, e.code))?;
            let uploaded = with_db(&database, |db| async move {
                let body = bytes.into();
                blobs::upload(&db, &actor, &unit, &sha256, media_type, body, Utc::now()).await
            })?;
            println!("{}", uploaded.blob.sha256);
            eprintln!(
                "{} bytes, {}{}",
                uploaded.blob.size,
                uploaded.blob.media_type,
                if uploaded.created {
                    ""
                } else {
                    " (already uploaded)"
                }
            );
            Ok(())
        }
        Commands::PublishNotice {
            database,
            unit,
            file,
        } => {
            let request: PublishNotice = serde_json::from_str(&read(&file)?)
                .map_err(|e| format!("{} is not a notice: {e}", file.display()))?;
            let published = with_db_and_key(&database, |db, key| async move {
                notices::publish(&db, &key, &actor, &unit, request, Utc::now()).await
            })?;
            println!("{}", published.notice.id);
            eprintln!("delivered to {} people", published.recipients);
            Ok(())
        }
        Commands::NoticeReceipts {
            database,
            unit,
            notice,
            unread,
        } => {
            let roster = with_db(&database, |db| async move {
                roster::receipts(&db, &actor, &unit, &notice).await
            })?;
            print!("{}", table(&roster, unread));
            eprintln!(
                "{} recipients, {} unread{}",
                roster.recipients.len(),
                roster.unread.len(),
                if roster.receipt_required {
                    format!(", {} without a reply", roster.unreplied.len())
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}

/// The roster as an aligned table (Chinese characters count two columns); with `owing`, only the
/// people who have not read or, when a receipt is required, not replied.
fn table(roster: &NoticeReceipts, owing: bool) -> String {
    let owes = |r: &RecipientView| {
        roster.unread.contains(&r.user_id) || roster.unreplied.contains(&r.user_id)
    };
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    let mut rows = vec![["用户", "姓名", "职务", "阅读", "回执", "选项"].map(str::to_owned)];
    for r in roster.recipients.iter().filter(|r| !owing || owes(r)) {
        let choice = r.reply.as_ref().and_then(|reply| reply.choice.clone());
        rows.push([
            r.user_id.clone(),
            r.name.clone(),
            r.post.clone(),
            time(r.read_at),
            time(r.replied_at),
            choice.unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(display_width(cell));
        }
    }
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| {
                let pad = width - display_width(cell);
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Columns a terminal gives `text`, near enough for names and posts: everything from U+1100 on
/// (Hangul, CJK, fullwidth forms) is counted as two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{1100}' { 2 } else { 1 })
        .sum()
}
