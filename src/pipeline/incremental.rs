//! Incremental history audits (`scan --history --state FILE`): before the scan, the state of earlier runs says
//! which commits and blobs are done ([`crate::audit_state`]); after it, the new findings are told apart from the
//! known ones and the state is brought up to date.
use std::collections::HashSet;
use std::path::PathBuf;

use git2::Oid;

use super::ScanResult;
use crate::audit_state::{AuditState, Header, STATE_VERSION};
use crate::error::{Error, Result};
use crate::finding::{Detail, Finding};
use crate::report::presented;
use crate::report::secret_hash::SecretHashKey;

/// What `--state` asks for.
#[derive(Clone)]
pub struct StateRequest {
    pub path: PathBuf,
    /// Report the findings of earlier runs too, not only those in new content.
    pub all_findings: bool,
    /// Gives the findings kept in the state their `secret_hash`.
    pub secret_hash_key: Option<SecretHashKey>,
}

/// The state read before the scan (if usable) and what the scan adds to it.
pub(super) struct Pending {
    pub request: StateRequest,
    pub header: Header,
    pub prior: Option<AuditState>,
    /// Blobs this run scanned.
    pub scanned: Vec<Oid>,
    /// Commits this run walked.
    pub walked: Vec<Oid>,
}

impl Pending {
    /// Reads the state; an unusable one is noted and the run is a full audit.
    pub fn open(request: StateRequest, header: Header, notes: &mut Vec<String>) -> Pending {
        let prior = match AuditState::load(&request.path, &header) {
            Ok(state) => Some(state),
            Err(why) => {
                notes.push(format!("--state {}: {why}; this run is a full audit", request.path.display()));
                None
            }
        };
        Pending { request, header, prior, scanned: Vec::new(), walked: Vec::new() }
    }

    /// Whether an earlier run scanned the blob.
    pub fn scanned_before(&self, oid: Oid) -> bool {
        self.prior.as_ref().is_some_and(|p| p.scanned(oid))
    }

    /// The fingerprints earlier runs found: this run does not report them again (without `--all-findings`).
    pub fn known(&self) -> HashSet<String> {
        self.prior.as_ref().map(|p| p.findings.iter().map(|f| f.fingerprint.0.clone()).collect()).unwrap_or_default()
    }

    /// What this run need not walk again (sorted), when there is a usable state: every commit earlier runs read.
    pub fn audited(&self) -> Option<Vec<Oid>> {
        self.prior.as_ref().map(|p| p.commits().collect())
    }

    /// The commits earlier runs audited: this run's are numbered after them.
    pub fn order_offset(&self) -> usize {
        self.prior.as_ref().map_or(0, |p| p.header.commits as usize)
    }

    /// Keeps the findings in new content (and, with `--all-findings`, those of earlier runs) in `result`, and
    /// writes the new state, unless input went unread: then the next run repeats what this one could not finish.
    pub fn finish(self, result: &mut ScanResult) -> Result<()> {
        let Pending { request, mut header, prior, scanned, mut walked } = self;
        let commits = walked.len();
        let (known, mut blobs, earlier) = match prior {
            Some(p) => {
                header.commits += p.header.commits;
                walked.extend(p.commits());
                let blobs: Vec<Oid> = p.blobs().collect();
                let carried = p.header.secret_hash_key_id == request.secret_hash_key.as_ref().map(|k| k.id());
                let mut findings = p.findings;
                if !carried {
                    // Hashes made with another key (or none) cannot be compared with this run's.
                    findings.iter_mut().for_each(|f| set_hash(f, None));
                }
                (findings.iter().map(|f| f.fingerprint.0.clone()).collect::<HashSet<_>>(), blobs, findings)
            }
            None => (HashSet::new(), Vec::new(), Vec::new()),
        };
        header.commits += commits as u64;
        header.secret_hash_key_id = request.secret_hash_key.as_ref().map(|k| k.id());
        let new_blobs = scanned.len();
        blobs.extend(scanned);
        // A secret already known at its path is not new, though a new version of the file carries it again.
        result.findings.retain(|f| !known.contains(&f.fingerprint.0));
        let mut kept = earlier.clone();
        kept.extend(result.findings.iter().map(|f| {
            let mut shown = presented(f, false);
            set_hash(
                &mut shown,
                request.secret_hash_key.as_ref().filter(|_| !f.secret().is_empty()).map(|k| k.hash(f.secret())),
            );
            shown
        }));
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        result.stats.notes.push(format!(
            "incremental audit: {}, {} scanned; {} in new content, {} known from earlier runs{}",
            count(commits, "new commit"),
            count(new_blobs, "new blob"),
            count(result.findings.len(), "finding"),
            earlier.len(),
            if request.all_findings { " (listed too: --all-findings)" } else { " (--all-findings lists them)" }
        ));
        if request.all_findings {
            result.findings.extend(earlier);
            result.findings.sort_by(|a, b| {
                (&a.path, a.start_line, a.start_column, &a.rule_id, &a.fingerprint).cmp(&(
                    &b.path,
                    b.start_line,
                    b.start_column,
                    &b.rule_id,
                    &b.fingerprint,
                ))
            });
        }
        if result.stats.has_unread_input() {
            result.stats.notes.push(format!(
                "--state {}: not updated, as some input could not be read; the next run scans this again",
                request.path.display()
            ));
            return Ok(());
        }
        header.version = STATE_VERSION;
        let state = AuditState::new(header, walked, blobs, kept);
        state.save(&request.path).map_err(|e| Error::Io {
            context: format!("cannot write the audit state {}", request.path.display()),
            source: e,
        })
    }
}

fn set_hash(f: &mut Finding, hash: Option<String>) {
    if let Detail::Secret(m) = &mut f.detail {
        m.secret_hash = hash;
    }
}
