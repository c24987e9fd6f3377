//! `qianpi show <id>`: the document detail screen in the terminal, in Chinese — the head, body
//! versions and attachments, opinions by 意见栏, the 流转记录 and the viewer's own task — read
//! from the store on this phone (offline too). Times print in the user's local time zone.

use crate::phone::open;
use chrono::{DateTime, Local, NaiveDate, Utc};
use qianpi_core::model::BodyFormat;
use qianpi_core::screens::{
    Deadline, DocumentDetail, FlowStep, OpinionColumn, OpinionEntry, Person, UnopenedBodyCheck,
};
use qianpi_core::store::LocalTaskState;
use std::fmt::Write as _;
use std::path::Path;

pub fn show(data_dir: &Path, id: &str) -> Result<(), String> {
    let client = open(data_dir)?;
    let detail = client.document_detail(id).map_err(|e| e.to_string())?;
    print!("{}", detail_text(&detail));
    Ok(())
}

fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

fn day(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn who(person: &Person) -> String {
    match (&person.name, &person.post) {
        (Some(name), Some(post)) => format!("{name}（{post}）"),
        (Some(name), None) => name.clone(),
        _ => person.user_id.clone(),
    }
}

fn deadline(d: &Deadline) -> String {
    let late = if d.overdue { "，已超期" } else { "" };
    format!("{}{late}", when(d.due))
}

fn list(items: &[String]) -> String {
    items.join("、")
}

/// The whole screen as text.
pub fn detail_text(d: &DocumentDetail) -> String {
    let mut out = String::new();
    let h = &d.head;
    let _ = writeln!(out, "{}", h.title);
    let genre = h
        .genre
        .map(|g| format!(" · {}", g.label_zh()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} · {}{} · {}",
        h.number,
        h.kind.label_zh(),
        genre,
        h.urgency.label_zh()
    );
    let mut line = |label: &str, value: String| {
        if !value.is_empty() {
            let _ = writeln!(out, "  {label}：{value}");
        }
    };
    if h.secrecy.allowed_on_phone() {
        line("密级", String::new());
    } else {
        let period = h.secrecy_period.as_deref().unwrap_or_default();
        line("密级", format!("{}★{period}", h.secrecy.label_zh()));
    }
    line("份号", h.copy_number.clone().unwrap_or_default());
    line("发文机关", list(&h.issuing_organs));
    line("签发人", list(&h.signers));
    line("来文单位", h.from_organ.clone().unwrap_or_default());
    line("来文字号", h.from_number.clone().unwrap_or_default());
    line("收文时间", h.received_at.map(when).unwrap_or_default());
    line(
        "收文编号",
        h.registration_number.clone().unwrap_or_default(),
    );
    line("主送机关", list(&h.main_recipients));
    line("署名", list(&h.signature_organs));
    line("成文日期", h.date.map(day).unwrap_or_default());
    line("抄送机关", list(&h.copy_to));
    line("印发机关", h.printed_by.clone().unwrap_or_default());
    line("印发日期", h.printed_on.map(day).unwrap_or_default());
    line("附注", h.note.clone().unwrap_or_default());
    line(
        "办理时限",
        d.deadline.as_ref().map(deadline).unwrap_or_default(),
    );
    line("办结时间", d.finished_at.map(when).unwrap_or_default());
    if let Some(state) = d.instance_state {
        let flow = d.flow_name.clone().unwrap_or_default();
        let at = if d.current_nodes.is_empty() {
            String::new()
        } else {
            format!("，当前环节：{}", list(&d.current_nodes))
        };
        line("流程", format!("{flow}（{}{at}）", state.label_zh()));
    }
    line("发起人", d.initiator.as_ref().map(who).unwrap_or_default());

    if !d.bodies.is_empty() {
        let _ = writeln!(out, "正文");
        for b in &d.bodies {
            let pages = b.pages.map(|p| format!(" · {p}页")).unwrap_or_default();
            let current = if b.current { " · 当前版本" } else { "" };
            let held = if b.held { "已下载" } else { "未下载" };
            let format = match b.format {
                BodyFormat::Ofd => "OFD",
                BodyFormat::Pdf => "PDF",
                BodyFormat::Docx => "DOCX",
            };
            let _ = writeln!(
                out,
                "  {} {format} · {}{pages} · {held}{current} · {}",
                b.stage.label_zh(),
                size(b.size),
                b.sha256
            );
            if let Some(r) = &b.rendition {
                let held = if r.held { "已下载" } else { "未下载" };
                let _ = writeln!(
                    out,
                    "    PDF 转换件（阅读时打开此件）· {} · {held} · {}",
                    size(r.size),
                    r.sha256
                );
            }
        }
        if let Some(version) = &d.reading.version_id {
            let opened = if d.reading.opened {
                "已在本机打开"
            } else {
                "未在本机打开"
            };
            let _ = writeln!(out, "  审批将以版本 {version} 为准 · {opened}");
        }
    }
    if !d.attachments.is_empty() {
        let _ = writeln!(out, "附件");
        for (i, a) in d.attachments.iter().enumerate() {
            let held = if a.held { "已下载" } else { "未下载" };
            let _ = writeln!(
                out,
                "  {}. {} · {} · {held} · {}",
                i + 1,
                a.name,
                size(a.size),
                a.sha256
            );
        }
    }
    for column in &d.opinion_columns {
        out.push_str(&column_text(column));
    }
    if !d.flow_record.is_empty() {
        let _ = writeln!(out, "流转记录");
        for step in &d.flow_record {
            out.push_str(&step_text(step));
        }
    }
    if let Some(my) = &d.my_task {
        let state = match my.item.state {
            LocalTaskState::Pending => "待办",
            LocalTaskState::Queued => "已处理，等待上传",
            LocalTaskState::Waiting => "等待他人",
            LocalTaskState::Done => "已办",
        };
        let _ = writeln!(
            out,
            "我的任务：{} · {} · {state}",
            my.item.task_id, my.item.node_name
        );
        if let Some(due) = &my.deadline {
            let _ = writeln!(out, "  时限：{}", deadline(due));
        }
        match my.unopened_body {
            UnopenedBodyCheck::Clear => {}
            UnopenedBodyCheck::Confirm => {
                let _ = writeln!(out, "  提醒：正文尚未在本机打开，审批前请先阅读正文");
            }
            UnopenedBodyCheck::Refused => {
                let _ = writeln!(
                    out,
                    "  本单位规定：正文未在本机打开不能审批（qianpi body {} 阅读正文）",
                    d.document_id
                );
            }
        }
        for route in &my.item.routes {
            let must = if route.requires_opinion {
                "（须填意见）"
            } else {
                ""
            };
            let _ = writeln!(out, "  可选：{} [{}]{must}", route.label, route.id);
        }
    }
    out
}

fn column_text(column: &OpinionColumn) -> String {
    let mut out = format!("【{}】\n", column.name);
    for o in &column.opinions {
        out.push_str(&opinion_text(o));
    }
    out
}

fn opinion_text(o: &OpinionEntry) -> String {
    let mut by = who(&o.author);
    if let Some(principal) = &o.on_behalf_of {
        let _ = write!(by, "（代{}）", who(principal));
    }
    if let Some(secretary) = &o.entered_by {
        let _ = write!(by, "（{}代签）", who(secretary));
    }
    let at = o.at.map(when).unwrap_or_default();
    let pending = if o.pending { " · 待上传" } else { "" };
    let mut out = format!("  {by} · {at} · {}{pending}\n", o.attitude.label_zh());
    if !o.text.is_empty() {
        let _ = writeln!(out, "    {}", o.text);
    }
    for (label, file) in [("手写签批", &o.handwriting), ("语音", &o.audio)] {
        if let Some(f) = file {
            let length = f
                .duration_ms
                .map(|ms| format!(" · {} 秒", ms.div_ceil(1000)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    【{label}】{} · {} 字节{length} · {}（qianpi download {} 取回）",
                f.media_type, f.size, f.sha256, f.sha256
            );
        }
    }
    out
}

fn step_text(s: &FlowStep) -> String {
    let mut out = format!("  {} {}", when(s.at), who(&s.actor));
    if let Some(secretary) = &s.entered_by {
        let _ = write!(out, "（{}代签）", who(secretary));
    }
    if let Some(principal) = &s.on_behalf_of {
        let _ = write!(out, "（代{}）", who(principal));
    }
    let _ = write!(out, " {}", s.action.label_zh());
    if let Some(node) = &s.node_name {
        let _ = write!(out, " · {node}");
    }
    if let Some(target) = &s.returned_to {
        let _ = write!(out, " → 退回至{target}");
    }
    if !s.to.is_empty() {
        let names: Vec<String> = s.to.iter().map(who).collect();
        let _ = write!(out, " → {}", list(&names));
    }
    if s.pending {
        out.push_str(" · 待上传");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
