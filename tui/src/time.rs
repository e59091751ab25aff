//! Times in the company's time zone (`GET /v1/me`'s `time_zone`), with jiff's bundled tz
//! database so it works on machines without `/usr/share/zoneinfo`.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The zone named `name`, or UTC when the name is unknown (the server validates names, so
/// this only happens with a database older than the server's).
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Whether `name` is an IANA zone this client knows: checked before a form sends it.
pub fn known(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// Unix milliseconds as a timestamp; out-of-range values clamp to the epoch.
fn timestamp(ms: u64) -> Timestamp {
    Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `ms` formatted with a strftime pattern in `tz`.
fn format(ms: u64, tz: &TimeZone, pattern: &str) -> String {
    timestamp(ms)
        .to_zoned(tz.clone())
        .strftime(pattern)
        .to_string()
}

/// "14:05".
pub fn clock(ms: u64, tz: &TimeZone) -> String {
    format(ms, tz, "%H:%M")
}

/// The day: "2026-12-01".
pub fn date(ms: u64, tz: &TimeZone) -> String {
    format(ms, tz, "%Y-%m-%d")
}

/// The year and month (1-12).
pub fn year_month(ms: u64, tz: &TimeZone) -> (i16, i8) {
    let zoned = timestamp(ms).to_zoned(tz.clone());
    (zoned.year(), zoned.month())
}

/// A moment relative to now: "14:05" today, "26 Nov 14:05" this year, else "2024-11-26".
pub fn stamp(ms: u64, tz: &TimeZone, now_ms: u64) -> String {
    let day = |m| format(m, tz, "%Y-%m-%d");
    if day(ms) == day(now_ms) {
        clock(ms, tz)
    } else if format(ms, tz, "%Y") == format(now_ms, tz, "%Y") {
        format(ms, tz, "%d %b %H:%M")
    } else {
        day(ms)
    }
}

/// A length of time, compact: "42s", "3m 05s", "1h 02m", "2d 03h".
pub fn span(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {:02}s", secs / 60, secs % 60),
        3600..=86_399 => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {:02}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// Seconds from `then` to `now` (both Unix ms), zero when `then` is ahead (clock skew).
pub fn since(then_ms: u64, now_ms: u64) -> u64 {
    now_ms.saturating_sub(then_ms) / 1000
}

/// The start (Unix ms) of the hour holding `now_ms` in `tz`, and that hour's number (0-23).
/// Zones with half-hour offsets start their hours on the half hour.
pub fn hour_start(now_ms: u64, tz: &TimeZone) -> (u64, u8) {
    let zoned = timestamp(now_ms).to_zoned(tz.clone());
    let into_hour = u64::from(zoned.minute() as u8) * 60_000
        + u64::from(zoned.second() as u8) * 1000
        + u64::from(zoned.millisecond() as u16);
    (now_ms.saturating_sub(into_hour), zoned.hour() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-01-15 12:30:00 UTC.
    const NOON: u64 = 1_736_944_200_000;

    #[test]
    fn times_follow_the_zone() {
        assert_eq!(clock(NOON, &zone("UTC")), "12:30");
        assert_eq!(clock(NOON, &zone("Asia/Kolkata")), "18:00");
        assert_eq!(clock(NOON, &zone("America/New_York")), "07:30");
        // Unknown names fall back to UTC rather than failing.
        assert_eq!(clock(NOON, &zone("Mars/Olympus")), "12:30");
        assert!(known("Europe/Dublin") && !known("Mars/Olympus"));
    }

    #[test]
    fn dates_are_the_zone_day() {
        // 2025-01-01 02:00 UTC is still New Year's Eve in New York.
        let new_year = 1_735_696_800_000;
        assert_eq!(date(new_year, &zone("Europe/Dublin")), "2025-01-01");
        assert_eq!(date(new_year, &zone("America/New_York")), "2024-12-31");
        assert_eq!(year_month(new_year, &zone("America/New_York")), (2024, 12));
    }

    #[test]
    fn stamps_shorten_for_recent_moments() {
        let tz = zone("Europe/Dublin");
        assert_eq!(stamp(NOON, &tz, NOON + 60_000), "12:30");
        assert_eq!(stamp(NOON, &tz, NOON + 3 * 86_400_000), "15 Jan 12:30");
        assert_eq!(stamp(NOON, &tz, NOON + 400 * 86_400_000), "2025-01-15");
    }

    #[test]
    fn spans_are_compact() {
        assert_eq!(span(5), "5s");
        assert_eq!(span(185), "3m 05s");
        assert_eq!(span(3720), "1h 02m");
        assert_eq!(span(183_600), "2d 03h");
        assert_eq!(since(2000, 1000), 0);
    }

    #[test]
    fn hours_start_on_the_zone_hour() {
        assert_eq!(hour_start(NOON, &zone("UTC")), (NOON - 30 * 60_000, 12));
        // Kolkata is UTC+5:30: 18:00 there is already the start of an hour.
        assert_eq!(hour_start(NOON, &zone("Asia/Kolkata")), (NOON, 18));
    }
}
