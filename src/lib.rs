//! leakgate: a commit-time security gate for secrets and infrastructure misconfigurations.
//!
//! Data flows one way, and [`pipeline::ScanRequest::run`] carries it through every stage:
//! policy ([`policy`]: config, ignore files, baseline) → source ([`source`]: files, stdin, staged blobs, history
//! blobs) → content pieces ([`content`]: text, UTF-16, a binary's strings, a notebook's cells) → matcher ([`scan`]
//! over [`engine::Scanner`]: keyword prefilter → regex → secret → entropy, placeholder and validator filters;
//! [`iac`] lint beside it) → [`finding::Finding`] → suppression ([`suppress`]: inline allow, ignore file,
//! baseline) → verification, only when asked for ([`verify`]: does the provider still accept the secret? its
//! result, [`verdict::Verification`], rides on the finding) → report ([`report`]). Skip counts and non-fatal
//! errors travel alongside in [`stats::ScanStats`]. Everything a scan can report is documented in one [`registry`].
//!
//! Library code never prints and never picks an exit code; that is the CLI's job ([`cli`]).
pub mod archive;
pub mod audit_state;
pub mod cli;
pub mod confidence;
pub mod config;
pub mod content;
pub mod date;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod finding;
pub mod iac;
pub mod pipeline;
pub mod policy;
pub mod redact;
pub mod registry;
pub mod report;
pub mod rules;
pub mod safe_read;
pub mod scan;
pub mod source;
pub mod stats;
pub mod suppress;
#[cfg(test)]
mod test_rng;
pub mod verdict;
pub mod verify;

pub use error::{Error, Result};
pub use pipeline::{ScanRequest, ScanResult, Target};
