//! One workflow command entered at the console, applied as a phone's is: the flow (of the unit,
//! locked for the decision) decided by the same workflow code under the unit's standing
//! delegations, then the new instance stored, carried to the feeds of everyone it reaches, and
//! its trace record written under the office person who entered it — all in the caller's
//! transaction, so the caller's audit entry commits with it or not at all. A refusal or an unknown
//! flow changes nothing.

use crate::db::encode;
use crate::error::ApiError;
use crate::instances::{load_instance, publish_departures, save_instance, standing_delegations};
use crate::sql::{args, Sql};
use qianpi_domain::workflow::{
    self, Env, Instance, Outcome, RejectionCode, Submission, TraceRecord,
};

/// Why the command changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplied {
    /// No such flow in the unit (another unit's is as absent).
    NotFound,
    /// The workflow refused it.
    Refused(RejectionCode),
}

/// What an applied command left: the flow as it is now and the trace record it wrote.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The instance after the command.
    pub instance: Instance,
    /// Its record in the 流转记录.
    pub trace: TraceRecord,
}

/// Applies `submission` to flow `instance_id` of `unit_id`, its trace record written under
/// `entered_by` (the office person's user id).
pub fn apply(
    sql: &mut dyn Sql,
    unit_id: &str,
    instance_id: &str,
    submission: &Submission,
    entered_by: &str,
) -> Result<Result<Applied, NotApplied>, ApiError> {
    let flow = load_instance(sql, instance_id, true)?.filter(|flow| flow.unit_id == unit_id);
    let Some(flow) = flow else {
        return Ok(Err(NotApplied::NotFound));
    };
    let delegations = standing_delegations(sql, unit_id)?;
    let env = Env {
        definition: &flow.definition,
        delegations: &delegations,
    };
    let (next, trace) = match workflow::execute(env, &flow.instance, submission) {
        Ok(Outcome::Applied { instance, record }) => (*instance, *record),
        // The console gives every entry a fresh command id: one seen before is a fault here.
        Ok(Outcome::Duplicate { .. }) => {
            return Err(ApiError::internal("a new command id was seen before"))
        }
        Err(rejection) => return Ok(Err(NotApplied::Refused(rejection.code))),
    };
    save_instance(sql, &next, &flow.definition, &flow.document)?;
    publish_departures(sql, &flow.instance, &next, &flow.definition, &flow.document)?;
    sql.execute(
        "INSERT INTO trace (instance_id, command_id, actor, device_id, body, at)
         VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
        args![
            &next.id,
            &submission.command_id,
            entered_by,
            encode(&trace)?,
            submission.at.to_rfc3339()
        ],
    )?;
    Ok(Ok(Applied {
        instance: next,
        trace,
    }))
}
