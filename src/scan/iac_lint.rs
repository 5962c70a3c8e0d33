//! IaC lint inside a scan. Files whose name or first bytes say they are infrastructure code are linted by
//! `crate::iac` alongside the secret scan; Terraform files are held back and linted per directory (a module),
//! so `var.x` resolves to a `default` declared in a sibling file. Outcomes become findings with the check's
//! title and severity; parse warnings, files the lint cannot read, and markers it honoured are counted.
use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::engine::Scanner;
use crate::finding::{Detail, Finding, Fingerprint, Misconfiguration};
use crate::iac::{self, IacFormat, IacOutcome};
use crate::stats::ScanStats;

/// Terraform files held back until the walk is done.
#[derive(Default)]
pub struct TerraformModules {
    files: Mutex<Vec<(String, Vec<u8>)>>,
}

impl TerraformModules {
    pub fn defer(&self, path: &str, content: &[u8]) {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.push((path.to_string(), content.to_vec()));
    }

    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.files.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// Lints every directory's Terraform files together.
    pub fn lint(self, scanner: &Scanner, stats: &mut ScanStats) -> Vec<Finding> {
        let files = self.into_files();
        let mut by_dir: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
        for (path, content) in files {
            by_dir.entry(parent(&path).to_string()).or_default().push((path, content));
        }
        let mut out = Vec::new();
        for module in by_dir.into_values() {
            for ((path, content), outcome) in module.iter().zip(iac::lint_terraform_module(&module)) {
                out.extend(findings(scanner, path, content, outcome, stats));
            }
        }
        out
    }
}

pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub fn is_terraform(format: IacFormat) -> bool {
    matches!(format, IacFormat::Terraform | IacFormat::TerraformJson)
}

/// Lints one file, or defers it when it is Terraform and a module collector is given.
pub fn lint_file(
    scanner: &Scanner,
    path: &str,
    content: &[u8],
    terraform: Option<&TerraformModules>,
    stats: &mut ScanStats,
) -> Vec<Finding> {
    if !scanner.iac().enabled {
        return Vec::new();
    }
    let Some(format) = iac::detect(path, content) else { return Vec::new() };
    match terraform {
        Some(tf) if is_terraform(format) => {
            tf.defer(path, content);
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
