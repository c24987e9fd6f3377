//! The benchmark's data: three process definitions and realistic pulled entries (documents with
//! a body version and an attachment, instances one to four steps in).

use super::*;

/// The three flows a leader's phone sees most.
pub(crate) struct Definitions {
    /// 收文: 拟办 (office director) → 批示 (me) → 承办 (a division).
    pub(crate) incoming: ProcessDefinition,
    /// 发文: 核稿 → 会签 by me and another deputy, in parallel.
    pub(crate) outgoing: ProcessDefinition,
    /// 签报 I started: 审核 (circulated to me for reading) → 会签 by two divisions.
    pub(crate) request: ProcessDefinition,
}

pub(crate) fn definitions() -> Definitions {
    let mut approve = Node::manual("n2", "领导批示", &[ME]).route("送承办", "n3");
    approve.time_limit_hours = Some(72);
    let incoming = ProcessDefinition::new(
        "def-收文",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &["zhao"]).route("送批示", "n2"),
            approve,
            Node::manual("n3", "承办", &["li"]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    let mut countersign = Node::manual("n2", "会签", &[ME, "liu"]).route("会签完毕", "end");
    countersign.time_limit_hours = Some(48);
    let outgoing = ProcessDefinition::new(
        "def-发文",
        "发文会签",
        "n1",
        vec![
            Node::manual("n1", "核稿", &["zhao"]).route("送会签", "n2"),
            countersign,
            Node::end("end"),
        ],
    );
    let mut review = Node::manual("n1", "审核", &["chen"]).route("送会签", "n2");
    review.allow.circulate = true;
    let request = ProcessDefinition::new(
        "def-签报",
        "签报",
        "n1",
        vec![
            review,
            Node::manual("n2", "会签", &["li", "zhang"]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    Definitions {
        incoming,
        outgoing,
        request,
    }
}

pub(crate) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-05T08:30:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("a valid time")
}

/// One accepted command by `actor`: the new state.
pub(crate) fn step(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
    at: DateTime<Utc>,
) -> Instance {
    let submission = Submission {
        command_id: format!("{}-c{}", inst.id, inst.version),
        actor: Actor::user(actor),
        acting_for: None,
        base_version: inst.version,
        command,
        at,
    };
    match execute(Env::new(def), inst, &submission).expect("each benchmark command is accepted") {
        Outcome::Applied { instance, .. } => *instance,
        Outcome::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}

/// `user` approves their pending task with `text`.
pub(crate) fn approve(
    def: &ProcessDefinition,
    inst: &Instance,
    user: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Instance {
    let task_id = inst
        .open_tasks_of(user)
        .next()
        .unwrap_or_else(|| panic!("{user} has a pending task on {}", inst.id))
        .id
        .clone();
    let command = Command::Approve {
        task_id,
        route: None,
        opinion: Opinion::agree(text),
    };
    step(def, inst, user, command, at)
}

pub(crate) const ACTIONS: &[&str] = &["做好", "加强", "开展", "推进", "落实", "规范"];
pub(crate) const SUBJECTS: &[&str] = &[
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
pub(crate) const GENRES: &[&str] = &["通知", "请示", "报告", "函", "实施意见", "工作方案"];

/// A hex digest-looking string, distinct per `seed`.
pub(crate) fn digest(seed: u64) -> String {
    let a = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    let b = a.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!("{a:016x}{b:016x}{:016x}{:016x}", a ^ b, b.rotate_left(29))
}

pub(crate) fn document(i: usize, kind: DocumentKind, at: DateTime<Utc>) -> Document {
    let id = format!("doc-{i:07}");
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
        unit_id: "sx-nyt".into(),
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
            sequence: u32::try_from(i % 900 + 1).expect("small"),
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
        pages: Some(3 + u32::try_from(i % 9).expect("small")),
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

/// Entry `i`: every instance ends with exactly three tasks; a quarter of them leave one in my
/// 待办, the others are done by me, other people's, or circulated to me for reading.
pub(crate) fn entry(defs: &Definitions, i: usize) -> InboxEntry {
    let at = t0() + Duration::minutes(3 * i as i64);
    let h = |n: i64| at + Duration::hours(n);
    let id = format!("ins-{i:07}");
    let doc_id = format!("doc-{i:07}");
    let (def, kind, initiator) = match i % 8 {
        0 | 2 | 4 | 6 => (&defs.outgoing, DocumentKind::Outgoing, "sun"),
        1 | 5 => (&defs.incoming, DocumentKind::Incoming, "zhao"),
        _ => (&defs.request, DocumentKind::InternalRequest, ME),
    };
    let mut inst = Instance::start(Env::new(def), &id, &doc_id, initiator, at)
        .expect("the benchmark definitions are valid");
    match i % 8 {
        // 发文 at 会签: mine pending (待办); in 4 the other deputy already signed.
        0 => inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1)),
        4 => {
            inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1));
            inst = approve(def, &inst, "liu", "同意。", h(3));
        }
        // 发文: I signed (已办), then it finished in 6.
        2 | 6 => {
            inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1));
            inst = approve(def, &inst, ME, "同意，请按程序印发。", h(5));
            if i % 8 == 6 {
                inst = approve(def, &inst, "liu", "同意。", h(6));
            }
        }
        // 收文: I gave my 批示 (已办); li handles it, and finished in 5.
        1 | 5 => {
            inst = approve(
                def,
                &inst,
                "zhao",
                "拟请王局长阅示，由计财处牵头办理。",
                h(1),
            );
            inst = approve(def, &inst, ME, "同意，请计财处抓紧落实。", h(4));
            if i % 8 == 5 {
                inst = approve(def, &inst, "li", "已按批示办理完毕。", h(30));
            }
        }
        // 签报 I started: circulated to me (待阅), at 会签; in 7 finished and read (已阅).
        _ => {
            let task_id = inst.tasks[0].id.clone();
            let command = Command::Circulate {
                task_id,
                recipients: vec![ME.to_owned()],
            };
            inst = step(def, &inst, "chen", command, h(1));
            inst = approve(
                def,
                &inst,
                "chen",
                "经审核，所需经费符合预算管理规定。",
                h(2),
            );
            if i % 8 == 7 {
                let item = inst.read_items[0].id.clone();
                inst = step(def, &inst, ME, Command::MarkRead { task_id: item }, h(3));
                inst = approve(def, &inst, "li", "同意。", h(8));
                inst = approve(def, &inst, "zhang", "同意。", h(9));
            }
        }
    }
    assert_eq!(
        inst.tasks.len(),
        3,
        "every benchmark instance has three tasks"
    );
    let task_id = inst
        .tasks
        .iter()
        .find(|t| t.assignee == ME)
        .unwrap_or(&inst.tasks[0])
        .id
        .clone();
    InboxEntry {
        task_id,
        document: document(i, kind, at),
        instance: inst,
        definition: def.clone(),
    }
}

pub(crate) fn page(defs: &Definitions, range: std::ops::Range<usize>) -> SyncPage {
    let end = range.end;
    SyncPage {
        changes: range
            .map(|i| Change::Inbox {
                entry: Box::new(entry(defs, i)),
            })
            .collect(),
        next_cursor: format!("c{end}"),
        has_more: true,
        checksum: String::new(),
        checkpoint: None,
        server_time: t0(),
        phrases: None,
    }
}
