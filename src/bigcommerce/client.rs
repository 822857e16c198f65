//! The HTTP client: `X-Auth-Token` authentication, every answer classified, each store paced by
//! its own rate-limit headers, transient failures retried with bounded backoff, and a timeout on
//! every request. Tokens go into a header and nowhere else: never into a URL, a log line or an
//! error message (answers are scrubbed of the token before they are quoted).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use super::pacing::{Pacer, RateLimit, RetryPolicy};

/// How the client talks to BigCommerce.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://api.bigcommerce.com`, or a sandbox.
    pub api_base: String,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Retries after a 429 that announced when to come back; those waits are known, so more of
    /// them are allowed than of blind retries.
    pub throttled_attempts: u32,
}

impl Settings {
    pub fn new(api_base: &str, timeout: Duration) -> Settings {
        let mut retry = RetryPolicy::default();
        // Lets tests of retry behaviour run fast; not a user setting.
        if let Some(ms) = std::env::var("BCKEYS_RETRY_BASE_MS").ok().and_then(|v| v.parse().ok()) {
            retry.base = Duration::from_millis(ms);
        }
        Settings { api_base: api_base.trim_end_matches('/').to_owned(), timeout, retry, throttled_attempts: 12 }
    }
}

/// A classified answer that is not a failure of the exchange itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx, with its body (JSON, or empty).
    Allowed(Vec<u8>),
    /// 401: the token is unknown or revoked.
    Unauthorized(String),
    /// 403: the token is alive but lacks the scope.
    Forbidden(String),
    NotFound(String),
    /// 400, 409, 422 and other client errors, with BigCommerce's message.
    Rejected(u16, String),
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{what}: could not reach {host} after {attempts} attempt(s): {reason}")]
    Network { what: String, host: String, attempts: u32, reason: String },
    #[error("{what}: no answer within {timeout_s} s, {attempts} attempt(s)")]
    Timeout { what: String, timeout_s: u64, attempts: u32 },
    #[error("{what}: BigCommerce answered {status} after {attempts} attempt(s): {message}")]
    Server { what: String, status: u16, attempts: u32, message: String },
    #[error("{what}: still rate limited (429) after {attempts} attempt(s)")]
    RateLimited { what: String, attempts: u32 },
    #[error("{what}: BigCommerce's answer is not JSON after {attempts} attempt(s): {excerpt}")]
    Garbage { what: String, attempts: u32, excerpt: String },
    #[error("invalid API base `{0}`: it must start with https:// (or http:// for a local sandbox)")]
    BadBase(String),
    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
}

impl ApiError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ApiError::Network { .. } | ApiError::Timeout { .. } => {
                Some("check the network and --api-base; the check was not made, so nothing is reported as in sync")
            }
            ApiError::Server { .. } | ApiError::Garbage { .. } => {
                Some("BigCommerce had trouble answering; try again later")
            }
            ApiError::RateLimited { .. } => {
                Some("another client is using this store's quota; run again later or lower --concurrency")
            }
            _ => None,
        }
    }
}

/// A request to a store route: a JSON body and extra secret headers (such as `Sf-Api-Token`) as
/// needed.
pub struct StoreRequest<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a str,
    pub body: Option<serde_json::Value>,
    pub secret_headers: &'a [(&'static str, &'a SecretString)],
}

impl<'a> StoreRequest<'a> {
    pub fn new(method: Method, path: &'a str) -> StoreRequest<'a> {
        StoreRequest { method, path, query: "", body: None, secret_headers: &[] }
    }
}

/// Request counts, for reports and benchmarks.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub retried: AtomicU64,
}

pub struct Client {
    http: reqwest::Client,
    settings: Settings,
    pacers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Pacer>>>>,
    pub counters: Counters,
}

