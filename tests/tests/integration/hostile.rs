//! Several phones at once through the fault proxy (sync.md, how it is tested): three leaders of
//! one office decide offline round after round (and read and reply to a meeting notice) and sync
//! through a link whose faults change from round to round — latency with jitter and tiny segments
//! under a bandwidth limit, answers cut after a few hundred bytes (the gateway decides, the phone
//! never hears), requests cut mid-body, resets, a stall the phone's run is killed in, the gateway
//! restarted mid-sync, a hostile-profile link, requests given up on a slow link that reach the
//! gateway after their commands were decided — and two of the phones restart on the way (one of
//! them right after a run was killed). Then the faults stop, the phones sync until they settle,
//! and `hostile_checks` holds them to the properties: every command queued reaches exactly one
//! verdict, none is applied twice at the gateway, nothing is lost (every reply to the notice
//! arrived too), and every phone's lists are the gateway's.
//!
//! On PostgreSQL the gateway runs as two replicas sharing the database and the statement key,
//! behind the proxy as their one address, which sends each new connection to the other in turn;
//! the restart mid-sync is one replica's while the other keeps serving.

// A failure must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::hostile_checks::{check_properties, check_replies, Ledger};
use qianpi_core::model::Opinion;
use qianpi_core::store::LocalTaskState;
use qianpi_core::workflow::Command;
use qianpi_tests::office::{opinion, Office};
use qianpi_tests::proxy::{Faults, Proxy};
use qianpi_tests::replicas::Replica;
use qianpi_tests::{Harness, Phone};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Flows waiting for each leader alone.
const OWN: usize = 10;
/// Flows any leader may decide, the first for all.
const SHARED: usize = 3;
/// How long a run may take before the phone's operating system ends it.
const RUN_BUDGET: Duration = Duration::from_secs(4);

/// The gateway (one, or two replicas behind one address), the office and its leaders' phones.
pub struct Day {
    pub harness: Harness,
    replica: Option<Replica>,
    pub proxy: Proxy,
    pub office: Office,
    pub phones: Vec<Phone>,
    pub shared: Vec<String>,
    /// A notice each leader reads and replies to during the faults.
    pub meeting: String,
    pub ledger: Ledger,
}

/// How one run of a phone's sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// It ended well; the push was cut short on the way.
    Synced { cut: bool },
    /// It ended with an error (the link, or the phone waiting before it tries again).
    Failed,
    /// The phone's operating system ended it.
    Killed,
}

/// One run of `phone`'s sync, ended by its operating system after `budget`.
pub async fn run(phone: &Phone, budget: Duration) -> Run {
    match tokio::time::timeout(budget, phone.client.sync()).await {
        Ok(Ok(report)) => Run::Synced {
            cut: report.push_interrupted,
        },
        Ok(Err(_)) => Run::Failed,
        Err(_) => Run::Killed,
    }
}

/// [`run`], counting the runs that ended in `finished`.
async fn counted(phone: &Phone, finished: &Cell<usize>) -> Run {
    let ended = run(phone, RUN_BUDGET).await;
    finished.set(finished.get() + 1);
    ended
}

/// Every phone's run at once.
async fn run_all(phones: &[Phone], budget: Duration) -> [Run; 3] {
    let (a, b, c) = tokio::join!(
        run(&phones[0], budget),
        run(&phones[1], budget),
        run(&phones[2], budget)
    );
    [a, b, c]
}

impl Day {
    /// The office with three leaders, their flows and phones, all synced once on a clean link.
    async fn begin() -> Day {
        let harness = Harness::start().await.unwrap();
        let (replica, upstreams) = if harness.shares_its_database() {
            let replica = harness.replica().await.unwrap();
            let addrs = vec![harness.addr(), replica.addr()];
            (Some(replica), addrs)
        } else {
            (None, vec![harness.addr()])
        };
        let proxy = Proxy::start_many(upstreams, 0x5EED_0016).await.unwrap();
        let office = Office::create(&harness, "hostile", 3).await.unwrap();
        for leader in 0..3 {
            let prefix = format!("own{leader}");
            office
                .own_flows(&harness, leader, &prefix, OWN)
                .await
                .unwrap();
        }
        let mut shared = Vec::new();
        for n in 0..SHARED {
            let id = format!("shared-{n}");
            shared.push(office.shared_flow(&harness, &id).await.unwrap());
        }
        let meeting = office.meeting(&harness, "关于召开防汛工作会议的通知").await;
        let mut phones = Vec::new();
        for leader in 0..3 {
            let name = format!("leader-{leader}");
            let phone = office.phone(&harness, leader, &name, &proxy.url()).await;
            phones.push(phone.unwrap());
        }
        for phone in &phones {
            phone.client.sync().await.unwrap();
            let waiting = phone.client.inbox().unwrap().len();
            assert_eq!(waiting, OWN + SHARED, "every flow reached its leader");
        }
        Day {
            harness,
            replica,
            proxy,
            office,
            phones,
            shared,
            meeting: meeting.unwrap(),
            ledger: Ledger::default(),
        }
    }

