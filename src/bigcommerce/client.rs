//! The HTTP client: `X-Auth-Token` authentication, every answer classified, each store paced by
//! its own rate-limit headers, transient failures retried with bounded backoff, and a timeout on
//! every request. Tokens go into a header and nowhere else: never into a URL, a log line or an
//! error message. Every text quoted from an answer goes through one scrubber, which removes every
//! secret of the request and every secret the client was told bckeys holds, then escapes control
//! characters. No redirect is followed (a 3xx is an error naming its Location), so a token is
//! only ever sent to the configured API base; bodies are read up to a cap, and a rate-limit wait
//! that would outlast the run's deadline is an error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use super::pacing::{Pacer, QuotaShare, RateLimit, RetryPolicy};
use super::scrub::{scrub, SecretSet};

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
    /// No rate-limit wait may end after this instant: such a wait fails at once.
    pub deadline: Option<Instant>,
    /// The most bytes read of one answer.
    pub max_body: usize,
    /// The share of each store's quota bckeys may use; the rest is the store's other clients'.
    pub quota_share: QuotaShare,
}

/// The most of one answer bckeys reads: BigCommerce's largest (a page of 250 webhooks) is far
/// below; a larger one is a broken or hostile server.
pub const MAX_BODY: usize = 4 << 20;

