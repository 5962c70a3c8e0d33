//! `config-weakened`: what a range changes in the policy files that makes leakgate report less once the change
//! is merged. Two versions are compared — the one the range started from (the merge base of BASE and HEAD, so
//! that changes made on the base branch meanwhile are not blamed on the pull request) and HEAD's — and each
//! weakening is one finding, at the line of HEAD's file that carries it:
//!
//! - config: a rule or check turned off (`disable` grew), built-in rules dropped (a gitleaks config without
//!   `useDefault`), global or per-rule allowlist entries added (paths, regexes, stopwords), `max_file_size`
//!   lowered (more files skipped), `binary_strings` or archives turned off, decoding turned off or made
//!   shallower, `fail_on` raised (fewer findings fail), a custom rule removed, or changed so it can match less
//!   (regex, path, fewer keywords, higher entropy minimum, a validator, no longer multi-line), a built-in rule
//!   replaced by a custom one; and a HEAD config leakgate cannot use, since what it changes cannot be checked;
//! - `.leakgateignore` / `.gitleaksignore`: entries added;
//! - the baseline: fingerprints added, or a HEAD baseline that cannot be read.
//!
//! Tightening (rules turned back on, entries removed, a limit raised, new custom rules) is not reported. The
//! fingerprint is the rule id, the file and what was weakened, so a maintainer can accept one weakening by
//! listing it in BASE's `.leakgateignore` — never by anything the range itself writes.
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use git2::{Oid, Repository};

use super::revision::{PolicyFiles, PolicyPaths, Slot, TreeFile};
use crate::config::Config;
use crate::finding::{CommitInfo, Detail, Finding, Fingerprint, PolicyChange};
use crate::rules::{AllowlistSpec, RuleSpec, Severity};

pub use crate::registry::CONFIG_WEAKENED;

/// The id `config-weakened` findings carry.
pub const RULE_ID: &str = CONFIG_WEAKENED.id;

/// One way a version of the policy files reports less than the version before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Weakening {
    /// The file in HEAD (or the file that was deleted).
    pub path: String,
    /// The setting: `disable`, `allowlist.paths`, `rules.<id>`, `.leakgateignore`, ...
    pub setting: String,
    /// What was weakened, in words.
    pub what: String,
    /// Identity of the weakening, for the fingerprint and for finding the commit that made it.
    key: String,
    /// The line of `path` in HEAD that carries it (1 when no line does).
    pub line: usize,
    pub line_text: String,
    /// The first commit of the range that has it.
    pub commit: Option<Oid>,
}

/// One version of the policy files, parsed for comparison.
pub struct View {
    /// `Err`: the file is there but leakgate cannot use it (the reason).
    config: Result<Config, String>,
    config_path: Option<String>,
    ignore: Entries,
    gitleaks_ignore: Entries,
    baseline: Entries,
}

/// The entries of a list file: lines of an ignore file, fingerprints of a baseline.
struct Entries {
    path: Option<String>,
    entries: Result<Vec<String>, String>,
}

impl View {
    /// Parses `files`; with `validate`, the config must also build its rules (as a scan would), so a config that
    /// parses but cannot run counts as unusable.
    pub fn of(files: &PolicyFiles, validate: bool) -> View {
        let config = files.config().and_then(|c| {
            if validate {
                c.rule_set()?;
                c.global_allowlist()?;
            }
            Ok(c)
        });
        View {
            config: config.map_err(|e| e.to_string()),
            config_path: slot_path(&files.config),
            ignore: list(&files.ignore, ignore_entries),
            gitleaks_ignore: list(&files.gitleaks_ignore, ignore_entries),
            baseline: Entries {
                path: slot_path(&files.baseline),
                entries: files
                    .baseline()
                    .map(|b| b.map_or_else(Vec::new, |b| b.fingerprints()))
                    .map_err(|e| e.to_string()),
            },
        }
    }

    pub fn config_usable(&self) -> bool {
        self.config.is_ok()
    }
}

fn slot_path(slot: &Slot) -> Option<String> {
    match slot {
        Ok(Some(f)) => Some(f.path.clone()),
        Err(u) => Some(u.path.clone()),
        Ok(None) => None,
    }
}

fn list(slot: &Slot, parse: impl Fn(&str) -> Result<Vec<String>, String>) -> Entries {
    let entries = match slot {
        Ok(Some(f)) => parse(&f.text),
        Ok(None) => Ok(Vec::new()),
        Err(u) => Err(u.reason.clone()),
    };
    Entries { path: slot_path(slot), entries }
}