    /// Each phone decides offline: approves one of its own tasks with a long opinion, keeps an
    /// opinion on another (暂存), and approves a task any leader may decide.
    fn decide(&mut self, round: usize) {
        for (i, phone) in self.phones.iter().enumerate() {
            let pending: Vec<_> = phone
                .client
                .inbox()
                .unwrap()
                .into_iter()
                .filter(|t| t.state == LocalTaskState::Pending && t.can_approve)
                .collect();
            let is_shared = |task: &str| self.shared.iter().any(|s| task.starts_with(s.as_str()));
            let own: Vec<_> = pending.iter().filter(|t| !is_shared(&t.task_id)).collect();
            let shared = pending.iter().find(|t| is_shared(&t.task_id));
            let text = opinion(round * 10 + i, 200);
            if let Some(task) = own.first() {
                let queued = phone
                    .client
                    .approve(&task.task_id, qianpi_core::model::Attitude::Agree, &text)
                    .unwrap();
                self.ledger
                    .queued(i, &queued.command_id, &task.task_id, false);
            }
            if let Some(task) = own.get(1) {
                let queued = phone
                    .client
                    .act(Command::Save {
                        task_id: task.task_id.clone(),
                        opinion: Opinion::agree(&format!("第{round}稿：{text}")),
                    })
                    .unwrap();
                self.ledger
                    .queued(i, &queued.command_id, &task.task_id, false);
            }
            // The meeting notice: read in one round, replied to two rounds later.
            if round == i {
                phone.client.notice(&self.meeting).unwrap();
            }
            if round == i + 2 {
                let choice = if i == 0 { "absent" } else { "attend" };
                let note = format!("领导{i}：{}", opinion(round, 40));
                let replied =
                    phone
                        .client
                        .reply_notice(&self.meeting, Some(choice.into()), Some(note));
                assert!(replied.unwrap().pending_send);
            }
            if let Some(task) = shared {
                let queued = phone
                    .client
                    .approve(&task.task_id, qianpi_core::model::Attitude::Agree, &text)
                    .unwrap();
                self.ledger
                    .queued(i, &queued.command_id, &task.task_id, true);
            }
        }
    }

    /// Phone `i`'s app stops and starts again; its outbox must come back whole.
    fn restart_phone(&mut self, i: usize) {
        let before = outbox_ids(&self.phones[i]);
        let phone = self.phones.remove(i).restart().unwrap();
        assert_eq!(outbox_ids(&phone), before, "the outbox survives a restart");
        self.phones.insert(i, phone);
    }