impl Settings {
    pub fn new(api_base: &str, timeout: Duration) -> Settings {
        let mut retry = RetryPolicy::default();
        // Lets tests of retry behaviour run fast; not a user setting.
        if let Some(ms) = std::env::var("BCKEYS_RETRY_BASE_MS").ok().and_then(|v| v.parse().ok()) {
            retry.base = Duration::from_millis(ms);
        }
        Settings {
            api_base: api_base.trim_end_matches('/').to_owned(),
            timeout,
            retry,
            throttled_attempts: 12,
            deadline: None,
            max_body: MAX_BODY,
            quota_share: QuotaShare::DEFAULT,
        }
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
    #[error("{what}: BigCommerce answered {status}, a redirect to {location}; bckeys follows no redirect, so that no token is sent anywhere but the API base")]
    Redirect { what: String, status: u16, location: String },
    #[error("{what}: the answer is larger than {limit_mib} MiB; bckeys stopped reading it")]
    TooLarge { what: String, limit_mib: usize },
    #[error("{what}: the store's rate limit asks to wait {wait_s} s, which would outlast this run's deadline ({deadline_s} s left)")]
    Deadline { what: String, wait_s: u64, deadline_s: u64 },
    #[error("{what}: bckeys used its share of the store's hourly API budget ({used} of the {at_start} requests left when it started; --quota-share sets the share): the rest stays with the store's other clients")]
    HourlyShare { what: String, used: u64, at_start: u64 },
    #[error("invalid API base `{0}`: it must start with https:// (or http://127.0.0.1 or http://localhost, for a local sandbox), with no user or password in it")]
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
            ApiError::Redirect { .. } => {
                Some("check --api-base (BCKEYS_API_BASE): it must be BigCommerce's API itself, not an address that redirects")
            }
            ApiError::TooLarge { .. } => Some("check --api-base: BigCommerce's answers are far smaller"),
            ApiError::Deadline { .. } => {
                Some("run again later, when the store's quota has recovered, or give a longer --deadline")
            }
            ApiError::HourlyShare { .. } => Some(
                "run again later, when the rolling hour has freed requests, or give bckeys a larger --quota-share",
            ),
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
    /// Secret values the body carries (generated webhook header values): scrubbed from
    /// whatever the answer echoes, like the token.
    pub body_secrets: Vec<SecretString>,
}

impl<'a> StoreRequest<'a> {
    pub fn new(method: Method, path: &'a str) -> StoreRequest<'a> {
        StoreRequest { method, path, query: "", body: None, secret_headers: &[], body_secrets: Vec::new() }
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
    /// Every secret bckeys holds in this run, scrubbed from every answer it quotes.
    held: Mutex<SecretSet>,
    pub counters: Counters,
}

impl Client {
    pub fn new(settings: Settings) -> Result<Client, ApiError> {
        // Plain HTTP would carry tokens readable on the way: only to this machine (a sandbox).
        let acceptable = reqwest::Url::parse(&settings.api_base).is_ok_and(|url| {
            url.username().is_empty()
                && url.password().is_none()
                && url.query().is_none()
                && (url.scheme() == "https" || (url.scheme() == "http" && is_local(&settings.api_base)))
        });
        if !acceptable {
            return Err(ApiError::BadBase(settings.api_base.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("bckeys/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry X-Auth-Token (or a body with secrets) to another address.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Setup(e.to_string()))?;
        Ok(Client {
            http,
            settings,
            pacers: Mutex::new(HashMap::new()),
            held: Mutex::new(SecretSet::default()),
            counters: Counters::default(),
        })
    }

    /// Tells the client of a secret bckeys holds (a decrypted credential's token, client secret
    /// or header value), so that no answer can bring it into a message.
    pub fn hold(&self, secret: &SecretString) {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).insert(secret);
    }

    /// Every secret of a credential, held.
    pub fn hold_credential(&self, credential: &crate::vault::Credential) {
        credential.secrets().into_iter().for_each(|s| self.hold(s));
    }

    /// `text` with every held secret replaced: for a report built from what credentials files
    /// said, before it is printed.
    /// Line by line: the report keeps its lines, and no secret spans two.
    pub fn scrub_held(&self, text: &str) -> String {
        let scrubber = Scrubber { request: SecretSet::default(), held: Some(&self.held) };
        text.lines().map(|line| scrubber.scrub(line) + "\n").collect()
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
        self.send(store_hash, Method::GET, &route, query, token, None, &[], &[]).await
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
        self.send(
            store_hash,
            request.method,
            &route,
            request.query,
            token,
            body,
            request.secret_headers,
            &request.body_secrets,
        )
        .await
    }

    /// The account-level GraphQL liveness request, `{ account { id } }`.
    pub async fn account_alive(&self, account_uuid: &str, token: &SecretString) -> Result<Verdict, ApiError> {
        let route = format!("/accounts/{account_uuid}/graphql");
        let body = serde_json::json!({ "query": "{ account { id } }" });
        self.send(&format!("account/{account_uuid}"), Method::POST, &route, "", token, Some(&body), &[], &[]).await
    }

    fn pacer(&self, key: &str) -> Arc<tokio::sync::Mutex<Pacer>> {
        let mut pacers = self.pacers.lock().unwrap_or_else(|e| e.into_inner());
        let share = self.settings.quota_share;
        pacers.entry(key.to_owned()).or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Pacer::new(share)))).clone()
    }

    /// The scrubber of one request: its token, secret headers and body secrets, and every secret
    /// the client holds.
    fn scrubber<'s>(
        &self,
        token: &'s SecretString,
        secret_headers: &'s [(&'static str, &'s SecretString)],
        body_secrets: &'s [SecretString],
    ) -> Scrubber<'_> {
        let request = std::iter::once(token).chain(secret_headers.iter().map(|(_, v)| *v)).chain(body_secrets);
        Scrubber { request: SecretSet::new(request), held: Some(&self.held) }
    }

