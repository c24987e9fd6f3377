//! `qianpi list` and the terminal's everyday screens against a real gateway: a circulated
//! document reaching the reader's 待阅 and, once read there (`act <read item> read`), her 已阅
//! while the flow goes on; 已发 giving the initiator the instance id `flow` takes; 已办 after a
//! decision; 会签 on a parallel node needing every signer; and `people`, `phrases` (an opinion
//! written from one) and `search` finding what the verbs need.

use super::office::Office;
use qianpi_core::workflow::{Completion, HandlerMode, InstanceState, Node, ProcessDefinition};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_circulated_document_is_read_from_the_to_read_list_and_moves_to_read() {
    let o = Office::open("li-read").await;
    let (leader, staff, admin) = (o.leader().await, o.staff().await, o.admin().await);
    assert!(admin.listing("to-read").await.starts_with("待阅：没有事项"));
    let task = leader.list("todo").await.remove(0);
    let todo = leader.listing("todo").await;
    assert!(
        todo.starts_with("待办（1 件）") && todo.contains("收到 "),
        "{todo}"
    );
    leader
        .act(&["act", &task, "circulate", "--to", &o.admin])
        .await;
    leader.delivered(1).await;

    // The reader holds no task in the flow: the read item alone brings it to her terminal.
    admin.sync().await;
    let to_read = admin.listing("to-read").await;
    assert!(to_read.starts_with("待阅（1 件）"), "{to_read}");
    assert!(to_read.contains("关于做好全市防汛抗旱工作的通知") && to_read.contains("送达 "));
    let item = admin.list("to-read").await.remove(0);
    assert!(admin
        .ok(&["show", &item])
        .await
        .contains("关于做好全市防汛抗旱工作的通知"));
    assert!(admin.ok(&["allowed", &item]).await.contains("已阅"));
    admin.act(&["act", &item, "read"]).await;
    admin.delivered(1).await;
    assert!(admin.list("to-read").await.is_empty());
    assert_eq!(admin.list("read").await, [item]);
    // Chinese names work too.
    assert_eq!(admin.listing("已阅").await, admin.listing("read").await);
    // The flow did not wait for the reader.
    assert_eq!(
        o.state(&o.flow).await,
        (InstanceState::Running, Some("领导批示".into()))
    );

    // 已发 gives the initiator the id `flow` takes; 已办 the leader's decided task.
    assert_eq!(staff.list("sent").await, std::slice::from_ref(&o.flow));
    // The reader's 已阅 moved the flow's version on: decided on the copy from before it, the
    // leader's decision would be refused as stale, so he syncs first.
    leader.sync().await;
    leader
        .act(&[
            "act",
            &task,
            "approve",
            "--route",
            "r2",
            "--opinion",
            "退文。",
        ])
        .await;
    leader.delivered(1).await;
    let done = leader.listing("done").await;
    assert!(
        done.starts_with("已办（1 件）") && done.contains("办结 "),
        "{done}"
    );
    assert_eq!(leader.list("done").await, [task]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_countersign_step_waits_for_every_signer() {
    let o = Office::open("li-sign").await;
    let mut sign = Node::manual("countersign", "会签", &[&o.leader, &o.admin]).route("办结", "end");
    sign.mode = HandlerMode::Parallel;
    sign.completion = Completion::All;
    sign.opinion_column = Some("会签意见".into());
    let definition = ProcessDefinition::new(
        "def-li-sign-2",
        "会签",
        "countersign",
        vec![sign, Node::end("end")],
    );
    o.load(&definition).await;
    let flow = o
        .start("def-li-sign-2", "doc-2", "关于联合开展农资打假的意见")
        .await;
    let (leader, admin) = (o.leader().await, o.admin().await);
    let mine = leader.row("todo", "关于联合开展农资打假的意见").await;
    leader
        .act(&["act", &mine, "approve", "--opinion", "同意联合开展。"])
        .await;
    leader.delivered(1).await;
    assert_eq!(
        o.state(&flow).await,
        (InstanceState::Running, Some("会签".into())),
        "one signer of two is not enough"
    );
    let theirs = admin.list("todo").await.remove(0);
    admin.sync().await;
    let shown = admin.ok(&["show", &theirs]).await;
    assert!(
        shown.contains("【会签意见】") && shown.contains("同意联合开展。"),
        "{shown}"
    );
    admin
        .act(&["act", &theirs, "approve", "--opinion", "同意。"])
        .await;
    admin.delivered(1).await;
    assert_eq!(o.state(&flow).await.0, InstanceState::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_phrases_and_search_find_what_the_verbs_need() {
    let o = Office::open("li-find").await;
    let leader = o.leader().await;
    let everyone = leader.ok(&["people"]).await;
    for (name, id) in [("管理员", &o.admin), ("李四", &o.staff), ("王五", &o.clerk)] {
        let line = everyone.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(line.ends_with(id.as_str()), "{line}");
    }
    let by_pinyin = leader.ok(&["people", "lisi"]).await;
    assert!(by_pinyin.starts_with("李四  科员"), "{by_pinyin}");
    let picker = leader.ok(&["people", "--picker"]).await;
    assert!(
        !picker.contains("张三"),
        "the picker leaves him out: {picker}"
    );

    let phrase = "请办公室牵头研究办理。";
    leader.ok(&["phrases", "add", phrase]).await;
    let listed = leader.ok(&["phrases"]).await;
    assert!(listed.contains(&format!("  1. {phrase}")), "{listed}");
    let task = leader.list("todo").await.remove(0);
    leader
        .act(&["act", &task, "approve", "--route", "r1", "--phrase", "1"])
        .await;
    leader.delivered(1).await;
    assert!(leader.ok(&["show", &task]).await.contains(phrase));

    let found = leader.ok(&["search", "防汛"]).await;
    assert!(found.contains("关于做好全市防汛抗旱工作的通知"), "{found}");
    assert!(leader.ok(&["search", "牵头研究"]).await.contains("[意见]"));
    assert_eq!(leader.ok(&["search", "春耕"]).await, "(nothing found)\n");
}
