//! The checking pool (only with the `verify` feature): credentials are handed in while the scan goes on — as
//! soon as a finding is known to be reported — and at its end for whatever is left; a few worker threads, started
//! as work arrives (at most `concurrency`), check each distinct credential once, keyed like the cache
//! (`super::cache::key`), and keep the results by key until the pool is finished. So the round trips overlap the
//! scan instead of following it.
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::cache::{Credential, Key};
use super::rate::Limiter;
use super::runner::check;
use super::transport::Transport;
use super::{VerifyOptions, VerifyProgress};
use crate::verdict::Verification;

/// What the workers share.
struct Shared {
    transport: Transport,
    limiter: Limiter,
    queue: Mutex<Receiver<(Key, Credential)>>,
    results: Mutex<HashMap<Key, Verification>>,
    progress: Option<Arc<dyn VerifyProgress>>,
}

pub struct Pool {
    shared: Arc<Shared>,
    sender: Sender<(Key, Credential)>,
    /// Every credential handed in, by key: each is checked once.
    submitted: Mutex<HashSet<Key>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    max_workers: usize,
}

impl Pool {
    /// A pool with no work yet (and no threads).
    pub fn new(options: &VerifyOptions, progress: Option<Arc<dyn VerifyProgress>>) -> Pool {
        let (sender, receiver) = channel();
        let shared = Arc::new(Shared {
            transport: Transport::new(options.timeout),
            limiter: Limiter::new(options.per_provider, options.max_pause),
            queue: Mutex::new(receiver),
            results: Mutex::default(),
            progress,
        });
        Pool {
            shared,
            sender,
            submitted: Mutex::default(),
            workers: Mutex::default(),
            max_workers: options.concurrency.max(1),
        }
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
        // Fails only when no worker is left, which only a panic does; `finish` checks the rest itself then.
        let _ = self.sender.send((key, credential));
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
        let Pool { shared, sender, submitted, workers, .. } = self;
        drop(sender);
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
        // The lock is held only while taking one; `recv` fails once the pool is finished and the queue empty.
        let next = lock(&shared.queue).recv();
        let Ok((key, credential)) = next else { break };
        let v = check(&credential, &shared.transport, &shared.limiter);
        lock(&shared.results).insert(key, v);
        if let Some(p) = &shared.progress {
            p.advance(1);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
