//! The verification stage, when the caller or the config's `[verify] enabled` asks for it. It begins before the
//! scan (`begin`: the verifiers built, a checking pool ready) so that it can run alongside: a history scan
//! tells `Alongside` each blob's findings as they are made, and the credentials of those that will surely be
//! reported (`super::reportable`) are checked at once. After suppression (`finish`) every reported finding's
//! credential is checked — one checked during the scan is not asked again — each finding gets its result, a note
//! gives the counts, and with `only_verified` only the live findings are kept. Nothing suppressed or under the
//! threshold is ever sent anywhere.
use std::sync::Arc;
use std::time::Duration;

use super::reportable::Reportable;
use super::ScanResult;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::scan::Progress;
use crate::verify::{VerifyProgress, VerifySettings};

/// What the caller asks of verification (`leakgate scan`; the hooks never ask).
#[derive(Default)]
pub struct VerifyRequest {
    /// `--verify` (or `--only-verified`) was given: verify whatever the config says.
    pub requested: bool,
    /// Over the config's `timeout`.
    pub timeout: Option<Duration>,
    /// Over the config's `concurrency`.
    pub concurrency: Option<usize>,
    /// Report only findings whose credential the provider accepted.
    pub only_verified: bool,
    /// Told how verification advances, from the checking threads.
    pub progress: Option<Arc<dyn VerifyProgress>>,
}

impl VerifyRequest {
    /// Whether this scan verifies, given the config's settings.
    pub fn wanted(&self, settings: &VerifySettings) -> bool {
        self.requested || self.only_verified || settings.enabled == Some(true)
    }
}

/// Verification begun with the scan: the verifiers, and the pool checking credentials.
#[cfg(feature = "verify")]
pub(super) struct Verifying {
    catalogue: crate::verify::catalogue::Catalogue,
    pool: crate::verify::Pool,
}

/// Without network code there is never a verification to begin.
#[cfg(not(feature = "verify"))]
pub(super) enum Verifying {}

/// Before the scan: `None` if this scan does not verify; a verification the config or the build cannot do fails
/// now, not after an hour's audit. `trusted` (a config given with `--config`): its `allowed_hosts`, endpoints
/// elsewhere and custom verifiers count.
pub(super) fn begin(request: &super::ScanRequest, settings: &VerifySettings) -> Result<Option<Verifying>> {
    match &request.verify {
        Some(v) if v.wanted(settings) => start(v, settings, request.policy.config.is_some()).map(Some),
        _ => Ok(None),
    }
}

#[cfg(feature = "verify")]
fn start(v: &VerifyRequest, settings: &VerifySettings, trusted: bool) -> Result<Verifying> {
    use crate::verify::{catalogue::Catalogue, Pool, VerifyOptions};
    let catalogue = Catalogue::build(settings, trusted).map_err(|m| Error::config("verification", m))?;
    let options = VerifyOptions::from_settings(settings, v.timeout, v.concurrency);
    Ok(Verifying { catalogue, pool: Pool::new(&options, v.progress.clone()) })
}

#[cfg(not(feature = "verify"))]
fn start(_: &VerifyRequest, _: &VerifySettings, _: bool) -> Result<Verifying> {
    Err(Error::config("verification", crate::verify::UNAVAILABLE))
}

impl Verifying {
    /// Hands the pool the credentials of those of one blob's `found` that will be reported (a pair's id from the
    /// same blob, itself reported).
    fn offer(&self, found: &[Finding], reportable: &Reportable<'_>) {
        #[cfg(feature = "verify")]
        {
            if !found.iter().any(|f| self.catalogue.for_rule(&f.rule_id).is_some()) {
                return;
            }
            let kept: Vec<Finding> = found.iter().filter(|f| reportable.keeps(f)).cloned().collect();
            for job in crate::verify::cache::plan(&kept, &self.catalogue).jobs {
                self.pool.submit(job.credential);
            }
        }
        #[cfg(not(feature = "verify"))]
        {
            let _ = (found, reportable);
            match *self {}
        }
    }
}

/// A history scan's progress, passed on, with verification alongside: each blob's findings are offered to it.
pub(super) struct Alongside<'a> {
    pub progress: Option<&'a dyn Progress>,
    pub verifying: &'a Verifying,
    pub reportable: &'a Reportable<'a>,
}

impl Progress for Alongside<'_> {
    fn found(&self, blobs: u64) {
        if let Some(p) = self.progress {
            p.found(blobs);
        }
    }

    fn advance(&self, blobs: u64, bytes: u64) {
        if let Some(p) = self.progress {
            p.advance(blobs, bytes);
        }
    }

    fn finish(&self) {
        if let Some(p) = self.progress {
            p.finish();
        }
    }

    fn findings(&self, found: &[Finding]) {
        self.verifying.offer(found, self.reportable);
    }
}

/// After suppression: verifies `result`'s findings (the credentials checked during the scan are not asked
/// again), notes the counts, and with `only_verified` keeps only the live findings.
pub(super) fn finish(result: &mut ScanResult, only_verified: bool, verifying: Verifying) {
    #[cfg(feature = "verify")]
    {
        let summary = crate::verify::verify_findings(&mut result.findings, &verifying.catalogue, verifying.pool);
        result.stats.notes.push(summary.note());
        if only_verified {
            keep_live(result);
        }
    }
    #[cfg(not(feature = "verify"))]
    {
        let _ = (result, only_verified);
        match verifying {}
    }
}

/// `--only-verified`: only the findings whose credential the provider accepted are listed; the rest are counted.
#[cfg(feature = "verify")]
fn keep_live(result: &mut ScanResult) {
    let before = result.findings.len();
    result.findings.retain(|f| f.verification().is_some_and(|v| v.status == crate::verdict::VerifyStatus::Live));
    let hidden = before - result.findings.len();
    if hidden > 0 {
        result.stats.notes.push(format!("--only-verified: {hidden} finding(s) not verified live are not listed"));
    }
}
