//! Benchmark: workflow decisions per second on a 20-node process definition (performance.md
//! style: one JSON line per figure, with a reference measured in the same run).
//!
//! Each decision is `execute` (decide + apply) of a real approval on an instance walking through
//! 20 nodes: single, serial and parallel 会签 nodes with ratio and vote rules. The reference is
//! cloning the instance, the least any persistent new state costs.
//!
//! Run: `cargo run --release -p qianpi-core --example workflow_bench`

// A benchmark program: a broken invariant must stop it loudly rather than print a figure.
#![allow(clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::workflow::{
    execute, Actor, Command, Completion, Env, HandlerMode, Instance, InstanceState, Node, Outcome,
    ProcessDefinition, Submission,
};

/// One accepted approval of `task_id` by `actor`: the new state.
fn approve(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
    now: DateTime<Utc>,
) -> Instance {
    let submission = Submission {
        command_id: format!("c{}", inst.version),
        actor: Actor::user(actor),
        acting_for: None,
        base_version: inst.version,
        command,
        at: now,
    };
    match execute(Env::new(def), inst, &submission).expect("each approval is accepted") {
        Outcome::Applied { instance, .. } => *instance,
        Outcome::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}
use std::hint::black_box;
use std::time::Instant;

fn definition() -> ProcessDefinition {
    let mut nodes = Vec::new();
    for i in 0..20 {
        let next = if i == 19 {
            "end".to_owned()
        } else {
            format!("n{}", i + 1)
        };
        let mut node = match i % 4 {
            0 => Node::manual(&format!("n{i}"), "拟办", &["u0"]),
            1 => {
                let mut n = Node::manual(&format!("n{i}"), "核稿", &["u1", "u2", "u3"]);
                n.mode = HandlerMode::Serial;
                n
            }
            2 => {
                let mut n = Node::manual(&format!("n{i}"), "会签", &["u1", "u2", "u3", "u4"]);
                n.completion = Completion::Ratio { percent: 75 };
                n
            }
            _ => Node::manual(&format!("n{i}"), "会签", &["u2", "u3"]),
        };
        node = node.route("下一步", &next);
        nodes.push(node);
    }
    nodes.push(Node::end("end"));
    ProcessDefinition::new("bench", "20 节点", "n0", nodes)
}

fn line(bench: &str, value: f64, unit: &str, reference: f64) {
    println!(
        "{{\"bench\": \"{bench}\", \"value\": {value:.0}, \"unit\": \"{unit}\", \"reference\": {reference:.0}, \"ratio\": {:.3}}}",
        value / reference
    );
}

fn main() {
    let def = definition();
    let now: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;
    let opinion = Opinion::new(Attitude::Agree, "同意");
    let target = std::time::Duration::from_secs(2);

    // Decisions: walk instances to completion, one approval per decision, for ~2 s.
    let start = Instant::now();
    let mut decisions = 0u64;
    while start.elapsed() < target {
        let mut inst = Instance::start(Env::new(&def), "i", "d", "x", now)
            .expect("the benchmark definition is valid");
        while inst.state == InstanceState::Running {
            let task = inst
                .tasks
                .iter()
                .find(|t| t.state.is_pending())
                .expect("a running instance has a pending task");
            let command = Command::Approve {
                task_id: task.id.clone(),
                route: None,
                opinion: opinion.clone(),
            };
            let actor = task.assignee.clone();
            inst = approve(&def, &inst, &actor, command, now);
            decisions += 1;
        }
    }
    let rate = decisions as f64 / start.elapsed().as_secs_f64();

    // Reference: cloning a mid-flow instance.
    let mut inst = Instance::start(Env::new(&def), "i", "d", "x", now).expect("valid");
    for _ in 0..20 {
        let task = inst
            .tasks
            .iter()
            .find(|t| t.state.is_pending())
            .expect("pending")
            .clone();
        let command = Command::Approve {
            task_id: task.id.clone(),
            route: None,
            opinion: opinion.clone(),
        };
        inst = approve(&def, &inst, &task.assignee, command, now);
    }
    let start = Instant::now();
    let mut clones = 0u64;
    while start.elapsed() < target {
        for _ in 0..1000 {
            black_box(black_box(&inst).clone());
        }
        clones += 1000;
    }
    let reference = clones as f64 / start.elapsed().as_secs_f64();
    line(
        "workflow_decisions_20_node_definition",
        rate,
        "decisions/s",
        reference,
    );
}