/// Lines of an ignore file as the ignore list reads them: comments stripped, blank lines dropped.
fn ignore_entries(text: &str) -> Result<Vec<String>, String> {
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// What `after` weakens relative to `before`; `after_files` are the texts `after` was parsed from (for lines).
/// `max_size_fixed`: `--max-file-size` was given, so the config's limit does not apply.
pub fn compare(before: &View, after: &View, after_files: &PolicyFiles, max_size_fixed: bool) -> Vec<Weakening> {
    compare_with(before, after, after_files, max_size_fixed, true)
}

/// [`compare`]; without `locate` every weakening is at line 1 (enough to tell which ones a commit has).
fn compare_with(
    before: &View,
    after: &View,
    after_files: &PolicyFiles,
    max_size_fixed: bool,
    locate: bool,
) -> Vec<Weakening> {
    let mut out = Out { files: after_files, locate, list: Vec::new() };
    let config_path = after.config_path.clone().or_else(|| before.config_path.clone());
    let config_path = config_path.unwrap_or_else(|| crate::config::CONFIG_FILE_NAME.to_string());
    match (&before.config, &after.config) {
        (_, Err(reason)) => out.push(
            &config_path,
            "config",
            format!("leakgate cannot use this config ({reason}), so what it changes cannot be checked"),
            "config-unusable".to_string(),
            &[],
        ),
        (Ok(b), Ok(a)) => compare_configs(&mut out, &config_path, b, a, max_size_fixed),
        (Err(_), Ok(_)) => {}
    }
    for (b, a, name) in [
        (&before.ignore, &after.ignore, crate::suppress::ignore_file::IGNORE_FILE_NAME),
        (&before.gitleaks_ignore, &after.gitleaks_ignore, crate::suppress::ignore_file::GITLEAKS_IGNORE_FILE_NAME),
        (&before.baseline, &after.baseline, "baseline"),
    ] {
        let Some(path) = a.path.clone() else { continue };
        match &a.entries {
            Err(reason) => out.push(
                &path,
                name,
                format!("leakgate cannot read this file ({reason}), so what it changes cannot be checked"),
                format!("{name}-unreadable"),
                &[],
            ),
            Ok(entries) => {
                let known: BTreeSet<&str> =
                    b.entries.as_ref().map_or_else(|_| BTreeSet::new(), |e| e.iter().map(String::as_str).collect());
                let mut seen = BTreeSet::new();
                for e in entries.iter().filter(|e| !known.contains(e.as_str())) {
                    if seen.insert(e.as_str()) {
                        let what = if name == "baseline" {
                            format!("adds `{e}` to the baseline: that finding is no longer reported")
                        } else {
                            format!("adds `{e}` to {name}: findings it matches are no longer reported")
                        };
                        out.push(&path, name, what, format!("{name}:{e}"), &[e.as_str()]);
                    }
                }
            }
        }
    }
    out.list
}

struct Out<'a> {
    files: &'a PolicyFiles,
    locate: bool,
    list: Vec<Weakening>,
}

impl Out<'_> {
    /// Adds a weakening at the first line of HEAD's `path` that contains one of `needles` (1 when none does).
    fn push(&mut self, path: &str, setting: &str, what: String, key: String, needles: &[&str]) {
        let text = [&self.files.config, &self.files.ignore, &self.files.gitleaks_ignore, &self.files.baseline]
            .into_iter()
            .find_map(|slot| match slot {
                Ok(Some(TreeFile { path: p, text })) if p == path => Some(text.as_str()),
                _ => None,
            })
            .unwrap_or("");
        let (line, line_text) = if self.locate { locate(text, needles) } else { (1, String::new()) };
        self.list.push(Weakening {
            path: path.to_string(),
            setting: setting.to_string(),
            what,
            key,
            line,
            line_text,
            commit: None,
        });
    }
}

fn describe_decode(p: crate::engine::decode::DecodePolicy) -> String {
    if p.enabled() {
        format!("depth {} ({} bytes per file)", p.depth, p.max_bytes)
    } else {
        "off".into()
    }
}

/// The first line containing a needle (as written, or as a TOML basic string would escape it).
fn locate(text: &str, needles: &[&str]) -> (usize, String) {
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        let escaped = needle.replace('\\', "\\\\").replace('"', "\\\"");
        for (i, line) in text.lines().enumerate() {
            if line.contains(needle) || line.contains(&escaped) {
                return (i + 1, line.trim_end_matches('\r').chars().take(512).collect());
            }
        }
    }
    (1, text.lines().next().unwrap_or("").chars().take(512).collect())
}

