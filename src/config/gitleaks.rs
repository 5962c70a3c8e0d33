//! gitleaks configs (`.gitleaks.toml`), read as a leakgate config so that teams can switch tools without
//! rewriting their rules first. The file's `[[rules]]` become custom rules, its global allowlists the global
//! allowlist, and `[extend] useDefault = true` keeps leakgate's built-in rules in the place of gitleaks' own
//! defaults (without it, only the file's rules run, as in gitleaks).
//!
//! The principle for what leakgate cannot do the way gitleaks does: anything that would make leakgate report
//! *less* than gitleaks is an error naming the rule (an untranslatable regex, a path-only rule, `[extend] path`);
//! anything that only makes it report *more* is applied in the safe direction and said in a note that every
//! report shows (allowlists on commits or on the whole match/line, `condition = "AND"` over several criteria,
//! `[[rules.required]]` companions). Go regexes are rewritten into Rust syntax by [`super::go_regex`].
//!
//! Rule ids: leakgate ids are kebab-case (they appear in fingerprints, `rule:path:hash`, and after
//! `leakgate:allow`), so an imported id is normalised — lowercased, every run of other characters turned into
//! one `-` (`AWS_Key v2` → `aws-key-v2`) — and the renames are listed in a note.
use std::path::Path;

use serde::Deserialize;

use super::go_regex::{self, Mode};
use super::{Config, ConfigFile};
use crate::error::{Error, Result};
use crate::rules::allowlist::one_line;
use crate::rules::{self, AllowlistSpec, Rule, RuleSpec, Severity};

pub const GITLEAKS_CONFIG_FILE_NAME: &str = ".gitleaks.toml";

const NO_KEYWORDS_REASON: &str = "imported from gitleaks without keywords";

