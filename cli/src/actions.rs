//! The workflow actions at the terminal, one subcommand family: `act <task> <action>` for every
//! task-level action (with `--for <leader>` for 代签), `flow <id> <action>` for the whole flow
//! (撤销, 终止, 催办, 挂起, 恢复), `batch-approve`, `allowed <id>` (what the row allows now),
//! `draft` (暂存 on this terminal), and standing delegations (`delegate-standing`,
//! `delegations`, `delegation-revoke`). Every action works offline; `sync` delivers it.

mod build;
mod print;
mod refusal;

pub use print::allowed;

use crate::phone::open;
use build::{required, task_command, TaskOptions};
use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};
use print::{batch, delegation_line, draft};
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::protocol::delegations::NewDelegation;
use qianpi_core::workflow::{Command, DelegationScope};
use refusal::{delegation_refused, refused};
use std::path::PathBuf;

/// The action subcommands.
#[derive(Subcommand)]
pub enum Actions {
    /// Act on a task or read item (works offline): approve, disagree, read, reject, return,
    /// recall, transfer, delegate, resolve, add-sign, remove-sign, circulate, pause, resume,
    /// open, save, claim, release, take-back.
    Act {
        /// The task or read item id.
        task: String,
        /// The action.
        action: TaskVerb,
        /// The opinion (批示 / reason).
        #[arg(long)]
        opinion: Option<String>,
        /// 常用意见: the opinion is phrase number n, as `qianpi phrases` numbers them.
        #[arg(long, conflicts_with = "opinion")]
        phrase: Option<usize>,
        /// 手写签批: an image file (PNG or JPEG, at most 2 MiB) attached to the opinion.
        #[arg(long)]
        handwriting: Option<PathBuf>,
        /// 语音: an audio clip (AAC, M4A, Opus, AMR or WAV, at most 2 MiB) attached to the opinion.
        #[arg(long)]
        voice: Option<PathBuf>,
        /// 语音: the clip's length in milliseconds.
        #[arg(long, requires = "voice")]
        voice_ms: Option<u32>,
        /// The route id where the step has several.
        #[arg(long)]
        route: Option<String>,
        /// The person (转交 / 委派 to), or people, comma-separated (加签 / 传阅).
        #[arg(long)]
        to: Option<String>,
        /// 退回: the step to return to.
        #[arg(long)]
        target: Option<String>,
        /// 加签: after oneself (one's approval is given now); before otherwise.
        #[arg(long)]
        after: bool,
        /// 加签: how the added signers work.
        #[arg(long, value_enum, default_value = "single")]
        mode: Mode,
        /// 代签: the leader this secretary enters the action for.
        #[arg(long = "for")]
        acting_for: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// Act on a whole flow, by its 已发 id or a task of it (works offline).
    Flow {
        /// The instance id (as `qianpi list sent` lists it) or a task id of the flow.
        flow: String,
        /// The action.
        action: FlowVerb,
        /// 终止: the reason (required).
        #[arg(long)]
        reason: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// 批量审批: approve several tasks, each in its own signed record; one line per item.
    BatchApprove {
        /// The task ids.
        #[arg(required = true)]
        tasks: Vec<String>,
        /// The route id, for steps with several.
        #[arg(long)]
        route: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// What a task, read item or flow allows now.
    Allowed {
        /// The task, read item or instance id.
        id: String,
        /// 代签: what you may enter on this task for this leader, whose secretary you are.
        #[arg(long = "for")]
        acting_for: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// 暂存: keep an opinion for a task on this terminal (or show the one kept).
    Draft {
        /// The task id.
        task: String,
        /// The opinion to keep; none shows the kept one.
        #[arg(long)]
        opinion: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// 委托代理: name a deputy for a window (needs the gateway).
    DelegateStanding {
        /// The deputy's user id.
        #[arg(long)]
        to: String,
        /// From (RFC 3339); now when left out.
        #[arg(long)]
        start: Option<DateTime<Utc>>,
        /// Until (RFC 3339, exclusive).
        #[arg(long)]
        end: DateTime<Utc>,
        /// Only the flows of this process definition.
        #[arg(long)]
        process: Option<String>,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// The standing delegations naming this user (needs the gateway).
    Delegations {
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
    /// End one of this user's standing delegations now (needs the gateway).
    DelegationRevoke {
        /// The rule id.
        id: String,
        /// The phone data folder.
        #[arg(long, default_value = "qianpi-phone")]
        data_dir: PathBuf,
    },
}

/// A task-level action.
#[derive(Clone, Copy, ValueEnum)]
pub enum TaskVerb {
    /// 同意.
    Approve,
    /// 不同意 (the flow continues).
    Disagree,
    /// 已阅.
    Read,
    /// 驳回.
    Reject,
    /// 退回.
    Return,
    /// 撤回.
    Recall,
    /// 转交.
    Transfer,
    /// 委派.
    Delegate,
    /// 委派办结.
    Resolve,
    /// 加签.
    AddSign,
    /// 减签 (the task named is the added signer's).
    RemoveSign,
    /// 传阅.
    Circulate,
    /// 暂停.
    Pause,
    /// 恢复 a paused task.
    Resume,
    /// 打开.
    Open,
    /// 暂存 at the gateway.
    Save,
    /// 签收.
    Claim,
    /// 签退.
    Release,
    /// 收回委托.
    TakeBack,
}

/// A flow-level action.
#[derive(Clone, Copy, ValueEnum)]
pub enum FlowVerb {
    /// 撤销.
    Revoke,
    /// 终止.
    Terminate,
    /// 催办.
    Urge,
    /// 挂起.
    Suspend,
    /// 恢复.
    Resume,
}

/// How added signers work.
#[derive(Clone, Copy, ValueEnum)]
pub enum Mode {
    /// One person.
    Single,
    /// In turn.
    Serial,
    /// All at once.
    Parallel,
}

/// Runs one action subcommand.
pub async fn run(actions: Actions) -> Result<(), String> {
    match actions {
        Actions::Act {
            task,
            action,
            opinion,
            phrase,
            handwriting,
            voice,
            voice_ms,
            route,
            to,
            target,
            after,
            mode,
            acting_for,
            data_dir,
        } => {
            let client = open(&data_dir)?;
            let opinion = match phrase {
                Some(n) => Some(crate::phrases::phrase(&client, n)?),
                None => opinion,
            };
            let options = TaskOptions {
                opinion,
                route,
                to,
                target,
                after,
                mode,
            };
            let command = task_command(&task, action, options)?;
            let handwriting = crate::phrases::keep_file(&client, handwriting, None)?;
            let voice = crate::phrases::keep_file(&client, voice, voice_ms)?;
            let queued = client
                .act_with_files(command, acting_for.as_deref(), handwriting, voice)
                .map_err(|e| format!("未能办理：{}", refused(&e)))?;
            println!(
                "已签名并放入待发队列 ({})；运行 `qianpi sync` 送达",
                queued.command_id
            );
            Ok(())
        }
        Actions::Flow {
            flow,
            action,
            reason,
            data_dir,
        } => {
            let command = match action {
                FlowVerb::Revoke => Command::Revoke,
                FlowVerb::Terminate => Command::Terminate {
                    opinion: Opinion::new(Attitude::Disagree, &required(reason, "--reason")?),
                },
                FlowVerb::Urge => Command::Urge,
                FlowVerb::Suspend => Command::Suspend { task_id: None },
                FlowVerb::Resume => Command::Resume { task_id: None },
            };
            let client = open(&data_dir)?;
            let queued = client
                .act_on_flow(&flow, command)
                .map_err(|e| format!("未能办理：{}", refused(&e)))?;
            println!(
                "已签名并放入待发队列 ({})；运行 `qianpi sync` 送达",
                queued.command_id
            );
            Ok(())
        }
        Actions::BatchApprove {
            tasks,
            route,
            data_dir,
        } => batch(&open(&data_dir)?, tasks, route),
        Actions::Allowed {
            id,
            acting_for,
            data_dir,
        } => {
            let controls = open(&data_dir)?
                .controls_acting_for(&id, acting_for.as_deref())
                .map_err(|e| refused(&e))?;
            let allowed = allowed(&controls);
            if allowed.is_empty() {
                println!("{id}：现在没有可办理的操作");
            } else {
                println!("{id} 现在可以：{}", allowed.join("、"));
            }
            Ok(())
        }
        Actions::Draft {
            task,
            opinion,
            data_dir,
        } => draft(&open(&data_dir)?, &task, opinion),
        Actions::DelegateStanding {
            to,
            start,
            end,
            process,
            data_dir,
        } => {
            let request = NewDelegation {
                to,
                scope: match process {
                    Some(definition_id) => DelegationScope::Process { definition_id },
                    None => DelegationScope::All,
                },
                start: start.unwrap_or_else(Utc::now),
                end,
            };
            let view = open(&data_dir)?
                .set_delegation(&request)
                .await
                .map_err(|e| format!("未能设置委托：{}", delegation_refused(&e)))?;
            println!("已设置委托：{}", delegation_line(&view));
            Ok(())
        }
        Actions::Delegations { data_dir } => {
            let views = open(&data_dir)?
                .delegations()
                .await
                .map_err(|e| e.to_string())?;
            if views.is_empty() {
                println!("（没有委托）");
            }
            for view in &views {
                println!("{}", delegation_line(view));
            }
            Ok(())
        }
        Actions::DelegationRevoke { id, data_dir } => {
            let view = open(&data_dir)?
                .revoke_delegation(&id)
                .await
                .map_err(|e| format!("未能收回委托：{}", delegation_refused(&e)))?;
            println!("已收回委托：{}", delegation_line(&view));
            Ok(())
        }
    }
}