fn compare_configs(out: &mut Out<'_>, path: &str, b: &Config, a: &Config, max_size_fixed: bool) {
    if a.exclude_builtins && !b.exclude_builtins {
        out.push(
            path,
            "extend",
            "turns off every built-in rule (a gitleaks config without `[extend] useDefault = true`)".into(),
            "builtins-off".into(),
            &["[extend]", "useDefault"],
        );
    }
    for id in a.file.disable.iter().filter(|id| !b.file.disable.contains(id)) {
        out.push(path, "disable", format!("turns off rule `{id}`"), format!("disable:{id}"), &[id, "disable"]);
    }
    if !max_size_fixed && a.max_file_size() < b.max_file_size() {
        out.push(
            path,
            "max_file_size",
            format!(
                "lowers max_file_size from {} to {} bytes: larger files are skipped unscanned",
                b.max_file_size(),
                a.max_file_size()
            ),
            format!("max_file_size:{}", a.max_file_size()),
            &["max_file_size"],
        );
    }
    if b.file.binary_strings != Some(false) && a.file.binary_strings == Some(false) {
        out.push(
            path,
            "binary_strings",
            "turns off binary_strings: binary files are skipped instead of having their strings scanned".into(),
            "binary_strings:false".into(),
            &["binary_strings"],
        );
    }
    // Lowered archive limits need no check of their own: what a limit stops fails the gate. Turned off, an archive
    // is a binary file, which passes it.
    let archives_on = |c: &Config| c.file.archives.enabled.unwrap_or(true);
    if archives_on(b) && !archives_on(a) {
        out.push(
            path,
            "archives.enabled",
            "stops opening archives: keys in zip, jar or tar members pass unscanned".into(),
            "archives-off".into(),
            &["enabled", "[archives]"],
        );
    }
    let (was, now) = (b.decode_policy(), a.decode_policy());
    if now.depth < was.depth || now.max_bytes < was.max_bytes {
        out.push(
            path,
            "decode",
            format!(
                "lowers decoding from {} to {}: secrets hidden in base64, hex or escapes go unseen",
                describe_decode(was),
                describe_decode(now)
            ),
            format!("decode:{}:{}", now.depth, now.max_bytes),
            &["decode"],
        );
    }
    let fail_on = |c: &Config| c.file.fail_on.unwrap_or(crate::rules::Severity::Info);
    if fail_on(a) > fail_on(b) {
        out.push(
            path,
            "fail_on",
            format!(
                "raises fail_on from {} to {}: findings under it no longer fail the check",
                fail_on(b).as_str(),
                fail_on(a).as_str()
            ),
            format!("fail_on:{}", fail_on(a).as_str()),
            &["fail_on"],
        );
    }
    widened(out, path, "allowlist", "the global allowlist", &b.file.allowlist, &a.file.allowlist, &["[allowlist]"]);

    let before: HashMap<&str, &RuleSpec> = b.file.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    for old in &b.file.rules {
        if !a.file.rules.iter().any(|r| r.id == old.id) {
            out.push(
                path,
                &format!("rules.{}", old.id),
                format!("removes custom rule `{}`", old.id),
                format!("rule-removed:{}", old.id),
                &["[[rules]]"],
            );
        }
    }
    for new in &a.file.rules {
        let setting = format!("rules.{}", new.id);
        match before.get(new.id.as_str()) {
            Some(old) => {
                let loosened = loosened(old, new);
                if !loosened.is_empty() {
                    out.push(
                        path,
                        &setting,
                        format!("changes custom rule `{}` so it can match less: {}", new.id, loosened.join(", ")),
                        format!("rule-changed:{}:{}", new.id, detection_key(new)),
                        &[&new.id],
                    );
                }
                let label = format!("the allowlist of rule `{}`", new.id);
                widened(out, path, &setting, &label, &old.allowlist, &new.allowlist, &[&new.id]);
            }
            None if builtin_ids().contains(&new.id) && !b.file.disable.contains(&new.id) => out.push(
                path,
                &setting,
                format!("replaces built-in rule `{}` with a custom rule", new.id),
                format!("rule-replaced:{}:{}", new.id, detection_key(new)),
                &[&new.id],
            ),
            None => {}
        }
    }
}

