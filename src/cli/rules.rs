//! `leakgate rules`: list the active rules (built-ins as configured, plus custom rules), or `--check FILE` to run
//! the examples of a rule file or config before committing it.
use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use super::exit::Outcome;
use super::ListFormat;
use super::RulesArgs;
use crate::config::Config;
use crate::engine::examples::check_rules;
use crate::registry::{CheckKind, Entry, Registry};
use crate::report::sanitize::for_terminal;
use crate::rules::{Rule, Severity};

#[derive(Serialize)]
struct RuleInfo<'a> {
    /// `secret`, `iac`, or `config` (`config-weakened`, which PR checks report).
    kind: &'static str,
    id: &'a str,
    description: &'a str,
    severity: Severity,
    tags: &'a [String],
    keywords: &'a [String],
    validator: Option<&'static str>,
    /// Secret rules: the confidence the format earns on its own, before evidence about a match.
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<&'static str>,
    /// Secret rules: public documentation of the format.
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    remediation: &'a str,
    origin: &'a str,
}

pub fn run(args: RulesArgs) -> anyhow::Result<Outcome> {
    if let Some(file) = &args.check {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        // A rule file is a config with only `[[rules]]`: one parser takes both, and gitleaks configs too.
        let config = Config::parse(file, &text)?;
        let origin = file.display().to_string();
        let rules =
            config.file.rules.into_iter().map(|spec| Rule::from_spec(spec, &origin)).collect::<Result<Vec<_>, _>>()?;
        let count = rules.len();
        let failures = check_rules(rules, false);
        for f in &failures {
            eprintln!("leakgate: {f}");
        }
        if !failures.is_empty() {
            anyhow::bail!("{} of the examples in {} failed", failures.len(), file.display());
        }
        let noun = if count == 1 { "rule" } else { "rules" };
        println!("leakgate: {count} {noun} in {}: all examples pass", file.display());
        return Ok(Outcome::Clean);
    }
    let config = Config::discover_or_default(args.common.config.as_deref(), std::path::Path::new("."))?;
    let set = config.rule_set()?;
    let disabled = |id: &str| config.file.disable.iter().any(|d| d == id);
    let config_tags = ["config".to_string()];
    let infos: Vec<RuleInfo> = Registry::new(&set)
        .entries()
        // The rule set has no disabled rule; the checks are listed unless disabled.
        .filter(|e| e.kind() == CheckKind::Secret || !disabled(e.id()))
        .map(|e| RuleInfo {
            kind: e.kind().as_str(),
            id: e.id(),
            description: e.title(),
            severity: e.severity(),
            tags: match e {
                Entry::Secret(r) => &r.tags,
                Entry::Iac(_) => &[],
                Entry::Policy(_) => &config_tags,
            },
            keywords: match e {
                Entry::Secret(r) => &r.keywords,
                _ => &[],
            },
            validator: match e {
                Entry::Secret(r) => r.validator.map(|v| v.as_str()),
                _ => None,
            },
            confidence: match e {
                Entry::Secret(r) => Some(r.confidence.as_str()),
                _ => None,
            },
            reference: match e {
                Entry::Secret(r) => r.reference.as_deref(),
                _ => None,
            },
            remediation: e.remediation(),
            origin: e.origin(),
        })
        .collect();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut w, &infos)?;
            writeln!(w)?;
        }
        ListFormat::Text => {
            for r in &infos {
                // Tags and descriptions of custom rules come from a config file, maybe the current repository's.
                let (tags, description) = (for_terminal(&r.tags.join(",")), for_terminal(r.description));
                writeln!(w, "{:<40} {:<8} {:<28} {description}", r.id, r.severity.as_str(), tags)?;
                if args.long {
                    writeln!(w, "    fix: {}", for_terminal(r.remediation))?;
                    // A custom rule's reference comes from a config file too.
                    if let Some(url) = r.reference {
                        writeln!(w, "    docs: {}", for_terminal(url))?;
                    }
                }
            }
            writeln!(w, "{} rules", infos.len())?;
        }
    }
    w.flush()?;
    Ok(Outcome::Clean)
}