    /// The gateway restarts while the phones are in the middle of their runs (on PostgreSQL one
    /// replica, then the other).
    async fn restart_gateway_mid_sync(&mut self) -> [Run; 3] {
        let Day {
            harness,
            replica,
            phones,
            ..
        } = self;
        let finished = Cell::new(0);
        let runs = async {
            tokio::join!(
                counted(&phones[0], &finished),
                counted(&phones[1], &finished),
                counted(&phones[2], &finished)
            )
        };
        let restart = async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let in_flight = 3 - finished.get();
            harness.restart_gateway().await.unwrap();
            if let Some(replica) = replica {
                tokio::time::sleep(Duration::from_millis(150)).await;
                replica.restart().await.unwrap();
            }
            in_flight
        };
        let ((a, b, c), in_flight) = tokio::join!(runs, restart);
        assert!(in_flight > 0, "the restart came after every run had ended");
        [a, b, c]
    }

    /// Each phone gives up a run on a slow link before its push is through, then syncs on a clean
    /// one at once, and its commands are decided; the abandoned pushes, held by the proxy until
    /// then, reach the gateway afterwards, as a network that delivers late does.
    async fn late_duplicates(&mut self) -> [Run; 3] {
        let abandoned = run_all(&self.phones, Duration::from_millis(500)).await;
        assert_eq!(abandoned, [Run::Killed; 3], "the slow runs were given up");
        self.proxy.set(Faults::default());
        let runs = run_all(&self.phones, RUN_BUDGET).await;
        let (sent, _) = self.proxy.carried();
        self.proxy.release();
        // However loaded the machine, the held requests go on within seconds of their release.
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.proxy.carried().0 == sent {
            assert!(
                Instant::now() < deadline,
                "the abandoned requests never reached the gateway"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        runs
    }

    /// Syncs on a clean link until every phone has sent everything and heard everything. A
    /// phone may still be waiting out its last failure at first, so errors are allowed for a while.
    async fn settle(&mut self) {
        self.proxy.set(Faults::default());
        let mut last_error = None;
        for _ in 0..20 {
            let (mut quiet, mut failed) = (true, false);
            for phone in &self.phones {
                match phone.client.sync().await {
                    Ok(report) => quiet &= report.pulled == 0 && report.outbox_remaining == 0,
                    Err(e) => {
                        (quiet, failed) = (false, true);
                        last_error = Some(e.to_string());
                    }
                }
            }
            if quiet {
                return;
            }
            if failed {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        panic!("the phones did not settle on a clean link (last error: {last_error:?})");
    }
}

fn outbox_ids(phone: &Phone) -> Vec<String> {
    let outbox = phone.client.outbox().unwrap();
    outbox
        .iter()
        .map(|r| r.command.command_id.clone())
        .collect()
}

/// The faults of each round, by name.
fn faults(round: usize) -> (&'static str, Faults) {
    let faults = match round {
        0 => Faults {
            latency: Duration::from_millis(20),
            jitter: Duration::from_millis(15),
            segment: Some(64),
            bandwidth: Some(64 * 1024),
            ..Faults::default()
        },
        1 => Faults {
            cut_after: Some(500),
            ..Faults::default()
        },
        2 => Faults {
            cut_requests_after: Some(900),
            ..Faults::default()
        },
        3 => Faults {
            reset_after: Some(700),
            reset_requests_after: Some(1200),
            ..Faults::default()
        },
        4 => Faults {
            hold_after: Some(800),
            ..Faults::default()
        },
        5 => Faults {
            latency: Duration::from_millis(40),
            ..Faults::default()
        },
        6 => Faults::hostile(Duration::from_millis(200), 512_000, 8 * 1024),
        // Late duplicates: the runs to be abandoned find a second of latency each way on an
        // open connection, and a new one held until the test lets it go.
        _ => Faults {
            latency: Duration::from_secs(1),
            hold_new: true,
            ..Faults::default()
        },
    };
    let name = [
        "latency, jitter, tiny segments, 64 KB/s",
        "answers cut after 500 bytes",
        "requests cut after 900 bytes",
        "reset after 700 bytes from the gateway or 1,200 from the phone",
        "stall after 800 bytes",
        "gateway restart mid-sync",
        "hostile profile (200 ms, 512 kbit/s, cut every 8 KB)",
        "requests abandoned on a slow link arrive after their commands were decided",
    ][round.min(7)];
    (name, faults)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_phones_through_a_hostile_link_lose_and_duplicate_nothing_and_converge() {
    let started = Instant::now();
    let mut day = Day::begin().await;
    for round in 0..8 {
        let before = day.ledger.entries.len();
        day.decide(round);
        let queued = day.ledger.entries.len() - before;
        let (name, faults) = faults(round);
        day.proxy.set(faults);
        if round == 2 {
            day.restart_phone(0);
        }
        let runs = match round {
            5 => day.restart_gateway_mid_sync().await,
            7 => day.late_duplicates().await,
            _ => run_all(&day.phones, RUN_BUDGET).await,
        };
        if round == 4 {
            // Killed mid-run in the stall, the app is started again.
            day.restart_phone(1);
        }
        eprintln!("round {round} ({name}): {queued} queued; {runs:?}");
    }
    day.settle().await;
    if let Some(replica) = &day.replica {
        let served = day.proxy.served();
        assert!(
            served.iter().all(|n| *n > 0),
            "both replicas served: {served:?}"
        );
        eprintln!("replica at {} took its share: {served:?}", replica.addr());
    }
    check_properties(
        &day.harness,
        &day.office,
        &day.phones,
        &day.shared,
        &day.ledger,
    )
    .await;
    check_replies(&day.harness, &day.phones, &day.meeting).await;
    eprintln!("the hostile day took {:?}", started.elapsed());
}
