//! The terminal's 常用意见: `qianpi phrases` exchanges the phrases with the gateway when it is
//! reachable (sending an edit made here first) and lists them numbered — the person's own, then
//! the unit's; `add <text>`, `remove <n>` and `move <from> <to>` edit the own list offline (sent
//! at the next sync); `pick <n>` prints the n-th phrase alone, to write an opinion from it:
//! `qianpi act <task> approve --phrase 2` (or `--opinion "$(qianpi phrases pick 2)"`). `act`
//! attaches a handwriting image or voice clip to the opinion with `--handwriting` / `--voice`.

use crate::phone::open;
use clap::Subcommand;
use qianpi_core::client::{ClientError, PhraseList};
use qianpi_core::link::LinkError;
use qianpi_core::model::OpinionFile;
use qianpi_core::Client;
use std::path::Path;

/// An edit of the own list, or a pick.
#[derive(Subcommand)]
pub enum PhraseCommand {
    /// Add a phrase at the end of your own list.
    Add {
        /// The phrase, e.g. 请办公室阅处。
        text: String,
    },
    /// Remove your own phrase number n (as the list numbers it, from 1).
    Remove {
        /// Its number.
        n: usize,
    },
    /// Move your own phrase number `from` to number `to`.
    Move {
        /// Its number now.
        from: usize,
        /// Its number after.
        to: usize,
    },
    /// Print phrase number n (own first, then the unit's) and nothing else.
    Pick {
        /// Its number in the whole list.
        n: usize,
    },
}

pub async fn phrases(
    data_dir: &Path,
    command: Option<PhraseCommand>,
    offline: bool,
) -> Result<(), String> {
    let client = open(data_dir)?;
    let text = |e: ClientError| e.to_string();
    let index = |n: usize| {
        n.checked_sub(1)
            .ok_or("phrases are numbered from 1".to_owned())
    };
    let list = match command {
        Some(PhraseCommand::Pick { n }) => {
            let all = client.phrases().map_err(text)?.all();
            let phrase = all
                .get(index(n)?)
                .ok_or_else(|| format!("没有第 {n} 条常用意见（共 {} 条）", all.len()))?;
            println!("{phrase}");
            return Ok(());
        }
        Some(PhraseCommand::Add { text: phrase }) => client.add_phrase(&phrase).map_err(text)?,
        Some(PhraseCommand::Remove { n }) => client.remove_phrase(index(n)?).map_err(text)?,
        Some(PhraseCommand::Move { from, to }) => {
            client.move_phrase(index(from)?, index(to)?).map_err(text)?
        }
        None => client.phrases().map_err(text)?,
    };
    let list = if offline {
        list
    } else {
        exchange(&client).await?.unwrap_or(list)
    };
    print!("{}", listing(&list));
    Ok(())
}

/// Phrase number `n` (from 1; own first, then the unit's), for `act --phrase n`.
pub fn phrase(client: &Client, n: usize) -> Result<String, String> {
    let all = client.phrases().map_err(|e| e.to_string())?.all();
    n.checked_sub(1)
        .and_then(|i| all.get(i))
        .cloned()
        .ok_or_else(|| format!("没有第 {n} 条常用意见（共 {} 条）", all.len()))
}

/// The media type of an opinion file, by its extension.
fn media_type(path: &Path) -> Result<&'static str, String> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    Ok(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "aac" => "audio/aac",
        "m4a" => "audio/mp4",
        "opus" | "ogg" => "audio/ogg",
        "amr" => "audio/amr",
        "wav" => "audio/wav",
        _ => {
            return Err(format!(
                "{} 不是支持的手写或语音文件（png、jpg、aac、m4a、opus、amr、wav）",
                path.display()
            ))
        }
    })
}

/// Keeps the file at `path` (if given) encrypted on the phone for an opinion.
pub fn keep_file(
    client: &Client,
    path: Option<std::path::PathBuf>,
    duration_ms: Option<u32>,
) -> Result<Option<OpinionFile>, String> {
    let Some(path) = path else {
        return Ok(None);
    };
    let media_type = media_type(&path)?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    client
        .keep_opinion_file(&bytes, media_type, duration_ms)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The phrases after an exchange with the gateway; `None` when it cannot be reached.
async fn exchange(client: &Client) -> Result<Option<PhraseList>, String> {
    match client.sync_phrases().await {
        Ok(list) => Ok(Some(list)),
        Err(ClientError::Link(LinkError::Unreachable(_))) => {
            eprintln!("(offline — the phrases on this phone; edits go at the next sync)");
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The numbered list as the terminal prints it.
fn listing(list: &PhraseList) -> String {
    let mut out = String::new();
    if list.edit_refused {
        out.push_str("（您在另一台设备上先修改了常用意见，本机的修改未被采用）\n");
    }
    if list.edit_pending {
        out.push_str("（本机的修改待同步）\n");
    }
    let mut n = 0;
    for (heading, phrases) in [("我的常用意见", &list.own), ("单位常用意见", &list.unit)]
    {
        out.push_str(heading);
        out.push('\n');
        let shown: Vec<&String> = if heading == "我的常用意见" {
            phrases.iter().collect()
        } else {
            phrases.iter().filter(|p| !list.own.contains(p)).collect()
        };
        if shown.is_empty() {
            out.push_str("  （无）\n");
        }
        for phrase in shown {
            n += 1;
            out.push_str(&format!("  {n}. {phrase}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opinion_files_are_typed_by_their_extension() {
        assert_eq!(media_type(Path::new("签名.PNG")), Ok("image/png"));
        assert_eq!(media_type(Path::new("a/b.m4a")), Ok("audio/mp4"));
        assert!(media_type(Path::new("批示.pdf")).is_err());
        assert!(media_type(Path::new("noextension")).is_err());
    }

    #[test]
    fn the_numbers_follow_the_picker_order_own_first() {
        let list = PhraseList {
            own: vec!["请办公室阅处。".into()],
            unit: vec!["同意。".into(), "请办公室阅处。".into(), "已阅。".into()],
            edit_pending: true,
            edit_refused: false,
        };
        let text = listing(&list);
        assert!(text.contains("（本机的修改待同步）"));
        assert!(text.contains("  1. 请办公室阅处。\n"));
        assert!(text.contains("  2. 同意。\n"));
        assert!(text.contains("  3. 已阅。\n"));
        // The numbers are the ones `pick` takes.
        assert_eq!(list.all()[2], "已阅。");
    }
}
