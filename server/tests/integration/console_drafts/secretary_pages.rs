//! The secretary's console pages over HTTP: 代签 by the leader's secretary, which the flow
//! record shows with both names, while a secretary of another leader and a person of another
//! unit are refused; the leader's standing delegation set and ended.

// A test that cannot set itself up must fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::pages::{draft_and_start, identity, pdf, secretary, sign_first, HANDLER, LEADER};
use crate::console_support::Console;
use qianpi_gateway::instances::load_instance;
use qianpi_gateway::office::Role;
use qianpi_gateway::sql::args;

#[tokio::test]
async fn the_leaders_secretary_enters_his_decision_and_others_are_refused() {
    let console = Console::start().await;
    let mut drafter = console.logged_in("nigao", &[Role::Drafter]).await;
    let (_, instance) =
        draft_and_start(&mut drafter, "关于春耕用种抽检的通知", &pdf("seeds")).await;
    let deputy_head = identity(&console, "fuzhuren", "leader", &[]).await;
    let (_, mut other) = secretary(&console, "zhaomishu", &deputy_head, &[Role::Secretary]).await;
    assert_eq!(
        other
            .get(&format!("/console/secretary/{LEADER}"))
            .await
            .status,
        403
    );
    let (secretary_id, mut secretary) =
        secretary(&console, "mishu", LEADER, &[Role::Secretary]).await;
    let leaders = secretary.get("/console/secretary").await;
    assert!(leaders.text_of("leaders").unwrap().contains("王建国"));

    // The other secretary posting to the leader's task with a token of her own: 403.
    let path = format!("/console/secretary/{LEADER}/flows/{instance}/tasks/{instance}-t1");
    other.get("/console/secretary").await;
    let refused = other
        .post_form(
            &path,
            &[("version", "1"), ("decision", "agree"), ("opinion", "同意")],
        )
        .await;
    assert_eq!(refused.status, 403);
    // A drafter is no secretary at all.
    assert_eq!(drafter.get("/console/secretary").await.status, 403);

    let signed = sign_first(
        &mut secretary,
        &instance,
        "agree",
        "同意，请办公室抓紧印发。",
    )
    .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(
        signed.location(),
        format!("/console/secretary/{LEADER}?done=secretary.signed")
    );
    let id = instance.clone();
    let flow = console
        .db
        .tx(move |sql| load_instance(sql, &id, false))
        .await
        .unwrap()
        .unwrap();
    let record = flow.instance.trace.last().unwrap();
    assert_eq!(record.actor, LEADER);
    assert_eq!(record.entered_by.as_deref(), Some(secretary_id.as_str()));
    let audited = console
        .db
        .tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT actor, detail FROM audit WHERE kind = 'flow.entered_for_leader'",
                    args![],
                )
                .map(|r| (r.text(0).unwrap(), r.text(1).unwrap()))?)
        })
        .await
        .unwrap();
    assert_eq!(audited.0, secretary_id);
    assert!(audited.1.contains(LEADER));

    // The flow record shows the decision as the leader's, entered by his secretary.
    let record = drafter.get(&format!("/console/flows/{instance}")).await;
    assert_eq!(record.status, 200, "{}", record.body);
    let entries = record.text_of("flow-record-table").unwrap();
    assert!(entries.contains("secretarymishu (代 王建国)"), "{entries}");
    assert!(entries.contains("同意，请办公室抓紧印发。"), "{entries}");

    // The task left the leader's list.
    let list = secretary.get(&format!("/console/secretary/{LEADER}")).await;
    assert!(!list.body.contains(&format!("/flows/{instance}/tasks/")));
}

#[tokio::test]
async fn a_standing_delegation_is_set_for_the_leader_and_ended_at_the_console() {
    let console = Console::start().await;
    let (_, mut secretary) = secretary(&console, "mishu", LEADER, &[Role::Secretary]).await;
    let page = secretary.get(&format!("/console/secretary/{LEADER}")).await;
    assert!(page.text_of("delegations").is_none());
    let set = secretary
        .post_form(
            &format!("/console/secretary/{LEADER}/delegations"),
            &[
                ("to", HANDLER),
                ("start", "2026-01-01T08:00"),
                ("end", "2099-01-31T18:00"),
            ],
        )
        .await;
    assert_eq!(set.status, 400, "a window over 92 days is refused");
    assert!(set.body.contains("委托期限最长92天。"));
    let start = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let end = start + chrono::Duration::days(5);
    let fmt = |t: chrono::DateTime<chrono_tz::Tz>| t.format("%Y-%m-%dT%H:%M").to_string();
    let set = secretary
        .post_form(
            &format!("/console/secretary/{LEADER}/delegations"),
            &[("to", HANDLER), ("start", &fmt(start)), ("end", &fmt(end))],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let page = secretary.get(&format!("/console/secretary/{LEADER}")).await;
    let rules = page.text_of("delegations").unwrap();
    assert!(
        rules.contains("赵文") && rules.contains("生效中"),
        "{rules}"
    );
    assert!(
        rules.contains(&fmt(end).replace('T', " ")),
        "shown in Beijing time: {rules}"
    );
    let at = page.body.find("/delegations/dlg-").unwrap();
    let end_path = page.body[at..].split('"').next().unwrap();
    let end_path = format!("/console/secretary/{LEADER}{end_path}");
    let ended = secretary.post_form(&end_path, &[]).await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    let rules = secretary
        .get(&format!("/console/secretary/{LEADER}"))
        .await
        .text_of("delegations")
        .unwrap();
    assert!(rules.contains("已结束"), "{rules}");
}
