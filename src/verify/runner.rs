//! Checking credentials (only with the `verify` feature): one request per credential through the provider's
//! limiter, a 429 retried after the provider's `Retry-After` (capped, twice at most); and the end of the stage,
//! where every reported finding's credential is handed to the pool (those checked during the scan are not asked
//! again) and each result is copied to all the findings of its credential.
use std::time::SystemTime;

use super::cache::{plan, Credential};
use super::catalogue::Catalogue;
use super::pool::Pool;
use super::rate::{retry_after, Limiter, Slot};
use super::spec::{Judgement, Kind};
use super::transport::Transport;
use super::{aws, Summary};
use crate::finding::{Detail, Finding};
use crate::verdict::{Verification, VerifyStatus};

/// Tries per credential when the provider keeps answering 429.
const ATTEMPTS: usize = 3;

/// Verifies every finding whose rule has a verifier in `catalogue`, setting its `verification`; `pool` may have
/// been checking some of them since the scan began.
pub fn verify_findings(findings: &mut [Finding], catalogue: &Catalogue, pool: Pool) -> Summary {
    let plan = plan(findings, catalogue);
    let mut summary = Summary::default();
    for (i, verifier, j) in plan.settled {
        set(&mut findings[i], verification(&verifier, j), &mut summary);
    }
    let wanted: Vec<_> = plan
        .jobs
        .into_iter()
        .map(|job| {
            let key = job.credential.key();
            pool.submit(job.credential);
            (key, job.findings)
        })
        .collect();
    let (results, checked) = pool.finish();
    summary.requests = checked;
    for (key, on) in wanted {
        let Some(v) = results.get(&key) else { continue };
        for i in on {
            set(&mut findings[i], v.clone(), &mut summary);
        }
    }
    summary
}

/// One credential: asks its provider, waiting out rate limits. `slot` is the provider's, taken for the first try.
pub(super) fn check(job: &Credential, transport: &Transport, limiter: &Limiter, slot: Slot<'_>) -> Verification {
    let v = &job.verifier;
    let mut first = Some(slot);
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
            let _slot = first.take().unwrap_or_else(|| limiter.acquire(&v.spec.id));
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
