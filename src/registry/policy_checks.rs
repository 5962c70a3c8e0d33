//! Policy checks: findings about leakgate's own settings rather than about the scanned content. Their logic
//! lives with the policy (`crate::policy`); their documentation is here, beside the other kinds' in the registry.
use crate::rules::Severity;

/// One policy check's documentation.
#[derive(Debug)]
pub struct PolicyCheck {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

/// A PR check's finding for a change to the config, ignore files or baseline that hides findings
/// (`crate::policy::weakened`).
pub const CONFIG_WEAKENED: PolicyCheck = PolicyCheck {
    id: "config-weakened",
    title: "Detection weakened by a change to leakgate's configuration",
    severity: Severity::High,
    what: "The change turns off a rule, widens an allowlist, lowers the file-size limit, removes or \
loosens a custom rule, or adds entries to .leakgateignore, .gitleaksignore or the baseline.",
    why: "The author of a pull request controls the repository's leakgate configuration: a change \
that adds a secret could also hide it. A PR check therefore applies the base commit's configuration and reports \
what the change would weaken once merged.",
    fix: "Review the weakening. If it is intended, a maintainer merges the change deliberately (the \
base branch then carries it), or accepts this one weakening by adding the finding's fingerprint to the base \
branch's .leakgateignore; otherwise take it out of the pull request.",
};

/// Every policy check.
pub static ALL: &[PolicyCheck] = &[CONFIG_WEAKENED];
