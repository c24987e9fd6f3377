//! Times as the office reads them: in the deployment's time zone (Asia/Shanghai unless the
//! gateway is told otherwise), never raw UTC.

use chrono::{DateTime, Utc};

/// The zone a deployment shows times in unless configured otherwise.
pub const DEFAULT_ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// `2026-12-07 09:30` in `zone`.
pub fn when(zone: chrono_tz::Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn utc_is_shown_in_beijing_time() {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 17, 30, 0).unwrap();
        assert_eq!(when(DEFAULT_ZONE, at), "2026-12-07 01:30");
        assert_eq!(when(chrono_tz::UTC, at), "2026-12-06 17:30");
    }
}
