//! The actions on a whole flow at the terminal, against a real gateway: 撤销 from the 已发 row
//! `qianpi list sent` shows, 催办 and its rate limit, 挂起 / 恢复 holding the leader up, 终止 with
//! its reason — and 暂存, kept on the terminal across its processes (each `qianpi` run is a new
//! one) and at the gateway with `act … save`.

use super::office::Office;
use qianpi_core::workflow::InstanceState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_initiator_revokes_from_the_sent_list_and_the_leader_loses_the_task() {
    let o = Office::open("fa-revoke").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let sent = staff.listing("sent").await;
    assert!(sent.starts_with("已发（1 件）"), "{sent}");
    assert!(sent.contains("关于做好全市防汛抗旱工作的通知"), "{sent}");
    assert_eq!(staff.list("sent").await, std::slice::from_ref(&o.flow));
    let allowed = staff.ok(&["allowed", &o.flow]).await;
    assert!(
        allowed.contains("撤销") && allowed.contains("催办"),
        "{allowed}"
    );
    // The leader is no initiator: refused on his terminal before anything is signed.
    let task = leader.list("todo").await.remove(0);
    let not_his = leader.refused(&["flow", &task, "revoke"]).await;
    assert!(
        not_his.contains("只有发起人可以执行此操作（not_initiator）"),
        "{not_his}"
    );
    staff.act(&["flow", &o.flow, "revoke"]).await;
    staff.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.0, InstanceState::Revoked);
    assert!(staff.ok(&["show", &o.flow]).await.contains("（撤销）"));
    leader.sync().await;
    let empty = leader.listing("todo").await;
    assert!(empty.starts_with("待办：没有事项"), "{empty}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urging_reaches_the_gateway_once_and_is_refused_again_within_the_interval() {
    let o = Office::open("fa-urge").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    staff.act(&["flow", &o.flow, "urge"]).await;
    staff.delivered(1).await;
    let verdicts = staff.ok(&["verdicts"]).await;
    assert!(verdicts.contains("ACCEPTED"), "{verdicts}");
    assert!(!staff.ok(&["allowed", &o.flow]).await.contains("催办"));
    let again = staff.refused(&["flow", &o.flow, "urge"]).await;
    assert!(
        again.contains("未能办理：催办过于频繁，请稍后再试（urge_too_soon）"),
        "{again}"
    );
    // The current handler cannot urge himself.
    let task = leader.list("todo").await.remove(0);
    let own = leader.refused(&["flow", &task, "urge"]).await;
    assert!(own.contains("您是当前办理人，无需催办"), "{own}");
    // Nothing waits to be sent after the refusals.
    let synced = staff.sync().await;
    assert!(synced.contains("pushed 0"), "{synced}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_flow_holds_the_leader_up_until_the_initiator_resumes_it() {
    let o = Office::open("fa-hold").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    staff.act(&["flow", &o.flow, "suspend"]).await;
    staff.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.0, InstanceState::Suspended);
    leader.sync().await;
    let task = leader.list("todo").await.remove(0);
    let approve = [
        "act",
        &task,
        "approve",
        "--route",
        "r1",
        "--opinion",
        "请承办。",
    ];
    let held = leader.refused(&approve).await;
    assert!(
        held.contains("流程已挂起，恢复后才能办理（suspended）"),
        "{held}"
    );
    assert!(leader.ok(&["show", &task]).await.contains("（挂起"));
    assert!(staff.ok(&["allowed", &o.flow]).await.contains("恢复流程"));
    staff.act(&["flow", &o.flow, "resume"]).await;
    staff.delivered(1).await;
    leader.sync().await;
    leader.act(&approve).await;
    leader.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("承办"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_terminates_the_flow_with_a_reason_and_not_without_one() {
    let o = Office::open("fa-end").await;
    let leader = o.leader().await;
    let task = leader.list("todo").await.remove(0);
    assert!(leader.ok(&["allowed", &task]).await.contains("终止"));
    let bare = leader.refused(&["flow", &task, "terminate"]).await;
    assert!(bare.contains("此操作需要 --reason"), "{bare}");
    leader
        .act(&[
            "flow",
            &task,
            "terminate",
            "--reason",
            "来文单位已撤回此件。",
        ])
        .await;
    leader.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.0, InstanceState::Terminated);
    let shown = leader.ok(&["show", &task]).await;
    assert!(shown.contains("（终止）"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_kept_across_terminal_runs_and_saved_at_the_gateway() {
    let o = Office::open("fa-draft").await;
    let leader = o.leader().await;
    let task = leader.list("todo").await.remove(0);
    assert!(leader
        .ok(&["draft", &task])
        .await
        .contains("（没有暂存的意见）"));
    let text = "拟同意，请办公室研究。";
    let kept = leader.ok(&["draft", &task, "--opinion", text]).await;
    assert!(kept.contains("已暂存（仅保存在本机）"), "{kept}");
    // A new process of the terminal finds it, in 草稿 too.
    let shown = leader.ok(&["draft", &task]).await;
    assert_eq!(shown.trim(), format!("暂存的意见：{text}"));
    let drafts = leader.listing("drafts").await;
    assert!(
        drafts.starts_with("草稿（1 件）") && drafts.contains("暂存 "),
        "{drafts}"
    );
    assert_eq!(leader.list("drafts").await, std::slice::from_ref(&task));
    assert!(leader.ok(&["allowed", &task]).await.contains("暂存"));

    // 暂存 at the gateway: the task stays in his 待办.
    leader
        .act(&["act", &task, "save", "--opinion", "拟同意，待核实数据。"])
        .await;
    leader.delivered(1).await;
    assert!(leader.ok(&["verdicts"]).await.contains("ACCEPTED"));
    assert_eq!(leader.list("todo").await, std::slice::from_ref(&task));
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("领导批示"));

    // Deciding uses up the draft.
    leader
        .act(&["act", &task, "approve", "--route", "r1", "--opinion", text])
        .await;
    assert!(leader.list("drafts").await.is_empty());
    leader.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("承办"));
}
