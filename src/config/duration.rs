//! Lifetimes such as `90d`: a whole number and one unit (s, m, h, d, w).

use std::fmt;

/// A span of whole seconds, longer than zero, as the configuration writes it (`90d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lifetime(u64);

impl Lifetime {
    pub fn parse(text: &str) -> Result<Lifetime, String> {
        parse_duration(text).map(Lifetime)
    }

    pub fn from_seconds(seconds: u64) -> Lifetime {
        Lifetime(seconds)
    }

    pub fn seconds(self) -> u64 {
        self.0
    }

    /// As a span of time; one too long to represent is as long as can be.
    pub fn span(self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.0).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

/// How long the previous credential stays after a replacement, before apply revokes or deletes
/// it: `overlap:` in the configuration, so that whatever uses it can move to the new one first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// Revoked or deleted in the same run (`overlap: none`).
    None,
    /// For this long, and never past the previous one's own expiry.
    For(Lifetime),
    /// Until the previous token's own expiry (a token's default).
    UntilExpiry,
}

impl Overlap {
    /// `none`, `until_expiry` or a duration such as `7d`.
    pub fn parse(text: &str) -> Result<Overlap, String> {
        match text.trim() {
            "none" => Ok(Overlap::None),
            "until_expiry" => Ok(Overlap::UntilExpiry),
            other => Lifetime::parse(other).map(Overlap::For),
        }
    }

    /// When the previous credential goes: `None` for at once, else the end of the overlap
    /// (never after `expires_at`, the previous one's own expiry, when it has one).
    pub fn end(
        self,
        now: time::OffsetDateTime,
        expires_at: Option<time::OffsetDateTime>,
    ) -> Option<time::OffsetDateTime> {
        let end = match self {
            Overlap::None => return None,
            Overlap::For(l) => now.checked_add(l.span()).unwrap_or(time::PrimitiveDateTime::MAX.assume_utc()),
            Overlap::UntilExpiry => expires_at?,
        };
        let end = expires_at.map_or(end, |e| end.min(e));
        (end > now).then_some(end)
    }
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Overlap::None => f.write_str("none"),
            Overlap::For(l) => l.fmt(f),
            Overlap::UntilExpiry => f.write_str("until_expiry"),
        }
    }
}

/// Parses a duration into seconds, or says what is wrong.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("`{text}` is not a duration")),
    };
    let seconds = number.checked_mul(factor).ok_or_else(|| format!("`{text}` is too long"))?;
    if seconds == 0 {
        return Err(format!("`{text}` is not longer than zero"));
    }
    Ok(seconds)
}

/// Shows seconds in the largest unit that divides them, the way a person would write them.
fn format_duration(seconds: u64) -> String {
    for (unit, factor) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds % factor == 0 {
            return format!("{}{unit}", seconds / factor);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("90d"), Ok(90 * 86_400));
        assert_eq!(parse_duration("36h"), Ok(36 * 3_600));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("1.5d").is_err());
        assert!(parse_duration("99999999999999999w").is_err());
    }

    #[test]
    fn an_overlap_ends_at_its_span_or_the_expiry_whichever_is_first() {
        let now = time::macros::datetime!(2026-12-01 00:00 UTC);
        let expiry = time::macros::datetime!(2026-12-20 00:00 UTC);
        let week = Overlap::parse("7d").unwrap();
        assert_eq!(week.end(now, Some(expiry)), Some(time::macros::datetime!(2026-12-08 00:00 UTC)));
        assert_eq!(Overlap::parse("30d").unwrap().end(now, Some(expiry)), Some(expiry));
        assert_eq!(Overlap::UntilExpiry.end(now, Some(expiry)), Some(expiry));
        assert_eq!(Overlap::None.end(now, Some(expiry)), None);
        // An account has no expiry; a token already expired needs no overlap.
        assert_eq!(week.end(now, None), Some(time::macros::datetime!(2026-12-08 00:00 UTC)));
        assert_eq!(Overlap::UntilExpiry.end(now, None), None);
        assert_eq!(week.end(expiry, Some(now)), None);
        assert!(Overlap::parse("0d").is_err() && Overlap::parse("soon").is_err());
        assert_eq!(Overlap::parse("none").unwrap().to_string(), "none");
    }

    #[test]
    fn formats_in_the_largest_unit() {
        assert_eq!(format_duration(14 * 86_400), "2w");
        assert_eq!(format_duration(90 * 86_400), "90d");
        assert_eq!(format_duration(61), "61s");
    }
}
