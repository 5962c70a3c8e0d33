//! The worker pool (only with the `verify` feature): the plan's jobs are taken in turn by a few threads, each
//! request through the provider's limiter, a 429 retried after the provider's `Retry-After` (capped, twice at
//! most), every result copied to all the findings of its credential.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use super::cache::{plan, Job};
use super::catalogue::Catalogue;
use super::rate::{retry_after, Limiter};
use super::spec::{Judgement, Kind};
use super::transport::Transport;
use super::{aws, Summary, VerifyOptions, VerifyProgress};
use crate::finding::{Detail, Finding};
use crate::verdict::{Verification, VerifyStatus};

/// Tries per credential when the provider keeps answering 429.
const ATTEMPTS: usize = 3;

/// Verifies every finding whose rule has a verifier in `catalogue`, setting its `verification`.
pub fn verify_findings(
    findings: &mut [Finding],
    catalogue: &Catalogue,
    options: &VerifyOptions,
    progress: Option<&dyn VerifyProgress>,
) -> Summary {
    let plan = plan(findings, catalogue);
    let mut summary = Summary { requests: plan.jobs.len(), ..Summary::default() };
    for (i, verifier, j) in plan.settled {
        set(&mut findings[i], verification(&verifier, j), &mut summary);
    }
    if let Some(p) = progress {
        p.start(plan.jobs.len() as u64);
    }
    let transport = Transport::new(options.timeout);
    let limiter = Limiter::new(options.per_provider, options.max_pause);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verification>>> = Mutex::new(vec![None; plan.jobs.len()]);
    let workers = options.concurrency.clamp(1, plan.jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = plan.jobs.get(n) else { break };
                let v = check(job, &transport, &limiter);
                results.lock().unwrap_or_else(|e| e.into_inner())[n] = Some(v);
                if let Some(p) = progress {
                    p.advance(1);
                }
            });
        }
    });
    if let Some(p) = progress {
        p.finish();
    }
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    for (job, v) in plan.jobs.iter().zip(results) {
        let Some(v) = v else { continue };
        for &i in &job.findings {
            set(&mut findings[i], v.clone(), &mut summary);
        }
    }
    summary
}

/// One credential: asks its provider, waiting out rate limits.
fn check(job: &Job, transport: &Transport, limiter: &Limiter) -> Verification {
    let v = &job.verifier;
    let endpoint = v.endpoint.as_deref().unwrap_or_default();
    let mut judgement = Judgement::unknown("rate limited");
    for _ in 0..ATTEMPTS {
        let request = match v.spec.kind {
            Kind::AwsSts => aws::request(
                endpoint,
                &v.allowed_hosts,
                job.id.as_deref().unwrap_or_default(),
                &job.secret,
                SystemTime::now(),
            ),
            Kind::Http => v.spec.request(endpoint, &v.allowed_hosts, &job.secret, job.id.as_deref()),
        };
        let answer = {
            let _slot = limiter.acquire(&v.spec.id);
            transport.send(&request)
        };
        judgement = match answer {
            Ok(a) if a.status == 429 => {
                limiter.pause(&v.spec.id, retry_after(a.header("retry-after")));
                Judgement::unknown("rate limited (HTTP 429)")
            }
            Ok(a) => {
                return verification(
                    &v.spec.id,
                    match v.spec.kind {
                        Kind::AwsSts => aws::judge(&a),
                        Kind::Http => v.spec.judge(&a, &job.secret),
                    },
                )
            }
            // Refused, timed out or failed: told in words that never hold the secret (see `SendError`).
            Err(e) => return verification(&v.spec.id, Judgement::unknown(e.to_string())),
        };
    }
    verification(&v.spec.id, judgement)
}

fn verification(verifier: &str, j: Judgement) -> Verification {
    Verification {
        status: j.status,
        verifier: verifier.to_string(),
        identity: j.identity,
        checked_at: format!("{}Z", crate::report::gitlab::timestamp(SystemTime::now())),
        detail: j.detail,
    }
}

fn set(f: &mut Finding, v: Verification, summary: &mut Summary) {
    match v.status {
        VerifyStatus::Live => summary.live += 1,
        VerifyStatus::Revoked => summary.revoked += 1,
        VerifyStatus::Unknown => summary.unknown += 1,
    }
    if let Detail::Secret(m) = &mut f.detail {
        m.verification = Some(v);
    }
}
