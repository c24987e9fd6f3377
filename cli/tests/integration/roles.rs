//! Acting with and for others at the terminal, against a real gateway: 委托代理 set, listed and
//! ended early (`delegate-standing`, `delegations`, `delegation-revoke`) and 收回委托 of a task it
//! sent to the deputy; 代签 by an authorised secretary (`list todo --for`, `allowed --for`,
//! `act … --for`) and its refusal for someone the directory does not authorise; 批量审批 with one
//! line per item; 签收 / 签退 of a pool task between two candidates.

use super::office::Office;
use qianpi_core::workflow::{HandlerMode, InstanceState, Node, ProcessDefinition};
use serde_json::json;

/// RFC 3339, `days` from now.
fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_names_a_deputy_takes_a_task_back_and_ends_the_delegation_early() {
    let o = Office::open("ro-trip").await;
    let (leader, deputy) = (o.leader().await, o.admin().await);
    let to_self = leader
        .refused(&["delegate-standing", "--to", &o.leader, "--end", &in_days(1)])
        .await;
    assert!(
        to_self.contains("受托人不能是本人（delegate_to_self）"),
        "{to_self}"
    );
    let start = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let set = leader
        .ok(&[
            "delegate-standing",
            "--to",
            &o.admin,
            "--start",
            &start,
            "--end",
            &in_days(5),
        ])
        .await;
    assert!(
        set.starts_with("已设置委托：") && set.contains("全部流程"),
        "{set}"
    );
    let rule = set
        .trim_start_matches("已设置委托：")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let seen = deputy.ok(&["delegations"]).await;
    assert!(seen.contains(&rule) && seen.contains("委托"), "{seen}");

    // While it is active, a new document goes to the deputy; the leader takes it back.
    let during = o.another("doc-2", "关于报送春耕进度的函").await;
    deputy.sync().await;
    leader.sync().await;
    let sent = deputy.list("todo").await.remove(0);
    assert!(deputy
        .ok(&["show", &sent])
        .await
        .contains("关于报送春耕进度的函"));
    assert!(leader.ok(&["allowed", &sent]).await.contains("收回委托"));
    leader.act(&["act", &sent, "take-back"]).await;
    leader.delivered(1).await;
    deputy.sync().await;
    assert!(deputy.list("todo").await.is_empty());
    assert_eq!(leader.list("todo").await.len(), 2);
    assert_eq!(o.state(&during).await.1.as_deref(), Some("领导批示"));

    let ended = leader.ok(&["delegation-revoke", &rule]).await;
    assert!(
        ended.starts_with("已收回委托：") && ended.contains("已于"),
        "{ended}"
    );
    o.another("doc-3", "关于开展安全生产检查的通知").await;
    leader.sync().await;
    deputy.sync().await;
    assert_eq!(leader.list("todo").await.len(), 3, "his own again");
    assert!(deputy.list("todo").await.is_empty());
    // Someone else's rule looks like no rule at all.
    let other = deputy.refused(&["delegation-revoke", &rule]).await;
    assert!(other.contains("no_such_delegation"), "{other}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorised_secretary_enters_the_leaders_instruction_for_him() {
    let o = Office::open("ro-sec").await;
    let extra = json!({ "secretary_for": [o.leader] });
    let secretary_id = o.person("mishu-ro-sec", "陈秘书", "secretary", extra).await;
    let secretary = o.terminal(&secretary_id, "mishu-ro-sec").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let own = leader.list("todo").await.remove(0);
    let flow = o.another("doc-2", "关于报送春耕进度的函").await;
    secretary.sync().await;
    leader.sync().await;
    // The leader's tasks are not her 待办; `--for` lists the ones she may sign for.
    assert!(secretary.list("todo").await.is_empty());
    let held = secretary.ok(&["list", "todo", "--for", &o.leader]).await;
    assert!(
        held.contains("可代签") && held.contains("春耕进度"),
        "{held}"
    );
    let task = super::office::rows(&held).remove(0);
    assert!(leader.list("todo").await.contains(&task));
    let allowed = secretary.ok(&["allowed", &task, "--for", &o.leader]).await;
    assert!(allowed.contains("同意/不同意"), "{allowed}");
    secretary
        .act(&[
            "act",
            &task,
            "approve",
            "--route",
            "r1",
            "--opinion",
            "同意。请办公室承办。",
            "--for",
            &o.leader,
        ])
        .await;
    secretary.delivered(1).await;
    assert_eq!(o.state(&flow).await.1.as_deref(), Some("承办"));
    // On the leader's terminal the opinion is his, entered by the secretary.
    leader.sync().await;
    assert_eq!(leader.list("todo").await, std::slice::from_ref(&own));
    assert_eq!(leader.list("done").await, std::slice::from_ref(&task));
    let shown = leader.ok(&["show", &task]).await;
    assert!(
        shown.contains(&format!("（{secretary_id}代签）")),
        "{shown}"
    );

    // The drafter (who holds the first flow as its initiator) is not his secretary: the
    // gateway refuses, and `verdicts` says why.
    staff
        .act(&[
            "act",
            &own,
            "approve",
            "--route",
            "r1",
            "--opinion",
            "同意。",
            "--for",
            &o.leader,
        ])
        .await;
    let synced = staff.sync().await;
    assert!(synced.contains("accepted 0, refused 1"), "{synced}");
    let verdicts = staff.ok(&["verdicts"]).await;
    assert!(
        verdicts.contains("REFUSED") && verdicts.contains("[not_authorised]"),
        "{verdicts}"
    );
    leader.sync().await;
    assert_eq!(leader.list("todo").await, [own]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_prints_one_result_per_item_and_the_gateway_takes_each() {
    let o = Office::open("ro-batch").await;
    o.another("doc-2", "关于报送春耕进度的函").await;
    o.another("doc-3", "关于开展安全生产检查的通知").await;
    let (leader, staff) = (o.leader().await, o.staff().await);
    let tasks = leader.list("todo").await;
    assert_eq!(tasks.len(), 3);
    assert!(leader
        .ok(&["allowed", &tasks[0]])
        .await
        .contains("批量审批"));
    // Without the route the step needs, each item is refused on its own line.
    let bare = leader.ok(&["batch-approve", &tasks[0], &tasks[1]]).await;
    assert!(
        bare.contains(&format!("{}：未能办理（请选择流转方向", tasks[0])),
        "{bare}"
    );
    assert!(bare.contains("批量审批：0 / 2 件"), "{bare}");

    let mut args = vec!["batch-approve", "--route", "r1"];
    args.extend(tasks.iter().map(String::as_str));
    args.push("task-not-here");
    let out = leader.ok(&args).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "one line per item and a total: {out}");
    for (line, task) in lines.iter().zip(&tasks) {
        assert_eq!(*line, format!("{task}：已签名并放入待发队列"));
    }
    assert!(
        lines[3].starts_with("task-not-here：未能办理（本机没有事项"),
        "{out}"
    );
    assert!(lines[4].starts_with("批量审批：3 / 4 件"), "{out}");
    leader.delivered(3).await;
    staff.sync().await;
    assert_eq!(staff.list("todo").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_task_is_claimed_by_one_candidate_and_released_back_to_both() {
    let o = Office::open("ro-pool").await;
    let mut register =
        Node::manual("register", "登记", &[&o.admin, &o.clerk]).route("登记完毕", "end");
    register.mode = HandlerMode::Pool;
    let pool = ProcessDefinition::new(
        "def-ro-pool-2",
        "收文登记",
        "register",
        vec![register, Node::end("end")],
    );
    o.load(&pool).await;
    let flow = o
        .start("def-ro-pool-2", "doc-2", "关于报送春耕进度的函")
        .await;
    let (admin, clerk) = (o.admin().await, o.clerk().await);
    let task = admin.list("todo").await.remove(0);
    assert_eq!(clerk.list("todo").await, std::slice::from_ref(&task));
    assert!(admin.ok(&["allowed", &task]).await.contains("签收"));
    admin.act(&["act", &task, "claim"]).await;
    admin.delivered(1).await;
    clerk.sync().await;
    assert!(
        clerk.list("todo").await.is_empty(),
        "the other candidate lost it"
    );
    assert!(admin.ok(&["allowed", &task]).await.contains("签退"));
    admin.act(&["act", &task, "release"]).await;
    admin.delivered(1).await;
    clerk.sync().await;
    assert_eq!(clerk.list("todo").await, std::slice::from_ref(&task));
    clerk.act(&["act", &task, "claim"]).await;
    clerk.delivered(1).await;
    clerk
        .act(&["act", &task, "approve", "--opinion", "已登记。"])
        .await;
    clerk.delivered(1).await;
    assert_eq!(o.state(&flow).await.0, InstanceState::Completed);
}
