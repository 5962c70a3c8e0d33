//! IaC lint inside a scan. Files whose name or first bytes say they are infrastructure code are linted by
//! `crate::iac` alongside the secret scan. Files that need their neighbours are held back and linted together
//! once the walk is done: Terraform per directory (a module), so `var.x` resolves to a `default` declared in a
//! sibling file, with the calls of local modules between directories followed; ARM templates with the
//! parameter files beside them. Outcomes become findings with the check's title and severity; parse warnings,
//! files the lint cannot read, and markers it honoured are counted.
use std::sync::Mutex;

use crate::engine::Scanner;
use crate::finding::{Detail, Finding, Fingerprint, Misconfiguration};
use crate::iac::{self, IacFormat, IacOutcome};
use crate::stats::ScanStats;

/// Files held back until the walk is done: Terraform files, and ARM templates with ARM parameter files.
#[derive(Default)]
pub struct DeferredIac {
    terraform: Mutex<Vec<(String, Vec<u8>)>>,
    arm: Mutex<Vec<(String, Vec<u8>)>>,
}

/// The files a [`DeferredIac`] held, each list sorted by path (walk order differs between runs; the lint's
/// notes and findings must not).
pub struct Deferred {
    pub terraform: Vec<(String, Vec<u8>)>,
    pub arm: Vec<(String, Vec<u8>)>,
}

impl DeferredIac {
    fn defer(list: &Mutex<Vec<(String, Vec<u8>)>>, path: &str, content: &[u8]) {
        let mut files = list.lock().unwrap_or_else(|p| p.into_inner());
        files.push((path.to_string(), content.to_vec()));
    }

    pub fn into_files(self) -> Deferred {
        let take = |m: Mutex<Vec<(String, Vec<u8>)>>| {
            let mut files = m.into_inner().unwrap_or_else(|p| p.into_inner());
            files.sort_by(|a, b| a.0.cmp(&b.0));
            files
        };
        Deferred { terraform: take(self.terraform), arm: take(self.arm) }
    }

    /// Lints every directory's Terraform files together, following local module calls between them, and every
    /// ARM template with its parameter files.
    pub fn lint(self, scanner: &Scanner, stats: &mut ScanStats) -> Vec<Finding> {
        let files = self.into_files();
        let mut out = Vec::new();
        let mut not_followed = Vec::new();
        for ((path, content), mut outcome) in files.terraform.iter().zip(iac::lint_terraform_tree(&files.terraform)) {
            not_followed.append(&mut outcome.modules_not_followed);
            out.extend(findings(scanner, path, content, outcome, stats));
        }
        note_modules_not_followed(&not_followed, stats);
        for ((path, content), outcome) in files.arm.iter().zip(iac::lint_arm_deployments(&files.arm)) {
            out.extend(findings(scanner, path, content, outcome, stats));
        }
        out
    }
}

/// How many unfollowed module calls the note names; `--format json` has the same note, so the rest are counted.
const NOT_FOLLOWED_NAMED: usize = 5;

/// One note for the Terraform module calls whose module was not linted (remote sources, directories outside
/// the scan, cycles), naming the first few.
pub fn note_modules_not_followed(calls: &[String], stats: &mut ScanStats) {
    if calls.is_empty() {
        return;
    }
    let mut named = calls.iter().take(NOT_FOLLOWED_NAMED).cloned().collect::<Vec<_>>().join("; ");
    if calls.len() > NOT_FOLLOWED_NAMED {
        named.push_str(&format!("; and {} more", calls.len() - NOT_FOLLOWED_NAMED));
    }
    let n = calls.len();
    let s = if n == 1 { "" } else { "s" };
    stats.notes.push(format!("{n} Terraform module call{s} not followed by the IaC lint: {named}"));
}

pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub fn is_terraform(format: IacFormat) -> bool {
    matches!(format, IacFormat::Terraform | IacFormat::TerraformJson)
}

/// Lints one file, or defers it when it is Terraform, an ARM template or an ARM parameter file and a collector
/// is given.
pub fn lint_file(
    scanner: &Scanner,
    path: &str,
    content: &[u8],
    deferred: Option<&DeferredIac>,
    stats: &mut ScanStats,
) -> Vec<Finding> {
    if !scanner.iac().enabled {
        return Vec::new();
    }
    let Some(format) = iac::detect(path, content) else {
        if let Some(deferred) = deferred.filter(|_| iac::is_arm_parameters(path, content)) {
            DeferredIac::defer(&deferred.arm, path, content);
        }
        return Vec::new();
    };
    match deferred {
        Some(d) if is_terraform(format) => {
            DeferredIac::defer(&d.terraform, path, content);
            Vec::new()
        }
        Some(d) if format == IacFormat::Arm => {
            DeferredIac::defer(&d.arm, path, content);
            Vec::new()
        }
        _ => findings(scanner, path, content, iac::lint(path, content, format), stats),
    }
}

/// Turns a lint outcome into findings (checks turned off by config are dropped) and counts the rest.
pub fn findings(
    scanner: &Scanner,
    path: &str,
    content: &[u8],
    outcome: IacOutcome,
    stats: &mut ScanStats,
) -> Vec<Finding> {
    stats.iac_suppressed += outcome.suppressed;
    // A file linted on its own (history, stdin) cannot follow its module calls; the tree lint takes them out first.
    note_modules_not_followed(&outcome.modules_not_followed, stats);
    if let Some(w) = outcome.parse_warning {
        let at = w.line.map_or(String::new(), |l| format!(":{l}"));
        stats.warnings.push(format!("{}{at}: {}", w.path, w.message));
    }
    if let Some(why) = &outcome.skipped_reason {
        stats.skip_iac(path, why);
    }
    let lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
    outcome
        .findings
        .into_iter()
        .filter(|f| scanner.iac().runs(f.check_id))
        .filter_map(|f| {
            let info = iac::check_info(f.check_id)?;
            let line = lines.get(f.line.saturating_sub(1)).map_or(String::new(), |l| {
                String::from_utf8_lossy(l).trim_end_matches('\r').chars().take(512).collect()
            });
            Some(Finding {
                rule_id: f.check_id.to_string(),
                description: info.title.to_string(),
                severity: info.severity,
                tags: vec!["iac".to_string()],
                path: path.to_string(),
                path_bytes: None,
                start_line: f.line,
                end_line: f.end_line.max(f.line),
                start_column: 0,
                end_column: 0,
                line,
                fingerprint: Fingerprint::new(f.check_id, path, f.resource.as_bytes()),
                commit: None,
                detail: Detail::Iac(Misconfiguration { resource: f.resource, message: f.message }),
            })
        })
        .collect()
}
