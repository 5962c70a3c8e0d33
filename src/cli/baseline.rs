//! `leakgate baseline create`: scan as `leakgate scan` would (same config; inline markers and ignore files
//! applied), then write the fingerprints of what is left to the baseline file (format and merge behaviour in
//! `suppress::baseline`). Without PATHs the whole working tree is scanned from the repository root, so that
//! the paths inside the fingerprints are the repository-relative ones `--staged`, `--range` and `--history`
//! scans produce.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::exit::Outcome;
use super::{BaselineArgs, BaselineCommand, BaselineCreateArgs};
use crate::pipeline::{ScanRequest, Target};
use crate::source::history::HistorySpec;
use crate::suppress::baseline;

pub fn run(args: BaselineArgs) -> anyhow::Result<Outcome> {
    match args.command {
        BaselineCommand::Create(args) => create(args),
    }
}

fn create(args: BaselineCreateArgs) -> anyhow::Result<Outcome> {
    // Made absolute first: the working-tree scan may change the current folder.
    let output = args.output.as_deref().map(std::path::absolute).transpose()?;
    let config = args.common.config.as_deref().map(std::path::absolute).transpose()?;
    let target = if args.history {
        Target::History(HistorySpec::AllRefs)
    } else {
        if args.paths.is_empty() {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            if let Some(root) = repo_root(&cwd) {
                std::env::set_current_dir(&root).with_context(|| format!("cannot change to {}", root.display()))?;
            }
        }
        Target::Paths(if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths })
    };
    let mut request = ScanRequest::new(target);
    request.repo = args.repo;
    request.policy.config = config;
    // The baseline records fingerprints only; no report quotes a line.
    request.mask_lines = false;
    let result = request.run()?;
    let stats = &result.stats;
    for note in &stats.notes {
        eprintln!("leakgate: note: {}", crate::report::sanitize::for_terminal(note));
    }
    if stats.has_unread_input() {
        bail!(
            "baseline not written: {} input{} could not be read (first: {})",
            stats.error_count,
            if stats.error_count == 1 { "" } else { "s" },
            stats.errors.first().map_or("unknown", String::as_str)
        );
    }
    let (findings, suppressed) = (&result.findings, result.suppressed);
    let target = output.unwrap_or_else(|| result.root.join(baseline::BASELINE_FILE_NAME));
    std::fs::write(&target, baseline::render(findings))
        .with_context(|| format!("cannot write {}", target.display()))?;
    let distinct: std::collections::HashSet<&str> = findings.iter().map(|f| f.fingerprint.0.as_str()).collect();
    let mut message = format!(
        "leakgate: wrote {} fingerprint{} to {}",
        distinct.len(),
        if distinct.len() == 1 { "" } else { "s" },
        target.display()
    );
    if suppressed.total() > 0 {
        message.push_str(&format!(
            " ({} finding{} already hidden by leakgate:allow markers or ignore files left out)",
            suppressed.total(),
            if suppressed.total() == 1 { "" } else { "s" }
        ));
    }
    println!("{message}");
    if let Some(root) = repo_root(&result.root) {
        declare_union_merge(&root, &target)?;
    }
    Ok(Outcome::Clean)
}

/// Makes git merge the baseline with its union driver: two branches that accept findings at the same sorted
/// place would otherwise conflict, and every entry line stands alone, so keeping both sides' lines is right
/// (`suppress::baseline` explains the file's shape). Written once, to the repository's root `.gitattributes`.
fn declare_union_merge(root: &Path, baseline: &Path) -> anyhow::Result<()> {
    let path = root.join(".gitattributes");
    let attributes = match crate::safe_read::read_own_file(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let name = baseline.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A baseline outside the repository (`--output`) is not merged by it; one already declared is left alone.
    let inside = baseline.canonicalize().is_ok_and(|b| b.starts_with(root));
    if !inside || attributes.lines().any(|l| l.contains(&name) && l.contains("merge=union")) {
        return Ok(());
    }
    let relative = baseline.canonicalize()?.strip_prefix(root)?.to_string_lossy().replace('\\', "/");
    let line = format!("/{relative} merge=union");
    let separator = if attributes.is_empty() || attributes.ends_with('\n') { "" } else { "\n" };
    std::fs::write(&path, format!("{attributes}{separator}{line}\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "leakgate: added `{line}` to .gitattributes, so that branches accepting findings at the same place merge \
         without conflicts; commit it with the baseline"
    );
    Ok(())
}

/// The nearest folder at or above `dir` that holds `.git`.
fn repo_root(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}
