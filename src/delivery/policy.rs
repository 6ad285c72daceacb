//! Delivery outcome classification and the retry schedule: pure functions.

use std::time::{Duration, SystemTime};

/// How to retry failed attempts.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay before retry 1, 2, …; after the last one the delivery fails for good.
    pub schedule: Vec<Duration>,
    /// Spread applied to each scheduled delay (0.2 = ±20 %).
    pub jitter: f64,
    /// Longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
}

/// The default delays before each retry (`--retry-schedule`), in the flags' form.
pub const DEFAULT_SCHEDULE: &str = "5s,30s,2m,10m,30m,1h,2h,4h";
/// The default spread of each delay (`--retry-jitter`).
pub const DEFAULT_JITTER: f64 = 0.2;
/// The default longest `Retry-After` honoured (`--max-retry-after`).
pub const DEFAULT_MAX_RETRY_AFTER: &str = "6h";

impl Default for RetryPolicy {
    /// The flags' defaults: the one place they are written is the constants above.
    fn default() -> Self {
        let parse = |s: &str| humantime::parse_duration(s).expect("a default duration parses");
        Self {
            schedule: DEFAULT_SCHEDULE.split(',').map(parse).collect(),
            jitter: DEFAULT_JITTER,
            max_retry_after: parse(DEFAULT_MAX_RETRY_AFTER),
        }
    }
}

impl RetryPolicy {
    /// Attempts a delivery gets in all.
    pub fn max_attempts(&self) -> u32 {
        self.schedule.len() as u32 + 1
    }

    /// Delay before the next attempt after `attempts_made` failed ones, or `None`
    /// when none is left. `unit` is a uniform random number in [0, 1) for the jitter.
    /// A `Retry-After` replaces the scheduled delay, clamped to `max_retry_after`.
    pub fn next_delay(&self, attempts_made: u32, retry_after: Option<Duration>, unit: f64) -> Option<Duration> {
        let base = *self.schedule.get(attempts_made.checked_sub(1)? as usize)?;
        if let Some(ra) = retry_after {
            return Some(ra.min(self.max_retry_after));
        }
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Some(base.mul_f64(factor.max(0.0)))
    }
}

/// What an attempt's result means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Done: the receiver answered 2xx.
    Success,
    /// Try again later (if attempts remain).
    Retry,
    /// Done: failed for good (schedule exhausted or not retryable).
    Fail,
}

/// Verdict of an HTTP status: 2xx success; 408, 429 and 5xx retried; the rest final.
pub fn classify_status(code: u16) -> Verdict {
    match code {
        200..=299 => Verdict::Success,
        408 | 429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let table = [
            (200, Verdict::Success),
            (204, Verdict::Success),
            (299, Verdict::Success),
            (301, Verdict::Fail),
            (302, Verdict::Fail),
            (400, Verdict::Fail),
            (404, Verdict::Fail),
            (408, Verdict::Retry),
            (410, Verdict::Fail),
            (429, Verdict::Retry),
            (500, Verdict::Retry),
            (503, Verdict::Retry),
            (599, Verdict::Retry),
            (100, Verdict::Fail),
        ];
        for (code, want) in table {
            assert_eq!(classify_status(code), want, "{code}");
        }
    }

    #[test]
    fn schedule_with_jitter_bounds() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts(), 9);
        assert_eq!(p.next_delay(0, None, 0.5), None);
        assert_eq!(p.next_delay(1, None, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(p.next_delay(1, None, 0.0), Some(Duration::from_secs(4)));
        assert_eq!(p.next_delay(2, None, 1.0), Some(Duration::from_secs(36)));
        assert_eq!(p.next_delay(8, None, 0.5), Some(Duration::from_secs(4 * 3600)));
        assert_eq!(p.next_delay(9, None, 0.5), None, "no retry after the last attempt");
        for i in 0..100 {
            let d = p.next_delay(3, None, i as f64 / 100.0).unwrap();
            assert!(d >= Duration::from_secs(96) && d <= Duration::from_secs(144), "{d:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_clamped() {
        let p = RetryPolicy { max_retry_after: Duration::from_secs(60), ..RetryPolicy::default() };
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(2)), 0.9), Some(Duration::from_secs(2)));
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(3600)), 0.9), Some(Duration::from_secs(60)));
        assert_eq!(p.next_delay(9, Some(Duration::from_secs(1)), 0.9), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
