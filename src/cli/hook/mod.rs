//! `leakgate hook ...`: what the installed hook scripts run. `pre-commit` and `pre-merge-commit` scan the staged
//! change (a merge's index against HEAD, its first parent, is what the merge brings in); `pre-push` scans what a
//! push sends (`pre_push`). Run as a hook, a finding blocks the commit, merge or push, and the advice says so.
mod amend;
mod files;
mod pre_push;

use std::time::Instant;

use super::exit::Outcome;
use super::gate::Gate;
use super::scan::{git_request, report_outcome};
use super::{HookArgs, HookCommand, StagedHookArgs};
use crate::pipeline::Target;
use crate::source::staged::StagedBase;

pub fn run(args: HookArgs) -> anyhow::Result<Outcome> {
    match args.hook {
        HookCommand::PreCommit(args) => staged(args, Gate::Commit),
        HookCommand::PreMergeCommit(args) => staged(args, Gate::Merge),
        HookCommand::PrePush(args) => pre_push::pre_push(args),
        HookCommand::Files(args) => files::files(args),
    }
}

/// The staged change, as `scan --staged` scans it, gating `gate`.
fn staged(args: StagedHookArgs, gate: Gate) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut request = git_request(Target::Staged, args.repo.clone(), &args.common, &args.output, &args.shared);
    request.gate = true;
    let amending = gate == Gate::Commit && amend::amending();
    if amending {
        // The new commit replaces HEAD: what HEAD added is part of what it records.
        request.staged_base = StagedBase::HeadParent;
    }
    let mut result = request.run()?;
    if amending {
        result.stats.notes.push("git commit --amend: the change is compared with HEAD's parent".to_string());
    }
    report_outcome(&args.output, &args.shared, result, started, Some(gate))
}
