//! `leakgate rules`: list the active rules (built-ins as configured, plus custom rules), or `--check FILE` to run
//! the examples of a rule file or config before committing it.
use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use super::exit::Outcome;
use super::RulesArgs;
use crate::engine::check::check_rules;
use crate::policy::weakened;
use crate::report::sanitize::for_terminal;
use crate::report::Format;
use crate::rules::{parse_rule_file, Severity};

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
    remediation: &'a str,
    origin: &'a str,
}

pub fn run(args: RulesArgs) -> anyhow::Result<Outcome> {
    if let Some(file) = &args.check {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let rules = parse_rule_file(&file.display().to_string(), &text)?;
        let count = rules.len();
        let failures = check_rules(rules, false);
        for f in &failures {
            eprintln!("leakgate: {f}");
        }
        if !failures.is_empty() {
            anyhow::bail!("{} of the examples in {} failed", failures.len(), file.display());
        }
        println!("leakgate: {count} rules in {}: all examples pass", file.display());
        return Ok(Outcome::Clean);
    }
    let config = super::scan::load_config(args.common.config.as_deref(), std::path::Path::new("."))?;
    let set = config.rule_set()?;
    let config_tags = ["config".to_string()];
    let infos: Vec<RuleInfo> = set
        .rules()
        .iter()
        .map(|r| RuleInfo {
            kind: "secret",
            id: &r.id,
            description: &r.description,
            severity: r.severity,
            tags: &r.tags,
            keywords: &r.keywords,
            validator: r.validator.map(|v| v.as_str()),
            remediation: r.remediation(),
            origin: &r.origin,
        })
        .chain(crate::iac::checks().iter().filter(|c| !config.file.disable.iter().any(|d| d == c.id)).map(|c| {
            RuleInfo {
                kind: "iac",
                id: c.id,
                description: c.title,
                severity: c.severity,
                tags: &[],
                keywords: &[],
                validator: None,
                remediation: c.fix,
                origin: "builtin:iac",
            }
        }))
        .chain((!config.file.disable.iter().any(|d| d == weakened::RULE_ID)).then_some(RuleInfo {
            kind: "config",
            id: weakened::RULE_ID,
            description: weakened::TITLE,
            severity: Severity::High,
            tags: &config_tags,
            keywords: &[],
            validator: None,
            remediation: weakened::FIX,
            origin: "builtin:config",
        }))
        .collect();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut w, &infos)?;
            writeln!(w)?;
        }
        Format::Text => {
            for r in &infos {
                // Tags and descriptions of custom rules come from a config file, maybe the current repository's.
                let (tags, description) = (for_terminal(&r.tags.join(",")), for_terminal(r.description));
                writeln!(w, "{:<40} {:<8} {:<28} {description}", r.id, r.severity.as_str(), tags)?;
            }
            writeln!(w, "{} rules", infos.len())?;
        }
        other => {
            anyhow::bail!("`leakgate rules` lists rules as text or json, not {}", format!("{other:?}").to_lowercase())
        }
    }
    w.flush()?;
    Ok(Outcome::Clean)
}
