//! Every action a shell can name reaches the workflow as its own command: the names the trace and
//! the signed record carry, one per action, none lost in the conversion.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::{InstanceAction, SignMode, SignPlace, TaskAction};
use crate::convert::Attitude;
use qianpi_core::workflow::{Command, HandlerMode, SignPosition};

fn task_actions() -> Vec<TaskAction> {
    vec![
        TaskAction::Approve {
            attitude: Attitude::Agree,
            opinion: "同意".into(),
            route: Some("r1".into()),
        },
        TaskAction::Approve {
            attitude: Attitude::Disagree,
            opinion: "不同意".into(),
            route: None,
        },
        TaskAction::MarkRead,
        TaskAction::Reject {
            opinion: "退回来文单位".into(),
        },
        TaskAction::ReturnTo {
            target: "leader".into(),
            opinion: "请补充材料".into(),
        },
        TaskAction::Recall,
        TaskAction::Transfer { to: "u2".into() },
        TaskAction::Delegate { to: "u2".into() },
        TaskAction::Resolve {
            opinion: "拟同意".into(),
        },
        TaskAction::AddSigners {
            signers: vec!["u2".into(), "u3".into()],
            position: SignPlace::After,
            mode: SignMode::Serial,
            route: Some("r1".into()),
            opinion: Some("同意，请二位会签".into()),
        },
        TaskAction::RemoveSigner,
        TaskAction::Circulate {
            recipients: vec!["u4".into()],
        },
        TaskAction::Pause,
        TaskAction::ResumeTask,
        TaskAction::Open,
        TaskAction::SaveAtGateway {
            opinion: "草稿".into(),
        },
        TaskAction::Claim,
        TaskAction::Release,
        TaskAction::TakeBack,
    ]
}

#[test]
fn each_task_action_becomes_its_own_command_on_the_task_named() {
    let names: Vec<&str> = task_actions()
        .into_iter()
        .map(|action| {
            let command = action.into_command("t1".into());
            assert_eq!(command.task_id(), Some("t1"), "{command:?}");
            command.name()
        })
        .collect();
    assert_eq!(
        names,
        [
            "approve",
            "disagree",
            "mark_read",
            "reject",
            "return",
            "recall",
            "transfer",
            "delegate",
            "resolve",
            "add_signer",
            "remove_signer",
            "circulate",
            "suspend",
            "resume",
            "open",
            "save",
            "claim",
            "release",
            "take_back"
        ]
    );
}

#[test]
fn an_add_signer_keeps_its_place_mode_route_and_opinion() {
    let command = task_actions().swap_remove(9).into_command("t1".into());
    match command {
        Command::AddSigner {
            signers,
            position,
            mode,
            route,
            opinion,
            ..
        } => {
            assert_eq!(signers, ["u2", "u3"]);
            assert_eq!((position, mode), (SignPosition::After, HandlerMode::Serial));
            assert_eq!(route.as_deref(), Some("r1"));
            assert_eq!(opinion.unwrap().text, "同意，请二位会签");
        }
        other => panic!("not an add-signer: {other:?}"),
    }
}

#[test]
fn each_flow_action_acts_on_the_whole_flow() {
    let actions = [
        InstanceAction::Revoke,
        InstanceAction::Terminate {
            reason: "来文单位已撤回".into(),
        },
        InstanceAction::Urge,
        InstanceAction::Suspend,
        InstanceAction::Resume,
    ];
    let names: Vec<&str> = actions
        .into_iter()
        .map(|action| {
            let command = action.into_command();
            assert_eq!(command.task_id(), None, "{command:?}");
            command.name()
        })
        .collect();
    assert_eq!(names, ["revoke", "terminate", "urge", "suspend", "resume"]);
}

#[test]
fn a_batch_refusal_gives_its_reason_in_chinese_and_english() {
    use super::calls::refusal;
    use super::records::BatchVerdict;
    use qianpi_core::client::ClientError;
    use qianpi_core::workflow::{Rejection, RejectionCode};

    let refused = |error| match refusal(error) {
        BatchVerdict::Refused {
            code,
            reason_zh,
            reason_en,
        } => (code, reason_zh, reason_en),
        BatchVerdict::Queued { .. } => panic!("a refusal came out queued"),
    };
    let (code, zh, en) = refused(ClientError::Rejected(Rejection {
        code: RejectionCode::OpinionRequired,
        current_version: 3,
    }));
    assert_eq!(code, "opinion_required");
    assert_eq!(zh, RejectionCode::OpinionRequired.message_zh());
    assert_eq!(en, RejectionCode::OpinionRequired.message_en());
    assert_ne!(zh, en);

    let (code, zh, en) = refused(ClientError::NoSuchTask("t9".into()));
    assert_eq!(code, "not_on_phone");
    assert!(zh.contains("同步"), "{zh}");
    assert!(en.contains("sync"), "{en}");
}

#[test]
fn a_queued_records_action_name_reads_back_as_the_flow_action_it_records() {
    use crate::detail::FlowAction;
    use qianpi_core::screens::FlowAction as CoreFlowAction;

    let flow_actions = [
        InstanceAction::Revoke,
        InstanceAction::Terminate {
            reason: "来文单位已撤回".into(),
        },
        InstanceAction::Urge,
        InstanceAction::Suspend,
        InstanceAction::Resume,
    ];
    let commands: Vec<Command> = task_actions()
        .into_iter()
        .map(|action| action.into_command("t1".into()))
        .chain(flow_actions.into_iter().map(InstanceAction::into_command))
        .chain([Command::BatchApprove {
            task_id: "t1".into(),
            route: None,
        }])
        .collect();
    for command in &commands {
        let recorded: FlowAction = CoreFlowAction::of(command).into();
        assert_eq!(
            FlowAction::named(command.name()),
            Some(recorded),
            "{command:?}"
        );
    }
    assert_eq!(FlowAction::named("approve_all"), None);
}
