//! When a record says it was made, and whether the gateway can believe it: not in the future, not
//! before the device was bound or before its previous record (a chain's clock never runs
//! backwards), and not before the signed checkpoint it names (security.md: a record older than
//! its checkpoint is refused). A record that names no checkpoint must have been made before the
//! device's first one: inbox data and a checkpoint always travel in the same pull answer.

use super::chain::Chain;
use crate::error::ApiError;
use crate::refusals::Reason;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_protocol::CommandRecord;

/// How far ahead of the gateway's clock a record's time may be (the phone corrects its clock by
/// the gateway's offset, so only a small tolerance is needed); also the slack of every other
/// comparison of a record's time.
pub(super) const TOLERANCE_SECS: i64 = 60;

/// Why the record's time cannot be believed, if it cannot.
pub(super) fn refusal(
    sql: &mut dyn Sql,
    device_id: &str,
    chain: &Chain,
    record: &CommandRecord,
    now: DateTime<Utc>,
) -> Result<Option<Reason>, ApiError> {
    match clock_refusal(record.time.created_at, now, chain.bound_at, chain.last_at) {
        Some(reason) => Ok(Some(reason)),
        None => checkpoint_refusal(sql, device_id, record),
    }
}

/// The checks of a claimed time `at` against the gateway's clock and the device's chain: not
/// ahead of `now`, not before the binding or the chain's clock `last` (each with the tolerance).
/// The times come from the network: a time chrono cannot shift by the tolerance is refused
/// rather than wrapped.
pub(super) fn clock_refusal(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    bound_at: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
) -> Option<Reason> {
    let tolerance = chrono::Duration::seconds(TOLERANCE_SECS);
    let future = (
        "from_future",
        "审批时间晚于服务器时间",
        "the record claims a time in the future",
    );
    let back_dated = (
        "back_dated",
        "审批时间早于设备绑定或上一条审批记录",
        "the record claims a time before the device was bound or before its previous record",
    );
    match now.checked_add_signed(tolerance) {
        Some(latest) if at <= latest => {}
        _ => return Some(future),
    }
    let Some(shifted) = at.checked_add_signed(tolerance) else {
        return Some(back_dated);
    };
    if shifted < bound_at || last.is_some_and(|last| shifted < last) {
        return Some(back_dated);
    }
    None
}

/// The chain's clock after a record claiming `at` was decided: an accepted record moves it
/// forward, never back (a record may be up to [`TOLERANCE_SECS`] earlier than its predecessor and
/// still be believed, and the clock keeps the later of the two); a refused record leaves it as it
/// was.
pub(super) fn advanced(
    last: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    accepted: bool,
) -> Option<DateTime<Utc>> {
    match (accepted, last) {
        (false, last) => last,
        (true, Some(last)) => Some(last.max(at)),
        (true, None) => Some(at),
    }
}

fn checkpoint_refusal(
    sql: &mut dyn Sql,
    device_id: &str,
    record: &CommandRecord,
) -> Result<Option<Reason>, ApiError> {
    let at = record.time.created_at.timestamp();
    let named = &record.time.checkpoint_hash;
    if named.is_empty() {
        let first = sql
            .query_one(
                "SELECT MIN(issued_unix) FROM checkpoints WHERE device_id = ?1",
                args![device_id],
            )?
            .opt_int(0)?;
        return Ok(first
            .filter(|first| at.saturating_sub(TOLERANCE_SECS) > *first)
            .map(|_| {
                (
                    "checkpoint_missing",
                    "审批记录未引用设备已收到的检查点",
                    "the record names no checkpoint although the device had received one",
                )
            }));
    }
    let issued = sql
        .query_opt(
            "SELECT issued_unix FROM checkpoints WHERE hash = ?1 AND device_id = ?2",
            args![named, device_id],
        )?
        .map(|row| row.int(0))
        .transpose()?;
    Ok(match issued {
        None => Some((
            "unknown_checkpoint",
            "审批记录引用的检查点不是本网关签发给本设备的",
            "the record names a checkpoint this gateway never issued to this device",
        )),
        Some(issued) if at.saturating_add(TOLERANCE_SECS) < issued => Some((
            "before_checkpoint",
            "审批时间早于其引用的检查点",
            "the record claims a time before the checkpoint it names",
        )),
        Some(_) => None,
    })
}

#[cfg(test)]
mod tests {
    //! The chain's clock over random sequences of honest, future-dated and back-dated records:
    //! honest records are always believed, the clock never runs backwards, and no record is
    //! believed with a time before one already believed (beyond the tolerance).

    use super::{advanced, clock_refusal, TOLERANCE_SECS};
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// The phone's clock moved on by this many seconds and it made a record.
        Honest(i64),
        /// A record dated this many seconds ahead of the gateway (a clock that jumped).
        Future(i64),
        /// A record dated this many seconds before the latest believed one.
        BackDated(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..3_600_i64).prop_map(Step::Honest),
            (TOLERANCE_SECS + 1..400_000_i64).prop_map(Step::Future),
            (TOLERANCE_SECS + 1..400_000_i64).prop_map(Step::BackDated),
        ]
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + seconds, 0)
            .single()
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn only_believed_records_move_the_clock_and_it_never_runs_back(
            steps in proptest::collection::vec(step(), 1..60)
        ) {
            // Bound a day ago; the gateway's clock stands still while the phone catches up.
            let bound = at(0);
            let now = at(30 * 86_400);
            let (mut honest, mut last, mut latest_believed) = (bound, None, None::<DateTime<Utc>>);
            for step in steps {
                let claimed = match step {
                    Step::Honest(gap) => {
                        honest = (honest + Duration::seconds(gap)).min(now);
                        honest
                    }
                    Step::Future(ahead) => now + Duration::seconds(ahead),
                    Step::BackDated(behind) => {
                        latest_believed.unwrap_or(bound) - Duration::seconds(behind)
                    }
                };
                let refusal = clock_refusal(claimed, now, bound, last).map(|r| r.0);
                match step {
                    Step::Honest(_) => prop_assert_eq!(refusal, None),
                    Step::Future(_) => prop_assert_eq!(refusal, Some("from_future")),
                    Step::BackDated(_) => prop_assert_eq!(refusal, Some("back_dated")),
                }
                let next = advanced(last, claimed, refusal.is_none());
                prop_assert!(next >= last, "the clock ran back from {last:?} to {next:?}");
                if refusal.is_none() {
                    let floor = latest_believed.map(|t| t - Duration::seconds(TOLERANCE_SECS));
                    prop_assert!(floor.is_none_or(|floor| claimed >= floor));
                    latest_believed = latest_believed.max(Some(claimed));
                }
                last = next;
            }
        }

        #[test]
        fn extreme_times_are_refused_not_wrapped(seconds in any::<i64>()) {
            let claimed = DateTime::<Utc>::from_timestamp(seconds / 1_000, 0)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let now = at(0);
            let refusal = clock_refusal(claimed, now, now, Some(now));
            prop_assert!(refusal.is_some() || (claimed - now).num_seconds().abs() <= TOLERANCE_SECS);
        }
    }

    #[test]
    fn the_latest_and_earliest_times_chrono_knows_are_refused() {
        let now = at(0);
        assert_eq!(
            clock_refusal(DateTime::<Utc>::MAX_UTC, now, now, None).map(|r| r.0),
            Some("from_future")
        );
        assert_eq!(
            clock_refusal(DateTime::<Utc>::MIN_UTC, now, now, None).map(|r| r.0),
            Some("back_dated")
        );
    }
}
