//! Live verification (`scan --verify`, never on by default): asks each secret's provider, with one read-only
//! identity call, whether the credential works and whose it is. The result ([`crate::verdict::Verification`])
//! rides on the finding; fingerprints, baselines and exit codes do not look at it.
//!
//! Data first, network last: a verifier is data ([`spec`], the built-ins in `catalogue.toml`, the user's
//! `[verify]` settings applied in [`catalogue`]); findings become one job per distinct credential ([`cache`],
//! pairs joined in [`pair`]); requests are built and answers judged without network code ([`request`], [`spec`],
//! [`aws`] over [`sigv4`], `azure`; `gcp` signs with `ring`, so it comes with the network code). Only `transport`,
//! `ask`, `pool` and `runner` — the `verify` cargo feature — send anything:
//! through a per-provider limiter ([`rate`]), to hosts on the verifier's allowlist only, starting while the scan
//! still runs (the pipeline hands the pool each finding as soon as it is known to be reported).
#[cfg(feature = "verify")]
mod ask;
pub mod aws;
pub mod azure;
pub mod cache;
pub mod catalogue;
#[cfg(feature = "verify")]
pub mod gcp;
pub mod pair;
#[cfg(feature = "verify")]
mod pool;
pub mod rate;
pub mod request;
#[cfg(feature = "verify")]
mod runner;
pub mod sigv4;
pub mod spec;
#[cfg(feature = "verify")]
mod transport;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

#[cfg(feature = "verify")]
pub use pool::Pool;
#[cfg(feature = "verify")]
pub use runner::verify_findings;

/// Whether this build has the network code (`verify` feature).
pub const AVAILABLE: bool = cfg!(feature = "verify");

/// What a build without the `verify` feature says when asked to verify.
pub const UNAVAILABLE: &str =
    "this leakgate was built without the `verify` feature (no network code): it cannot verify secrets";

/// `[verify]` in the config. All optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySettings {
    /// Verify on every `leakgate scan` (never in `leakgate hook ...`), as `--verify` does.
    pub enabled: Option<bool>,
    /// Seconds one request may take in all (default 10).
    pub timeout: Option<u64>,
    /// Requests in flight at once, all providers together (default 16).
    pub concurrency: Option<usize>,
    /// Verifier id → base URL that replaces its default endpoint (GitHub Enterprise, a self-managed GitLab, a
    /// Shopify shop, a Databricks workspace, a test server).
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Hosts beyond the built-ins' own that endpoints and custom verifiers may send to; honoured only from a
    /// config given with `--config`.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Verifiers for custom rules, same shape as the built-ins (see the README).
    #[serde(default)]
    pub custom: Vec<spec::VerifierSpec>,
}

/// How verification runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// For one request, connection to last byte.
    pub timeout: Duration,
    /// Requests in flight at once, all providers together.
    pub concurrency: usize,
    /// Requests in flight at once to one provider.
    pub per_provider: usize,
    /// Longest a provider's `Retry-After` is honoured.
    pub max_pause: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            timeout: Duration::from_secs(10),
            concurrency: 16,
            per_provider: 4,
            max_pause: Duration::from_secs(10),
        }
    }
}

impl VerifyOptions {
    /// The defaults, with the config's settings, with the caller's (flags) over both.
    pub fn from_settings(settings: &VerifySettings, timeout: Option<Duration>, concurrency: Option<usize>) -> Self {
        let d = VerifyOptions::default();
        VerifyOptions {
            timeout: timeout.or(settings.timeout.map(Duration::from_secs)).unwrap_or(d.timeout),
            concurrency: concurrency.or(settings.concurrency).unwrap_or(d.concurrency).max(1),
            ..d
        }
    }
}

/// Told how verification advances (a progress bar), from the checking threads.
pub trait VerifyProgress: Send + Sync {
    /// `total` more credentials are to be checked.
    fn start(&self, total: u64);
    fn advance(&self, done: u64);
    fn finish(&self);
}

/// What verification did, for the scan's notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub live: usize,
    pub revoked: usize,
    pub unknown: usize,
    /// Distinct credentials checked (each with one request, or a few after a 429).
    pub requests: usize,
}

impl Summary {
    /// `verified 12 findings (9 credentials): 2 live, 8 revoked, 2 unknown`.
    pub fn note(&self) -> String {
        let n = self.live + self.revoked + self.unknown;
        format!(
            "verified {n} finding{} ({} credential{} checked): {} live, {} revoked, {} unknown",
            if n == 1 { "" } else { "s" },
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.live,
            self.revoked,
            self.unknown
        )
    }
}
