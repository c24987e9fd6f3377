//! Timing of the detail benchmark: p50 and p99 of warm calls, and how much of the tail was spent
//! waiting for a CPU rather than running (a shared 2-core machine under other builds).

use super::QUERIES;
use std::time::Instant;

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The figures of one timed call set.
pub(crate) struct Timing {
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    /// p99 of each call's time less what it spent waiting for a CPU (run-queue wait).
    pub(crate) p99_on_cpu: f64,
    /// Calls that waited at least 1 ms for a CPU.
    pub(crate) waited: usize,
}

/// Nanoseconds this thread has spent waiting on a run queue (Linux `schedstat`, second field);
/// 0 where it cannot be read, so the split below then shows nothing rather than failing.
fn runqueue_wait_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn timed(mut call: impl FnMut()) -> Timing {
    for _ in 0..20 {
        call();
    }
    // Each call's wall time, and the part of it the thread was runnable but not running: on a
    // shared machine that part is the scheduler's, not the code's.
    let (mut wall, mut on_cpu, mut waited) = (Vec::new(), Vec::new(), 0);
    for _ in 0..QUERIES {
        let wait_before = runqueue_wait_ns();
        let start = Instant::now();
        call();
        let elapsed = start.elapsed().as_secs_f64() * 1e3;
        let wait = runqueue_wait_ns().saturating_sub(wait_before) as f64 / 1e6;
        wall.push(elapsed);
        on_cpu.push((elapsed - wait).max(0.0));
        waited += usize::from(wait >= 1.0);
    }
    wall.sort_by(f64::total_cmp);
    on_cpu.sort_by(f64::total_cmp);
    Timing {
        p50: quantile(&wall, 0.5),
        p99: quantile(&wall, 0.99),
        p99_on_cpu: quantile(&on_cpu, 0.99),
        waited,
    }
}

/// The machine's load over the last minute (Linux), printed with the figures: a p99 of a few
/// milliseconds is as much the scheduler's as the code's on a shared machine.
pub(crate) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(-1.0)
}
