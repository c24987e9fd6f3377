//! The P-4 data set on a gateway: a unit with a leader (王局长) and six colleagues, three process
//! definitions, N flows of three tasks each on N documents (the leader pending on 3/8 of them, the
//! other flows his 已办 or finished), and N/5 notices to him.
//!
//! The flows follow the phone store benchmark's data model (core/examples/store_bench/data.rs:
//! 收文, 发文 会签 and 签报, documents with a body version and an attachment), with the unit's
//! real user ids. Everything is stored through the gateway's own code: the unit, people and
//! definitions through its administration functions; each flow's decisions are taken by the
//! workflow code the gateway decides with (`execute`) and the flow is stored by the gateway's flow
//! store (`instances::insert_flow`, which publishes each task to its readers' feeds through the
//! feed's `append_change`), a few thousand flows to a transaction; each notice is published by
//! the gateway's `notices::publish`. Nothing writes the feed tables directly.

use crate::BenchResult;
use chrono::{DateTime, Duration, Utc};
use qianpi_core::model::{
    Attachment, BodyFormat, BodyStage, BodyVersion, Document, DocumentKind, DocumentNumber,
    NoticeScope, SecrecyLevel, Urgency,
};
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_core::workflow::{
    execute, Actor, Command, Env, Instance, Node, Opinion, Outcome, ProcessDefinition, Submission,
};
use qianpi_gateway::admin::flows::load_definition;
use qianpi_gateway::admin::people::{create_unit, create_user, NewUnit, NewUser};
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::db::Db;
use qianpi_gateway::instances::insert_flow;
use qianpi_gateway::notices::{self, PublishNotice};
use std::sync::Arc;

/// Flows stored in one transaction.
const FLOWS_PER_TX: usize = 2_000;
/// Notices published at once (each is its own transaction, as at the gateway).
const NOTICES_IN_FLIGHT: usize = 8;

/// The unit's people by role in the data set; `me` is the leader whose phone syncs.
#[derive(Clone)]
pub(crate) struct People {
    pub(crate) unit: String,
    pub(crate) me: String,
    pub(crate) me_login: String,
    zhao: String,
    liu: String,
    li: String,
    chen: String,
    zhang: String,
    sun: String,
}

/// The three flows a leader's phone sees most.
#[derive(Clone)]
struct Definitions {
    /// 收文: 拟办 (office director) → 批示 (me) → 承办 (a division).
    incoming: ProcessDefinition,
    /// 发文: 核稿 → 会签 by me and another deputy, in parallel.
    outgoing: ProcessDefinition,
    /// 签报 I started: 审核 (circulated to me for reading) → 会签 by two divisions.
    request: ProcessDefinition,
}

