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
    fn formats_in_the_largest_unit() {
        assert_eq!(format_duration(14 * 86_400), "2w");
        assert_eq!(format_duration(90 * 86_400), "90d");
        assert_eq!(format_duration(61), "61s");
    }
}