/// True for a gitleaks config: by name (`.gitleaks.toml`, `gitleaks.toml`, `ci-gitleaks.toml`), or by keys only
/// gitleaks uses (`title`, `[extend]`, `[[allowlists]]`, `secretGroup`, ...). A file named `.leakgate.toml` is
/// always leakgate's format, so that a stray key there is reported as such.
pub fn looks_like_gitleaks(path: &Path, text: &str) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    if name == super::CONFIG_FILE_NAME {
        return false;
    }
    if name.contains("gitleaks") {
        return true;
    }
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    let gitleaks_allowlist = |v: &toml::Value| {
        v.as_table()
            .is_some_and(|t| ["description", "commits", "regexTarget", "condition"].iter().any(|k| t.contains_key(*k)))
    };
    ["title", "extend", "allowlists", "minVersion"].iter().any(|k| table.contains_key(*k))
        || table.get("allowlist").is_some_and(gitleaks_allowlist)
        || table.get("rules").and_then(|r| r.as_array()).is_some_and(|rules| {
            rules.iter().filter_map(|r| r.as_table()).any(|t| {
                ["secretGroup", "allowlists"].iter().any(|k| t.contains_key(*k))
                    || t.get("allowlist").is_some_and(gitleaks_allowlist)
            })
        })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GitleaksFile {
    /// Accepted and not used.
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<String>,
    /// Accepted and not used (the gitleaks version the file needs).
    #[serde(default)]
    #[allow(dead_code)]
    min_version: Option<String>,
    #[serde(default)]
    extend: Extend,
    #[serde(default)]
    rules: Vec<GlRule>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Extend {
    #[serde(default)]
    use_default: Option<bool>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GlRule {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<i64>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
    #[serde(default)]
    skip_report: Option<bool>,
    /// Composite rules (`[[rules.required]]`): not checked, see the module doc.
    #[serde(default)]
    required: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GlAllowlist {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// Reads a gitleaks config into the effective leakgate config.
pub fn load(path: &Path, text: &str) -> Result<Config> {
    let origin = path.display().to_string();
    let file: GitleaksFile = toml::from_str(text)
        .map_err(|e| Error::config(&origin, format!("gitleaks config: {}", one_line(&e.to_string()))))?;
    let mut import = Import { origin: origin.clone(), notes: Notes::default() };
    let extend = file.extend;
    if let Some(base) = &extend.path {
        return Err(Error::config(
            &origin,
            format!("[extend] path = {base:?} is not supported: leakgate reads one config file; copy the base config's rules and allowlists into this one"),
        ));
    }
    if let Some(url) = &extend.url {
        return Err(Error::config(
            &origin,
            format!("[extend] url = {url:?} is not supported: leakgate never fetches configs; copy the rules you need into this file"),
        ));
    }
    let use_default = extend.use_default == Some(true);

    let mut specs: Vec<RuleSpec> = Vec::new();
    // gitleaks id → leakgate id, for `targetRules`.
    let mut ids: Vec<(String, String)> = Vec::new();
    for rule in file.rules {
        let gitleaks_id = rule.id.clone();
        if let Some(spec) = import.rule(rule, use_default)? {
            if let Some((other, _)) = ids.iter().find(|(_, id)| *id == spec.id) {
                return Err(Error::rule(
                    &origin,
                    &gitleaks_id,
                    format!("its leakgate id `{}` is also the id of rule `{other}`", spec.id),
                ));
            }
            ids.push((gitleaks_id, spec.id.clone()));
            specs.push(spec);
        }
    }

    let mut global = AllowlistSpec::default();
    for al in file.allowlist.into_iter().chain(file.allowlists) {
        let targets = al.target_rules.clone();
        let Some(converted) = import.allowlist(al, None)? else {
            continue;
        };
        if targets.is_empty() {
            merge(&mut global, converted);
            continue;
        }
        for target in targets {
            let leakgate_id = ids.iter().find(|(g, l)| *g == target || *l == target).map(|(_, l)| l.clone());
            match leakgate_id.and_then(|id| specs.iter_mut().find(|s| s.id == id)) {
                Some(spec) => merge(&mut spec.allowlist, converted.clone()),
                None => import.notes.unknown_targets.push(target),
            }
        }
    }

    let mut disable = Vec::new();
    if use_default && !extend.disabled_rules.is_empty() {
        let builtin = rules::builtin_rules()?;
        for id in extend.disabled_rules {
            if specs.iter().any(|s| s.id == id) {
                // As in gitleaks, disabledRules applies to inherited rules; the file's own rule replaces it.
                continue;
            }
            if builtin.iter().any(|r| r.id == id) {
                disable.push(id);
            } else {
                import.notes.unknown_disabled.push(id);
            }
        }
    }
    if use_default {
        // gitleaks' default config allowlists its own config file, whose regexes and allowlist values would
        // otherwise be reported; `useDefault` brings that in, so it does here too.
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            global.paths.push(format!("(^|/){}$", regex::escape(name)));
        }
    }
    let exclude_builtins = !use_default && !specs.is_empty();
    if !use_default && specs.is_empty() {
        import.notes.other.push(
            "it defines no rules and does not set `[extend] useDefault = true`; leakgate's built-in rules are used"
                .into(),
        );
    }
    Ok(Config {
        path: Some(path.to_path_buf()),
        file: ConfigFile { disable, allowlist: global, rules: specs, ..ConfigFile::default() },
        exclude_builtins,
        notes: import.notes.into_lines(&origin),
    })
}

fn merge(into: &mut AllowlistSpec, from: AllowlistSpec) {
    into.regexes.extend(from.regexes);
    into.stopwords.extend(from.stopwords);
    into.paths.extend(from.paths);
}

/// Lowercase kebab-case: `AWS_Key v2` → `aws-key-v2`. `None` when nothing is left.
pub fn normalize_id(id: &str) -> Option<String> {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// What the user should know about the import; turned into a few summary lines.
#[derive(Debug, Default)]
struct Notes {
    renamed: Vec<String>,
    no_keywords: Vec<String>,
    commits_ignored: usize,
    dropped: Vec<String>,
    skipped_rules: Vec<String>,
    unknown_targets: Vec<String>,
    unknown_disabled: Vec<String>,
    other: Vec<String>,
}

impl Notes {
    fn into_lines(self, origin: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let list = |v: &[String]| v.join(", ");
        if !self.renamed.is_empty() {
            lines.push(format!("{origin}: rule ids made kebab-case: {}", list(&self.renamed)));
        }
        if !self.no_keywords.is_empty() {
            lines.push(format!(
                "{origin}: rules without keywords run their regex over every file (slow; add `keywords`): {}",
                list(&self.no_keywords)
            ));
        }
        if self.commits_ignored > 0 {
            lines.push(format!(
                "{origin}: {} allowlist commit list{} not applied (leakgate allowlists do not see commits; use a baseline or .leakgateignore for old findings)",
                self.commits_ignored,
                if self.commits_ignored == 1 { "" } else { "s" }
            ));
        }
        for d in &self.dropped {
            lines.push(format!("{origin}: {d}; the findings it would hide are reported"));
        }
        for s in &self.skipped_rules {
            lines.push(format!("{origin}: {s}"));
        }
        if !self.unknown_targets.is_empty() {
            lines.push(format!(
                "{origin}: allowlist targetRules not defined in this file, not applied: {}",
                list(&self.unknown_targets)
            ));
        }
        if !self.unknown_disabled.is_empty() {
            lines.push(format!(
                "{origin}: disabledRules that are not leakgate built-in rule ids (nothing to disable; see `leakgate rules`): {}",
                list(&self.unknown_disabled)
            ));
        }
        lines.extend(self.other.into_iter().map(|o| format!("{origin}: {o}")));
        lines
    }
}

struct Import {
    origin: String,
    notes: Notes,
}

impl Import {
    /// One `[[rules]]` entry as a leakgate rule; `None` when it is not imported (said in a note).
    fn rule(&mut self, rule: GlRule, use_default: bool) -> Result<Option<RuleSpec>> {
        let gid = rule.id.clone();
        let origin = self.origin.clone();
        let fail = |m: String| Error::rule(&origin, &gid, m);
        if rule.skip_report == Some(true) {
            self.notes.skipped_rules.push(format!(
                "rule `{gid}` has skipReport = true (only a companion of composite rules): not imported"
            ));
            return Ok(None);
        }
        let Some(go_regex) = rule.regex.as_deref().filter(|r| !r.is_empty()) else {
            if rule.path.is_some() {
                return Err(fail(
                    "has a path but no regex: leakgate has no path-only rules (reporting a file by its name); give it a regex".into(),
                ));
            }
            if use_default {
                self.notes.skipped_rules.push(format!(
                    "rule `{gid}` has no regex: in gitleaks it adjusts gitleaks' default rule of that id, and leakgate's built-in rules are not gitleaks' (see `leakgate rules`): not imported"
                ));
                return Ok(None);
            }
            return Err(fail("has no regex".into()));
        };
        let id = normalize_id(&gid).ok_or_else(|| fail("the id has no letters or digits".into()))?;
        if id != gid {
            self.notes.renamed.push(format!("`{gid}` → `{id}`"));
        }
        if rule.required.is_some() {
            self.notes.skipped_rules.push(format!(
                "rule `{gid}`: [[rules.required]] companions are not checked; the rule reports on its own"
            ));
        }
        let secret_group = match rule.secret_group {
            None | Some(0) => None,
            Some(n) if n > 0 => Some(n as usize),
            Some(n) => return Err(fail(format!("secretGroup = {n} is negative"))),
        };
        let regex = go_regex::translate(go_regex, Mode::Rule, secret_group)
            .map_err(|m| fail(format!("regex cannot be translated from Go syntax: {m}")))?
            .pattern;
        let path = rule
            .path
            .as_deref()
            .map(|p| {
                go_regex::translate(p, Mode::Text, None)
                    .map(|t| t.pattern)
                    .map_err(|m| fail(format!("path regex cannot be translated from Go syntax: {m}")))
            })
            .transpose()?;
        let mut keywords: Vec<String> =
            rule.keywords.iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
        // leakgate's keyword automaton wants 2 characters at least; a shorter keyword prefilters nothing, so
        // the rule runs everywhere, as it effectively did in gitleaks.
        if keywords.iter().any(|k| k.chars().count() < 2) {
            keywords.clear();
        }
        let no_keywords_reason = if keywords.is_empty() {
            self.notes.no_keywords.push(format!("`{id}`"));
            Some(NO_KEYWORDS_REASON.to_string())
        } else {
            None
        };
        let mut allowlist = AllowlistSpec::default();
        for al in rule.allowlist.into_iter().chain(rule.allowlists) {
            if let Some(a) = self.allowlist(al, Some(&gid))? {
                merge(&mut allowlist, a);
            }
        }
        // gitleaks regexes that can span lines (`(?s)`, `[\s\S]`) need leakgate's multiline window.
        let multiline = ["(?s", "[\\s\\S]", "[\\S\\s]", "[\\w\\W]", "[\\d\\D]"].iter().any(|m| go_regex.contains(m));
        let description =
            rule.description.filter(|d| !d.trim().is_empty()).unwrap_or_else(|| format!("{gid} (gitleaks rule)"));
        let spec = RuleSpec {
            id,
            description,
            remediation: None,
            reference: None,
            confidence: None,
            regex,
            keywords,
            no_keywords_reason,
            severity: Severity::default(),
            tags: rule.tags,
            entropy: rule.entropy,
            validator: None,
            path,
            multiline,
            allowlist,
            pair_with: Vec::new(),
            context: Default::default(),
            examples: Vec::new(),
            negative_examples: Vec::new(),
        };
        // Compile now, so that a pattern Rust's regex engine rejects is reported against the gitleaks rule.
        let compiled =
            Rule::from_spec(spec.clone(), &origin).and_then(|r| r.compiled().and_then(|_| r.allowlist()).map(|_| ()));
        if let Err(e) = compiled {
            let message = match e {
                Error::Rule { message, .. } => message,
                other => other.to_string(),
            };
            // Show the translation when it changed the pattern: the error's position refers to it.
            let shown = if message.starts_with("invalid regex") && spec.regex != go_regex {
                format!(" (translated from Go syntax to `{}`)", spec.regex)
            } else {
                String::new()
            };
            return Err(fail(format!("{message}{shown}")));
        }
        Ok(Some(spec))
    }

    /// One gitleaks allowlist as a leakgate (match-any) allowlist; `None` when nothing of it can be applied.
    /// `rule` is the gitleaks id of the rule it belongs to (`None`: global).
    fn allowlist(&mut self, al: GlAllowlist, rule: Option<&str>) -> Result<Option<AllowlistSpec>> {
        let what = match (rule, &al.description) {
            (Some(r), Some(d)) => format!("rule `{r}`: allowlist \"{d}\""),
            (Some(r), None) => format!("rule `{r}`: an allowlist"),
            (None, Some(d)) => format!("global allowlist \"{d}\""),
            (None, None) => "a global allowlist".to_string(),
        };
        let and = match al.condition.as_deref().map(str::to_ascii_uppercase) {
            None => false,
            Some(c) if c == "OR" => false,
            Some(c) if c == "AND" => true,
            Some(c) => return Err(self.error(rule, format!("{what}: condition = {c:?} (gitleaks knows OR and AND)"))),
        };
        let target = al.regex_target.as_deref().unwrap_or("secret").to_ascii_lowercase();
        if !["secret", "match", "line"].contains(&target.as_str()) {
            return Err(
                self.error(rule, format!("{what}: regexTarget = {target:?} (gitleaks knows secret, match and line)"))
            );
        }
        let regexes_apply = al.regexes.is_empty() || target == "secret";
        let translate = |p: &String| {
            go_regex::translate(p, Mode::Text, None)
                .map(|t| t.pattern)
                .map_err(|m| format!("{what}: regex `{p}` cannot be translated from Go syntax: {m}"))
        };
        let mut spec = AllowlistSpec {
            regexes: if regexes_apply {
                al.regexes.iter().map(translate).collect::<Result<_, _>>()
            } else {
                Ok(Vec::new())
            }
            .map_err(|m| self.error(rule, m))?,
            stopwords: al.stopwords.clone(),
            paths: al.paths.iter().map(translate).collect::<Result<_, _>>().map_err(|m| self.error(rule, m))?,
        };
        if and {
            // Every criterion must hold. leakgate's allowlists hold when any one does, which is the same only
            // when there is a single criterion; otherwise dropping the allowlist is the safe reading.
            let kinds =
                [!al.paths.is_empty(), !al.regexes.is_empty(), !al.stopwords.is_empty(), !al.commits.is_empty()]
                    .iter()
                    .filter(|k| **k)
                    .count();
            let reason = if !al.commits.is_empty() {
                Some("needs a commit, which leakgate allowlists do not see")
            } else if !regexes_apply {
                Some("tests regexes against the whole match or line, leakgate only against the secret")
            } else if kinds > 1 {
                Some("combines several criteria with condition = \"AND\"; leakgate allowlists match on any one")
            } else {
                None
            };
            if let Some(reason) = reason {
                self.notes.dropped.push(format!("{what} was not applied: it {reason}"));
                return Ok(None);
            }
        } else {
            if !al.commits.is_empty() {
                self.notes.commits_ignored += 1;
            }
            if !regexes_apply {
                self.notes.dropped.push(format!(
                    "{what}: its regexes (regexTarget = \"{target}\") were not applied: leakgate tests allowlist regexes against the secret only"
                ));
            }
        }
        if spec.regexes.is_empty() && spec.stopwords.is_empty() && spec.paths.is_empty() {
            return Ok(None);
        }
        spec.stopwords.retain(|s| !s.is_empty());
        Ok(Some(spec))
    }

    fn error(&self, rule: Option<&str>, message: String) -> Error {
        match rule {
            Some(r) => Error::rule(&self.origin, r, message),
            None => Error::config(&self.origin, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{load, looks_like_gitleaks, normalize_id};

    #[test]
    fn ids_become_kebab_case() {
        assert_eq!(normalize_id("AWS_Key v2").as_deref(), Some("aws-key-v2"));
        assert_eq!(normalize_id("generic-api-key").as_deref(), Some("generic-api-key"));
        assert_eq!(normalize_id("--x__").as_deref(), Some("x"));
        assert_eq!(normalize_id("__"), None);
    }

    #[test]
    fn detection_by_name_or_keys() {
        assert!(looks_like_gitleaks(Path::new("a/.gitleaks.toml"), ""));
        assert!(looks_like_gitleaks(Path::new("custom.toml"), "[extend]\nuseDefault = true\n"));
        assert!(looks_like_gitleaks(
            Path::new("custom.toml"),
            "[[rules]]\nid = \"x\"\nregex = '''a(b)'''\nsecretGroup = 1\n"
        ));
        assert!(!looks_like_gitleaks(Path::new("custom.toml"), "disable = [\"x\"]\n[allowlist]\npaths = ['''a''']\n"));
        assert!(!looks_like_gitleaks(Path::new(".leakgate.toml"), "title = \"x\"\n"));
    }

    #[test]
    fn safe_direction_for_allowlists_leakgate_cannot_apply() {
        let text = r#"
[[rules]]
id = "Tok"
regex = '''tok_([a-z0-9]{16})'''
keywords = ["tok_"]
  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^test/''']
  stopwords = ["fake"]
  [[rules.allowlists]]
  commits = ["abc"]
  regexTarget = "line"
  regexes = ['''# ok''']
  paths = ['''\.md$''']
"#;
        let config = load(Path::new(".gitleaks.toml"), text).unwrap();
        assert!(config.exclude_builtins);
        let rule = &config.file.rules[0];
        assert_eq!(rule.id, "tok");
        assert_eq!(rule.regex, r"tok_([a-z0-9]{16})");
        // Only the OR allowlist's path survives: the AND one is dropped, the line regexes and commits ignored.
        assert_eq!(rule.allowlist.paths, vec![r"\.md$".to_string()]);
        assert!(rule.allowlist.stopwords.is_empty() && rule.allowlist.regexes.is_empty());
        let notes = config.notes.join("\n");
        assert!(notes.contains("`Tok` → `tok`"), "{notes}");
        assert!(notes.contains("condition = \"AND\""), "{notes}");
        assert!(notes.contains("1 allowlist commit list"), "{notes}");
        assert!(notes.contains("regexTarget = \"line\""), "{notes}");
    }

    #[test]
    fn extend_path_is_an_error() {
        let err = load(Path::new(".gitleaks.toml"), "[extend]\npath = \"base.toml\"\n").unwrap_err().to_string();
        assert!(err.contains("[extend] path") && err.contains("not supported"), "{err}");
    }
}
