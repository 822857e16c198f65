//! `/stores/{store_hash}/...`: the store API. Every request goes through the same steps, in
//! BigCommerce's order: queued faults, the store's rate limit (every request counts, refused or
//! not), the access token, then the route and its scope. Latency is slept after the state lock
//! is released.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::faults::{self, FaultKind};
use super::reply::{self, Dialect};
use super::resources;
use super::state::{Owner, Sandbox};
use super::storefront;
use super::webhooks;
use super::App;

/// One request to a store, parsed.
pub struct Request<'a> {
    pub method: &'a Method,
    pub store_hash: &'a str,
    /// Relative to `/stores/{store_hash}`, without a trailing slash.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub token: Option<&'a str>,
    pub sf_token: Option<&'a str>,
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub async fn handle(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((store_hash, path)) = split(uri.path()) else {
        return reply::not_found_v3();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let req = Request {
        method: &method,
        store_hash,
        path,
        query: parse_query(uri.query().unwrap_or("")),
        token: header("x-auth-token"),
        sf_token: header("sf-api-token"),
        body: &body,
    };
    let (response, delay_ms) = {
        let mut st = app.lock();
        st.in_flight += 1;
        st.peak_in_flight = st.peak_in_flight.max(st.in_flight);
        answer(&mut st, &req, Instant::now())
    };
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    let mut st = app.lock();
    st.in_flight = st.in_flight.saturating_sub(1);
    response
}

/// `/stores/abc/v3/hooks/` -> (`abc`, `/v3/hooks`).
fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/stores/")?;
    let (hash, _) = rest.split_once('/')?;
    if hash.is_empty() {
        return None;
    }
    let tail = &rest[hash.len()..];
    let trimmed = tail.trim_end_matches('/');
    Some((hash, if trimmed.is_empty() { "/" } else { trimmed }))
}

/// The answer and the milliseconds to wait before sending it.
fn answer(st: &mut Sandbox, req: &Request, now: Instant) -> (Response, u64) {
    st.requests += 1;
    let fault = st.take_fault(req.store_hash);
    let store = st.store(req.store_hash, now);
    store.requests += 1;
    let mut delay = store.latency_ms;
    if let Some(kind) = fault {
        if let FaultKind::Slow(ms) = kind {
            delay = delay.saturating_add(ms);
        }
        if let Some(mut r) = faults::answer(kind) {
            if kind.has_rate_limit_headers() {
                store.window.peek(now).write_headers(r.headers_mut());
            }
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                store.rate_limited += 1;
                st.rate_limited += 1;
            }
            return (r, delay);
        }
    }
    let verdict = store.window.take(now);
    let dialect = Dialect::of(req.path);
    let mut r = if verdict.allowed {
        route(st, req, dialect)
    } else {
        store.rate_limited += 1;
        st.rate_limited += 1;
        reply::error(dialect, StatusCode::TOO_MANY_REQUESTS, reply::TITLE_429)
    };
    verdict.write_headers(r.headers_mut());
    (r, delay)
}

fn route(st: &mut Sandbox, req: &Request, dialect: Dialect) -> Response {
    let caller = match st.authenticate(req.token) {
        Some(a) if a.owner == Owner::Store(req.store_hash.to_owned()) => a.clone(),
        _ => return reply::unauthorized(dialect),
    };
    if req.path == "/v3/hooks" {
        return webhooks::collection(st, &caller, req);
    }
    if let Some(id) = req.path.strip_prefix("/v3/hooks/") {
        if !id.contains('/') {
            return webhooks::item(st, &caller, req, id);
        }
    }
    if let Some(kind) = storefront::Kind::of(req.path) {
        return storefront::handle(st, &caller, req, kind);
    }
    if let Some(probe) = resources::write_route(req.path, req.method) {
        return resources::answer_write(probe, &caller.scopes, req.body);
    }
    if let Some(probe) = resources::route(req.path) {
        return resources::answer(probe, req.method, &caller.scopes, req.store_hash, &req.query, req.body);
    }
    // Unknown routes answer in the v3 shape whatever their prefix.
    reply::not_found_v3()
}

/// `application/x-www-form-urlencoded` pairs, decoded; malformed escapes are kept as they are.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).and_then(|c| (*c as char).to_digit(16)).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push(high * 16 + low);
                i += 2;
            }
            (c, _, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_paths_are_split_and_trailing_slashes_dropped() {
        assert_eq!(split("/stores/abc/v3/hooks"), Some(("abc", "/v3/hooks")));
        assert_eq!(split("/stores/abc/v3/hooks/"), Some(("abc", "/v3/hooks")));
        assert_eq!(split("/stores/abc/"), Some(("abc", "/")));
        assert_eq!(split("/stores//v3"), None);
        assert_eq!(split("/stores/abc"), None);
        assert_eq!(split("/accounts/x"), None);
    }

    #[test]
    fn queries_are_decoded() {
        let q = parse_query("limit=1&destination=https%3A%2F%2Fa.example%2Fh&x=a+b&bad=%zz%4&&flag");
        assert_eq!(q[0], ("limit".into(), "1".into()));
        assert_eq!(q[1].1, "https://a.example/h");
        assert_eq!(q[2].1, "a b");
        assert_eq!(q[3].1, "%zz%4");
        assert_eq!(q[4], ("flag".into(), "".into()));
    }
}
