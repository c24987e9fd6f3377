//! What the action subcommands print, in Chinese: one line per item of a batch, the kept draft,
//! what a row allows now, and a standing delegation.

use super::refusal::refused;
use crate::notices::when;
use qianpi_core::client::{BatchEntry, Client, Verdict};
use qianpi_core::model::Attitude;
use qianpi_core::protocol::delegations::DelegationView;
use qianpi_core::workflow::{Controls, DelegationScope};

pub(super) fn batch(
    client: &Client,
    tasks: Vec<String>,
    route: Option<String>,
) -> Result<(), String> {
    let items: Vec<BatchEntry> = tasks
        .into_iter()
        .map(|task_id| BatchEntry {
            task_id,
            route: route.clone(),
        })
        .collect();
    let mut queued = 0;
    for outcome in client.batch_approve(&items) {
        match outcome.verdict {
            Verdict::Queued(_) => {
                queued += 1;
                println!("{}：已签名并放入待发队列", outcome.task_id);
            }
            Verdict::Refused(error) => {
                println!("{}：未能办理（{}）", outcome.task_id, refused(&error))
            }
        }
    }
    println!(
        "批量审批：{queued} / {} 件已放入待发队列；运行 `qianpi sync` 送达",
        items.len()
    );
    Ok(())
}

pub(super) fn draft(client: &Client, task: &str, opinion: Option<String>) -> Result<(), String> {
    match opinion {
        Some(text) => {
            client
                .save_draft(task, Attitude::Agree, &text)
                .map_err(|e| format!("未能暂存：{}", refused(&e)))?;
            println!("已暂存（仅保存在本机）");
        }
        None => match client.draft(task).map_err(|e| e.to_string())? {
            Some(opinion) => println!("暂存的意见：{}", opinion.text),
            None => println!("（没有暂存的意见）"),
        },
    }
    Ok(())
}

/// The actions `controls` allows, by their Chinese names (with routes and targets).
pub fn allowed(c: &Controls) -> Vec<String> {
    let mut out = Vec::new();
    let mut flag = |on: bool, name: &str| {
        if on {
            out.push(name.to_owned());
        }
    };
    flag(c.can_approve, "同意/不同意");
    flag(c.can_mark_read, "已阅");
    flag(c.can_reject, "驳回");
    flag(!c.return_targets.is_empty(), "退回");
    flag(c.can_transfer, "转交");
    flag(c.can_delegate, "委派");
    flag(c.can_resolve, "委派办结");
    flag(!c.add_sign_modes.is_empty(), "加签");
    flag(!c.removable_signers.is_empty(), "减签");
    flag(c.can_circulate, "传阅");
    flag(c.can_recall, "撤回");
    flag(c.can_revoke, "撤销");
    flag(c.can_terminate, "终止");
    flag(c.can_urge, "催办");
    flag(c.can_pause, "暂停");
    flag(c.can_resume_task, "恢复办理");
    flag(c.can_suspend, "挂起");
    flag(c.can_resume, "恢复流程");
    flag(c.can_save, "暂存");
    flag(c.can_batch, "批量审批");
    flag(c.can_claim, "签收");
    flag(c.can_release, "签退");
    flag(c.can_take_back, "收回委托");
    if !c.routes.is_empty() {
        out.push(format!("路由 {}", c.routes.join("/")));
    }
    if !c.return_targets.is_empty() {
        out.push(format!("可退回至 {}", c.return_targets.join("/")));
    }
    out
}

pub(super) fn delegation_line(view: &DelegationView) -> String {
    let scope = match &view.scope {
        DelegationScope::All => "全部流程".to_owned(),
        DelegationScope::Process { definition_id } => format!("流程 {definition_id}"),
    };
    let revoked = view
        .revoked_at
        .map(|at| format!("，已于 {} 收回", when(at)))
        .unwrap_or_default();
    format!(
        "{} · {} 委托 {} 代办 · {} · {} 至 {}{revoked}",
        view.id,
        view.from,
        view.to,
        scope,
        when(view.start),
        when(view.end)
    )
}

#[cfg(test)]
mod tests {
    use super::allowed;
    use qianpi_core::workflow::Controls;

    #[test]
    fn a_finished_row_lists_recall_and_urge_by_their_chinese_names() {
        let controls = Controls {
            can_recall: true,
            can_urge: true,
            ..Controls::default()
        };
        assert_eq!(allowed(&controls), ["撤回", "催办"]);
        assert!(allowed(&Controls::default()).is_empty());
    }
}