    /// Sends one request, paced and retried; every secret of the request is scrubbed from what
    /// is quoted of the answer.
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
        body_secrets: &[SecretString],
    ) -> Result<Verdict, ApiError> {
        let scrubber = || self.scrubber(token, secret_headers, body_secrets);
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
            self.wait_for_window(&pacer, &what).await?;
            let request = self.request(&method, &url, token, body, secret_headers);
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let backoff = || retry.delay(blind + 1, rand::random::<f64>());
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(%what, attempt = attempts, reason = %describe(&e, &scrubber()), "request failed");
                    if self.again(&mut blind, repeatable || e.is_connect()).await {
                        continue;
                    }
                    return Err(self.network_error(what, attempts, &e, &scrubber()));
                }
            };
            let status = response.status().as_u16();
            let limit = RateLimit::from_headers(response.headers());
            let html = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("html"));
            if (300..400).contains(&status) {
                let location = response
                    .headers()
                    .get("location")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .map(|l| format!("`{}`", shorten(&scrubber().scrub(&l), 200)))
                    .unwrap_or_else(|| "nowhere (no Location header)".to_owned());
                return Err(ApiError::Redirect { what, status, location });
            }
            let bytes = match read_body(response, self.settings.max_body).await {
                Ok(b) => b,
                Err(BodyError::TooLarge) => {
                    return Err(ApiError::TooLarge { what, limit_mib: self.settings.max_body >> 20 })
                }
                Err(BodyError::Http(e)) => {
                    if self.again(&mut blind, repeatable).await {
                        continue;
                    }
                    return Err(self.network_error(what, attempts, &e, &scrubber()));
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
            let message = || error_message(&bytes, html, &scrubber());
            match status {
                200..=299 => {
                    if bytes.iter().all(u8::is_ascii_whitespace)
                        || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok()
                    {
                        return Ok(Verdict::Allowed(bytes));
                    }
                    if self.again(&mut blind, repeatable).await {
                        continue;
                    }
                    // A creation's answer may hold the new secret, and webhooks carry their
                    // header values (generated secrets): such answers are never quoted.
                    let quiet = !repeatable || route.contains("/v3/hooks") || route.contains("/v3/storefront/");
                    let excerpt = if !quiet {
                        excerpt(&bytes, &scrubber())
                    } else {
                        "(not shown: it may hold a secret)".to_owned()
                    };
                    return Err(ApiError::Garbage { what, attempts, excerpt });
                }
                401 => return Ok(Verdict::Unauthorized(message())),
                403 => return Ok(Verdict::Forbidden(message())),
                404 => return Ok(Verdict::NotFound(message())),
                500..=599 => {
                    if self.again(&mut blind, repeatable).await {
                        continue;
                    }
                    return Err(ApiError::Server { what, status, attempts, message: message() });
                }
                _ => return Ok(Verdict::Rejected(status, message())),
            }
        }
    }

    /// Waits for the store's rate-limit window, unless that would pass the run's deadline.
    async fn wait_for_window(&self, pacer: &tokio::sync::Mutex<Pacer>, what: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let wait = pacer.lock().await.wait(now).map_err(|spent| ApiError::HourlyShare {
            what: what.to_owned(),
            used: spent.used,
            at_start: spent.at_start,
        })?;
        if let Some(deadline) = self.settings.deadline.filter(|d| now + wait > *d) {
            return Err(ApiError::Deadline {
                what: what.to_owned(),
                wait_s: wait.as_secs_f64().ceil() as u64,
                deadline_s: deadline.saturating_duration_since(now).as_secs(),
            });
        }
        if !wait.is_zero() {
            tracing::debug!(%what, wait_ms = wait.as_millis() as u64, "waiting for the store's rate-limit window");
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    fn request(
        &self,
        method: &Method,
        url: &str,
        token: &SecretString,
        body: Option<&serde_json::Value>,
        secret_headers: &[(&'static str, &SecretString)],
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method.clone(), url)
            .header("X-Auth-Token", token.expose_secret())
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in secret_headers {
            request = request.header(*name, value.expose_secret());
        }
        request
    }

    /// After a failure that no answer explains (the network, a 5xx, a garbled body): waits and
    /// says to try again, while `allowed` and attempts are left.
    async fn again(&self, blind: &mut u32, allowed: bool) -> bool {
        let retry = self.settings.retry;
        if !allowed || *blind + 1 >= retry.attempts {
            return false;
        }
        self.counters.retried.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(retry.delay(*blind + 1, rand::random::<f64>())).await;
        *blind += 1;
        true
    }

    fn network_error(&self, what: String, attempts: u32, e: &reqwest::Error, scrubber: &Scrubber) -> ApiError {
        if e.is_timeout() {
            ApiError::Timeout { what, timeout_s: self.settings.timeout.as_secs().max(1), attempts }
        } else {
            let reason = describe(e, scrubber);
            ApiError::Network { what, host: host_of(&self.settings.api_base), attempts, reason }
        }
    }
}

/// Whether a base URL names this machine (a loopback address, or `localhost`).
pub(crate) fn is_local(base: &str) -> bool {
    reqwest::Url::parse(base).is_ok_and(|url| {
        let host = url.host_str().unwrap_or_default();
        match host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host == "localhost",
        }
    })
}

/// The secrets of one request, and those the client holds.
struct Scrubber<'a> {
    request: SecretSet,
    held: Option<&'a Mutex<SecretSet>>,
}

