//! What the gateway holds of a set of commands, for the benchmarks that must show nothing was lost
//! or applied twice: per command id, its accepted verdicts, trace records and `command.accepted`
//! audit entries, each of which must be exactly one.

use qianpi_core::protocol::CommandVerdict;
use qianpi_gateway::error::ApiError;
use qianpi_gateway::sql::Sql;
use std::collections::HashMap;

/// Of the commands `queued`: how many lack an accepted verdict, a trace record or an audit entry
/// at the gateway (lost), and how many such rows it holds beyond one each (duplicated).
pub fn lost_and_duplicated(
    sql: &mut dyn Sql,
    queued: &[String],
) -> Result<(usize, usize), ApiError> {
    let mut seen: HashMap<String, [i64; 3]> = HashMap::new();
    for row in sql.query("SELECT command_id, body FROM verdicts", &[])? {
        let verdict: Option<CommandVerdict> = serde_json::from_str(&row.text(1)?).ok();
        if verdict.is_some_and(|v| v.outcome.is_accepted()) {
            seen.entry(row.text(0)?).or_default()[0] += 1;
        }
    }
    let traced = "SELECT command_id FROM trace WHERE command_id IS NOT NULL";
    for row in sql.query(traced, &[])? {
        seen.entry(row.text(0)?).or_default()[1] += 1;
    }
    let audited = "SELECT detail FROM audit WHERE kind = 'command.accepted'";
    for row in sql.query(audited, &[])? {
        let detail: serde_json::Value = serde_json::from_str(&row.text(0)?).unwrap_or_default();
        if let Some(id) = detail["command_id"].as_str() {
            seen.entry(id.to_owned()).or_default()[2] += 1;
        }
    }
    let mut lost = 0;
    let mut duplicated = 0;
    for id in queued {
        let counts = seen.get(id).copied().unwrap_or_default();
        if counts.contains(&0) {
            lost += 1;
        }
        duplicated += counts.iter().map(|n| (n - 1).max(0)).sum::<i64>();
    }
    Ok((lost, usize::try_from(duplicated).unwrap_or(usize::MAX)))
}