fn definitions(p: &People) -> Definitions {
    let mut approve = Node::manual("n2", "领导批示", &[p.me.as_str()]).route("送承办", "n3");
    approve.time_limit_hours = Some(72);
    let incoming = ProcessDefinition::new(
        "def-p4-收文",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &[p.zhao.as_str()]).route("送批示", "n2"),
            approve,
            Node::manual("n3", "承办", &[p.li.as_str()]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    let mut countersign =
        Node::manual("n2", "会签", &[p.me.as_str(), p.liu.as_str()]).route("会签完毕", "end");
    countersign.time_limit_hours = Some(48);
    let outgoing = ProcessDefinition::new(
        "def-p4-发文",
        "发文会签",
        "n1",
        vec![
            Node::manual("n1", "核稿", &[p.zhao.as_str()]).route("送会签", "n2"),
            countersign,
            Node::end("end"),
        ],
    );
    let mut review = Node::manual("n1", "审核", &[p.chen.as_str()]).route("送会签", "n2");
    review.allow.circulate = true;
    let request = ProcessDefinition::new(
        "def-p4-签报",
        "签报",
        "n1",
        vec![
            review,
            Node::manual("n2", "会签", &[p.li.as_str(), p.zhang.as_str()]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    Definitions {
        incoming,
        outgoing,
        request,
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-05T08:30:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
}

/// One accepted command by `actor`: the new state.
fn step(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
    at: DateTime<Utc>,
) -> BenchResult<Instance> {
    let submission = Submission {
        command_id: format!("{}-c{}", inst.id, inst.version),
        actor: Actor::user(actor),
        acting_for: None,
        base_version: inst.version,
        command,
        at,
    };
    match execute(Env::new(def), inst, &submission).map_err(|e| e.to_string())? {
        Outcome::Applied { instance, .. } => Ok(*instance),
        Outcome::Duplicate { .. } => Err(format!("{} was taken for a duplicate", inst.id)),
    }
}

/// `user` approves their pending task with `text`.
fn approve(
    def: &ProcessDefinition,
    inst: &Instance,
    user: &str,
    text: &str,
    at: DateTime<Utc>,
) -> BenchResult<Instance> {
    let task_id = inst
        .open_tasks_of(user)
        .next()
        .ok_or_else(|| format!("{user} has no pending task on {}", inst.id))?
        .id
        .clone();
    let command = Command::Approve {
        task_id,
        route: None,
        opinion: Opinion::agree(text),
    };
    step(def, inst, user, command, at)
}

const ACTIONS: &[&str] = &["做好", "加强", "开展", "推进", "落实", "规范"];
const SUBJECTS: &[&str] = &[
    "2026年春耕备耕",
    "农村人居环境整治",
    "高标准农田建设",
    "重大动物疫病防控",
    "防汛抗旱",
    "粮食安全责任制考核",
    "农产品质量安全监管",
    "乡村振兴重点帮扶县",
    "秸秆综合利用",
    "政策性农业保险",
    "农机购置补贴",
];
const GENRES: &[&str] = &["通知", "请示", "报告", "函", "实施意见", "工作方案"];

/// A hex digest-looking string, distinct per `seed`.
fn digest(seed: u64) -> String {
    let a = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    let b = a.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!("{a:016x}{b:016x}{:016x}{:016x}", a ^ b, b.rotate_left(29))
}

fn document(unit: &str, i: usize, kind: DocumentKind, at: DateTime<Utc>) -> Document {
    let id = format!("p4-doc-{i:07}");
    let urgency = match i % 10 {
        0 => Urgency::ExtraUrgent,
        1 | 2 => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let (organ, from) = match kind {
        DocumentKind::Incoming => ("农办发", Some("农业农村部办公厅".to_owned())),
        DocumentKind::Outgoing => ("晋农发", None),
        _ => ("晋农签", None),
    };
    let mut document = Document {
        id: id.clone(),
        unit_id: unit.to_owned(),
        kind,
        title: format!(
            "关于{}{}工作的{}",
            ACTIONS[i % ACTIONS.len()],
            SUBJECTS[(i / 7) % SUBJECTS.len()],
            GENRES[(i / 3) % GENRES.len()]
        ),
        number: DocumentNumber {
            organ: organ.into(),
            year: 2026,
            sequence: u32::try_from(i % 900 + 1).unwrap_or(1),
        },
        urgency,
        secrecy: SecrecyLevel::None,
        from_organ: from,
        received_at: Some(at.to_rfc3339()),
        head: Default::default(),
        body: Default::default(),
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    };
    document.body.main_recipients = vec!["各市农业农村局".into(), "厅机关各处室".into()];
    document.body.signature_organs = vec!["山西省农业农村厅".into()];
    document.body.versions.push(BodyVersion {
        id: format!("{id}-v1"),
        stage: BodyStage::Final,
        format: BodyFormat::Ofd,
        sha256: digest(i as u64 * 2),
        size: 180_000 + (i as u64 % 50_000),
        pages: Some(3 + u32::try_from(i % 9).unwrap_or(0)),
        created_at: Some(at),
        rendition: None,
    });
    document.body.attachments.push(Attachment {
        id: format!("{id}-a1"),
        name: format!("{}任务分解表.xlsx", SUBJECTS[(i / 7) % SUBJECTS.len()]),
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        size: 24_000 + (i as u64 % 9_000),
        sha256: digest(i as u64 * 2 + 1),
    });
    document
}

/// Flow `i`: its definition, document and instance as the workflow left it. Every instance ends
/// with three tasks; in 0, 3 and 4 (of 8) something waits for me (会签 or 待阅), the others are
/// my 已办 or finished.
fn flow<'a>(
    p: &People,
    defs: &'a Definitions,
    i: usize,
) -> BenchResult<(&'a ProcessDefinition, Document, Instance)> {
    let at = t0() + Duration::minutes(3 * i as i64);
    let h = |n: i64| at + Duration::hours(n);
    let id = format!("p4-ins-{i:07}");
    let doc_id = format!("p4-doc-{i:07}");
    let (def, kind, initiator) = match i % 8 {
        0 | 2 | 4 | 6 => (&defs.outgoing, DocumentKind::Outgoing, p.sun.as_str()),
        1 | 5 => (&defs.incoming, DocumentKind::Incoming, p.zhao.as_str()),
        _ => (&defs.request, DocumentKind::InternalRequest, p.me.as_str()),
    };
    let mut inst =
        Instance::start(Env::new(def), &id, &doc_id, initiator, at).map_err(|e| e.to_string())?;
    let me = p.me.as_str();
    match i % 8 {
        // 发文 at 会签: mine pending (待办); in 4 the other deputy already signed.
        0 => inst = approve(def, &inst, &p.zhao, "文字已核，请会签。", h(1))?,
        4 => {
            inst = approve(def, &inst, &p.zhao, "文字已核，请会签。", h(1))?;
            inst = approve(def, &inst, &p.liu, "同意。", h(3))?;
        }
        // 发文: I signed (已办), then it finished in 6.
        2 | 6 => {
            inst = approve(def, &inst, &p.zhao, "文字已核，请会签。", h(1))?;
            inst = approve(def, &inst, me, "同意，请按程序印发。", h(5))?;
            if i % 8 == 6 {
                inst = approve(def, &inst, &p.liu, "同意。", h(6))?;
            }
        }
        // 收文: I gave my 批示 (已办); li handles it, and finished in 5.
        1 | 5 => {
            inst = approve(
                def,
                &inst,
                &p.zhao,
                "拟请王局长阅示，由计财处牵头办理。",
                h(1),
            )?;
            inst = approve(def, &inst, me, "同意，请计财处抓紧落实。", h(4))?;
            if i % 8 == 5 {
                inst = approve(def, &inst, &p.li, "已按批示办理完毕。", h(30))?;
            }
        }
        // 签报 I started: circulated to me (待阅), at 会签; in 7 finished and read (已阅).
        _ => {
            let task_id = inst.tasks[0].id.clone();
            let command = Command::Circulate {
                task_id,
                recipients: vec![me.to_owned()],
            };
            inst = step(def, &inst, &p.chen, command, h(1))?;
            inst = approve(
                def,
                &inst,
                &p.chen,
                "经审核，所需经费符合预算管理规定。",
                h(2),
            )?;
            if i % 8 == 7 {
                let item = inst.read_items[0].id.clone();
                inst = step(def, &inst, me, Command::MarkRead { task_id: item }, h(3))?;
                inst = approve(def, &inst, &p.li, "同意。", h(8))?;
                inst = approve(def, &inst, &p.zhang, "同意。", h(9))?;
            }
        }
    }
    if inst.tasks.len() != 3 {
        return Err(format!("flow {i} has {} tasks, not 3", inst.tasks.len()));
    }
    Ok((def, document(&p.unit, i, kind, at), inst))
}

/// Creates the unit `unit`, its people and definitions.
pub(crate) async fn unit(db: &Db, unit: &str) -> BenchResult<People> {
    let actor = AdminActor::cli();
    let now = Utc::now();
    let new_unit = NewUnit {
        id: Some(unit.to_owned()),
        name: "山西省农业农村厅".into(),
        organ_code: "晋农".into(),
    };
    create_unit(db, &actor, new_unit, now)
        .await
        .map_err(|e| e.message)?;
    let mut ids = Vec::new();
    let people = [
        ("wang", "王局长", "副厅长", "leader"),
        ("zhao", "赵主任", "办公室主任", "staff"),
        ("liu", "刘副厅长", "副厅长", "leader"),
        ("li", "李处长", "计财处处长", "staff"),
        ("chen", "陈科长", "科长", "staff"),
        ("zhang", "张处长", "处长", "staff"),
        ("sun", "孙科员", "科员", "staff"),
    ];
    for (login, name, post, role) in people {
        let user = NewUser {
            login: format!("{login}-{unit}"),
            name: name.into(),
            post: post.into(),
            role: role.into(),
            secretary_for: Vec::new(),
            department: String::new(),
            office_phone: String::new(),
        };
        let made = create_user(db, &actor, unit, user, now)
            .await
            .map_err(|e| e.message)?;
        ids.push(made.id);
    }
    let [me, zhao, liu, li, chen, zhang, sun]: [String; 7] = ids
        .try_into()
        .map_err(|_| "seven people were not made".to_owned())?;
    let people = People {
        unit: unit.to_owned(),
        me,
        me_login: format!("wang-{unit}"),
        zhao,
        liu,
        li,
        chen,
        zhang,
        sun,
    };
    let defs = definitions(&people);
    for def in [defs.incoming, defs.outgoing, defs.request] {
        load_definition(db, &actor, unit, def, now)
            .await
            .map_err(|e| e.message)?;
    }
    Ok(people)
}

/// Stores `count` flows, `FLOWS_PER_TX` to a transaction.
pub(crate) async fn flows(db: &Db, people: &People, count: usize) -> BenchResult<()> {
    let defs = Arc::new(definitions(people));
    let mut start = 0;
    while start < count {
        let end = (start + FLOWS_PER_TX).min(count);
        let (p, defs) = (people.clone(), Arc::clone(&defs));
        db.tx(move |sql| {
            for i in start..end {
                let (def, document, instance) =
                    flow(&p, &defs, i).map_err(qianpi_gateway::ApiError::internal)?;
                insert_flow(sql, &p.unit, def, &document, &instance)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| format!("storing flows {start}..{end}: {}", e.message))?;
        start = end;
    }
    Ok(())
}

/// Publishes `count` notices to the leader, a few at a time.
pub(crate) async fn notices(
    db: &Db,
    key: GatewayKey,
    people: &People,
    count: usize,
) -> BenchResult<()> {
    let key = Arc::new(key);
    let actor = AdminActor::cli();
    let mut next = 0;
    while next < count {
        let mut set = tokio::task::JoinSet::new();
        for n in next..(next + NOTICES_IN_FLIGHT).min(count) {
            let request = PublishNotice {
                id: Some(format!("p4-notice-{n:07}")),
                title: format!("关于召开{}工作推进会的通知", SUBJECTS[n % SUBJECTS.len()]),
                body: format!(
                    "定于第{}周周五上午九时在三楼会议室召开{}工作推进会，请各位领导准时参加。",
                    n / 5 + 1,
                    SUBJECTS[n % SUBJECTS.len()]
                ),
                attachments: Vec::new(),
                publisher: people.zhao.clone(),
                scope: NoticeScope {
                    units: Vec::new(),
                    departments: Vec::new(),
                    people: vec![people.me.clone()],
                },
                receipt_required: false,
                receipt_form: None,
                receipt_deadline: None,
            };
            let (db, key, actor, unit) =
                (db.clone(), key.clone(), actor.clone(), people.unit.clone());
            set.spawn(async move {
                notices::publish(&db, &key, &actor, &unit, request, Utc::now()).await
            });
        }
        while let Some(joined) = set.join_next().await {
            joined
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("publishing a notice: {}", e.message))?;
        }
        next = (next + NOTICES_IN_FLIGHT).min(count);
    }
    Ok(())
}
