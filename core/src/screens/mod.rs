//! Screen models: what each screen of the phone shows, computed here once so the Kotlin, Swift
//! and terminal shells only draw it. Each is built from the store on this phone, offline, and
//! carries only core types (no FFI or platform types).
//!
//! | module | screen |
//! | --- | --- |
//! | [`people`] | 通讯录 and the person pickers: offline search by name and pinyin, departments |
//! | [`detail`] | 公文详情: the head, body versions, attachments, opinions by column, the flow record |

pub mod detail;
pub mod people;

pub use detail::{
    AttachmentFile, BodyFile, BodyReading, Deadline, DetailHead, DocumentDetail, FlowAction,
    FlowStep, MyTask, OpinionColumn, OpinionEntry, Person, RenditionFile, UnopenedBodyCheck,
};