/// The ids of the built-in rules, read once: a range compares one config per commit that changes it.
fn builtin_ids() -> &'static BTreeSet<String> {
    static IDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    IDS.get_or_init(|| crate::rules::builtin_rules().map(|r| r.into_iter().map(|r| r.id).collect()).unwrap_or_default())
}

/// What makes `new` match less than `old` (empty: nothing).
fn loosened(old: &RuleSpec, new: &RuleSpec) -> Vec<&'static str> {
    let mut why = Vec::new();
    if new.regex != old.regex {
        why.push("regex changed");
    }
    // A rule without keywords runs everywhere; with keywords, only near them.
    if !new.keywords.is_empty() && old.keywords.iter().any(|k| !new.keywords.contains(k)) {
        why.push("keywords removed");
    }
    if new.entropy.unwrap_or(0.0) > old.entropy.unwrap_or(0.0) {
        why.push("entropy minimum raised");
    }
    if new.validator.is_some() && new.validator != old.validator {
        why.push("validator added");
    }
    if new.path.is_some() && new.path != old.path {
        why.push("restricted to paths");
    }
    if old.multiline && !new.multiline {
        why.push("no longer multi-line");
    }
    why
}

/// The fields of a rule that decide what it matches, as one string: a later, different change to the same rule
/// is a new weakening.
fn detection_key(r: &RuleSpec) -> String {
    format!("{:?}", (&r.regex, &r.keywords, r.entropy, r.validator, &r.path, r.multiline))
}

fn widened(
    out: &mut Out<'_>,
    path: &str,
    setting: &str,
    label: &str,
    old: &AllowlistSpec,
    new: &AllowlistSpec,
    fallback: &[&str],
) {
    for (kind, o, n) in [
        ("paths", &old.paths, &new.paths),
        ("regexes", &old.regexes, &new.regexes),
        ("stopwords", &old.stopwords, &new.stopwords),
    ] {
        for v in n.iter().filter(|v| !o.contains(v)) {
            let mut needles = vec![v.as_str()];
            needles.extend_from_slice(fallback);
            out.push(
                path,
                &format!("{setting}.{kind}"),
                format!("widens {label}: {kind} gains `{v}`"),
                format!("{setting}.{kind}:{v}"),
                &needles,
            );
        }
    }
}

/// Names, for each weakening, the first commit of `commits` (oldest first) whose policy files already have it.
/// Only commits that change the files are compared; one that cannot be read is passed over.
pub fn attribute(
    repo: &Repository,
    commits: &[Oid],
    paths: &PolicyPaths,
    before: &View,
    max_size_fixed: bool,
    weakenings: &mut [Weakening],
) {
    let mut read: HashMap<Oid, Option<PolicyFiles>> = HashMap::new();
    let mut files_of = |oid: Oid| read.entry(oid).or_insert_with(|| PolicyFiles::read(repo, oid, paths).ok()).clone();
    for &oid in commits {
        if weakenings.iter().all(|w| w.commit.is_some()) {
            return;
        }
        let Some(files) = files_of(oid) else { continue };
        let parent = repo.find_commit(oid).ok().and_then(|c| c.parent_id(0).ok());
        if let Some(p) = parent.and_then(&mut files_of) {
            if p.same_as(&files) {
                continue;
            }
        }
        let found = compare_with(before, &View::of(&files, false), &files, max_size_fixed, false);
        let keys: BTreeSet<String> = found.into_iter().map(|w| w.key).collect();
        for w in weakenings.iter_mut().filter(|w| w.commit.is_none() && keys.contains(&w.key)) {
            w.commit = Some(oid);
        }
    }
}

impl Weakening {
    /// The finding a report shows; `commit` describes [`Weakening::commit`].
    pub fn into_finding(self, commit: Option<CommitInfo>) -> Finding {
        Finding {
            rule_id: RULE_ID.to_string(),
            description: CONFIG_WEAKENED.title.to_string(),
            severity: Severity::High,
            tags: vec!["config".to_string()],
            fingerprint: Fingerprint::new(RULE_ID, &self.path, self.key.as_bytes()),
            path: self.path,
            path_bytes: None,
            start_line: self.line,
            end_line: self.line,
            start_column: 0,
            end_column: 0,
            line: self.line_text,
            commit,
            detail: Detail::Policy(PolicyChange { setting: self.setting, message: self.what }),
        }
    }

    /// One line for a report's notes, when the weakening is shown but not reported as a finding.
    pub fn note(&self) -> String {
        format!("{}:{}: {}", self.path, self.line, self.what)
    }
}

#[cfg(test)]
mod tests;
