//! The task actions at the terminal, as the people of an office take them against a real gateway:
//! 同意 with a route sending the document to the next person's 待办, 不同意 continuing the flow,
//! 驳回 ending it, 退回 bringing it back, 转交 and 委派 / 委派办结, 加签 / 减签, 撤回 until the next
//! handler acts, and 暂停 / 恢复 — each seen in the lists, `show`, `allowed` and `verdicts`, and
//! each refusal in Chinese.

use super::office::Office;
use qianpi_core::workflow::InstanceState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_with_a_route_puts_the_document_in_the_next_persons_todo() {
    let o = Office::open("ta-approve").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let task = leader.list("todo").await.remove(0);
    let allowed = leader.ok(&["allowed", &task]).await;
    assert!(
        allowed.contains("同意/不同意") && allowed.contains("路由 r1/r2"),
        "{allowed}"
    );
    leader
        .act(&[
            "act",
            &task,
            "approve",
            "--route",
            "r1",
            "--opinion",
            "请承办。",
        ])
        .await;
    // Decided offline: the row waits for the gateway.
    assert!(leader.listing("done").await.contains("待同步"));
    leader.delivered(1).await;
    let verdicts = leader.ok(&["verdicts"]).await;
    assert!(
        verdicts.contains("ACCEPTED") && verdicts.contains("now at 承办"),
        "{verdicts}"
    );
    assert_eq!(leader.list("done").await, std::slice::from_ref(&task));
    assert!(leader.list("todo").await.is_empty());

    staff.sync().await;
    let listing = staff.listing("todo").await;
    assert!(
        listing.contains("关于做好全市防汛抗旱工作的通知"),
        "{listing}"
    );
    let handling = staff.list("todo").await.remove(0);
    let shown = staff.ok(&["show", &handling]).await;
    // The leader's opinion in its column (named by his id: the detail names only the viewer).
    let opinion = format!("【领导批示】\n  {} · ", o.leader);
    assert!(
        shown.contains(&opinion) && shown.contains("请承办。"),
        "{shown}"
    );
    assert!(shown.contains("可选：办结 [r1]（须填意见）"), "{shown}");
    // 办结 needs the handler's own opinion: refused here, in Chinese, before anything is signed.
    let bare = staff.refused(&["act", &handling, "approve"]).await;
    assert!(
        bare.contains("该流转方向须填写意见（opinion_required）"),
        "{bare}"
    );
    staff
        .act(&["act", &handling, "approve", "--opinion", "已按要求办理。"])
        .await;
    staff.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.0, InstanceState::Completed);
    assert!(staff.ok(&["show", &o.flow]).await.contains("（办结）"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disagreeing_records_the_disagreement_and_the_flow_goes_on() {
    let o = Office::open("ta-disagree").await;
    let leader = o.leader().await;
    let task = leader.list("todo").await.remove(0);
    let opinion = "不同意该方案，请承办部门重新研究。";
    leader
        .act(&[
            "act",
            &task,
            "disagree",
            "--route",
            "r1",
            "--opinion",
            opinion,
        ])
        .await;
    leader.delivered(1).await;
    assert_eq!(
        o.state(&o.flow).await,
        (InstanceState::Running, Some("承办".into()))
    );
    let shown = leader.ok(&["show", &task]).await;
    assert!(
        shown.contains("不同意") && shown.contains(opinion),
        "{shown}"
    );
    assert!(shown.contains("当前环节：承办"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_ends_the_flow_and_a_return_brings_the_document_back() {
    let o = Office::open("ta-back").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let task = leader.list("todo").await.remove(0);
    let missing = leader.refused(&["act", &task, "reject"]).await;
    assert!(missing.contains("此操作需要 --opinion"), "{missing}");
    let reason = "不属本单位职责，退回来文单位。";
    leader
        .act(&["act", &task, "reject", "--opinion", reason])
        .await;
    leader.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.0, InstanceState::Rejected);
    assert!(leader.ok(&["show", &task]).await.contains("（驳回）"));
    assert!(leader.list("todo").await.is_empty());

    let second = o.another("doc-2", "关于报送春耕进度的函").await;
    leader.sync().await;
    let task = leader.list("todo").await.remove(0);
    leader.approve_on(&task, "请承办。").await;
    staff.sync().await;
    let handling = staff.list("todo").await.remove(0);
    assert!(staff
        .ok(&["allowed", &handling])
        .await
        .contains("可退回至 leader"));
    staff
        .act(&[
            "act",
            &handling,
            "return",
            "--target",
            "leader",
            "--opinion",
            "请领导明确承办要求。",
        ])
        .await;
    staff.delivered(1).await;
    assert_eq!(
        o.state(&second).await,
        (InstanceState::Running, Some("领导批示".into()))
    );
    leader.sync().await;
    let back = leader.listing("todo").await;
    assert!(back.contains("关于报送春耕进度的函"), "{back}");
    assert!(staff.list("todo").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegation_comes_back_to_the_leader_and_a_transfer_does_not() {
    let o = Office::open("ta-hand").await;
    let (leader, admin) = (o.leader().await, o.admin().await);
    let task = leader.list("todo").await.remove(0);
    // The person's id for --to is found in the address book.
    let found = leader.ok(&["people", "管理员"]).await;
    assert!(found.contains(&o.admin), "{found}");
    leader
        .act(&["act", &task, "delegate", "--to", &o.admin])
        .await;
    leader.delivered(1).await;
    assert!(leader.list("todo").await.is_empty());
    assert!(leader.ok(&["inbox"]).await.contains("[等待他人]"));
    admin.sync().await;
    let delegated = admin.list("todo").await.remove(0);
    assert!(admin
        .ok(&["allowed", &delegated])
        .await
        .contains("委派办结"));
    admin
        .act(&["act", &delegated, "resolve", "--opinion", "拟同意。"])
        .await;
    admin.delivered(1).await;
    leader.sync().await;
    assert_eq!(leader.list("todo").await, std::slice::from_ref(&task));
    assert!(leader.ok(&["show", &task]).await.contains("拟同意。"));

    leader
        .act(&["act", &task, "transfer", "--to", &o.admin])
        .await;
    leader.delivered(1).await;
    admin.sync().await;
    assert_eq!(admin.list("todo").await.len(), 1, "the administrator's now");
    assert!(leader.list("todo").await.is_empty());
    leader.sync().await;
    assert!(
        leader.list("todo").await.is_empty(),
        "it does not come back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_signer_goes_first_and_is_removed_before_signing() {
    let o = Office::open("ta-sign").await;
    let (leader, admin) = (o.leader().await, o.admin().await);
    let task = leader.list("todo").await.remove(0);
    leader
        .act(&["act", &task, "add-sign", "--to", &o.admin])
        .await;
    leader.delivered(1).await;
    admin.sync().await;
    let added = admin.list("todo").await.remove(0);
    assert!(
        leader.list("todo").await.is_empty(),
        "he waits for the signer"
    );
    leader.sync().await;
    assert!(leader.ok(&["allowed", &task]).await.contains("减签"));
    leader.act(&["act", &added, "remove-sign"]).await;
    leader.delivered(1).await;
    assert_eq!(leader.list("todo").await, std::slice::from_ref(&task));
    admin.sync().await;
    assert!(
        admin.list("todo").await.is_empty(),
        "the removed signer's task left"
    );

    // Added after himself: his approval is given now and the signer decides before the flow
    // moves on.
    leader
        .act(&[
            "act",
            &task,
            "add-sign",
            "--to",
            &o.clerk,
            "--after",
            "--route",
            "r1",
            "--opinion",
            "同意，请管理员把关。",
        ])
        .await;
    leader.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("领导批示"));
    let clerk = o.clerk().await;
    let signer = clerk.list("todo").await.remove(0);
    clerk
        .act(&["act", &signer, "approve", "--opinion", "已核。"])
        .await;
    clerk.delivered(1).await;
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("承办"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recall_is_offered_on_the_done_row_until_the_next_handler_acts() {
    let o = Office::open("ta-recall").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let task = leader.list("todo").await.remove(0);
    leader.approve_on(&task, "请承办。").await;
    let inbox = leader.ok(&["inbox"]).await;
    assert!(
        inbox.contains("可以：") && inbox.contains("撤回"),
        "{inbox}"
    );
    leader.act(&["act", &task, "recall"]).await;
    leader.delivered(1).await;
    assert_eq!(leader.list("todo").await, std::slice::from_ref(&task));
    staff.sync().await;
    assert!(staff.list("todo").await.is_empty(), "the office lost it");

    leader.approve_on(&task, "请承办。").await;
    staff.sync().await;
    let handling = staff.list("todo").await.remove(0);
    staff
        .act(&["act", &handling, "approve", "--opinion", "已办理。"])
        .await;
    staff.delivered(1).await;
    leader.sync().await;
    assert!(!leader.ok(&["inbox"]).await.contains("撤回"));
    let late = leader.refused(&["act", &task, "recall"]).await;
    assert!(late.contains("未能办理：流程已结束"), "{late}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_task_is_resumed_and_can_then_be_approved() {
    let o = Office::open("ta-pause").await;
    let leader = o.leader().await;
    let task = leader.list("todo").await.remove(0);
    leader.act(&["act", &task, "pause"]).await;
    leader.delivered(1).await;
    let allowed = leader.ok(&["allowed", &task]).await;
    assert!(
        allowed.contains("恢复办理") && !allowed.contains("同意"),
        "{allowed}"
    );
    let paused = leader
        .refused(&[
            "act",
            &task,
            "approve",
            "--route",
            "r1",
            "--opinion",
            "同意。",
        ])
        .await;
    assert!(
        paused.contains("该待办已暂停，请先恢复（task_paused）"),
        "{paused}"
    );
    leader.act(&["act", &task, "resume"]).await;
    leader.delivered(1).await;
    leader.approve_on(&task, "请承办。").await;
    assert_eq!(o.state(&o.flow).await.1.as_deref(), Some("承办"));
}
