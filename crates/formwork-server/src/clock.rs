//! Today's date for the rules: Europe/London's calendar date, or `FORMWORK_TODAY` for demos and tests.
//!
//! UK civil time is GMT, or BST (GMT+1) from 01:00 GMT on the last Sunday of March until 01:00 GMT
//! on the last Sunday of October (Summer Time Order 2002), so no time-zone database is needed.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{Date, Duration, Month, OffsetDateTime, Weekday};

/// Where "today" comes from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The real date in Europe/London.
    London,
    /// A fixed date (`FORMWORK_TODAY`).
    Fixed(Date),
}

impl Clock {
    /// Today's date.
    #[must_use]
    pub fn today(&self) -> Date {
        match self {
            Self::Fixed(d) => *d,
            Self::London => london_date(now_utc()),
        }
    }
}

/// The current instant in UTC.
#[must_use]
pub fn now_utc() -> OffsetDateTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or_default())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn unix_now() -> i64 {
    now_utc().unix_timestamp()
}

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The calendar date in London at a UTC instant.
#[must_use]
pub fn london_date(utc: OffsetDateTime) -> Date {
    let year = utc.year();
    let bst = match (
        last_sunday(year, Month::March),
        last_sunday(year, Month::October),
    ) {
        (Some(start), Some(end)) => {
            let start = start.with_hms(1, 0, 0).map(|t| t.assume_utc());
            let end = end.with_hms(1, 0, 0).map(|t| t.assume_utc());
            matches!((start, end), (Ok(s), Ok(e)) if utc >= s && utc < e)
        }
        _ => false,
    };
    if bst {
        (utc + Duration::hours(1)).date()
    } else {
        utc.date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn london_dates_follow_bst() {
        // 23:30 UTC in summer is already tomorrow in London.
        assert_eq!(
            london_date(datetime!(2026-07-01 23:30 UTC)),
            time::macros::date!(2026 - 07 - 02)
        );
        // In winter London is on UTC.
        assert_eq!(
            london_date(datetime!(2026-01-01 23:30 UTC)),
            time::macros::date!(2026 - 01 - 01)
        );
        // BST starts 01:00 UTC on the last Sunday of March (29 March 2026).
        assert_eq!(
            london_date(datetime!(2026-03-28 23:30 UTC)),
            time::macros::date!(2026 - 03 - 28)
        );
        assert_eq!(
            london_date(datetime!(2026-03-29 23:30 UTC)),
            time::macros::date!(2026 - 03 - 30)
        );
        // And ends 01:00 UTC on the last Sunday of October (25 October 2026).
        assert_eq!(
            london_date(datetime!(2026-10-24 23:30 UTC)),
            time::macros::date!(2026 - 10 - 25)
        );
        assert_eq!(
            london_date(datetime!(2026-10-25 23:30 UTC)),
            time::macros::date!(2026 - 10 - 25)
        );
    }
}
