//! Injected faults: what a flaky platform answers. Each is queued for the next N requests to one
//! store's API (or to every store's) and used up one request at a time.
//!
//! `status`, `garbage`, `html` and `rate_limit` answer in place of the store, before rate
//! limiting and authentication, and do not use up the store's quota; `slow` delays the normal
//! answer. `rate_limit` is a 429 from platform load: `X-Retry-After: 1` and no `X-Rate-Limit-*`
//! headers, unlike the store's own quota.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::reply::{self, STATUS_CODES_DOC};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// That status with a JSON error body.
    Status(u16),
    /// 200 with a body that is not JSON, though it says it is.
    Garbage,
    /// 502 with a gateway's HTML error page.
    Html,
    /// The normal answer after this many milliseconds.
    Slow(u64),
    /// 429 from platform load.
    RateLimit,
}

impl FaultKind {
    /// Whether the store's rate-limit headers come with the fault: a JSON error or a garbled
    /// body comes from the API itself, a gateway page and platform load do not.
    pub fn has_rate_limit_headers(self) -> bool {
        matches!(self, FaultKind::Status(_) | FaultKind::Garbage | FaultKind::Slow(_))
    }
}

#[derive(Debug, Clone)]
pub struct Fault {
    /// `None` for every store.
    pub store_hash: Option<String>,
    pub kind: FaultKind,
    /// Requests still to be answered with the fault.
    pub left: u32,
}

/// The most a fault may delay an answer.
const MAX_DELAY_MS: u64 = 600_000;

/// Reads a fault from the control panel's JSON; every problem is named with its field.
pub fn parse(body: &Value) -> Result<Fault, Vec<(&'static str, String)>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![("body", "must be a JSON object".into())]);
    };
    let mut problems = Vec::new();
    for key in obj.keys() {
        if !matches!(key.as_str(), "store_hash" | "kind" | "status" | "count" | "delay_ms") {
            problems.push(("body", format!("unknown field {key:?}")));
        }
    }
    let store_hash = match obj.get("store_hash") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) if super::auth::check_store_hash(h).is_ok() => Some(h.clone()),
        Some(_) => {
            problems.push(("store_hash", "must be a store hash (lowercase letters and digits)".into()));
            None
        }
    };
    let count = match obj.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => n as u32,
            _ => {
                problems.push(("count", "must be a whole number of at least 1".into()));
                1
            }
        },
    };
    let kind = match obj.get("kind").and_then(Value::as_str) {
        Some("status") => match obj.get("status").and_then(Value::as_u64) {
            Some(s @ 400..=599) => Some(FaultKind::Status(s as u16)),
            _ => {
                problems.push(("status", "kind status needs a status from 400 to 599".into()));
                None
            }
        },
        Some("garbage") => Some(FaultKind::Garbage),
        Some("html") => Some(FaultKind::Html),
        Some("rate_limit") => Some(FaultKind::RateLimit),
        Some("slow") => match obj.get("delay_ms").and_then(Value::as_u64) {
            Some(ms) if ms <= MAX_DELAY_MS => Some(FaultKind::Slow(ms)),
            _ => {
                problems.push(("delay_ms", format!("kind slow needs delay_ms from 0 to {MAX_DELAY_MS}")));
                None
            }
        },
        _ => {
            problems.push(("kind", "must be one of status, garbage, html, slow, rate_limit".into()));
            None
        }
    };
    match kind {
        Some(kind) if problems.is_empty() => Ok(Fault { store_hash, kind, left: count }),
        _ => Err(problems),
    }
}

/// The answer of a fault that replaces the store's; `None` for `slow`.
pub fn answer(kind: FaultKind) -> Option<Response> {
    match kind {
        FaultKind::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let title = status.canonical_reason().unwrap_or("Error");
            Some(reply::v3_error(status, title, Map::new()))
        }
        FaultKind::Garbage => Some(reply::bytes(
            StatusCode::OK,
            "application/json",
            b"{\"data\": [{\"id\": 1, \"na\x00\xff<<truncated upstream response".to_vec(),
        )),
        FaultKind::Html => Some(reply::bytes(
            StatusCode::BAD_GATEWAY,
            "text/html; charset=utf-8",
            b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1>\n<p>The server encountered a temporary error and could not complete your request.</p></body></html>\n".to_vec(),
        )),
        FaultKind::RateLimit => {
            let mut r = reply::json(
                StatusCode::TOO_MANY_REQUESTS,
                &serde_json::json!({
                    "status": 429,
                    "title": reply::TITLE_429,
                    "type": STATUS_CODES_DOC,
                    "errors": {},
                }),
            );
            r.headers_mut().insert("x-retry-after", HeaderValue::from_static("1"));
            Some(r)
        }
        FaultKind::Slow(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faults_are_read_with_their_defaults() {
        let f = parse(&json!({"kind": "status", "status": 503, "count": 2})).unwrap();
        assert_eq!((f.kind, f.left, f.store_hash), (FaultKind::Status(503), 2, None));
        let f = parse(&json!({"store_hash": "abc", "kind": "slow", "delay_ms": 50})).unwrap();
        assert_eq!((f.kind, f.left), (FaultKind::Slow(50), 1));
    }

    #[test]
    fn wrong_faults_name_the_field() {
        for (body, field) in [
            (json!({"kind": "status"}), "status"),
            (json!({"kind": "status", "status": 200}), "status"),
            (json!({"kind": "slow"}), "delay_ms"),
            (json!({"kind": "boom"}), "kind"),
            (json!({"kind": "html", "count": 0}), "count"),
            (json!({"kind": "html", "store_hash": "A B"}), "store_hash"),
            (json!({"kind": "html", "extra": 1}), "body"),
            (json!([1]), "body"),
        ] {
            let problems = parse(&body).unwrap_err();
            assert!(problems.iter().any(|(f, _)| *f == field), "{body}: {problems:?}");
        }
    }

    #[test]
    fn garbage_is_not_json_and_html_is_html() {
        assert!(answer(FaultKind::Slow(1)).is_none());
        let html = answer(FaultKind::Html).unwrap();
        assert_eq!(html.status(), StatusCode::BAD_GATEWAY);
        assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let r = answer(FaultKind::RateLimit).unwrap();
        assert_eq!(r.headers()["x-retry-after"], "1");
        assert!(r.headers().get("x-rate-limit-requests-left").is_none());
    }
}
