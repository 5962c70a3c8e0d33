//! One registry of everything leakgate can report: the secret rules of the active rule set, the IaC checks, and
//! the policy checks (`config-weakened`). Each kind documents itself where it is defined (a rule's TOML, a check's
//! file, `policy_checks`); [`Registry`] gives every consumer the same view of them: `leakgate rules`, the
//! report formats that carry rule documentation (SARIF help, GitLab, JUnit), and config validation (an id in
//! `disable` must name something this registry knows).
mod policy_checks;

pub use policy_checks::{PolicyCheck, CONFIG_WEAKENED};

use crate::iac::{self, CheckInfo};
use crate::rules::{Rule, RuleSet, Severity};

/// What kind of thing a registry entry reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Secret,
    Iac,
    Policy,
}

impl CheckKind {
    /// The name reports and `leakgate rules` use: `secret`, `iac`, `config`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Secret => "secret",
            CheckKind::Iac => "iac",
            CheckKind::Policy => "config",
        }
    }
}

/// One reportable thing, as its own definition documents it.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Secret(&'a Rule),
    Iac(&'static CheckInfo),
    Policy(&'static PolicyCheck),
}

/// A rule's documentation as the reports show it, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    pub id: String,
    /// One line: the secret rule's description or the check's title.
    pub title: String,
    /// A paragraph: what the rule finds and why it matters.
    pub full_description: String,
    /// How to fix a finding, plain text.
    pub remediation: String,
    /// The same documentation as Markdown (SARIF `help.markdown`).
    pub help_markdown: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    /// Public documentation of what the rule finds (SARIF `helpUri`).
    pub help_uri: Option<String>,
}

const FALSE_POSITIVE_HELP: &str = "If this is not a real credential, mark the line with `leakgate:allow` or add the \
finding's fingerprint to `.leakgateignore`.";

impl<'a> Entry<'a> {
    pub fn kind(&self) -> CheckKind {
        match self {
            Entry::Secret(_) => CheckKind::Secret,
            Entry::Iac(_) => CheckKind::Iac,
            Entry::Policy(_) => CheckKind::Policy,
        }
    }

    pub fn id(&self) -> &'a str {
        match self {
            Entry::Secret(r) => &r.id,
            Entry::Iac(c) => c.id,
            Entry::Policy(p) => p.id,
        }
    }

    pub fn title(&self) -> &'a str {
        match self {
            Entry::Secret(r) => &r.description,
            Entry::Iac(c) => c.title,
            Entry::Policy(p) => p.title,
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            Entry::Secret(r) => r.severity,
            Entry::Iac(c) => c.severity,
            Entry::Policy(p) => p.severity,
        }
    }

    pub fn remediation(&self) -> &'a str {
        match self {
            Entry::Secret(r) => r.remediation(),
            Entry::Iac(c) => c.fix,
            Entry::Policy(p) => p.fix,
        }
    }

    /// Where it is defined: `builtin:cloud.toml`, a config file, `builtin:iac`, `builtin:config`.
    pub fn origin(&self) -> &'a str {
        match self {
            Entry::Secret(r) => &r.origin,
            Entry::Iac(_) => "builtin:iac",
            Entry::Policy(_) => "builtin:config",
        }
    }

    /// The documentation the report formats carry.
    pub fn meta(&self) -> RuleMeta {
        match self {
            Entry::Secret(rule) => {
                let remediation = rule.remediation().to_string();
                RuleMeta {
                    id: rule.id.clone(),
                    title: rule.description.clone(),
                    full_description: format!(
                        "{}. A credential committed to a repository is readable by everyone who can read the \
                         repository and its history, forks and clones.",
                        rule.description.trim_end_matches('.')
                    ),
                    help_markdown: format!("**{}**\n\n{remediation}\n\n{FALSE_POSITIVE_HELP}", rule.description),
                    remediation,
                    severity: rule.severity,
                    tags: rule.tags.clone(),
                    help_uri: rule.reference.clone(),
                }
            }
            Entry::Iac(check) => {
                let mut tags = vec!["iac".to_string()];
                tags.extend(check.formats.iter().map(|f| f.as_str().to_string()));
                RuleMeta {
                    id: check.id.to_string(),
                    title: check.title.to_string(),
                    full_description: format!("{} {}", check.what, check.why),
                    remediation: check.fix.to_string(),
                    help_markdown: format!(
                        "**{}**\n\n### What\n{}\n\n### Why\n{}\n\n### Fix\n{}\n\n#### Bad\n```\n{}\n```\n\n#### Good\n\
                         ```\n{}\n```",
                        check.title, check.what, check.why, check.fix, check.bad, check.good
                    ),
                    severity: check.severity,
                    tags,
                    help_uri: None,
                }
            }
            Entry::Policy(check) => RuleMeta {
                id: check.id.to_string(),
                title: check.title.to_string(),
                full_description: format!("{} {}", check.what, check.why),
                remediation: check.fix.to_string(),
                help_markdown: format!(
                    "**{}**\n\n### What\n{}\n\n### Why\n{}\n\n### Fix\n{}",
                    check.title, check.what, check.why, check.fix
                ),
                severity: check.severity,
                tags: vec!["config".to_string()],
                help_uri: None,
            },
        }
    }
}

/// Everything a run can report: the active rule set's rules, then the IaC checks, then the policy checks.
#[derive(Debug, Clone, Copy)]
pub struct Registry<'a> {
    rules: &'a RuleSet,
}

impl<'a> Registry<'a> {
    pub fn new(rules: &'a RuleSet) -> Registry<'a> {
        Registry { rules }
    }

    /// The entry for `id`: the active rule set first, then the policy checks, then the IaC checks.
    pub fn get(&self, id: &str) -> Option<Entry<'a>> {
        if let Some(rule) = self.rules.get(id) {
            return Some(Entry::Secret(rule));
        }
        if let Some(p) = policy_checks::ALL.iter().find(|p| p.id == id) {
            return Some(Entry::Policy(p));
        }
        iac::check_info(id).map(Entry::Iac)
    }

    /// Every entry, in the order `leakgate rules` lists them.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'a>> + 'a {
        let rules = self.rules.rules().iter().map(Entry::Secret);
        rules.chain(iac::checks().iter().map(Entry::Iac)).chain(policy_checks::ALL.iter().map(Entry::Policy))
    }
}

/// True when `id` names a policy check: an id a custom rule may not take.
pub fn is_policy_check(id: &str) -> bool {
    policy_checks::ALL.iter().any(|p| p.id == id)
}

/// True when `id` names an IaC or policy check, whatever the rule set: what a config may `disable` besides rules.
pub fn is_builtin_check(id: &str) -> bool {
    iac::check_info(id).is_some() || policy_checks::ALL.iter().any(|p| p.id == id)
}
