//! leakgate: a commit-time security gate for secrets and infrastructure misconfigurations.
//!
//! Data flows one way:
//! source (files, stdin, staged blobs, history blobs) → fragments → [`engine::Scanner`] (keyword prefilter →
//! regex → secret → entropy, placeholder and validator filters) → [`finding::Finding`] → suppression (inline
//! allow, ignore file, baseline) → report. Skip counts and non-fatal errors travel alongside in
//! [`stats::ScanStats`]. Config, ignore files and baseline are read up front ([`policy`]: from the working tree,
//! or for a PR check from the base commit, whose changes to them become `config-weakened` findings).
//! Library code never prints and never picks an exit code; that is the CLI's job.
pub mod engine;
pub mod error;
pub mod rules;

pub use error::{Error, Result};
pub mod cli;
pub mod config;
pub mod finding;
pub mod iac;
pub mod policy;
pub mod report;
pub mod safe_read;
pub mod scan;
pub mod source;
pub mod stats;
pub mod suppress;
#[cfg(test)]
mod test_rng;
