//! The requests an integration makes, read from a file: one `METHOD PATH-OR-URL` per line, an
//! access log (the quoted `"METHOD URL HTTP/1.1"` of the common and combined formats), or a HAR
//! file (a browser's or a proxy's recording, JSON). Every line or entry that is not a request is
//! kept as such, with where it was, so that nothing is dropped without a word.

use std::path::Path;

use crate::error::Error;
use crate::operations::{NotARequest, Request};
use crate::uses::Resolved;

/// Every request of `path` (blank lines and `#` comments aside), resolved.
pub fn read(path: &Path) -> Result<Vec<Resolved>, Error> {
    let text = crate::fsutil::read_text_bounded(path, crate::fsutil::MAX_DOCUMENT).map_err(|error| Error::Io {
        what: "cannot read",
        path: path.to_owned(),
        error,
    })?;
    let name = path.display().to_string();
    if text.trim_start().starts_with('{') {
        return Ok(har(&text, &name));
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            let (given, request) = line(l);
            Resolved::of(given, format!("{name}:{}", i + 1), request)
        })
        .collect())
}

/// One line: the quoted request of an access log, else `METHOD TARGET` at its start.
fn line(text: &str) -> (&str, Result<Request, NotARequest>) {
    if let Some(quoted) = text.split('"').nth(1).filter(|q| q.split_whitespace().count() == 3) {
        // `GET /path HTTP/1.1`: the protocol is no part of the request's name.
        let end = quoted.rfind(char::is_whitespace).unwrap_or(quoted.len());
        let request = quoted[..end].trim();
        return (request, Request::parse(request));
    }
    (text, Request::parse(text))
}

/// Only what bckeys reads of a HAR file: the rest (headers, cookies, bodies, timings) is
/// skipped while parsing, never held.
#[derive(serde::Deserialize)]
struct Har {
    log: HarLog,
}

#[derive(serde::Deserialize)]
struct HarLog {
    entries: Vec<HarEntry>,
}

#[derive(serde::Deserialize)]
struct HarEntry {
    #[serde(default)]
    request: Option<HarRequest>,
}

#[derive(serde::Deserialize)]
struct HarRequest {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

fn har(text: &str, name: &str) -> Vec<Resolved> {
    let har: Har = match serde_json::from_str(text) {
        Ok(har) => har,
        Err(e) => {
            let why = format!("not a HAR file (JSON with log.entries): {e}");
            return vec![Resolved::of(name, name.to_owned(), Err(NotARequest(why)))];
        }
    };
    har.log
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let at = format!("{name} entry {}", i + 1);
            match e.request.map(|r| (r.method, r.url)) {
                Some((Some(method), Some(url))) => {
                    Resolved::of(&format!("{method} {url}"), at, Request::new(&method, &url))
                }
                _ => Resolved::of("", at, Err(NotARequest("the entry has no request.method and request.url".into()))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uses::Outcome;

    fn read_text(name: &str, text: &str) -> Vec<Resolved> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read(&path).unwrap()
    }

    #[test]
    fn lines_and_access_logs_with_malformed_lines_kept() {
        let got = read_text(
            "requests.log",
            "# what the ERP calls\n\
             GET /v3/catalog/products?limit=250\n\
             \n\
             203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"PUT https://api.bigcommerce.com/stores/abc123/v3/catalog/products/7 HTTP/1.1\" 200 512 \"-\" \"erp/1.0\"\n\
             this is not a request\n\
             FROB /v3/catalog/products\n\
             GET /v3/nowhere\n",
        );
        assert_eq!(got.len(), 5);
        assert!(matches!(got[0].outcome, Outcome::Needs { .. }) && got[0].at.ends_with("requests.log:2"));
        assert!(matches!(&got[1].outcome, Outcome::Needs { op, .. } if op.path == "/v3/catalog/products/{product_id}"));
        assert!(got[1].at.ends_with(":4"));
        assert!(matches!(got[2].outcome, Outcome::Malformed(_)) && got[2].at.ends_with(":5"));
        assert!(matches!(got[3].outcome, Outcome::Malformed(_)));
        assert!(matches!(got[4].outcome, Outcome::Unknown { .. }));
    }

    #[test]
    fn har_entries_and_broken_har() {
        let har = r#"{"log": {"entries": [
            {"request": {"method": "GET", "url": "https://api.bigcommerce.com/stores/abc123/v2/orders?min_id=5"}},
            {"request": {"method": "POST"}},
            {"request": {"method": "GET", "url": "https://api.bigcommerce.com/stores/abc123/v3/hooks"}}
        ]}}"#;
        let got = read_text("trace.har", har);
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0].outcome, Outcome::Needs { op, .. } if op.path == "/v2/orders"));
        assert!(matches!(got[1].outcome, Outcome::Malformed(_)) && got[1].at.ends_with("entry 2"));
        assert!(matches!(got[2].outcome, Outcome::Nothing { .. }));
        let broken = read_text("broken.har", "{\"log\": [");
        assert!(matches!(broken[0].outcome, Outcome::Malformed(_)));
    }
}
