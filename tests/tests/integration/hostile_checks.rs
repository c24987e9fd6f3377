//! The properties a day through a hostile link is held to once the faults stop (sync.md, how it
//! is tested): every command a phone queued has exactly one verdict on that phone and the same
//! one at the gateway, with a reason when refused; none is applied twice (one verdict row, one
//! audit entry, and a trace record only if accepted, at most one per command in the instance's
//! own trace, whose versions go up by one); the leaders' own tasks are all accepted and each
//! shared task went to exactly one of them; every outbox is empty; and every phone's 待办 and 已办
//! are the gateway's, each of their flows in the same state with the same 流转记录. Each leader's
//! reply to the meeting notice reached the gateway with his choice and waits no more.

// A failure must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_core::protocol::{CommandVerdict, VerdictOutcome};
use qianpi_core::store::ListKind;
use qianpi_core::workflow::{Instance, TaskState};
use qianpi_gateway::audit;
use qianpi_gateway::sql::args;
use qianpi_tests::office::Office;
use qianpi_tests::{Harness, Phone};
use std::collections::{BTreeSet, HashMap};

/// A command a phone queued.
#[derive(Debug, Clone)]
pub struct Queued {
    pub phone: usize,
    pub command_id: String,
    pub task_id: String,
    /// On a task any leader may decide.
    pub shared: bool,
}

/// Every command the phones queued, in order.
#[derive(Debug, Default)]
pub struct Ledger {
    pub entries: Vec<Queued>,
}

impl Ledger {
    pub fn queued(&mut self, phone: usize, command_id: &str, task_id: &str, shared: bool) {
        self.entries.push(Queued {
            phone,
            command_id: command_id.to_owned(),
            task_id: task_id.to_owned(),
            shared,
        });
    }
}

/// What the gateway's database says.
struct Gateway {
    verdicts: HashMap<String, CommandVerdict>,
    /// Trace rows per command id.
    traced: HashMap<String, i64>,
    /// Command audit entries per command id.
    audited: HashMap<String, i64>,
    instances: Vec<Instance>,
}

async fn gateway(harness: &Harness, office: &Office) -> Gateway {
    let unit = office.unit.clone();
    harness
        .db
        .tx(move |sql| {
            let mut verdicts = HashMap::new();
            for row in sql.query("SELECT command_id, body FROM verdicts", &[])? {
                let verdict: CommandVerdict = serde_json::from_str(&row.text(1)?).unwrap();
                assert!(
                    verdicts.insert(row.text(0)?, verdict).is_none(),
                    "two verdict rows for one command"
                );
            }
            let mut traced = HashMap::new();
            let rows = sql.query(
                "SELECT command_id, count(*) FROM trace WHERE command_id IS NOT NULL
                 GROUP BY command_id",
                &[],
            )?;
            for row in rows {
                traced.insert(row.text(0)?, row.int(1)?);
            }
            let mut audited: HashMap<String, i64> = HashMap::new();
            let rows = sql.query(
                "SELECT detail FROM audit WHERE kind IN ('command.accepted', 'command.refused')",
                &[],
            )?;
            for row in rows {
                let detail: serde_json::Value = serde_json::from_str(&row.text(0)?).unwrap();
                let id = detail["command_id"].as_str().unwrap().to_owned();
                *audited.entry(id).or_default() += 1;
            }
            let instances = qianpi_gateway::instances::unit_instances(sql, &unit)?;
            Ok(Gateway {
                verdicts,
                traced,
                audited,
                instances,
            })
        })
        .await
        .unwrap()
}

fn accepted(verdict: &CommandVerdict) -> bool {
    matches!(verdict.outcome, VerdictOutcome::Accepted { .. })
}

