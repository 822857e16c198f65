//! Rate limits as BigCommerce announces them: a quota of requests per fixed window, per store
//! (or per account for account-level GraphQL), and the `X-Rate-Limit-*` headers on every answer.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// BigCommerce's Standard and Plus plans: 150 requests per 30 seconds per store.
pub const STORE_QUOTA: u32 = 150;
pub const STORE_WINDOW_MS: u64 = 30_000;
/// Requests under `/accounts` are limited to 70 an hour.
pub const ACCOUNT_QUOTA: u32 = 70;
pub const ACCOUNT_WINDOW_MS: u64 = 3_600_000;
/// The most latency a store can be given: ten minutes.
pub const MAX_LATENCY_MS: u64 = 600_000;

/// A fixed-window counter. Windows follow each other back to back from the moment the counter
/// was made, like a clock, whether requests came or not.
#[derive(Debug, Clone)]
pub struct Window {
    quota: u32,
    window_ms: u64,
    start: Instant,
    used: u32,
}

/// The state of a window after a request, and what the headers say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub quota: u32,
    pub left: u32,
    pub window_ms: u64,
    /// Milliseconds left in the current window.
    pub reset_ms: u64,
}

impl Window {
    pub fn new(quota: u32, window_ms: u64, now: Instant) -> Window {
        Window { quota: quota.max(1), window_ms: window_ms.max(1), start: now, used: 0 }
    }

    pub fn quota(&self) -> u32 {
        self.quota
    }

    pub fn window_ms(&self) -> u64 {
        self.window_ms
    }

    /// Counts one request; it is allowed while the window's quota lasts.
    pub fn take(&mut self, now: Instant) -> Verdict {
        self.roll(now);
        let allowed = self.used < self.quota;
        if allowed {
            self.used += 1;
        }
        self.verdict(allowed, now)
    }

    /// The current state without counting a request.
    pub fn peek(&mut self, now: Instant) -> Verdict {
        self.roll(now);
        self.verdict(self.used < self.quota, now)
    }

    /// New settings start a new window.
    pub fn reconfigure(&mut self, quota: u32, window_ms: u64, now: Instant) {
        *self = Window::new(quota, window_ms, now);
    }

    fn roll(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.start).as_millis() as u64;
        if elapsed >= self.window_ms {
            let whole = elapsed - elapsed % self.window_ms;
            self.start += Duration::from_millis(whole);
            self.used = 0;
        }
    }

    fn verdict(&self, allowed: bool, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.start).as_millis() as u64;
        Verdict {
            allowed,
            quota: self.quota,
            left: self.quota.saturating_sub(self.used),
            window_ms: self.window_ms,
            reset_ms: self.window_ms.saturating_sub(elapsed).max(1),
        }
    }
}

impl Verdict {
    /// Whole seconds until the window resets, rounded up.
    pub fn retry_after_secs(&self) -> u64 {
        self.reset_ms.div_ceil(1000)
    }

    /// Adds BigCommerce's rate-limit headers, and `X-Retry-After` when the request was refused.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let mut put = |name: &'static str, value: u64| {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        };
        put("x-rate-limit-time-window-ms", self.window_ms);
        put("x-rate-limit-time-reset-ms", self.reset_ms);
        put("x-rate-limit-requests-quota", u64::from(self.quota));
        put("x-rate-limit-requests-left", u64::from(self.left));
        if !self.allowed {
            put("x-retry-after", self.retry_after_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_is_used_up_then_restored_by_the_next_window() {
        let t0 = Instant::now();
        let mut w = Window::new(2, 1000, t0);
        assert_eq!(w.take(t0).left, 1);
        assert_eq!(w.take(t0).left, 0);
        let refused = w.take(t0 + Duration::from_millis(300));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_ms, 700);
        assert_eq!(refused.retry_after_secs(), 1);
        let next = w.take(t0 + Duration::from_millis(2500));
        assert!(next.allowed);
        assert_eq!((next.left, next.reset_ms), (1, 500));
    }

    #[test]
    fn headers_are_written() {
        let t0 = Instant::now();
        let mut w = Window::new(1, 30_000, t0);
        w.take(t0);
        let v = w.take(t0 + Duration::from_millis(1));
        let mut h = HeaderMap::new();
        v.write_headers(&mut h);
        assert_eq!(h["x-rate-limit-requests-quota"], "1");
        assert_eq!(h["x-rate-limit-requests-left"], "0");
        assert_eq!(h["x-rate-limit-time-window-ms"], "30000");
        assert_eq!(h["x-rate-limit-time-reset-ms"], "29999");
        assert_eq!(h["x-retry-after"], "30");
    }
}
