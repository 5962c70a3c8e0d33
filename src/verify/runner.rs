//! The end of the stage (only with the `verify` feature): every reported finding's credential is handed to the
//! pool (those checked during the scan are not asked again) and each result is copied to all the findings of
//! its credential.
use super::ask::verification;
use super::cache::plan;
use super::catalogue::Catalogue;
use super::pool::Pool;
use super::Summary;
use crate::finding::{Detail, Finding};
use crate::verdict::{Verification, VerifyStatus};

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
