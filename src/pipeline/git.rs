//! Git targets: the staged change and commits (audits, ranges, pushes). Config and ignore file come from the
//! repository's root, or for a range from its base commit (`crate::policy`).
use std::path::PathBuf;

use super::{with_notes, Collected, ScanRequest};
use crate::engine::Scanner;
use crate::error::Result;
use crate::policy::Policy;
use crate::scan::history_blobs::scan_history;
use crate::scan::staged_change::scan_staged;
use crate::scan::ScanOutput;
use crate::source::history::{HistorySource, HistorySpec};
use crate::source::staged::StagedSource;
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
    let mut stats = ScanStats::default();
    // Loading the rules and diffing the index against HEAD are independent: on two cores they overlap.
    let (scanner, files) = std::thread::scope(|s| {
        let loading = s.spawn(|| policy.scanner());
        let files = source.changes(&mut stats);
        (loading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), files)
    });
    let mut scanner = scanner?;
    scanner.set_iac_enabled(request.iac.unwrap_or(true));
    let max = request.max_file_size.unwrap_or(policy.config.max_file_size());
    let output = with_notes(scan_staged(&scanner, &source, files?, stats, max)?, &policy.config.notes);
    Ok(collected(output, scanner, policy, root))
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
    let mut scanner = policy.scanner()?;
    // History is audited for secrets; IaC lint of old blobs is asked for.
    scanner.set_iac_enabled(request.iac.unwrap_or(false));
    let max = request.max_file_size.unwrap_or(policy.config.max_file_size());
    let progress = request.progress.as_deref();
    let mut output = scan_history(&scanner, &source, max, request.threads, progress, |on_blob| match planned {
        Some(plan) => {
            plan.blobs.into_iter().for_each(on_blob);
            Ok(plan.commits)
        }
        None => source.plan_streaming(&spec, plan_max, &mut plan_stats, on_blob),
    })?;
    output.stats.merge(plan_stats);
    output.findings.append(&mut policy.findings);
    for n in policy.notes.drain(..) {
        if !output.stats.notes.contains(&n) {
            output.stats.notes.push(n);
        }
    }
    let output = with_notes(output.sorted(), &policy.config.notes);
    Ok(collected(output, scanner, policy, root))
}

/// A git scan's output with what its policy suppresses it with.
fn collected(output: ScanOutput, scanner: Scanner, policy: Policy, root: PathBuf) -> Collected {
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
        config_fail_on: policy.config.file.fail_on,
    }
}
