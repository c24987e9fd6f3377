//! The Chinese words a screen prints for the enums (平件, 收文, 流转中 …): the core's own words,
//! reached by mapping each binding enum back to the core's, so no shell and no binding keeps a
//! second table of them.

use super::enums::{DocumentKind, InstanceState, SecrecyLevel, Urgency};
use qianpi_core::model;
use qianpi_core::workflow::InstanceState as CoreInstanceState;

#[uniffi::export]
impl Urgency {
    /// 紧急程度 as printed: 平件, 加急, 特急.
    pub fn label_zh(&self) -> String {
        let core = match self {
            Urgency::Normal => model::Urgency::Normal,
            Urgency::Urgent => model::Urgency::Urgent,
            Urgency::ExtraUrgent => model::Urgency::ExtraUrgent,
        };
        core.label_zh().to_owned()
    }
}

#[uniffi::export]
impl SecrecyLevel {
    /// 密级 as printed: 无, 秘密, 机密, 绝密.
    pub fn label_zh(&self) -> String {
        let core = match self {
            SecrecyLevel::None => model::SecrecyLevel::None,
            SecrecyLevel::Secret => model::SecrecyLevel::Secret,
            SecrecyLevel::Confidential => model::SecrecyLevel::Confidential,
            SecrecyLevel::TopSecret => model::SecrecyLevel::TopSecret,
        };
        core.label_zh().to_owned()
    }
}

#[uniffi::export]
impl DocumentKind {
    /// 公文类型 as printed: 发文, 收文, 签报, 请示.
    pub fn label_zh(&self) -> String {
        let core = match self {
            DocumentKind::Outgoing => model::DocumentKind::Outgoing,
            DocumentKind::Incoming => model::DocumentKind::Incoming,
            DocumentKind::InternalRequest => model::DocumentKind::InternalRequest,
            DocumentKind::Request => model::DocumentKind::Request,
        };
        core.label_zh().to_owned()
    }
}

#[uniffi::export]
impl InstanceState {
    /// 流程状态 as printed: 草稿, 流转中, 办结, 驳回, 撤销, 终止, 挂起.
    pub fn label_zh(&self) -> String {
        let core = match self {
            InstanceState::Draft => CoreInstanceState::Draft,
            InstanceState::Running => CoreInstanceState::Running,
            InstanceState::Completed => CoreInstanceState::Completed,
            InstanceState::Rejected => CoreInstanceState::Rejected,
            InstanceState::Revoked => CoreInstanceState::Revoked,
            InstanceState::Terminated => CoreInstanceState::Terminated,
            InstanceState::Suspended => CoreInstanceState::Suspended,
        };
        core.label_zh().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::model;

    /// Each binding enum maps back to the very core value it came from, so it prints that
    /// value's word.
    #[test]
    fn the_labels_are_the_cores() {
        for u in [
            model::Urgency::Normal,
            model::Urgency::Urgent,
            model::Urgency::ExtraUrgent,
        ] {
            assert_eq!(Urgency::from(u).label_zh(), u.label_zh());
        }
        for k in [
            model::DocumentKind::Outgoing,
            model::DocumentKind::Incoming,
            model::DocumentKind::InternalRequest,
            model::DocumentKind::Request,
        ] {
            assert_eq!(DocumentKind::from(k).label_zh(), k.label_zh());
        }
        for s in [
            model::SecrecyLevel::None,
            model::SecrecyLevel::Secret,
            model::SecrecyLevel::Confidential,
            model::SecrecyLevel::TopSecret,
        ] {
            assert_eq!(SecrecyLevel::from(s).label_zh(), s.label_zh());
        }
        use qianpi_core::workflow::InstanceState as Core;
        for s in [
            Core::Draft,
            Core::Running,
            Core::Completed,
            Core::Rejected,
            Core::Revoked,
            Core::Terminated,
            Core::Suspended,
        ] {
            assert_eq!(InstanceState::from(s).label_zh(), s.label_zh());
        }
    }
}