impl Scrubber<'_> {
    fn scrub(&self, text: &str) -> String {
        match self.held {
            Some(held) => scrub(text, &[&self.request, &held.lock().unwrap_or_else(|e| e.into_inner())]),
            None => scrub(text, &[&self.request]),
        }
    }
}

enum BodyError {
    TooLarge,
    Http(reqwest::Error),
}

/// The body of an answer, read chunk by chunk up to `limit` bytes.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Http)? {
        if bytes.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// BigCommerce's error message from a body: v3 `{"title": ..., "errors": {...}}`, v2
/// `[{"message": ...}]`, an HTML page's title, or an excerpt; scrubbed.
fn error_message(body: &[u8], html: bool, scrubber: &Scrubber) -> String {
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
            return shorten(&scrubber.scrub(&text), 300);
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
            title.map(|t| format!(" (\"{}\")", shorten(&scrubber.scrub(t), 120))).unwrap_or_default()
        );
    }
    excerpt(body, scrubber)
}

/// The start of a body on one line. Scrubbed before it is cut, so that a secret at the cut
/// can't survive in part.
fn excerpt(body: &[u8], scrubber: &Scrubber) -> String {
    let text = scrubber.scrub(&String::from_utf8_lossy(body));
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short = shorten(&one_line, 120);
    if short.is_empty() {
        "(empty body)".to_owned()
    } else {
        format!("\"{short}\"")
    }
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars).collect();
    short.push_str("...");
    short
}

/// reqwest's error without its URL chain noise, scrubbed.
fn describe(e: &reqwest::Error, scrubber: &Scrubber) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    scrubber.scrub(&text)
}

fn host_of(base: &str) -> String {
    base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or(base).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> Scrubber<'static> {
        let secrets: Vec<SecretString> =
            ["tok-secret-1234", "header\"value/9876"].into_iter().map(|s| SecretString::from(s.to_owned())).collect();
        Scrubber { request: SecretSet::new(&secrets), held: None }
    }

    #[test]
    fn tokens_go_over_plain_http_only_to_this_machine() {
        let base = |b: &str| Client::new(Settings::new(b, Duration::from_secs(1))).is_ok();
        assert!(base("https://api.bigcommerce.com") && base("http://127.0.0.1:8080") && base("http://localhost:1"));
        assert!(base("http://[::1]:9"));
        for bad in [
            "http://api.bigcommerce.com",
            "http://127.0.0.1.evil.example",
            "https://user:pw@api.bigcommerce.com",
            "ftp://x",
            "api.bigcommerce.com",
            "https://api.bigcommerce.com?x=1",
        ] {
            assert!(!base(bad), "{bad}");
        }
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
    fn no_secret_survives_into_a_message_whole_escaped_or_cut() {
        let body = br#"{"title":"bad token tok-secret-1234"}"#;
        let m = error_message(body, false, &tok());
        assert!(!m.contains("tok-secret-1234"), "{m}");
        assert!(!excerpt(b"echo tok-secret-1234", &tok()).contains("tok-secret-1234"));
        // JSON-escaped, as an echoed request body carries it.
        let echoed = br#"garbage {"headers":{"X-Secret":"header\"value/9876"}}"#;
        let m = excerpt(echoed, &tok());
        assert!(!m.contains("9876"), "{m}");
        // Scrubbed before white space is folded: a secret with spaces in it goes whole.
        let spaced =
            Scrubber { request: SecretSet::new(&[SecretString::from("sec  ret\tvalue".to_owned())]), held: None };
        assert!(!excerpt(b"x sec  ret\tvalue y", &spaced).contains("ret"));
        // A secret where the excerpt is cut is scrubbed before the cut.
        let long = format!("{}tok-secret-1234", "x".repeat(110));
        let m = excerpt(long.as_bytes(), &tok());
        assert!(!m.contains("tok-sec"), "{m}");
    }

    #[test]
    fn control_characters_in_answers_are_escaped() {
        let body = b"{\"title\":\"evil \\u001b[2J\\u001b]0;pwned\\u0007\"}";
        let m = error_message(body, false, &tok());
        assert!(!m.contains('\u{1b}') && m.contains("\\x1b[2J"), "{m}");
    }
}
