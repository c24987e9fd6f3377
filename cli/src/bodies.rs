//! 正文 and 附件 at the terminal: `qianpi body <id>` downloads a document's current body (the PDF
//! rendition when the office made one, `--original` for the file itself, `--attachment <n>` for
//! the n-th 附件) with its progress on stderr, then writes the bytes to stdout, read from the
//! encrypted vault piece by piece: the user chooses where they go (a file, a viewer), and
//! nothing is written in plaintext on the way. Reading it counts as opening the body.
//! `qianpi prefetch` fetches the files of the pending tasks ahead of time.

use crate::phone::open;
use qianpi_core::client::{Network, PrefetchProgress, PREFETCH_BUDGET};
use qianpi_core::screens::DocumentDetail;
use std::io::{IsTerminal as _, Write};
use std::path::Path;
use std::sync::Arc;

/// The bytes asked of the vault at a time.
const READ_PIECE: usize = 64 * 1024;

/// Which file of a document to take: its hash, size and media type.
fn chosen(
    detail: &DocumentDetail,
    attachment: Option<usize>,
    original: bool,
) -> Result<(String, u64, String), String> {
    if let Some(n) = attachment {
        let file = n
            .checked_sub(1)
            .and_then(|i| detail.attachments.get(i))
            .ok_or_else(|| {
                format!(
                    "公文 {} 没有附件 {n}（共 {} 个）",
                    detail.document_id,
                    detail.attachments.len()
                )
            })?;
        return Ok((file.sha256.clone(), file.size, file.media_type.clone()));
    }
    let body = detail
        .bodies
        .iter()
        .find(|b| b.current)
        .ok_or_else(|| format!("公文 {} 还没有正文", detail.document_id))?;
    match (&body.rendition, original) {
        (Some(r), false) => Ok((r.sha256.clone(), r.size, r.media_type.clone())),
        _ => Ok((body.sha256.clone(), body.size, body.media_type.clone())),
    }
}

/// `qianpi body <id> [--attachment n] [--original]`.
pub async fn body(
    data_dir: &Path,
    id: &str,
    attachment: Option<usize>,
    original: bool,
) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    if stdout.is_terminal() {
        return Err(
            "正文是二进制文件，请重定向到文件或阅读器，例如 qianpi body <id> > 正文.pdf".into(),
        );
    }
    let client = open(data_dir)?;
    let detail = client.document_detail(id).map_err(|e| e.to_string())?;
    let (sha256, size, media_type) = chosen(&detail, attachment, original)?;
    let listener = Arc::new(|received: u64, total: u64| {
        eprint!("\r下载 {} / {}", kib(received), kib(total));
    });
    client
        .download_with_progress(&sha256, Some(listener))
        .await
        .map_err(|e| e.to_string())?;
    eprintln!();
    let mut stream = client.open_file(&sha256).map_err(|e| e.to_string())?;
    loop {
        let piece = stream.read(READ_PIECE).map_err(|e| e.to_string())?;
        if piece.is_empty() {
            break;
        }
        stdout.write_all(&piece).map_err(|e| e.to_string())?;
    }
    stdout.flush().map_err(|e| e.to_string())?;
    eprintln!("{media_type} · {size} bytes · SHA-256 {sha256} 核验通过");
    Ok(())
}

/// `qianpi prefetch [--metered] [--budget-mb n]`.
pub async fn prefetch(
    data_dir: &Path,
    metered: bool,
    budget_mb: Option<u64>,
) -> Result<(), String> {
    let client = open(data_dir)?;
    let network = if metered {
        Network::Metered
    } else {
        Network::Unmetered
    };
    let budget = budget_mb.map_or(PREFETCH_BUDGET, |mb| mb.saturating_mul(1024 * 1024));
    let listener = Arc::new(|p: &PrefetchProgress| {
        eprint!(
            "\r文件 {}/{} · {} / {}",
            p.file,
            p.files,
            kib(p.bytes_done),
            kib(p.bytes_total)
        );
    });
    let report = client
        .prefetch_pending(network, budget, Some(listener))
        .await
        .map_err(|e| e.to_string())?;
    if report.metered {
        println!("按流量计费的网络：未预先下载任何文件（连接 Wi-Fi 后再试）");
        return Ok(());
    }
    if report.downloaded > 0 {
        eprintln!();
    }
    println!(
        "预先下载 {} 个文件（{}），{} 个已在本机，{} 个超出预算留待以后",
        report.downloaded,
        kib(report.bytes),
        report.already_held,
        report.over_budget
    );
    for failure in &report.failures {
        println!("  未能下载 {}：{}", failure.sha256, failure.reason);
    }
    Ok(())
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use qianpi_core::model::{BodyFormat, BodyStage, DocumentKind, SecrecyLevel, Urgency};
    use qianpi_core::protocol::UnopenedBodyRule;
    use qianpi_core::screens::{AttachmentFile, BodyFile, BodyReading, DetailHead, RenditionFile};

    fn detail() -> DocumentDetail {
        let body = BodyFile {
            id: "v1".into(),
            stage: BodyStage::Sealed,
            format: BodyFormat::Ofd,
            media_type: "application/ofd".into(),
            size: 100,
            sha256: "a".repeat(64),
            pages: None,
            created_at: None,
            held: false,
            current: true,
            rendition: Some(RenditionFile {
                format: BodyFormat::Pdf,
                media_type: "application/pdf".into(),
                size: 80,
                sha256: "b".repeat(64),
                held: false,
            }),
            view_sha256: "b".repeat(64),
            view_media_type: "application/pdf".into(),
        };
        DocumentDetail {
            document_id: "doc-1".into(),
            head: DetailHead {
                title: "通知".into(),
                number: "晋农办〔2026〕12号".into(),
                kind: DocumentKind::Incoming,
                genre: None,
                urgency: Urgency::Normal,
                secrecy: SecrecyLevel::None,
                secrecy_period: None,
                copy_number: None,
                issuing_organs: vec![],
                signers: vec![],
                from_organ: None,
                from_number: None,
                received_at: None,
                registration_number: None,
                main_recipients: vec![],
                signature_organs: vec![],
                date: None,
                copy_to: vec![],
                printed_by: None,
                printed_on: None,
                note: None,
            },
            bodies: vec![body],
            attachments: vec![AttachmentFile {
                id: "a1".into(),
                name: "分解表".into(),
                media_type: "text/csv".into(),
                size: 5,
                sha256: "c".repeat(64),
                held: true,
            }],
            reading: BodyReading {
                version_id: Some("v1".into()),
                sha256: Some("a".repeat(64)),
                held: false,
                opened: false,
                rule: UnopenedBodyRule::Allow,
            },
            deadline: None,
            finished_at: None,
            instance_id: None,
            flow_name: None,
            instance_state: None,
            initiator: None,
            current_nodes: vec![],
            opinion_columns: vec![],
            flow_record: vec![],
            my_task: None,
        }
    }

    #[test]
    fn the_rendition_is_read_unless_the_original_or_an_attachment_is_asked_for() {
        let d = detail();
        assert_eq!(chosen(&d, None, false).unwrap().0, "b".repeat(64));
        assert_eq!(chosen(&d, None, true).unwrap().0, "a".repeat(64));
        assert_eq!(chosen(&d, Some(1), false).unwrap().2, "text/csv");
        assert!(chosen(&d, Some(2), false).unwrap_err().contains("附件 2"));
        assert!(chosen(&d, Some(0), false).is_err());
    }
}
