//! The session's time zone, for the times a person reads in the Markdown and HTML
//! reports and the date in an export's file name. The JSON and CSV keep ISO 8601
//! UTC. IANA names are resolved against the time zone database compiled into the
//! binary (jiff's bundled copy), never the machine's, so a report reads the same
//! wherever it is made.

use jiff::tz::{Offset, TimeZone};

/// Longest time zone setting accepted.
pub const MAX_ZONE: usize = 64;

/// A time zone: an IANA name (`Europe/Vilnius`) or a fixed offset (`+03:00`).
#[derive(Clone, Debug)]
pub struct Zone {
    /// As the session stores it; "UTC" when none was given.
    name: String,
    tz: TimeZone,
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_string(),
            tz: TimeZone::UTC,
        }
    }

    /// An IANA name, `UTC`, `Z`, or an offset `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`
    /// (up to 18 hours). Err is a sentence for the person who typed it.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "`{}` is not a time zone: use an IANA name such as Europe/Vilnius or an offset such as +03:00.",
                s.chars().take(MAX_ZONE).collect::<String>().escape_debug()
            )
        };
        if s.is_empty() || s.len() > MAX_ZONE {
            return Err(bad());
        }
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::utc());
        }
        if s.starts_with(['+', '-']) {
            let secs = fixed_offset(s).ok_or_else(bad)?;
            let offset = Offset::from_seconds(secs).map_err(|_| bad())?;
            return Ok(Zone {
                name: s.to_string(),
                tz: TimeZone::fixed(offset),
            });
        }
        let tz = TimeZone::get(s).map_err(|_| bad())?;
        Ok(Zone {
            name: s.to_string(),
            tz,
        })
    }

    /// The stored form: `parse(z.name())` gives the same zone.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn zoned(&self, ms: i64) -> Option<jiff::ZonedDateTime> {
        jiff::Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned_datetime(self.tz.clone()))
    }

    /// The zone as a reader needs it: `Europe/Vilnius (UTC+02:00 on 27 Nov 2026)`,
    /// `UTC`, `UTC+03:00`.
    pub fn describe(&self, at: i64) -> String {
        let Some(z) = self.zoned(at) else {
            return self.name.clone();
        };
        let offset = offset_text(z.offset().seconds());
        if self.name == "UTC" {
            "UTC".to_string()
        } else if self.name.starts_with(['+', '-']) {
            format!("UTC{offset}")
        } else {
            format!("{} (UTC{offset} on {})", self.name, z.strftime("%-d %b %Y"))
        }
    }

    /// A moment for a person: `Fri 27 Nov 2026, 09:00`.
    pub fn datetime(&self, ms: i64) -> String {
        self.format(ms, "%a %-d %b %Y, %H:%M")
    }

    /// From one moment to another: `Fri 27 Nov 2026, 09:00 to 09:46`, with the
    /// second day written out only when it is another day.
    pub fn span(&self, a: i64, b: i64) -> String {
        if self.day(a) == self.day(b) {
            format!("{} to {}", self.datetime(a), self.format(b, "%H:%M"))
        } else {
            format!("{} to {}", self.datetime(a), self.datetime(b))
        }
    }

    /// A moment within the session: `27 Nov 09:00`.
    pub fn short(&self, ms: i64) -> String {
        self.format(ms, "%-d %b %H:%M")
    }

    /// A moment to the second, for the event log: `27 Nov 09:00:05`.
    pub fn seconds(&self, ms: i64) -> String {
        self.format(ms, "%-d %b %H:%M:%S")
    }

    /// The day, for file names: `2026-11-27`.
    pub fn day(&self, ms: i64) -> String {
        self.format(ms, "%Y-%m-%d")
    }

    fn format(&self, ms: i64, pattern: &str) -> String {
        match self.zoned(ms) {
            Some(z) => z.strftime(pattern).to_string(),
            // Out of the range a calendar can show: the raw ISO form.
            None => super::text::iso(ms),
        }
    }
}

/// `+03:00`, `-0530`, `+3`: seconds east of UTC.
fn fixed_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "00"),
    };
    let digits = |t: &str| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// `+03:00`, `-05:30`, `+00:00`.
fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_27_0900: i64 = 1_795_770_000_000;

    #[test]
    fn offsets_and_names() {
        assert_eq!(fixed_offset("+03:00"), Some(3 * 3600));
        assert_eq!(fixed_offset("-0530"), Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(fixed_offset("+3"), Some(3 * 3600));
        for bad in ["+", "+3:0", "+19:00", "+03:60", "+0a:00", "03:00", "+123"] {
            assert!(Zone::parse(bad).is_err(), "{bad}");
        }
        for bad in ["Mars/Olympus", "", "Europe/Vil\nnius", &"x".repeat(65)] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
        let utc = Zone::utc();
        assert_eq!(utc.datetime(NOV_27_0900), "Fri 27 Nov 2026, 09:00");
        assert_eq!(utc.describe(NOV_27_0900), "UTC");
        let plus3 = Zone::parse("+03:00").expect("offset");
        assert_eq!(plus3.short(NOV_27_0900), "27 Nov 12:00");
        assert_eq!(plus3.describe(NOV_27_0900), "UTC+03:00");
        let vilnius = Zone::parse("Europe/Vilnius").expect("IANA name");
        // Winter: UTC+2; summer: UTC+3.
        assert_eq!(vilnius.seconds(NOV_27_0900), "27 Nov 11:00:00");
        assert_eq!(
            vilnius.seconds(NOV_27_0900 - 150 * 86_400_000),
            "30 Jun 12:00:00"
        );
        assert_eq!(
            vilnius.describe(NOV_27_0900),
            "Europe/Vilnius (UTC+02:00 on 27 Nov 2026)"
        );
        let kyiv = Zone::parse("-09:30").expect("offset");
        assert_eq!(kyiv.day(NOV_27_0900 - 10 * 3_600_000), "2026-11-26");
        assert_eq!(Zone::parse("utc").expect("utc").name(), "UTC");
    }
}
