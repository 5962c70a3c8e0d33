//! Calendar dates for reports, without a date crate: commit times as RFC 3339 (with the author's offset, or in
//! UTC), and a clock time as the UTC timestamp GitLab's schema wants. Days are converted with Howard Hinnant's
//! `civil_from_days`/`days_from_civil` algorithms (proleptic Gregorian calendar).

/// `seconds` since the Unix epoch at `offset_minutes` from UTC, as RFC 3339 with that offset
/// (`2024-03-05T10:11:12+02:00`).
pub fn rfc3339(seconds: i64, offset_minutes: i64) -> String {
    let (date, time) = civil(seconds + offset_minutes * 60);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.abs();
    format!("{date}T{time}{sign}{:02}:{:02}", offset / 60, offset % 60)
}

/// `seconds` since the Unix epoch in UTC, without a zone (`2024-03-05T08:11:12`).
pub fn utc_timestamp(seconds: i64) -> String {
    let (date, time) = civil(seconds);
    format!("{date}T{time}")
}

/// An RFC 3339 time with a numeric offset (as [`rfc3339`] writes it) in UTC with `Z`, the form Go's
/// `time.Time` takes in JSON once converted to UTC (`2024-03-05T08:11:12Z`). `None` for any other text.
pub fn to_utc_z(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() != 25 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[19], b'+' | b'-') || b[22] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let s = text.get(from..to)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let offset = (num(20, 22)? * 60 + num(23, 25)?) * if b[19] == b'-' { -1 } else { 1 };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let local = days_from_civil(y, m as u32, d as u32) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(format!("{}Z", utc_timestamp(local - offset * 60)))
}

/// (`YYYY-MM-DD`, `HH:MM:SS`) of a count of seconds since the epoch, read as wall-clock time.
fn civil(seconds: i64) -> (String, String) {
    let (days, rem) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60))
}

/// Days since 1970-01-01 to a proleptic Gregorian date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A proleptic Gregorian date to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_utc_agree() {
        // 2024-03-05T08:11:12Z.
        let t = 1_709_626_272;
        assert_eq!(rfc3339(t, 120), "2024-03-05T10:11:12+02:00");
        assert_eq!(rfc3339(t, -330), "2024-03-05T02:41:12-05:30");
        assert_eq!(utc_timestamp(t), "2024-03-05T08:11:12");
        assert_eq!(to_utc_z("2024-03-05T10:11:12+02:00").as_deref(), Some("2024-03-05T08:11:12Z"));
        assert_eq!(to_utc_z("2024-03-05T02:41:12-05:30").as_deref(), Some("2024-03-05T08:11:12Z"));
        // Across a year's end and a leap day.
        assert_eq!(to_utc_z("2025-01-01T01:00:00+02:00").as_deref(), Some("2024-12-31T23:00:00Z"));
        assert_eq!(to_utc_z("2024-02-29T23:30:00-01:00").as_deref(), Some("2024-03-01T00:30:00Z"));
        assert_eq!(to_utc_z("1969-12-31T23:59:59+00:00").as_deref(), Some("1969-12-31T23:59:59Z"));
        for bad in ["", "2024-03-05T08:11:12Z", "2024-13-05T10:11:12+02:00", "2024-03-05 10:11:12+02:00"] {
            assert_eq!(to_utc_z(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_787, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
