//! Timestamps as the state records them: RFC 3339, in UTC, to the second. Parsed once, when
//! the state is read, so that no later step can misread one or find it unreadable.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Now, to the second.
    pub fn now() -> Timestamp {
        Timestamp::from(OffsetDateTime::now_utc())
    }

    pub fn time(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Timestamp {
        let t = t.to_offset(time::UtcOffset::UTC);
        Timestamp(t.replace_nanosecond(0).unwrap_or(t))
    }
}

impl std::str::FromStr for Timestamp {
    type Err = String;

    fn from_str(text: &str) -> Result<Timestamp, String> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Timestamp::from)
            .map_err(|_| format!("`{}` is not an RFC 3339 timestamp", crate::text::escape_controls(text)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A UTC time to the second always formats.
        f.write_str(&self.0.format(&Rfc3339).unwrap_or_default())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_to_the_second_in_utc() {
        let t: Timestamp = "2026-11-01T02:00:00+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2026-11-01T00:00:00Z");
        let u: Timestamp = "2026-11-01T00:00:00.75Z".parse().unwrap();
        assert_eq!(u, t);
        assert!("next tuesday".parse::<Timestamp>().unwrap_err().contains("not an RFC 3339 timestamp"));
    }
}
