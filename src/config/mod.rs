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

use crate::archive::ArchiveLimits;
use crate::engine::decode::{DecodePolicy, MAX_DEPTH};
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
    /// Scan the printable strings of binary files with the specific high-confidence rules (default `true`);
    /// `false` skips binary files (counted as `binary`).
    #[serde(default)]
    pub binary_strings: Option<bool>,
    /// Decode encoded spans (base64, hex, percent, string escapes) and scan their text with the specific rules
    /// (default true).
    #[serde(default)]
    pub decode: Option<bool>,
    /// How many decoding layers deep to look (default 2, at most 4): base64 of hex of a key is two.
    #[serde(default)]
    pub decode_depth: Option<u8>,
    /// Bytes decoded at most from one file or blob, all layers together (default 1 MiB).
    #[serde(default)]
    pub decode_max_bytes: Option<usize>,
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
    /// Whether archives are opened and their limits (`[archives]`).
    #[serde(default)]
    pub archives: ArchiveSettings,
    /// Live verification (`[verify]`): on for `leakgate scan` or not, endpoints, custom verifiers.
    #[serde(default)]
    pub verify: crate::verify::VerifySettings,
}

/// `[archives]` in the config, and the CLI's overrides of it: each field unset keeps the default (see
/// [`ArchiveLimits`]); sizes are bytes, or strings with a K/M/G suffix (`"512M"`), as `max_file_size`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveSettings {
    /// Open archives and scan their members (default true).
    pub enabled: Option<bool>,
    pub max_depth: Option<u32>,
    #[serde(default, deserialize_with = "size::deserialize_opt")]
    pub max_total_size: Option<u64>,
    /// Default: the effective `max_file_size`.
    #[serde(default, deserialize_with = "size::deserialize_opt")]
    pub max_member_size: Option<u64>,
    pub max_ratio: Option<u64>,
    pub max_members: Option<u64>,
}

impl ArchiveSettings {
    /// The limits archives are opened within (`None`: not opened), `self` over `config`; a member may be as large
    /// as a file (`max_file_size`) unless a member size is set.
    pub fn limits(&self, config: &ArchiveSettings, max_file_size: u64) -> Option<ArchiveLimits> {
        if !self.enabled.or(config.enabled).unwrap_or(true) {
            return None;
        }
        let d = ArchiveLimits::default();
        Some(ArchiveLimits {
            max_depth: self.max_depth.or(config.max_depth).unwrap_or(d.max_depth),
            max_total_bytes: self.max_total_size.or(config.max_total_size).unwrap_or(d.max_total_bytes),
            max_member_size: self.max_member_size.or(config.max_member_size).unwrap_or(max_file_size),
            max_ratio: self.max_ratio.or(config.max_ratio).unwrap_or(d.max_ratio),
            max_members: self.max_members.or(config.max_members).unwrap_or(d.max_members),
        })
    }
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
        if let Some(d) = file.decode_depth.filter(|&d| d == 0 || d > MAX_DEPTH) {
            return Err(Error::config(
                path.display().to_string(),
                format!("decode_depth = {d}: must be 1 to {MAX_DEPTH} (turn decoding off with `decode = false`)"),
            ));
        }
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

    /// How encoded spans are decoded: the config's `decode`, `decode_depth` and `decode_max_bytes`.
    pub fn decode_policy(&self) -> DecodePolicy {
        let default = DecodePolicy::default();
        if self.file.decode == Some(false) {
            return DecodePolicy::off();
        }
        DecodePolicy {
            depth: self.file.decode_depth.unwrap_or(default.depth),
            max_bytes: self.file.decode_max_bytes.unwrap_or(default.max_bytes),
        }
    }

    fn origin(&self) -> String {
        self.path.as_ref().map_or_else(|| "config".to_string(), |p| p.display().to_string())
    }

    /// Built-in rules minus disabled ones, plus custom rules. Custom rules are compiled and their examples run
    /// now, so a broken rule is a config error rather than a silent gap.
    pub fn rule_set(&self) -> Result<Arc<RuleSet>> {
        if !self.exclude_builtins && self.file.disable.is_empty() && self.file.rules.is_empty() {
            return rules::builtin_rule_set();
        }
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
        RuleSet::new(rules).map(Arc::new)
    }

    pub fn global_allowlist(&self) -> Result<Allowlist> {
        Allowlist::compile(&self.file.allowlist).map_err(|m| Error::config(self.origin(), format!("allowlist: {m}")))
    }

    /// The secret rules and global allowlist, with IaC lint on and the IaC checks in `disable` turned off, and
    /// decoding as the config sets it.
    pub fn scanner(&self) -> Result<Scanner> {
        let iac = IacPolicy {
            enabled: true,
            disabled: self.file.disable.iter().filter(|id| crate::iac::check_info(id).is_some()).cloned().collect(),
        };
        let mut scanner = Scanner::new(self.rule_set()?, Arc::new(self.global_allowlist()?)).with_iac(iac);
        scanner.set_binary_strings(self.file.binary_strings.unwrap_or(true));
        scanner.set_decode(self.decode_policy());
        Ok(scanner)
    }
}
