//! Git targets: the staged change, the working tree's unstaged changes, and commits (audits, ranges, pushes). Config and ignore file come from the
//! repository's root, or for a range from its base commit (`crate::policy`).
use std::path::PathBuf;

use super::incremental::Pending;
use super::reportable::Reportable;
use super::verification::Alongside;
use super::{with_notes, Collected, ScanRequest};
use crate::audit_state::{settings_digest, Header, STATE_VERSION};
use crate::engine::Scanner;
use crate::error::Result;
use crate::finding::Finding;
use crate::policy::Policy;
use crate::scan::history_blobs::{scan_history, Selection};
use crate::scan::staged_change::scan_staged;
use crate::scan::{scan_worktree_changes, Progress, ScanOutput};
use crate::source::git::repository_name;
use crate::source::history::{HistorySource, HistorySpec};
use crate::source::staged::StagedSource;
use crate::source::worktree_diff::WorktreeDiffSource;
use crate::source::BlobEntry;
use crate::stats::ScanStats;

fn repo_dir(request: &ScanRequest) -> PathBuf {
    request.repo.clone().unwrap_or_else(|| PathBuf::from("."))
}

pub(super) fn collect_staged(request: &ScanRequest) -> Result<Collected> {
    let mut source = StagedSource::open(&repo_dir(request))?.with_base(request.staged_base);
    if let Some(index) = &request.index_file {
        source = source.with_index_file(index)?;
    }
    let root = source.workdir();
    let policy = Policy::work_tree(&request.policy, &root)?;
    let verifying = super::verification::begin(request, &policy.config.file.verify)?;
    let mut stats = ScanStats::default();
    // Loading the rules and diffing the index against HEAD are independent: on two cores they overlap.
    let (scanner, files) = std::thread::scope(|s| {
        let loading = s.spawn(|| policy.scanner());
        let files = source.changes(&mut stats);
        (loading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), files)
    });
    let mut scanner = scanner?;
    let max = configure(request, &policy, &mut scanner, true);
    let output = with_notes(scan_staged(&scanner, &source, files?, stats, max)?, &policy.config.notes);
    let name = request.repository_name.clone().unwrap_or_else(|| repository_name(source.repo()));
    let mut collected = collected(output, scanner, policy, root, name);
    collected.verifying = verifying;
    Ok(collected)
}

/// The working tree's changes not yet staged (gitleaks' `protect` without `--staged`), with the working tree's
/// config and ignore files.
pub(super) fn collect_worktree_changes(request: &ScanRequest) -> Result<Collected> {
    let source = WorktreeDiffSource::open(&repo_dir(request))?;
    let root = source.workdir();
    let policy = Policy::work_tree(&request.policy, &root)?;
    let verifying = super::verification::begin(request, &policy.config.file.verify)?;
    let mut scanner = policy.scanner()?;
    let max = configure(request, &policy, &mut scanner, true);
    let output = with_notes(scan_worktree_changes(&scanner, &source, max)?, &policy.config.notes);
    let name = request.repository_name.clone().unwrap_or_else(|| repository_name(source.repo()));
    let mut collected = collected(output, scanner, policy, root, name);
    collected.verifying = verifying;
    Ok(collected)
}

/// Sets the request's scanner options over the policy's (IaC lint on or off by `iac_default` unless asked);
/// returns the size limit.
fn configure(request: &ScanRequest, policy: &Policy, scanner: &mut Scanner, iac_default: bool) -> u64 {
    scanner.set_iac_enabled(request.iac.unwrap_or(iac_default));
    if let Some(on) = request.binary_strings {
        scanner.set_binary_strings(on);
    }
    request.apply_decode(scanner);
    let max = request.max_file_size.unwrap_or(policy.config.max_file_size());
    scanner.set_archives(request.archives.limits(&policy.config.file.archives, max));
    max
}

