//! CPU accounting around a load phase, from Linux `/proc`.
//!
//! Gateway and load generator share one process, so throughput alone cannot say who spent the
//! CPU; the load generator's threads are told apart by their runtime's thread name (`phones`), and
//! the machine-wide figure shows what PostgreSQL and anything else on the host took.

use crate::round;
use serde_json::json;

/// CPU time so far: this process, its load-generator threads, and the whole machine (Linux /proc;
/// clock ticks assumed to be 100 per second, the Linux default).
pub(crate) struct CpuSnapshot {
    process: f64,
    phones: f64,
    machine_busy: f64,
}

const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of a `/proc/.../stat` line, in seconds, and the thread's name.
fn stat_cpu(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), utime 14 and stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((name, (utime + stime) / TICKS_PER_SECOND))
}

impl CpuSnapshot {
    pub(crate) fn take() -> CpuSnapshot {
        let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
        let process = stat_cpu(&read("/proc/self/stat".as_ref())).map_or(0.0, |(_, s)| s);
        let mut phones = 0.0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                if let Some((name, seconds)) = stat_cpu(&read(&task.path().join("stat"))) {
                    if name.starts_with("phones") {
                        phones += seconds;
                    }
                }
            }
        }
        let machine = read("/proc/stat".as_ref());
        let jiffies: Vec<f64> = machine
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        let total: f64 = jiffies.iter().take(8).sum();
        let idle = jiffies.get(3).copied().unwrap_or(0.0) + jiffies.get(4).copied().unwrap_or(0.0);
        CpuSnapshot {
            process,
            phones,
            machine_busy: (total - idle) / TICKS_PER_SECOND,
        }
    }

    /// No CPU time: the start of a tally over several spans.
    pub(crate) fn zero() -> CpuSnapshot {
        CpuSnapshot {
            process: 0.0,
            phones: 0.0,
            machine_busy: 0.0,
        }
    }

    /// Adds the CPU time spent between `before` and `after` to this tally.
    pub(crate) fn add_span(&mut self, before: &CpuSnapshot, after: &CpuSnapshot) {
        self.process += after.process - before.process;
        self.phones += after.phones - before.phones;
        self.machine_busy += after.machine_busy - before.machine_busy;
    }

    /// CPU microseconds per request of this tally: the gateway (this process minus the load
    /// generator), the load generator, and everything else on the machine (PostgreSQL, and
    /// whatever else the shared machine runs).
    pub(crate) fn per_request(&self, requests: usize) -> serde_json::Value {
        let per = |seconds: f64| round(seconds * 1e6 / requests.max(1) as f64, 1);
        let (process, phones, machine) = (self.process, self.phones, self.machine_busy);
        json!({
            "gateway": per(process - phones),
            "load_generator": per(phones),
            "rest_of_machine": per((machine - process).max(0.0)),
        })
    }
}
