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
    /// `X-BC-ApiLimit-Remaining`: requests left in the rolling hour, where a store announces it.
    pub hourly_left: Option<u64>,
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
            hourly_left: num("x-bc-apilimit-remaining"),
        }
    }

    pub fn is_known(&self) -> bool {
        self.left.is_some() && self.reset.is_some()
    }
}

/// The share of a store's quota that bckeys may use; the rest is left to the store's other
/// clients (its ERP sync, its apps), which share the same quota.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaShare(f64);

impl QuotaShare {
    pub const DEFAULT: QuotaShare = QuotaShare(0.5);

    /// A share in (0, 1].
    pub fn new(share: f64) -> Option<QuotaShare> {
        (share > 0.0 && share <= 1.0).then_some(QuotaShare(share))
    }

    /// The requests of `total` that bckeys leaves to the others: at least one unless the share
    /// is all of it, so that a window is never spent to zero by bckeys alone.
    pub fn reserve(self, total: u64) -> u64 {
        let kept = (total as f64 * (1.0 - self.0)).ceil() as u64;
        if self.0 < 1.0 {
            kept.max(1)
        } else {
            0
        }
    }
}

impl Default for QuotaShare {
    fn default() -> Self {
        QuotaShare::DEFAULT
    }
}

/// The hourly budget was spent down to what bckeys leaves to the store's other clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourlyReserve {
    pub left: u64,
    pub reserve: u64,
}

/// The pace of one store: requests wait when its window is down to the reserve that bckeys
/// leaves to the store's other clients, and stop when its hourly budget is.
#[derive(Debug, Default)]
pub struct Pacer {
    share: QuotaShare,
    /// No request before this instant.
    not_before: Option<Instant>,
    /// What is left of the hourly budget that bckeys does not touch, from the first answer that
    /// announced it: the total is not announced, so the reserve is a share of what was left
    /// when bckeys started.
    hourly_reserve: Option<u64>,
    hourly_left: Option<u64>,
}

impl Pacer {
    pub fn new(share: QuotaShare) -> Pacer {
        Pacer { share, ..Pacer::default() }
    }

    /// How long to wait before the next request; an error when the hourly budget is down to its
    /// reserve (it refills over an hour: no run waits that long).
    pub fn wait(&self, now: Instant) -> Result<Duration, HourlyReserve> {
        if let (Some(left), Some(reserve)) = (self.hourly_left, self.hourly_reserve) {
            if left <= reserve {
                return Err(HourlyReserve { left, reserve });
            }
        }
        Ok(self.not_before.map(|t| t.saturating_duration_since(now)).unwrap_or_default())
    }

    /// Learns from a response that arrived at `now`. When the next request would take the
    /// window below the reserve, it waits for the window to reset (plus a small margin for clock
    /// skew).
    pub fn observe(&mut self, limit: &RateLimit, now: Instant) {
        if let (Some(left), Some(reset)) = (limit.left, limit.reset) {
            // Without the quota, what is left now stands for it (the safe reading: it is less).
            let quota = limit.quota.unwrap_or(left).max(left);
            let reserve = self.share.reserve(u64::from(quota));
            self.not_before = (u64::from(left) <= reserve).then(|| now + reset + Duration::from_millis(25));
        }
        if let Some(left) = limit.hourly_left {
            self.hourly_reserve.get_or_insert_with(|| self.share.reserve(left));
            self.hourly_left = Some(left);
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

    fn window(quota: u32, left: u32) -> RateLimit {
        RateLimit {
            quota: Some(quota),
            left: Some(left),
            reset: Some(Duration::from_millis(900)),
            ..Default::default()
        }
    }

    #[test]
    fn all_of_the_share_waits_only_when_the_window_is_used_up() {
        let now = Instant::now();
        let mut p = Pacer::new(QuotaShare::new(1.0).unwrap());
        p.observe(&window(150, 3), now);
        assert_eq!(p.wait(now), Ok(Duration::ZERO));
        p.observe(&window(150, 0), now);
        assert!(p.wait(now).unwrap() >= Duration::from_millis(900));
        assert_eq!(p.wait(now + Duration::from_secs(1)), Ok(Duration::ZERO));
    }

    #[test]
    fn half_the_window_is_left_to_the_stores_other_clients() {
        let now = Instant::now();
        let mut p = Pacer::new(QuotaShare::DEFAULT);
        p.observe(&window(150, 76), now);
        assert_eq!(p.wait(now), Ok(Duration::ZERO), "one more request leaves 75");
        p.observe(&window(150, 75), now);
        assert!(p.wait(now).unwrap() >= Duration::from_millis(900), "75 of 150 are the others'");
        // Without the quota announced, what is left stands for it: bckeys still never spends it
        // to zero.
        let mut p = Pacer::new(QuotaShare::new(0.9).unwrap());
        p.observe(&RateLimit { left: Some(1), reset: Some(Duration::from_millis(900)), ..Default::default() }, now);
        assert!(p.wait(now).unwrap() > Duration::ZERO);
    }

    #[test]
    fn the_hourly_budget_keeps_its_reserve_from_the_first_answer() {
        let now = Instant::now();
        let mut p = Pacer::new(QuotaShare::DEFAULT);
        p.observe(&RateLimit { hourly_left: Some(1000), ..Default::default() }, now);
        p.observe(&RateLimit { hourly_left: Some(501), ..Default::default() }, now);
        assert_eq!(p.wait(now), Ok(Duration::ZERO));
        p.observe(&RateLimit { hourly_left: Some(500), ..Default::default() }, now);
        assert_eq!(p.wait(now), Err(HourlyReserve { left: 500, reserve: 500 }));
    }

    #[test]
    fn a_share_is_in_zero_to_one() {
        for bad in [0.0, -0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert!(QuotaShare::new(bad).is_none(), "{bad}");
        }
        assert_eq!(QuotaShare::new(1.0).unwrap().reserve(150), 0);
        assert_eq!(QuotaShare::new(0.5).unwrap().reserve(150), 75);
        assert_eq!(QuotaShare::new(0.99).unwrap().reserve(10), 1);
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
        assert!(p.wait(now).unwrap() >= Duration::from_secs(2));
        let limit = RateLimit {
            reset: Some(Duration::from_millis(2500)),
            retry_after: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        p.throttled(&limit, now, Duration::from_millis(1));
        let w = p.wait(now).unwrap();
        assert!(w >= Duration::from_millis(2500) && w < Duration::from_secs(3));
        p.throttled(&RateLimit::default(), now, Duration::from_millis(300));
        let w = p.wait(now).unwrap();
        assert!(w >= Duration::from_millis(300) && w < Duration::from_millis(400));
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
