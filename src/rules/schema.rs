//! The TOML shape of a rule, shared by the built-in rule files and `[[rules]]` in `.leakgate.toml`.
//! Unknown keys are rejected so that a typo (`keyword = …`) is an error, not a silently ignored field.
use serde::{Deserialize, Serialize};

/// One rule file: a list of `[[rules]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub description: String,
    #[serde(default)]
    pub remediation: Option<String>,
    /// Public documentation that states the credential's format (a URL).
    #[serde(default)]
    pub reference: Option<String>,
    /// The confidence the format earns on its own, before evidence about one match raises or lowers it.
    /// Unset: `high` for a rule with a validator or a specific rule, `medium` for a generic one.
    #[serde(default)]
    pub confidence: Option<crate::evidence::Confidence>,
    pub regex: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub no_keywords_reason: Option<String>,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub validator: Option<ValidatorKind>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub multiline: bool,
    #[serde(default)]
    pub allowlist: AllowlistSpec,
    /// Rules that find this secret's other half (an access key id for its secret key): found within a few lines
    /// of the secret, the two are one finding (`crate::scan::pairs`).
    #[serde(default)]
    pub pair_with: Vec<String>,
    /// Facts a verifier needs from beside the secret (a key file's `client_email`, a connection string's
    /// `AccountName`): name → regex whose first group is the value, tried near the secret
    /// (`super::context`). Not reported; only `scan --verify` reads them.
    #[serde(default)]
    pub context: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub negative_examples: Vec<NegativeExample>,
}

/// Text that must produce no finding for the rule: a plain string, or `{ text, path }` for path-restricted
/// rules (scanned as that path).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NegativeExample {
    Text(String),
    WithPath { text: String, path: String },
}

impl NegativeExample {
    pub fn text(&self) -> &str {
        match self {
            NegativeExample::Text(t) | NegativeExample::WithPath { text: t, .. } => t,
        }
    }

    pub fn path(&self) -> &str {
        match self {
            NegativeExample::Text(_) => "example.txt",
            NegativeExample::WithPath { path, .. } => path,
        }
    }
}

/// A positive example: `text` must produce a finding of this rule whose secret is exactly `secret`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub text: String,
    pub secret: String,
    /// Optional file path the example is scanned as (for rules restricted by `path`).
    #[serde(default)]
    pub path: Option<String>,
}

/// Regexes and stopwords tested against the secret, path regexes against the file path.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
}

impl AllowlistSpec {
    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty() && self.stopwords.is_empty() && self.paths.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    #[default]
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Offline structural checks a candidate must pass (see `engine::validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidatorKind {
    GithubChecksum,
    NpmChecksum,
    Jwt,
    Pem,
    BasicAuth,
    PypiMacaroon,
    Bech32,
}

impl ValidatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidatorKind::GithubChecksum => "github-checksum",
            ValidatorKind::NpmChecksum => "npm-checksum",
            ValidatorKind::Jwt => "jwt",
            ValidatorKind::Pem => "pem",
            ValidatorKind::BasicAuth => "basic-auth",
            ValidatorKind::PypiMacaroon => "pypi-macaroon",
            ValidatorKind::Bech32 => "bech32",
        }
    }
}