pub(super) fn collect_history(request: &ScanRequest, spec: HistorySpec) -> Result<Collected> {
    let mut source = HistorySource::open(&repo_dir(request))?.allow_empty_range(request.allow_empty_range);
    if !request.pack_reader {
        source = source.without_pack_reader();
    }
    // Packed trees and blobs are decoded on the rayon pool; `threads` sizes it as it sizes the workers.
    if request.threads != 0 {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(request.threads).build_global();
    }
    let root = source.root();
    let mut plan_stats = ScanStats::default();
    // The plan needs the size limit before the policy (which needs the plan's commits) gives the config's:
    // a blob over this estimate only has all its lines counted as added, the safe direction.
    let plan_max = request.max_file_size.unwrap_or(crate::config::DEFAULT_MAX_FILE_SIZE);
    // A range's policy comes from its BASE commit, so its plan is made first; any other audit's policy is the
    // work tree's, and its blobs are scanned while the plan still walks the trees.
    let (mut policy, planned) = match &spec {
        HistorySpec::Range(range) => {
            let plan = source.plan(&spec, plan_max, &mut plan_stats)?;
            (Policy::for_range(&request.policy, &source, range, &plan.commits)?, Some(plan))
        }
        _ => (Policy::work_tree(&request.policy, &root)?, None),
    };
    let verifying = super::verification::begin(request, &policy.config.file.verify)?;
    let mut scanner = policy.scanner()?;
    // History is audited for secrets; IaC lint of old blobs is asked for.
    let max = configure(request, &policy, &mut scanner, false);
    let shard = request.shard;
    let name = request.repository_name.clone().unwrap_or_else(|| repository_name(source.repo()));
    let mut state_notes = Vec::new();
    let mut pending = match (&request.state, &spec) {
        (Some(state), HistorySpec::AllRefs) => {
            let header = state_header(request, &policy, &scanner, max, &name);
            Some(Pending::open(state.clone(), header, &mut state_notes))
        }
        _ => None,
    };
    let spec = match pending.as_ref().and_then(Pending::audited) {
        Some(audited) => HistorySpec::Since { audited },
        None => spec,
    };
    let take = |oid| shard.is_none_or(|s| s.takes(oid));
    let order_offset = pending.as_ref().map_or(0, Pending::order_offset);
    let reportable = Reportable {
        rules: scanner.rules(),
        threshold: request.min_confidence.or(policy.config.file.confidence).unwrap_or_default(),
        markers: policy.markers,
        ignore: &policy.ignore,
        baseline: policy.baseline.as_ref(),
        known: pending.as_ref().map(Pending::known).unwrap_or_default(),
    };
    let prefer = |f: &Finding| reportable.keeps(f);
    let selection = Selection { commit: &take, order_offset, prefer: Some(&prefer) };
    // Verification alongside the scan: told of each blob's findings, it checks those that will be reported.
    let alongside = verifying.as_ref().map(|verifying| Alongside {
        progress: request.progress.as_deref(),
        verifying,
        reportable: &reportable,
    });
    let progress = match &alongside {
        Some(a) => Some(a as &dyn Progress),
        None => request.progress.as_deref(),
    };
    let (mut walked, mut taken) = (0u64, 0u64);
    let mut scanned = Vec::new();
    let mut walked_commits = Vec::new();
    let mut output = scan_history(&scanner, &source, max, request.threads, progress, &selection, |on_blob| {
        let on_blob = &mut |entry: BlobEntry| {
            walked += 1;
            if take(entry.oid) && !pending.as_ref().is_some_and(|p| p.scanned_before(entry.oid)) {
                taken += 1;
                if pending.is_some() {
                    scanned.push(entry.oid);
                }
                on_blob(entry);
            }
        };
        let commits = match planned {
            Some(plan) => {
                plan.blobs.into_iter().for_each(on_blob);
                Ok(plan.commits)
            }
            None => source.plan_streaming(&spec, plan_max, &mut plan_stats, on_blob),
        };
        if let (Some(_), Ok(commits)) = (&pending, &commits) {
            walked_commits.clone_from(commits);
        }
        commits
    })?;
    if let Some(shard) = shard {
        output.stats.notes.push(format!(
            "shard {shard}: {taken} of the {walked} distinct blobs, and its share of the commit messages"
        ));
    }
    if let Some(p) = pending.as_mut() {
        p.scanned = scanned;
        p.walked = walked_commits;
    }
    output.stats.notes.extend(state_notes);
    output.stats.merge(plan_stats);
    output.findings.append(&mut policy.findings);
    for n in policy.notes.drain(..) {
        if !output.stats.notes.contains(&n) {
            output.stats.notes.push(n);
        }
    }
    let output = with_notes(output.sorted(), &policy.config.notes);
    let mut collected = collected(output, scanner, policy, root, name);
    collected.state = pending;
    collected.verifying = verifying;
    Ok(collected)
}

/// A git scan's output with what its policy suppresses it with.
fn collected(output: ScanOutput, scanner: Scanner, policy: Policy, root: PathBuf, repository: String) -> Collected {
    let Policy { ignore, baseline, markers, .. } = policy;
    Collected {
        output,
        scanner,
        ignore,
        baseline,
        markers,
        root,
        in_git: true,
        config_confidence: policy.config.file.confidence,
        repository: Some(repository),
        state: None,
        config_fail_on: policy.config.file.fail_on,
        verifying: None,
    }
}

/// What an incremental audit's state must have been made with: these rules, these settings, this repository.
fn state_header(request: &ScanRequest, policy: &Policy, scanner: &Scanner, max: u64, name: &str) -> Header {
    let threshold = request.min_confidence.or(policy.config.file.confidence).unwrap_or_default();
    let settings = settings_digest(&[
        ("config", format!("{:?}", policy.config.file)),
        ("exclude_builtins", policy.config.exclude_builtins.to_string()),
        ("max_file_size", max.to_string()),
        ("iac", request.iac.unwrap_or(false).to_string()),
        ("shard", request.shard.map(|s| s.to_string()).unwrap_or_default()),
        ("confidence", format!("{threshold:?}")),
    ]);
    Header {
        version: STATE_VERSION,
        rules: scanner.rules().digest(),
        settings,
        repository: name.to_string(),
        commits: 0,
        secret_hash_key_id: None,
    }
}
