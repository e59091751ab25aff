//! A billed month, and where its boundaries fall in a company's time zone.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A calendar month: what one invoice bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Year.
    pub year: i16,
    /// Month, 1 to 12.
    pub month: i8,
}

impl Period {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Period> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let (year, month): (i16, i8) = (year.parse().ok()?, month.parse().ok()?);
        (year >= 1000 && (1..=12).contains(&month)).then_some(Period { year, month })
    }

    /// The month after.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// The month `ms` (Unix ms) falls in, in `tz`.
    pub fn of(ms: u64, tz: &TimeZone) -> Period {
        let date = date_in(ms, tz);
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("a period is a real month")
    }

    /// Where it starts in `tz`: midnight of its first day (or the first instant after, on a
    /// day that skips midnight), in Unix ms.
    pub fn start(self, tz: &TimeZone) -> u64 {
        let zoned = self
            .first_day()
            .to_zoned(tz.clone())
            .expect("a month's first day is in range");
        zoned.timestamp().as_millisecond().max(0) as u64
    }

    /// Where it ends in `tz` (the next month's start), in Unix ms: its invoice is issued then.
    pub fn end(self, tz: &TimeZone) -> u64 {
        self.next().start(tz)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// `ms` as a timestamp (clamped to what jiff represents).
pub(crate) fn timestamp(ms: u64) -> Timestamp {
    Timestamp::from_millisecond(ms.min(i64::MAX as u64) as i64).unwrap_or(Timestamp::MAX)
}

/// The calendar day `ms` (Unix ms) falls on in `tz`.
pub fn date_in(ms: u64, tz: &TimeZone) -> Date {
    timestamp(ms).to_zoned(tz.clone()).date()
}

/// `ms` as a day written out in `tz`, as invoices and the panel print it: `1 December 2026`.
pub fn long_date(ms: u64, tz: &TimeZone) -> String {
    date_in(ms, tz).strftime("%-d %B %Y").to_string()
}

/// The zone named `name`, from the bundled database; UTC for a name it does not know (the
/// profile's rules let only known names in).
pub fn zone(name: &str) -> TimeZone {
    jiff::tz::db().get(name).unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_reads_its_name_and_its_boundaries_follow_the_zone() {
        let october = Period::parse("2026-10").unwrap();
        assert_eq!(october.to_string(), "2026-10");
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("26-10"), None);
        assert_eq!(
            october.next().next().next(),
            Period::parse("2027-01").unwrap()
        );
        // Midnight of 1 November in Berlin (winter time, UTC+1) is 23:00 UTC on 31 October.
        let berlin = zone("Europe/Berlin");
        assert_eq!(october.end(&berlin), 1_793_487_600_000);
        assert_eq!(october.end(&TimeZone::UTC), 1_793_491_200_000);
        assert_eq!(Period::of(october.end(&berlin) - 1, &berlin), october);
        assert_eq!(Period::of(october.end(&berlin), &berlin), october.next());
        assert_eq!(zone("Mars/Olympus"), TimeZone::UTC);
    }
}
