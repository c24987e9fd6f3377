//! Why an action was not taken, in the user's language: the workflow's reason in Chinese with its
//! stable code (the English one stays in the code's documentation and in `verdicts`), an item not
//! on this terminal, and the gateway's refusals of a standing delegation by their codes.

use qianpi_core::client::ClientError;
use qianpi_core::link::LinkError;

/// An action refused on this terminal, before anything was signed.
pub(super) fn refused(error: &ClientError) -> String {
    match error {
        ClientError::Rejected(rejection) => format!(
            "{}（{}）",
            rejection.code.message_zh(),
            rejection.code.as_str()
        ),
        ClientError::NoSuchTask(id) => {
            format!("本机没有事项 {id}——运行 `qianpi sync` 取回最新")
        }
        other => other.to_string(),
    }
}

/// A standing-delegation request the gateway refused, by its code.
pub(super) fn delegation_refused(error: &ClientError) -> String {
    let ClientError::Link(LinkError::Refused { code, .. }) = error else {
        return error.to_string();
    };
    let reason = match code.as_str() {
        "delegate_to_self" => "受托人不能是本人",
        "window_too_long" => "委托期限过长",
        "bad_window" => "委托的起止时间有误",
        "no_such_deputy" => "本单位没有这位受托人",
        "no_such_definition" => "没有这个流程",
        "no_such_delegation" => "没有这项委托，或它不是您设置的",
        _ => return error.to_string(),
    };
    format!("{reason}（{code}）")
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::workflow::{Rejection, RejectionCode};

    #[test]
    fn a_rule_refusal_reads_in_chinese_with_its_code() {
        let error = ClientError::Rejected(Rejection {
            code: RejectionCode::UrgeTooSoon,
            current_version: 3,
        });
        assert_eq!(refused(&error), "催办过于频繁，请稍后再试（urge_too_soon）");
    }
}
