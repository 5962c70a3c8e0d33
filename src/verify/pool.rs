//! The checking pool (only with the `verify` feature): credentials are handed in while the scan goes on — as
//! soon as a finding is known to be reported — and at its end for whatever is left; a few worker threads, started
//! as work arrives (at most `concurrency`), check each distinct credential once, keyed like the cache
//! (`super::cache::key`), and keep the results by key until the pool is finished. So the round trips overlap the
//! scan instead of following it.
//!
//! Credentials wait in one queue per provider, and a worker takes one from a provider that has room under its
//! limit: findings come in the scan's order, often many of one provider together, and a single queue would
//! hold every worker behind that provider's few slots while the others' credentials waited.
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::ask::check;
use super::cache::{Credential, Key};
use super::rate::{Limiter, Slot};
use super::transport::Transport;
use super::{VerifyOptions, VerifyProgress};
use crate::verdict::Verification;

/// How long a worker waits before looking again when every waiting credential's provider is at its limit.
const RECHECK: Duration = Duration::from_millis(5);

/// What the workers share.
struct Shared {
    transport: Transport,
    limiter: Limiter,
    queue: Mutex<Queue>,
    /// Signalled when a credential is queued and when the pool is closed.
    queued: Condvar,
    results: Mutex<HashMap<Key, Verification>>,
    progress: Option<Arc<dyn VerifyProgress>>,
}

/// Credentials waiting, by provider (verifier id), providers in the order they first came.
#[derive(Default)]
struct Queue {
    providers: Vec<String>,
    waiting: HashMap<String, VecDeque<(Key, Credential)>>,
    /// Taken from next, so that providers take turns.
    turn: usize,
    closed: bool,
}

impl Queue {
    fn push(&mut self, key: Key, credential: Credential) {
        let provider = &credential.verifier.spec.id;
        if !self.waiting.contains_key(provider) {
            self.providers.push(provider.clone());
        }
        self.waiting.entry(provider.clone()).or_default().push_back((key, credential));
    }

    fn is_empty(&self) -> bool {
        self.waiting.values().all(VecDeque::is_empty)
    }

    /// The next credential whose provider has a free slot, with the slot.
    fn take<'l>(&mut self, limiter: &'l Limiter) -> Option<(Key, Credential, Slot<'l>)> {
        let n = self.providers.len();
        for i in 0..n {
            let provider = &self.providers[(self.turn + i) % n];
            let Some(waiting) = self.waiting.get_mut(provider).filter(|w| !w.is_empty()) else { continue };
            if let Some(slot) = limiter.try_acquire(provider) {
                let (key, credential) = waiting.pop_front()?;
                self.turn = (self.turn + i + 1) % n;
                return Some((key, credential, slot));
            }
        }
        None
    }
}

pub struct Pool {
    shared: Arc<Shared>,
    /// Every credential handed in, by key: each is checked once.
    submitted: Mutex<HashSet<Key>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    max_workers: usize,
}

impl Pool {
    /// A pool with no work yet (and no threads).
    pub fn new(options: &VerifyOptions, progress: Option<Arc<dyn VerifyProgress>>) -> Pool {
        let shared = Arc::new(Shared {
            transport: Transport::new(options.timeout),
            limiter: Limiter::new(options.per_provider, options.max_pause),
            queue: Mutex::default(),
            queued: Condvar::new(),
            results: Mutex::default(),
            progress,
        });
        Pool { shared, submitted: Mutex::default(), workers: Mutex::default(), max_workers: options.concurrency.max(1) }
    }

    /// Queues a check of `credential`, unless the same one (by key) was handed in before. True if queued.
    pub fn submit(&self, credential: Credential) -> bool {
        let key = credential.key();
        let queued = {
            let mut submitted = lock(&self.submitted);
            if !submitted.insert(key) {
                return false;
            }
            submitted.len()
        };
        if let Some(p) = &self.shared.progress {
            p.start(1);
        }
        lock(&self.shared.queue).push(key, credential);
        self.shared.queued.notify_one();
        let mut workers = lock(&self.workers);
        if workers.len() < self.max_workers.min(queued) {
            let shared = self.shared.clone();
            // A thread that cannot start leaves its work to the others, or to `finish`.
            if let Ok(w) = std::thread::Builder::new().name("leakgate-verify".into()).spawn(move || work(&shared)) {
                workers.push(w);
            }
        }
        true
    }

    /// Waits for every check handed in; their results by key, and how many credentials were checked.
    pub fn finish(self) -> (HashMap<Key, Verification>, usize) {
        let Pool { shared, submitted, workers, .. } = self;
        lock(&shared.queue).closed = true;
        shared.queued.notify_all();
        for w in workers.into_inner().unwrap_or_else(|e| e.into_inner()) {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        // Whatever no worker took (none could be started) is checked here.
        work(&shared);
        if let Some(p) = &shared.progress {
            p.finish();
        }
        let results = std::mem::take(&mut *lock(&shared.results));
        (results, submitted.into_inner().unwrap_or_else(|e| e.into_inner()).len())
    }
}

/// One worker: checks credentials from the queue until it is closed and empty.
fn work(shared: &Shared) {
    loop {
        let (key, credential, slot) = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(next) = queue.take(&shared.limiter) {
                    break next;
                }
                if queue.closed && queue.is_empty() {
                    return;
                }
                // Nothing queued (woken when something is), or every provider with work is at its limit or
                // paused (a slot frees within a round trip; looked at again shortly).
                let wait = if queue.is_empty() { Duration::from_secs(1) } else { RECHECK };
                queue = shared.queued.wait_timeout(queue, wait).unwrap_or_else(|e| e.into_inner()).0;
            }
        };
        let v = check(&credential, &shared.transport, &shared.limiter, slot);
        lock(&shared.results).insert(key, v);
        if let Some(p) = &shared.progress {
            p.advance(1);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Queue;
    use crate::verify::cache::Credential;
    use crate::verify::catalogue::Catalogue;
    use crate::verify::rate::Limiter;
    use crate::verify::VerifySettings;

    /// A provider at its limit does not hold back another's credentials queued behind its own.
    #[test]
    fn a_busy_provider_does_not_block_the_others() {
        let catalogue = Catalogue::build(&VerifySettings::default(), false).unwrap();
        let credential = |rule: &str, secret: String| Credential {
            verifier: catalogue.for_rule(rule).unwrap().clone(),
            secret,
            id: None,
            context: Default::default(),
        };
        let mut queue = Queue::default();
        for i in 0..10 {
            let c = credential("github-classic-pat", format!("gh{i}"));
            queue.push(c.key(), c);
        }
        let c = credential("slack-bot-token", "xoxb".into());
        queue.push(c.key(), c);
        let limiter = Limiter::new(1, Duration::from_secs(1));
        let (_, first, github_slot) = queue.take(&limiter).unwrap();
        assert_eq!(first.secret, "gh0");
        let (_, second, _slack_slot) = queue.take(&limiter).unwrap();
        assert_eq!(second.secret, "xoxb");
        assert!(queue.take(&limiter).is_none());
        drop(github_slot);
        assert_eq!(queue.take(&limiter).unwrap().1.secret, "gh1");
        assert!(!queue.is_empty());
    }
}
