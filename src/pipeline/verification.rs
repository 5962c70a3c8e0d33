//! The verification stage, after suppression (nothing hidden is sent anywhere): turned on by the caller's
//! request or the config's `[verify] enabled`, it sets each verifiable finding's result, adds a note with the
//! counts, and with `only_verified` keeps only the live findings.
use std::time::Duration;

use super::ScanResult;
use crate::error::{Error, Result};
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
    /// Told how verification advances.
    pub progress: Option<Box<dyn VerifyProgress>>,
}

impl VerifyRequest {
    /// Whether this scan verifies, given the config's settings.
    pub fn wanted(&self, settings: &VerifySettings) -> bool {
        self.requested || self.only_verified || settings.enabled == Some(true)
    }
}

/// Before the scan: a verification the config or the build cannot do fails now, not after an hour's audit.
pub(super) fn preflight(request: &super::ScanRequest, settings: &VerifySettings) -> Result<()> {
    match &request.verify {
        Some(v) if v.wanted(settings) => catalogue(settings, request.policy.config.is_some()).map(drop),
        _ => Ok(()),
    }
}

/// The verifiers with the config's settings applied (an error in a build without network code).
#[cfg(feature = "verify")]
fn catalogue(settings: &VerifySettings, trusted: bool) -> Result<crate::verify::catalogue::Catalogue> {
    crate::verify::catalogue::Catalogue::build(settings, trusted).map_err(|m| Error::config("verification", m))
}

#[cfg(not(feature = "verify"))]
fn catalogue(_: &VerifySettings, _: bool) -> Result<()> {
    Err(Error::config("verification", crate::verify::UNAVAILABLE))
}

/// Verifies `result`'s findings if asked to. `trusted`: the config was given with `--config`, so its
/// `allowed_hosts`, endpoints elsewhere and custom verifiers count.
pub fn run(result: &mut ScanResult, request: &VerifyRequest, settings: &VerifySettings, trusted: bool) -> Result<()> {
    if !request.wanted(settings) {
        return Ok(());
    }
    verify(result, request, settings, trusted)?;
    if request.only_verified {
        let before = result.findings.len();
        result.findings.retain(|f| f.verification().is_some_and(|v| v.status == crate::verdict::VerifyStatus::Live));
        let hidden = before - result.findings.len();
        if hidden > 0 {
            result.stats.notes.push(format!("--only-verified: {hidden} finding(s) not verified live are not listed"));
        }
    }
    Ok(())
}

#[cfg(feature = "verify")]
fn verify(result: &mut ScanResult, request: &VerifyRequest, settings: &VerifySettings, trusted: bool) -> Result<()> {
    use crate::verify::{verify_findings, VerifyOptions};
    let catalogue = catalogue(settings, trusted)?;
    let options = VerifyOptions::from_settings(settings, request.timeout, request.concurrency);
    let summary = verify_findings(&mut result.findings, &catalogue, &options, request.progress.as_deref());
    result.stats.notes.push(summary.note());
    Ok(())
}

#[cfg(not(feature = "verify"))]
fn verify(_: &mut ScanResult, _: &VerifyRequest, _: &VerifySettings, _: bool) -> Result<()> {
    Err(Error::config("verification", crate::verify::UNAVAILABLE))
}
