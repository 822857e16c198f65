//! BigCommerce's identifiers, validated once where they are read (configuration, state, API
//! paths) and carried as types: a store hash or an account UUID can't be the wrong kind of text.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// The store hash of `https://api.bigcommerce.com/stores/{store_hash}/v3/`: lowercase letters and
/// digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StoreHash(String);

/// The account UUID of `https://api.bigcommerce.com/accounts/{account_uuid}/graphql`, in
/// lowercase, as the API path shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountUuid(String);

impl StoreHash {
    pub fn parse(text: &str) -> Option<StoreHash> {
        let valid = !text.is_empty() && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        valid.then(|| StoreHash(text.to_owned()))
    }

    /// A value for a model that validation has already refused (a problem is recorded, so the
    /// model is never handed out): it lets validation go on and report every other problem.
    pub(crate) fn refused(text: &str) -> StoreHash {
        StoreHash(text.to_owned())
    }
}

impl AccountUuid {
    pub fn parse(text: &str) -> Option<AccountUuid> {
        let groups: Vec<&str> = text.split('-').collect();
        let valid = groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        valid.then(|| AccountUuid(text.to_owned()))
    }

    /// See `StoreHash::refused`.
    pub(crate) fn refused(text: &str) -> AccountUuid {
        AccountUuid(text.to_owned())
    }
}

macro_rules! text_type {
    ($type:ident, $what:literal) => {
        impl Deref for $type {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $type {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                $type::parse(&text)
                    .ok_or_else(|| format!(concat!("`{}` is not ", $what), crate::text::escape_controls(&text)))
            }
        }

        impl std::str::FromStr for $type {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                $type::try_from(text.to_owned())
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.0
            }
        }

        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

text_type!(StoreHash, "a store hash");
text_type!(AccountUuid, "an account UUID");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_bigcommerce_issues_is_an_identifier() {
        assert!(StoreHash::parse("abc123def4").is_some());
        for bad in ["", "ABC123", "abc/123", "abc 1", "abc\u{1b}"] {
            assert!(StoreHash::parse(bad).is_none(), "{bad:?}");
        }
        assert!(AccountUuid::parse("0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f").is_some());
        for bad in [
            "",
            "0B7E5B0C-0B6A-4C3F-9D0E-1A2B3C4D5E6F",
            "0b7e5b0c0b6a4c3f9d0e1a2b3c4d5e6f",
            "0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6",
        ] {
            assert!(AccountUuid::parse(bad).is_none(), "{bad:?}");
        }
        let err = StoreHash::try_from("x\u{1b}[2J".to_owned()).unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}
