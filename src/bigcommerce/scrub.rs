//! Scrubbing: what makes a text quoted from an answer safe to show. Every secret is replaced by
//! `(redacted)`, also in its JSON-escaped form (as an echoed body carries it), then control
//! characters are escaped.
//!
//! A run holds thousands of secrets (two per credential it opened), and a refresh quotes an
//! answer for every 403 of every probe, so secrets are indexed by their first bytes: scrubbing
//! a text costs its length, not the number of secrets.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use secrecy::{ExposeSecret, SecretString};

/// Secrets shorter than this are not searched for: they would match ordinary words.
pub const MIN_SCRUBBED: usize = 4;

/// A set of secrets to find in text.
#[derive(Default)]
pub struct SecretSet {
    secrets: Vec<SecretString>,
    /// Positions in `secrets`, by a keyed hash of their first `MIN_SCRUBBED` bytes (the hash is
    /// keyed so that the index holds nothing readable of a secret).
    by_prefix: HashMap<u64, Vec<usize>>,
    hasher: RandomState,
}

impl SecretSet {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a SecretString>) -> SecretSet {
        let mut set = SecretSet::default();
        secrets.into_iter().for_each(|s| set.insert(s));
        set
    }

    /// Adds a secret and its JSON-escaped form; short ones and ones already there are skipped.
    pub fn insert(&mut self, secret: &SecretString) {
        let raw = secret.expose_secret();
        let escaped =
            serde_json::to_string(raw).ok().map(|json| SecretString::from(json[1..json.len() - 1].to_owned()));
        for form in std::iter::once(secret.clone()).chain(escaped) {
            let text = form.expose_secret().as_bytes();
            if text.len() < MIN_SCRUBBED || self.longest_at(text, 0) == Some(text.len()) {
                continue;
            }
            let key = self.key(text);
            self.by_prefix.entry(key).or_default().push(self.secrets.len());
            self.secrets.push(form);
        }
    }

    fn key(&self, text: &[u8]) -> u64 {
        self.hasher.hash_one(&text[..MIN_SCRUBBED])
    }

    /// The length of the longest secret that `text` starts with at `at`.
    fn longest_at(&self, text: &[u8], at: usize) -> Option<usize> {
        let rest = text.get(at..).filter(|r| r.len() >= MIN_SCRUBBED)?;
        self.by_prefix
            .get(&self.key(rest))?
            .iter()
            .map(|&i| self.secrets[i].expose_secret().as_bytes())
            .filter(|s| rest.starts_with(s))
            .map(<[u8]>::len)
            .max()
    }
}

/// Replaces every secret of `sets` in `text` (the longest where several start at one place, so
/// that a secret containing another goes whole), then escapes control characters.
pub fn scrub(text: &str, sets: &[&SecretSet]) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match sets.iter().filter_map(|s| s.longest_at(bytes, at)).max() {
            Some(len) => {
                out.extend_from_slice(b"(redacted)");
                at += len;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    // Secrets are whole UTF-8 strings, so what is cut out starts and ends at characters.
    crate::text::escape_controls(&String::from_utf8_lossy(&out)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(secrets: &[&str]) -> SecretSet {
        let owned: Vec<SecretString> = secrets.iter().map(|s| SecretString::from(s.to_string())).collect();
        SecretSet::new(&owned)
    }

    #[test]
    fn every_secret_goes_whole_and_the_rest_stays() {
        let s = set(&["abcdef", "cdef", "tok-1234", "x\"y/zz"]);
        assert_eq!(scrub("see abcdef and cdef, tok-1234!", &[&s]), "see (redacted) and (redacted), (redacted)!");
        assert_eq!(scrub(r#"{"h":"x\"y/zz"}"#, &[&s]), r#"{"h":"(redacted)"}"#);
        assert_eq!(scrub("abc ab a", &[&s]), "abc ab a");
        assert_eq!(scrub("é tok-1234 ü", &[&s]), "é (redacted) ü");
    }

    #[test]
    fn short_and_repeated_secrets_are_not_indexed_twice() {
        let s = set(&["abc", "tok-1234", "tok-1234"]);
        assert_eq!(s.secrets.len(), 1);
        assert_eq!(scrub("abc", &[&s]), "abc");
    }

    #[test]
    fn thousands_of_secrets_cost_the_length_of_the_text() {
        let owned: Vec<SecretString> = (0..5000).map(|i| SecretString::from(format!("token-{i:05}-secret"))).collect();
        let s = SecretSet::new(&owned);
        assert_eq!(scrub("a token-04999-secret b", &[&s]), "a (redacted) b");
        assert_eq!(scrub("token-00000-secre", &[&s]), "token-00000-secre");
    }
}