impl Client {
    pub fn new(settings: Settings) -> Result<Client, ApiError> {
        if !(settings.api_base.starts_with("https://") || settings.api_base.starts_with("http://")) {
            return Err(ApiError::BadBase(settings.api_base.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("bckeys/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Setup(e.to_string()))?;
        Ok(Client { http, settings, pacers: Mutex::new(HashMap::new()), counters: Counters::default() })
    }

    pub fn api_base(&self) -> &str {
        &self.settings.api_base
    }

    /// `GET /stores/{store_hash}{path}?{query}` with a store-level token.
    pub async fn store_get(
        &self,
        store_hash: &str,
        token: &SecretString,
        path: &str,
        query: &str,
    ) -> Result<Verdict, ApiError> {
        let route = format!("/stores/{store_hash}{path}");
        self.send(store_hash, Method::GET, &route, query, token, None, &[]).await
    }

    /// Any request to a store route.
    pub async fn store_request(
        &self,
        store_hash: &str,
        token: &SecretString,
        request: StoreRequest<'_>,
    ) -> Result<Verdict, ApiError> {
        let route = format!("/stores/{store_hash}{}", request.path);
        let body = request.body.as_ref();
        self.send(store_hash, request.method, &route, request.query, token, body, request.secret_headers).await
    }

    /// The account-level GraphQL liveness request, `{ account { id } }`.
    pub async fn account_alive(&self, account_uuid: &str, token: &SecretString) -> Result<Verdict, ApiError> {
        let route = format!("/accounts/{account_uuid}/graphql");
        let body = serde_json::json!({ "query": "{ account { id } }" });
        self.send(&format!("account/{account_uuid}"), Method::POST, &route, "", token, Some(&body), &[]).await
    }

    fn pacer(&self, key: &str) -> Arc<tokio::sync::Mutex<Pacer>> {
        let mut pacers = self.pacers.lock().unwrap_or_else(|e| e.into_inner());
        pacers.entry(key.to_owned()).or_default().clone()
    }

    /// Sends one request, paced and retried; `secret_headers` are scrubbed like the token.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        pace_key: &str,
        method: Method,
        route: &str,
        query: &str,
        token: &SecretString,
        body: Option<&serde_json::Value>,
        secret_headers: &[(&'static str, &SecretString)],
    ) -> Result<Verdict, ApiError> {
        let what = format!("{method} {route}");
        let url = if query.is_empty() {
            format!("{}{route}", self.settings.api_base)
        } else {
            format!("{}{route}?{query}", self.settings.api_base)
        };
        let pacer = self.pacer(pace_key);
        let retry = self.settings.retry;
        // A POST that BigCommerce may have carried out before its answer was lost is not sent
        // again: a second storefront token or webhook would be created. Only GraphQL queries
        // (reads) are POSTs that can be repeated.
        let repeatable = method != Method::POST || route.ends_with("/graphql");
        let (mut attempts, mut blind, mut throttled) = (0u32, 0u32, 0u32);
        loop {
            attempts += 1;
            let wait = pacer.lock().await.wait(Instant::now());
            if !wait.is_zero() {
                tracing::debug!(%what, wait_ms = wait.as_millis() as u64, "waiting for the store's rate-limit window");
                tokio::time::sleep(wait).await;
            }
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("X-Auth-Token", token.expose_secret())
                .header("Accept", "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            for (name, value) in secret_headers {
                request = request.header(*name, value.expose_secret());
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let backoff = || retry.delay(blind + 1, rand::random::<f64>());
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    let reason = describe(&e, token);
                    tracing::debug!(%what, attempt = attempts, %reason, "request failed");
                    if blind + 1 < retry.attempts && (repeatable || e.is_connect()) {
                        self.counters.retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(backoff()).await;
                        blind += 1;
                        continue;
                    }
                    return Err(if e.is_timeout() {
                        ApiError::Timeout { what, timeout_s: self.settings.timeout.as_secs().max(1), attempts }
                    } else {
                        ApiError::Network { what, host: host_of(&self.settings.api_base), attempts, reason }
                    });
                }
            };
            let status = response.status().as_u16();
            let limit = RateLimit::from_headers(response.headers());
            let html = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("html"));
            let bytes = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    if blind + 1 < retry.attempts && repeatable {
                        self.counters.retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(backoff()).await;
                        blind += 1;
                        continue;
                    }
                    let reason = describe(&e, token);
                    return Err(if e.is_timeout() {
                        ApiError::Timeout { what, timeout_s: self.settings.timeout.as_secs().max(1), attempts }
                    } else {
                        ApiError::Network { what, host: host_of(&self.settings.api_base), attempts, reason }
                    });
                }
            };
            let now = Instant::now();
            tracing::debug!(%what, status, attempt = attempts, left = ?limit.left, "answer");
            if status == 429 {
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                let announced = limit.reset.is_some() || limit.retry_after.is_some();
                pacer.lock().await.throttled(&limit, now, backoff());
                let (count, max) = if announced {
                    (&mut throttled, self.settings.throttled_attempts)
                } else {
                    (&mut blind, retry.attempts)
                };
                *count += 1;
                if *count < max {
                    continue;
                }
                return Err(ApiError::RateLimited { what, attempts });
            }
            pacer.lock().await.observe(&limit, now);
            let message = || error_message(&bytes, html, token);
            match status {
                200..=299 => {
                    if bytes.iter().all(u8::is_ascii_whitespace)
                        || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok()
                    {
                        return Ok(Verdict::Allowed(bytes));
                    }
                    if blind + 1 < retry.attempts && repeatable {
                        self.counters.retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(backoff()).await;
                        blind += 1;
                        continue;
                    }
                    // A creation's answer may hold the new secret: it is never quoted.
                    let excerpt = if repeatable {
                        excerpt(&bytes, token)
                    } else {
                        "(not shown: it may hold a secret)".to_owned()
                    };
                    return Err(ApiError::Garbage { what, attempts, excerpt });
                }
                401 => return Ok(Verdict::Unauthorized(message())),
                403 => return Ok(Verdict::Forbidden(message())),
                404 => return Ok(Verdict::NotFound(message())),
                500..=599 => {
                    if blind + 1 < retry.attempts && repeatable {
                        self.counters.retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(backoff()).await;
                        blind += 1;
                        continue;
                    }
                    return Err(ApiError::Server { what, status, attempts, message: message() });
                }
                _ => return Ok(Verdict::Rejected(status, message())),
            }
        }
    }
}

/// BigCommerce's error message from a body: v3 `{"title": ..., "errors": {...}}`, v2
/// `[{"message": ...}]`, an HTML page's title, or an excerpt. The token is scrubbed out.
fn error_message(body: &[u8], html: bool, token: &SecretString) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let first = match &value {
            serde_json::Value::Array(items) => items.first().cloned().unwrap_or_default(),
            other => other.clone(),
        };
        let title = first.get("title").or_else(|| first.get("message")).and_then(|t| t.as_str()).map(str::to_owned);
        let details = first.get("errors").and_then(|e| e.as_object()).filter(|e| !e.is_empty()).map(|e| {
            e.iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join("; ")
        });
        if let Some(title) = title {
            let text = match details {
                Some(d) => format!("{title} ({d})"),
                None => title,
            };
            return scrub(&text, token);
        }
    }
    let text = String::from_utf8_lossy(body);
    if html || text.trim_start().starts_with('<') {
        let title = text
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        return format!(
            "an HTML error page{}",
            title.map(|t| format!(" (\"{}\")", scrub(t, token))).unwrap_or_default()
        );
    }
    excerpt(body, token)
}

