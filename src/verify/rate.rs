//! Per-provider politeness: at most a few requests in flight to one provider at a time, and when it answers 429
//! the whole provider waits out its `Retry-After` (capped) before anyone asks it again. Other providers' requests
//! go on meanwhile.
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Gate {
    in_flight: usize,
    paused_until: Option<Instant>,
}

pub struct Limiter {
    per_provider: usize,
    max_pause: Duration,
    gates: Mutex<HashMap<String, Gate>>,
    changed: Condvar,
}

/// Held while a request is in flight; gives the slot back when dropped.
pub struct Slot<'a> {
    limiter: &'a Limiter,
    provider: String,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut gates = self.limiter.gates.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = gates.get_mut(&self.provider) {
            g.in_flight -= 1;
        }
        self.limiter.changed.notify_all();
    }
}

impl Limiter {
    /// `per_provider` requests at once to one provider (at least 1); a 429 pauses it at most `max_pause`.
    pub fn new(per_provider: usize, max_pause: Duration) -> Limiter {
        Limiter { per_provider: per_provider.max(1), max_pause, gates: Mutex::default(), changed: Condvar::new() }
    }

    /// Waits for a slot with `provider` (not paused, under its limit).
    pub fn acquire(&self, provider: &str) -> Slot<'_> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let g = gates.entry(provider.to_string()).or_default();
            let now = Instant::now();
            match g.paused_until {
                Some(until) if until > now => {
                    let wait = until - now;
                    gates = self.changed.wait_timeout(gates, wait).unwrap_or_else(|e| e.into_inner()).0;
                }
                _ if g.in_flight >= self.per_provider => {
                    gates = self.changed.wait(gates).unwrap_or_else(|e| e.into_inner());
                }
                _ => {
                    g.in_flight += 1;
                    return Slot { limiter: self, provider: provider.to_string() };
                }
            }
        }
    }

    /// A slot with `provider` if one is free now (not paused, under its limit), without waiting.
    pub fn try_acquire(&self, provider: &str) -> Option<Slot<'_>> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let g = gates.entry(provider.to_string()).or_default();
        let paused = g.paused_until.is_some_and(|until| until > Instant::now());
        if paused || g.in_flight >= self.per_provider {
            return None;
        }
        g.in_flight += 1;
        Some(Slot { limiter: self, provider: provider.to_string() })
    }

    /// The provider said 429: nobody asks it for `retry_after` (capped), or a second if it did not say.
    pub fn pause(&self, provider: &str, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or(Duration::from_secs(1)).min(self.max_pause);
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let g = gates.entry(provider.to_string()).or_default();
        let until = Instant::now() + wait;
        g.paused_until = Some(g.paused_until.map_or(until, |u| u.max(until)));
        self.changed.notify_all();
        wait
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from APIs and read as absent).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::{retry_after, Limiter};

    #[test]
    fn no_more_than_the_limit_in_flight_per_provider() {
        let limiter = Limiter::new(2, Duration::from_secs(1));
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let _slot = limiter.acquire("p");
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        let (a, b) = (limiter.try_acquire("p"), limiter.try_acquire("p"));
        assert!(a.is_some() && b.is_some() && limiter.try_acquire("p").is_none());
        drop(a);
        assert!(limiter.try_acquire("p").is_some());
    }

    #[test]
    fn a_pause_holds_only_that_provider_and_is_capped() {
        let limiter = Limiter::new(4, Duration::from_millis(80));
        assert_eq!(limiter.pause("slow", Some(Duration::from_secs(3600))), Duration::from_millis(80));
        let t = Instant::now();
        drop(limiter.acquire("other"));
        assert!(t.elapsed() < Duration::from_millis(40));
        assert!(limiter.try_acquire("slow").is_none());
        drop(limiter.acquire("slow"));
        assert!(t.elapsed() >= Duration::from_millis(70));
        assert_eq!(retry_after(Some(" 2 ")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
