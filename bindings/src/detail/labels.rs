//! The Chinese words a screen prints for the enums (平件, 收文, 流转中 …), the same the core
//! and the gateway print, so no shell keeps its own table of them.

use super::enums::{DocumentKind, InstanceState, SecrecyLevel, Urgency};

#[uniffi::export]
impl Urgency {
    /// 紧急程度 as printed: 平件, 加急, 特急.
    pub fn label_zh(&self) -> String {
        match self {
            Urgency::Normal => "平件",
            Urgency::Urgent => "加急",
            Urgency::ExtraUrgent => "特急",
        }
        .to_owned()
    }
}

#[uniffi::export]
impl SecrecyLevel {
    /// 密级 as printed: 无, 秘密, 机密, 绝密.
    pub fn label_zh(&self) -> String {
        match self {
            SecrecyLevel::None => "无",
            SecrecyLevel::Secret => "秘密",
            SecrecyLevel::Confidential => "机密",
            SecrecyLevel::TopSecret => "绝密",
        }
        .to_owned()
    }
}

#[uniffi::export]
impl DocumentKind {
    /// 公文类型 as printed: 发文, 收文, 签报, 请示.
    pub fn label_zh(&self) -> String {
        match self {
            DocumentKind::Outgoing => "发文",
            DocumentKind::Incoming => "收文",
            DocumentKind::InternalRequest => "签报",
            DocumentKind::Request => "请示",
        }
        .to_owned()
    }
}

#[uniffi::export]
impl InstanceState {
    /// 流程状态 as printed: 草稿, 流转中, 办结, 驳回, 撤销, 终止, 挂起.
    pub fn label_zh(&self) -> String {
        match self {
            InstanceState::Draft => "草稿",
            InstanceState::Running => "流转中",
            InstanceState::Completed => "办结",
            InstanceState::Rejected => "驳回",
            InstanceState::Revoked => "撤销",
            InstanceState::Terminated => "终止",
            InstanceState::Suspended => "挂起",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::model;

    /// The shells print the same words as the core: each label agrees with the core's.
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
