//! `.leakgate.toml`: found at the repository root (or given with `--config`), all fields optional, unknown keys
//! rejected with their name. Turns into the active rule set: built-ins minus `disable`, plus custom rules
//! (a custom rule with a built-in's id replaces it), plus a global allowlist. A gitleaks config
//! (`.gitleaks.toml`, found where no `.leakgate.toml` is, or given with `--config`) is read by `gitleaks.rs`.
pub mod gitleaks;
pub mod go_regex;
pub mod size;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::engine::examples::check_rules;
use crate::engine::{IacPolicy, Scanner};
use crate::error::{Error, Result};
use crate::rules::{self, Allowlist, AllowlistSpec, Rule, RuleSet, RuleSpec};

pub const CONFIG_FILE_NAME: &str = ".leakgate.toml";
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Files larger than this are skipped (and counted): bytes, or a string with a K/M/G suffix (`"10M"`).
    #[serde(default, deserialize_with = "size::deserialize_opt")]
    pub max_file_size: Option<u64>,
    /// Report secrets at this confidence and above (`low`, `medium`, `high`; default `medium`).
    #[serde(default)]
    pub confidence: Option<crate::evidence::Confidence>,
    /// Findings at this severity and above fail the scan (exit 1, a blocked commit); those under it are still
    /// reported, as warnings. Default: `medium` for the git hooks, `info` (every finding) otherwise.
    #[serde(default)]
    pub fail_on: Option<crate::rules::Severity>,
    /// Built-in rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Applies to every rule.
    #[serde(default)]
    pub allowlist: AllowlistSpec,
    /// Custom rules, same shape as the built-in rule files.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// The effective configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
    /// Only the file's rules run (a gitleaks config that does not extend the defaults).
    pub exclude_builtins: bool,
    /// What the user should know about how the file was read (gitleaks features applied differently);
    /// reports show them.
    pub notes: Vec<String>,
}

impl Config {
    /// Reads and parses a config file; errors name the file and the offending key or value.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io { context: format!("cannot read config {}", path.display()), source: e })?;
        Config::parse(path, &text)
    }

    /// Parses a config's text; `path` decides the format (as for [`Config::load`]) and names it in errors. A PR
    /// check reads the text from a commit's tree rather than from disk.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        if gitleaks::looks_like_gitleaks(path, text) {
            return gitleaks::load(path, text);
        }
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| Error::config(path.display().to_string(), rules::allowlist::one_line(&e.to_string())))?;
        let mut notes = Vec::new();
        // Allowed with a `no_keywords_reason`, but the cost lands on every scan: say so once per run.
        let unkeyed: Vec<&str> = file.rules.iter().filter(|r| r.keywords.is_empty()).map(|r| r.id.as_str()).collect();
        if !unkeyed.is_empty() {
            notes.push(format!(
                "{}: rules without keywords run their regex over every file (slow; add `keywords`): {}",
                path.display(),
                unkeyed.join(", ")
            ));
        }
        Ok(Config { path: Some(path.to_path_buf()), file, notes, ..Config::default() })
    }

    /// The config given explicitly (`--config`), else the one [`discover`](Self::discover)ed from `start`, else the
    /// defaults.
    pub fn discover_or_default(explicit: Option<&Path>, start: &Path) -> Result<Config> {
        match explicit.map(Path::to_path_buf).or_else(|| Config::discover(start)) {
            Some(p) => Config::load(&p),
            None => Ok(Config::default()),
        }
    }

    /// `.leakgate.toml` in `start` or the nearest parent, stopping at the repository root (a folder with `.git`);
    /// where a folder has none, its `.gitleaks.toml`.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = start.canonicalize().ok()?;
        for dir in start.ancestors() {
            for name in [CONFIG_FILE_NAME, gitleaks::GITLEAKS_CONFIG_FILE_NAME] {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            if dir.join(".git").exists() {
                break;
            }
        }
        None
    }

    pub fn max_file_size(&self) -> u64 {
        self.file.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    fn origin(&self) -> String {
        self.path.as_ref().map_or_else(|| "config".to_string(), |p| p.display().to_string())
    }

    /// Built-in rules minus disabled ones, plus custom rules. Custom rules are compiled and their examples run
    /// now, so a broken rule is a config error rather than a silent gap.
    pub fn rule_set(&self) -> Result<RuleSet> {
        let origin = self.origin();
        let mut rules = if self.exclude_builtins { Vec::new() } else { rules::builtin_rules()? };
        for id in &self.file.disable {
            if !rules.iter().any(|r| &r.id == id)
                && !self.file.rules.iter().any(|r| &r.id == id)
                && !crate::registry::is_builtin_check(id)
            {
                return Err(Error::config(&origin, format!("disable: no rule has id `{id}`")));
            }
        }
        if let Some(r) = self.file.rules.iter().find(|r| crate::registry::is_policy_check(&r.id)) {
            return Err(Error::rule(&origin, &r.id, "this id is reserved for leakgate's own config-change finding"));
        }
        rules.retain(|r| !self.file.disable.contains(&r.id));
        let custom: Vec<Rule> =
            self.file.rules.iter().cloned().map(|spec| Rule::from_spec(spec, &origin)).collect::<Result<_>>()?;
        let failures = check_rules(
            self.file.rules.iter().cloned().map(|spec| Rule::from_spec(spec, &origin)).collect::<Result<_>>()?,
            false,
        );
        if let Some(f) = failures.first() {
            return Err(Error::rule(&f.origin, &f.rule, f.message.clone()));
        }
        for rule in custom {
            rules.retain(|r| r.id != rule.id);
            if !self.file.disable.contains(&rule.id) {
                rules.push(rule);
            }
        }
        RuleSet::new(rules)
    }

    pub fn global_allowlist(&self) -> Result<Allowlist> {
        Allowlist::compile(&self.file.allowlist).map_err(|m| Error::config(self.origin(), format!("allowlist: {m}")))
    }

    /// The secret rules and global allowlist, with IaC lint on and the IaC checks in `disable` turned off.
    pub fn scanner(&self) -> Result<Scanner> {
        let iac = IacPolicy {
            enabled: true,
            disabled: self.file.disable.iter().filter(|id| crate::iac::check_info(id).is_some()).cloned().collect(),
        };
        Ok(Scanner::new(Arc::new(self.rule_set()?), Arc::new(self.global_allowlist()?)).with_iac(iac))
    }
}