fn excerpt(body: &[u8], token: &SecretString) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = one_line.chars().take(120).collect();
    if short.is_empty() {
        "(empty body)".to_owned()
    } else {
        format!("\"{}\"", scrub(&short, token))
    }
}

fn scrub(text: &str, token: &SecretString) -> String {
    let secret = token.expose_secret();
    if secret.len() >= 4 {
        text.replace(secret, "(redacted)")
    } else {
        text.to_owned()
    }
}

/// reqwest's error without its URL chain noise, scrubbed.
fn describe(e: &reqwest::Error, token: &SecretString) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    scrub(&text, token)
}

fn host_of(base: &str) -> String {
    base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or(base).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> SecretString {
        SecretString::from("tok-secret-1234".to_owned())
    }

    #[test]
    fn messages_come_from_every_error_shape() {
        let v3 = br#"{"status":422,"title":"Invalid field","type":"x","errors":{"destination":"must be https"}}"#;
        assert_eq!(error_message(v3, false, &tok()), "Invalid field (destination: must be https)");
        let v2 = br#"[{"status":403,"message":"You don't have a required scope"}]"#;
        assert_eq!(error_message(v2, false, &tok()), "You don't have a required scope");
        let html = b"<html><head><title>502 Bad Gateway</title></head></html>";
        assert_eq!(error_message(html, true, &tok()), "an HTML error page (\"502 Bad Gateway\")");
        assert_eq!(error_message(b"", false, &tok()), "(empty body)");
    }

    #[test]
    fn the_token_never_survives_into_a_message() {
        let body = br#"{"title":"bad token tok-secret-1234"}"#;
        let m = error_message(body, false, &tok());
        assert!(!m.contains("tok-secret-1234"), "{m}");
        assert!(!excerpt(b"echo tok-secret-1234", &tok()).contains("tok-secret-1234"));
    }
}