/// Checks every property; panics naming the first that fails.
pub async fn check_properties(
    harness: &Harness,
    office: &Office,
    phones: &[Phone],
    shared: &[String],
    ledger: &Ledger,
) {
    let at_gateway = gateway(harness, office).await;

    // Each phone: an empty outbox and exactly one verdict per command it queued, and none for
    // anything else.
    let mut on_phones: HashMap<String, CommandVerdict> = HashMap::new();
    for (i, phone) in phones.iter().enumerate() {
        assert!(
            phone.client.outbox().unwrap().is_empty(),
            "phone {i} has an outbox left"
        );
        let mine: BTreeSet<&str> = ledger
            .entries
            .iter()
            .filter(|q| q.phone == i)
            .map(|q| q.command_id.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        for row in phone.client.verdicts().unwrap() {
            let id = row.verdict.command_id.clone();
            assert!(
                mine.contains(id.as_str()),
                "phone {i} has a verdict for {id} it never queued"
            );
            assert!(
                seen.insert(id.clone()),
                "phone {i} holds two verdicts for {id}"
            );
            on_phones.insert(id, row.verdict);
        }
        assert_eq!(
            seen.len(),
            mine.len(),
            "phone {i}: a command has no verdict"
        );
    }

    // The gateway: one verdict each, the phone's own, audited once, traced once if accepted.
    let queued: BTreeSet<&str> = ledger
        .entries
        .iter()
        .map(|q| q.command_id.as_str())
        .collect();
    let decided: BTreeSet<&str> = at_gateway.verdicts.keys().map(String::as_str).collect();
    assert_eq!(
        decided, queued,
        "the gateway decided exactly the commands queued"
    );
    for entry in &ledger.entries {
        let id = &entry.command_id;
        let phone = &on_phones[id];
        let gateway = &at_gateway.verdicts[id];
        assert_eq!(
            phone, gateway,
            "the phone's verdict on {id} is the gateway's"
        );
        assert_eq!(at_gateway.audited.get(id), Some(&1), "{id} audited once");
        let traced = at_gateway.traced.get(id).copied().unwrap_or(0);
        assert_eq!(
            traced,
            i64::from(accepted(gateway)),
            "{id} traced once if accepted"
        );
        match &gateway.outcome {
            VerdictOutcome::Accepted { .. } => {}
            VerdictOutcome::Refused {
                code,
                message_zh,
                message_en,
                ..
            } => {
                assert!(
                    entry.shared,
                    "a leader's own command was refused: {code} {message_en}"
                );
                assert!(!code.is_empty() && !message_zh.is_empty() && !message_en.is_empty());
            }
        }
    }
    for flow in shared {
        let on_flow: Vec<_> = ledger
            .entries
            .iter()
            .filter(|q| q.task_id.starts_with(flow.as_str()))
            .collect();
        let won = on_flow
            .iter()
            .filter(|q| accepted(&at_gateway.verdicts[&q.command_id]))
            .count();
        assert_eq!(
            won,
            usize::from(!on_flow.is_empty()),
            "{flow} went to exactly one leader"
        );
    }

    // The instances' own trace: one record per accepted command, versions one by one.
    let audit_state = harness.db.tx(|sql| audit::verify(sql)).await.unwrap();
    assert!(
        matches!(audit_state, audit::Verdict::Intact { .. }),
        "{audit_state:?}"
    );
    for instance in &at_gateway.instances {
        let mut ids = BTreeSet::new();
        for pair in instance.trace.windows(2) {
            assert_eq!(
                pair[1].version,
                pair[0].version + 1,
                "{}'s trace skips",
                instance.id
            );
        }
        for record in &instance.trace {
            assert!(
                ids.insert(&record.command_id),
                "{} applied twice",
                record.command_id
            );
        }
        if let Some(last) = instance.trace.last() {
            assert_eq!(last.version, instance.version, "{}'s version", instance.id);
        }
    }

    // Convergence: each leader's 待办 and 已办 are the gateway's.
    for (i, phone) in phones.iter().enumerate() {
        let leader = &office.leaders[i].id;
        let (mut todo, mut done) = (BTreeSet::new(), BTreeSet::new());
        for task in at_gateway.instances.iter().flat_map(|i| &i.tasks) {
            if !task.is_held_by(leader) {
                continue;
            }
            if task.state.is_pending() {
                todo.insert(task.id.clone());
            } else if matches!(task.state, TaskState::Done { .. }) {
                done.insert(task.id.clone());
            }
        }
        let list = |kind| -> BTreeSet<String> {
            let items = phone.client.list(kind, 1000, 0).unwrap();
            items.into_iter().map(|item| item.id).collect()
        };
        assert_eq!(
            list(ListKind::Todo),
            todo,
            "leader {i}'s 待办 is the gateway's"
        );
        assert_eq!(
            list(ListKind::Done),
            done,
            "leader {i}'s 已办 is the gateway's"
        );
        // And each of those flows stands on the phone as at the gateway, step for step.
        for task in todo.iter().chain(&done) {
            let detail = phone.client.document_detail(task).unwrap();
            let flow = detail.instance_id.as_deref().unwrap();
            let instance = at_gateway.instances.iter().find(|i| i.id == flow).unwrap();
            assert_eq!(
                detail.instance_state,
                Some(instance.state),
                "{flow} on phone {i}"
            );
            let steps: Vec<u64> = detail.flow_record.iter().map(|s| s.version).collect();
            let trace: Vec<u64> = instance.trace.iter().map(|r| r.version).collect();
            assert_eq!(steps, trace, "{flow}'s 流转记录 on phone {i}");
            assert!(
                !done.contains(task) || !steps.is_empty(),
                "{task}'s approval is recorded"
            );
        }
    }
}

/// Every leader's reply to `notice` reached the gateway once and is no longer waiting on his
/// phone: leader 0 sent his regrets, the others said they attend.
pub async fn check_replies(harness: &Harness, phones: &[Phone], notice: &str) {
    let mut replied = HashMap::new();
    for (i, phone) in phones.iter().enumerate() {
        let detail = phone.client.notice(notice).unwrap();
        assert!(!detail.pending_send, "phone {i}'s reply still waits");
        assert!(detail.refusal.is_none(), "phone {i}'s reply was refused");
        let account = phone.client.account().unwrap().unwrap();
        let choice = if i == 0 { "absent" } else { "attend" };
        replied.insert(account.identity.user_id, choice);
    }
    let notice = notice.to_owned();
    let rows = harness
        .db
        .tx(move |sql| {
            let rows = sql.query(
                "SELECT user_id, status, read_at, replied_at FROM notice_recipients
                 WHERE notice_id = ?1",
                args![&notice],
            )?;
            let mut out = Vec::new();
            for row in rows {
                out.push((
                    row.text(0)?,
                    row.text(1)?,
                    row.opt_text(2)?,
                    row.opt_text(3)?,
                ));
            }
            Ok(out)
        })
        .await
        .unwrap();
    for (user, choice) in replied {
        let (_, status, read_at, replied_at) =
            rows.iter().find(|r| r.0 == user).expect("a recipient");
        assert!(
            read_at.is_some() && replied_at.is_some(),
            "{user}: {status}"
        );
        let status: serde_json::Value = serde_json::from_str(status).unwrap();
        assert_eq!(status["reply"]["choice"], choice, "{user}: {status}");
    }
}
