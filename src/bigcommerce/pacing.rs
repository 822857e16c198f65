//! Pacing and retries as values: what BigCommerce's rate-limit headers say about a store, and
//! how long to wait before the next attempt. Pure, so they are unit-tested without a network.

use std::time::{Duration, Instant};

/// The longest wait a rate-limit header is believed for: a larger value is a mistake (or an
/// attack), and the request is tried again after this instead of practically never.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// What the last response of a store said about its rate limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimit {
    pub quota: Option<u32>,
    pub left: Option<u32>,
    pub window: Option<Duration>,
    /// Time left in the current window, when the response arrived.
    pub reset: Option<Duration>,
    /// `X-Retry-After`, on a 429.
    pub retry_after: Option<Duration>,
}

impl RateLimit {
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> RateLimit {
        let num =
            |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        RateLimit {
            quota: num("x-rate-limit-requests-quota").map(|n| n.min(u32::MAX as u64) as u32),
            left: num("x-rate-limit-requests-left").map(|n| n.min(u32::MAX as u64) as u32),
            window: num("x-rate-limit-time-window-ms").map(Duration::from_millis),
            reset: num("x-rate-limit-time-reset-ms").map(|ms| Duration::from_millis(ms).min(MAX_WAIT)),
            retry_after: num("x-retry-after").map(|s| Duration::from_secs(s.min(MAX_WAIT.as_secs()))),
        }
    }

    pub fn is_known(&self) -> bool {
        self.left.is_some() && self.reset.is_some()
    }
}

/// The pace of one store: requests wait when its window's quota is used up.
#[derive(Debug, Default)]
pub struct Pacer {
    /// No request before this instant.
    not_before: Option<Instant>,
}

impl Pacer {
    /// How long to wait before the next request.
    pub fn wait(&self, now: Instant) -> Duration {
        self.not_before.map(|t| t.saturating_duration_since(now)).unwrap_or_default()
    }

    /// Learns from a response that arrived at `now`. With nothing left in the window, the next
    /// request waits for the window to reset (plus a small margin for clock skew).
    pub fn observe(&mut self, limit: &RateLimit, now: Instant) {
        if let (Some(left), Some(reset)) = (limit.left, limit.reset) {
            self.not_before = (left == 0).then(|| now + reset + Duration::from_millis(25));
        }
    }

    /// After a 429: wait the longer of the window reset and `X-Retry-After`; without either
    /// (platform load), the caller's backoff applies.
    pub fn throttled(&mut self, limit: &RateLimit, now: Instant, backoff: Duration) {
        let wait = match (limit.reset, limit.retry_after) {
            (None, None) => backoff,
            (a, b) => a.unwrap_or_default().max(b.unwrap_or_default()),
        };
        self.not_before = Some(now + wait + Duration::from_millis(25));
    }
}

/// Bounded exponential backoff with jitter, for 5xx answers, timeouts and unannounced 429s.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 6, base: Duration::from_millis(250), cap: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempt` (1 = the first retry): `base * 2^(attempt-1)`, capped,
    /// with up to half of it as random jitter so that many clients don't retry in step.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self.base.saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let capped = exp.min(self.cap);
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_only_when_the_window_is_used_up() {
        let now = Instant::now();
        let mut p = Pacer::default();
        p.observe(&RateLimit { left: Some(3), reset: Some(Duration::from_millis(900)), ..Default::default() }, now);
        assert_eq!(p.wait(now), Duration::ZERO);
        p.observe(&RateLimit { left: Some(0), reset: Some(Duration::from_millis(900)), ..Default::default() }, now);
        assert!(p.wait(now) >= Duration::from_millis(900));
        assert_eq!(p.wait(now + Duration::from_secs(1)), Duration::ZERO);
    }

    #[test]
    fn a_429_waits_the_longer_of_reset_and_retry_after() {
        let now = Instant::now();
        let mut p = Pacer::default();
        let limit = RateLimit {
            reset: Some(Duration::from_millis(400)),
            retry_after: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        p.throttled(&limit, now, Duration::from_millis(1));
        assert!(p.wait(now) >= Duration::from_secs(2));
        let limit = RateLimit {
            reset: Some(Duration::from_millis(2500)),
            retry_after: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        p.throttled(&limit, now, Duration::from_millis(1));
        assert!(p.wait(now) >= Duration::from_millis(2500) && p.wait(now) < Duration::from_secs(3));
        p.throttled(&RateLimit::default(), now, Duration::from_millis(300));
        assert!(p.wait(now) >= Duration::from_millis(300) && p.wait(now) < Duration::from_millis(400));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let r = RetryPolicy { attempts: 5, base: Duration::from_millis(100), cap: Duration::from_millis(1000) };
        assert_eq!(r.delay(1, 1.0), Duration::from_millis(100));
        assert_eq!(r.delay(3, 1.0), Duration::from_millis(400));
        assert_eq!(r.delay(10, 1.0), Duration::from_millis(1000));
        assert_eq!(r.delay(3, 0.0), Duration::from_millis(200));
    }
}
