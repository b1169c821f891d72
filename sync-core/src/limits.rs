//! The caps on one sync connection, and the per-connection message rate
//! limiter (pure: it is fed the time, so tests need no clock). A token
//! bucket: a connection over its rate is slowed down, and closed once it
//! stays over it for `throttled_close_after` (10 s by default).

use std::time::Duration;

use std::time::Instant;

/// What one sync socket may cost the server. Set once at start-up from the
/// command line (`phonghop serve --help`, `--sync-…`).
#[derive(Debug, Clone)]
pub struct SyncLimits {
    /// The largest websocket frame and message accepted, in bytes. Enforced
    /// by tungstenite while reading, before a message is buffered whole.
    pub max_message_bytes: usize,
    /// The largest stored size of a document, in bytes. A client whose
    /// change would grow a document past it is disconnected.
    pub max_document_bytes: u64,
    /// Messages per second one connection may send, on average.
    pub messages_per_second: u32,
    /// Messages a connection may send at once before it is slowed down
    /// (a tablet coming back online syncs every document in a burst).
    pub message_burst: u32,
    /// A connection that is still over its rate after being slowed down
    /// for this long is closed.
    pub throttled_close_after: Duration,
    /// How often we ping an idle client.
    pub ping_interval: Duration,
    /// Close a socket that sent nothing (not even a pong) for this long.
    pub idle_timeout: Duration,
    /// Close a socket that does not take a message within this time.
    pub write_timeout: Duration,
    /// How long a close frame may take before we simply drop the socket.
    pub close_grace: Duration,
    /// Distinct document ids one socket may ask about; more looks like
    /// scanning for ids.
    pub max_documents_per_socket: usize,
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 16 * 1024 * 1024,
            max_document_bytes: 64 * 1024 * 1024,
            messages_per_second: 200,
            message_burst: 1_000,
            throttled_close_after: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            close_grace: Duration::from_secs(1),
            max_documents_per_socket: 2_000,
        }
    }
}

/// What to do with the message that just arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the rate: carry on.
    Go,
    /// Over the rate: handle this message, but read the next one only after
    /// this long (the client feels TCP backpressure, nothing is dropped).
    SlowDown(Duration),
    /// Over the rate for longer than `throttled_close_after`: close.
    Close,
}

/// A token bucket per connection: `burst` tokens, refilled at
/// `messages_per_second`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_second: f64,
    capacity: f64,
    tokens: f64,
    updated: Instant,
    close_after: Duration,
    /// Since when every message has had to wait.
    throttled_since: Option<Instant>,
}

impl RateLimiter {
    pub fn new(limits: &SyncLimits, now: Instant) -> Self {
        let per_second = f64::from(limits.messages_per_second.max(1));
        let capacity = f64::from(limits.message_burst.max(1));
        Self {
            per_second,
            capacity,
            tokens: capacity,
            updated: now,
            close_after: limits.throttled_close_after,
            throttled_since: None,
        }
    }

    /// Counts one message received at `now`.
    pub fn admit(&mut self, now: Instant) -> RateDecision {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.throttled_since = None;
            return RateDecision::Go;
        }
        let since = *self.throttled_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.close_after {
            return RateDecision::Close;
        }
        // Take the token on credit; the pause pays it back.
        self.tokens -= 1.0;
        RateDecision::SlowDown(Duration::from_secs_f64(-self.tokens / self.per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: u32, burst: u32) -> SyncLimits {
        SyncLimits {
            messages_per_second: per_second,
            message_burst: burst,
            throttled_close_after: Duration::from_secs(10),
            ..SyncLimits::default()
        }
    }

    #[test]
    fn a_burst_within_capacity_goes_through() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(&limits(10, 50), start);
        for _ in 0..50 {
            assert_eq!(limiter.admit(start), RateDecision::Go);
        }
        assert!(matches!(limiter.admit(start), RateDecision::SlowDown(_)));
    }

    #[test]
    fn a_client_at_the_allowed_rate_is_never_slowed_down() {
        let mut now = Instant::now();
        let mut limiter = RateLimiter::new(&limits(10, 1), now);
        for _ in 0..1_000 {
            assert_eq!(limiter.admit(now), RateDecision::Go);
            now += Duration::from_millis(101);
        }
    }

    #[test]
    fn pauses_bring_a_pushing_client_down_to_the_rate_before_it_is_closed() {
        let start = Instant::now();
        let mut now = start;
        let mut limiter = RateLimiter::new(&limits(10, 1), now);
        let mut admitted = 0;
        // Sends again the moment each pause ends.
        loop {
            match limiter.admit(now) {
                RateDecision::Go => admitted += 1,
                RateDecision::SlowDown(pause) => {
                    assert!(pause <= Duration::from_millis(101), "{pause:?}");
                    admitted += 1;
                    now += pause;
                }
                RateDecision::Close => break,
            }
        }
        // Ten seconds at ten per second, plus the burst.
        assert!((100..=102).contains(&admitted), "{admitted}");
        assert!(now - start >= Duration::from_secs(10));
    }

    #[test]
    fn a_client_over_the_rate_for_too_long_is_closed() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(&limits(10, 10), start);
        let mut now = start;
        let closed_at = loop {
            // Twice the allowed rate, ignoring the pauses.
            now += Duration::from_millis(50);
            if limiter.admit(now) == RateDecision::Close {
                break now;
            }
            assert!(now - start < Duration::from_secs(60), "never closed");
        };
        let throttled_for = closed_at - start;
        assert!(
            throttled_for >= Duration::from_secs(10),
            "{throttled_for:?}"
        );
        assert!(
            throttled_for <= Duration::from_secs(12),
            "{throttled_for:?}"
        );
    }

    #[test]
    fn a_quiet_moment_forgives_earlier_throttling() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(&limits(10, 1), start);
        assert_eq!(limiter.admit(start), RateDecision::Go);
        assert!(matches!(limiter.admit(start), RateDecision::SlowDown(_)));
        let later = start + Duration::from_secs(9);
        assert_eq!(limiter.admit(later), RateDecision::Go);
        let much_later = later + Duration::from_secs(9);
        assert_eq!(limiter.admit(much_later), RateDecision::Go);
    }
}
