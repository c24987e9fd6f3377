//! The workflow command of `act`: the verb and its options (opinion, route, people, target,
//! add-sign placement and mode) checked and turned into a `Command`, with a Chinese message for
//! a missing option.

use super::{Mode, TaskVerb};
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::workflow::{Command, HandlerMode, SignPosition};

/// The options of `act`.
pub(super) struct TaskOptions {
    pub(super) opinion: Option<String>,
    pub(super) route: Option<String>,
    pub(super) to: Option<String>,
    pub(super) target: Option<String>,
    pub(super) after: bool,
    pub(super) mode: Mode,
}

pub(super) fn required(value: Option<String>, flag: &str) -> Result<String, String> {
    value.ok_or_else(|| format!("此操作需要 {flag}"))
}

fn people(list: Option<String>) -> Result<Vec<String>, String> {
    let people: Vec<String> = required(list, "--to")?
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if people.is_empty() {
        return Err("--to 没有列出任何人".into());
    }
    Ok(people)
}

/// The workflow command of `act`.
pub(super) fn task_command(task: &str, verb: TaskVerb, o: TaskOptions) -> Result<Command, String> {
    let task_id = task.to_owned();
    let text = |o: Option<String>| required(o, "--opinion");
    Ok(match verb {
        TaskVerb::Approve | TaskVerb::Disagree => Command::Approve {
            task_id,
            route: o.route,
            opinion: Opinion::new(
                if matches!(verb, TaskVerb::Disagree) {
                    Attitude::Disagree
                } else {
                    Attitude::Agree
                },
                &o.opinion.unwrap_or_default(),
            ),
        },
        TaskVerb::Read => Command::MarkRead { task_id },
        TaskVerb::Reject => Command::Reject {
            task_id,
            opinion: Opinion::new(Attitude::Disagree, &text(o.opinion)?),
        },
        TaskVerb::Return => Command::Return {
            task_id,
            target: required(o.target, "--target")?,
            opinion: Opinion::new(Attitude::Disagree, &text(o.opinion)?),
        },
        TaskVerb::Recall => Command::Recall { task_id },
        TaskVerb::Transfer => Command::Transfer {
            task_id,
            to: required(o.to, "--to")?,
        },
        TaskVerb::Delegate => Command::Delegate {
            task_id,
            to: required(o.to, "--to")?,
        },
        TaskVerb::Resolve => Command::Resolve {
            task_id,
            opinion: Opinion::agree(&text(o.opinion)?),
        },
        TaskVerb::AddSign => Command::AddSigner {
            task_id,
            signers: people(o.to)?,
            position: if o.after {
                SignPosition::After
            } else {
                SignPosition::Before
            },
            mode: match o.mode {
                Mode::Single => HandlerMode::Single,
                Mode::Serial => HandlerMode::Serial,
                Mode::Parallel => HandlerMode::Parallel,
            },
            route: o.route,
            opinion: o.opinion.map(|t| Opinion::agree(&t)),
        },
        TaskVerb::RemoveSign => Command::RemoveSigner { task_id },
        TaskVerb::Circulate => Command::Circulate {
            task_id,
            recipients: people(o.to)?,
        },
        TaskVerb::Pause => Command::Suspend {
            task_id: Some(task_id),
        },
        TaskVerb::Resume => Command::Resume {
            task_id: Some(task_id),
        },
        TaskVerb::Open => Command::Open { task_id },
        TaskVerb::Save => Command::Save {
            task_id,
            opinion: Opinion::agree(&text(o.opinion)?),
        },
        TaskVerb::Claim => Command::Claim { task_id },
        TaskVerb::Release => Command::Release { task_id },
        TaskVerb::TakeBack => Command::TakeBack { task_id },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn options() -> TaskOptions {
        TaskOptions {
            opinion: None,
            route: None,
            to: None,
            target: None,
            after: false,
            mode: Mode::Single,
        }
    }

    #[test]
    fn a_missing_option_is_named_in_chinese_before_anything_is_signed() {
        let error = task_command("t1", TaskVerb::Reject, options()).unwrap_err();
        assert_eq!(error, "此操作需要 --opinion");
        let error = task_command("t1", TaskVerb::Transfer, options()).unwrap_err();
        assert_eq!(error, "此操作需要 --to");
    }

    #[test]
    fn add_sign_takes_its_people_place_and_mode_from_the_options() {
        let o = TaskOptions {
            to: Some("u2, u3,".into()),
            after: true,
            mode: Mode::Parallel,
            opinion: Some("同意".into()),
            ..options()
        };
        match task_command("t1", TaskVerb::AddSign, o).unwrap() {
            Command::AddSigner {
                signers,
                position,
                mode,
                opinion,
                ..
            } => {
                assert_eq!(signers, ["u2", "u3"]);
                assert_eq!(
                    (position, mode),
                    (SignPosition::After, HandlerMode::Parallel)
                );
                assert!(opinion.is_some());
            }
            other => panic!("not an add-signer: {other:?}"),
        }
    }
}
