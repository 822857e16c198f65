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

/// bckeys used its share of the hourly budget that was left when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourlyShareUsed {
    pub used: u64,
    pub at_start: u64,
}

/// The pace of one store. bckeys counts its own requests in each window and waits for the next
/// window once it used its share, so the store's other clients keep the rest of every window
/// (the window's `Requests-Left` counts everyone's requests; a window is never spent to zero).
/// The hourly budget is shared the same way: its total is not announced, so the share is of what
/// was left at the first answer that announced it.
#[derive(Debug, Default)]
pub struct Pacer {
    share: QuotaShare,
    /// No request before this instant.
    not_before: Option<Instant>,
    /// When the current window ends, and bckeys' requests in it.
    window_end: Option<Instant>,
    own: u64,
    /// The hourly budget left at the first answer that announced it, and bckeys' requests since.
    hourly_at_start: Option<u64>,
    hourly_own: u64,
    hourly_left: Option<u64>,
}

impl Pacer {
    pub fn new(share: QuotaShare) -> Pacer {
        Pacer { share, ..Pacer::default() }
    }

    /// How long to wait before the next request; an error once bckeys used its share of the
    /// hourly budget (it refills over an hour: no run waits that long).
    pub fn wait(&self, now: Instant) -> Result<Duration, HourlyShareUsed> {
        if let Some(at_start) = self.hourly_at_start {
            let spent = self.hourly_own >= at_start - self.share.reserve(at_start);
            if spent || self.hourly_left == Some(0) {
                return Err(HourlyShareUsed { used: self.hourly_own, at_start });
            }
        }
        Ok(self.not_before.map(|t| t.saturating_duration_since(now)).unwrap_or_default())
    }

    /// Learns from a response to one of bckeys' requests that arrived at `now`. Once bckeys used
    /// its share of the window, or the window is spent, the next request waits for the window
    /// to reset (plus a small margin for clock skew).
    pub fn observe(&mut self, limit: &RateLimit, now: Instant) {
        if let (Some(left), Some(reset)) = (limit.left, limit.reset) {
            let end = now + reset;
            // Within one window its end stays put; a new window moves it by about a window.
            let window = limit.window.unwrap_or(reset);
            let same = self.window_end.is_some_and(|e| end < e + window / 2);
            self.own = if same { self.own + 1 } else { 1 };
            if !same || self.window_end.is_some_and(|e| end > e) {
                self.window_end = Some(end);
            }
            // Without the quota, what is left now stands for it (the safe reading: it is less).
            let quota = u64::from(limit.quota.unwrap_or(left).max(left));
            let share = quota - self.share.reserve(quota);
            let spent = self.own >= share || left == 0;
            self.not_before = spent.then(|| now + reset + Duration::from_millis(25));
        }
        if let Some(left) = limit.hourly_left {
            self.hourly_at_start.get_or_insert(left);
            self.hourly_own += 1;
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
    fn bckeys_uses_half_of_each_window_and_no_more() {
        let start = Instant::now();
        let window_of = |reset: u64, left: u32| RateLimit {
            reset: Some(Duration::from_millis(reset)),
            window: Some(Duration::from_secs(3)),
            ..window(150, left)
        };
        let mut p = Pacer::new(QuotaShare::DEFAULT);
        // 75 answers within one window (its end stays put while time passes), with others
        // taking requests too: the 75th is the last of bckeys' half.
        for i in 0..75u32 {
            let now = start + Duration::from_millis(u64::from(i));
            assert_eq!(p.wait(now), Ok(Duration::ZERO), "request {}", i + 1);
            p.observe(&window_of(3000 - u64::from(i), 140 - i), now);
        }
        let now = start + Duration::from_millis(75);
        assert!(p.wait(now).unwrap() >= Duration::from_millis(2900), "the other half is the others'");
        // The next window starts the count again.
        let later = start + Duration::from_millis(3100);
        p.observe(&window_of(2900, 149), later);
        assert_eq!(p.wait(later), Ok(Duration::ZERO));
        // A window the others spent waits, whatever bckeys' count.
        p.observe(&window_of(2890, 0), later);
        assert!(p.wait(later).unwrap() > Duration::ZERO);
    }

    #[test]
    fn the_hourly_share_is_of_what_was_left_at_the_first_answer() {
        let now = Instant::now();
        let mut p = Pacer::new(QuotaShare::DEFAULT);
        for left in (991..=1000).rev() {
            p.observe(&RateLimit { hourly_left: Some(left), ..Default::default() }, now);
        }
        assert_eq!(p.wait(now), Ok(Duration::ZERO));
        let mut p = Pacer::new(QuotaShare::DEFAULT);
        for left in (11..=20).rev() {
            p.observe(&RateLimit { hourly_left: Some(left), ..Default::default() }, now);
        }
        assert_eq!(p.wait(now), Err(HourlyShareUsed { used: 10, at_start: 20 }));
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
