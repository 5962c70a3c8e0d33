//! A loaded rule. Its regexes are compiled on first use: a pre-commit run that touches three files should not
//! pay for compiling two hundred regexes whose keywords never occur.
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::allowlist::{ascii_regex, one_line, Allowlist};
use super::rule_regex::RuleRegex;
use super::schema::{Example, NegativeExample, RuleSpec, Severity, ValidatorKind};
use crate::error::{Error, Result};
use crate::evidence::Confidence;

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub remediation: Option<String>,
    /// Public documentation of the credential's format.
    pub reference: Option<String>,
    /// What the format earns on its own (see `crate::confidence`).
    pub confidence: Confidence,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub keywords: Vec<String>,
    pub entropy: Option<f64>,
    pub validator: Option<ValidatorKind>,
    pub multiline: bool,
    /// Where the rule was defined: `builtin:cloud.toml` or a config file path.
    pub origin: String,
    pub regex_source: String,
    pub path_source: Option<String>,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<NegativeExample>,
    /// Generic rules (tag `generic`) give way to a specific rule that found the same secret.
    pub generic: bool,
    /// The rules that find this secret's other half (its id); see `crate::scan::pairs`.
    pub pair_with: Vec<String>,
    /// Name → regex of the facts a verifier reads from beside the secret (`super::context`).
    pub context_source: std::collections::BTreeMap<String, String>,
    spec_allowlist: super::schema::AllowlistSpec,
    compiled: OnceLock<std::result::Result<Compiled, String>>,
    /// Separate from `compiled`: most rules that run find nothing, and then their allowlist is never needed.
    allowlist: OnceLock<std::result::Result<Allowlist, String>>,
    /// The name-nearby form of a `medium` name-keyed rule (`super::nearby`), built on first use.
    nearby: OnceLock<Option<RuleRegex>>,
}

#[derive(Debug)]
pub struct Compiled {
    pub regex: RuleRegex,
    pub path: Option<Regex>,
    pub context: Vec<(String, Regex)>,
}

const DEFAULT_REMEDIATION: &str =
    "Revoke or rotate the credential at its provider, remove it from the code, and load it at run time from the environment or a secret manager.";

impl Rule {
    /// Feeds into `h` everything about the rule that decides what it finds (not its documentation).
    pub fn digest_into(&self, h: &mut sha2::Sha256) {
        use sha2::Digest;
        let text = format!(
            "{}\0{}\0{:?}\0{:?}\0{:?}\0{:?}\0{}\0{:?}\0{:?}\0{:?}\0{}\0{:?}\0",
            self.id,
            self.regex_source,
            self.path_source,
            self.keywords,
            self.entropy,
            self.validator,
            self.multiline,
            self.spec_allowlist,
            self.confidence,
            self.severity,
            self.generic,
            self.pair_with,
        );
        h.update(text.as_bytes());
    }

    /// Checks the fields that need no compilation; the error names the rule and the problem.
    pub fn from_spec(spec: RuleSpec, origin: &str) -> Result<Rule> {
        let fail = |m: String| Error::rule(origin, &spec.id, m);
        if !is_kebab_case(&spec.id) {
            return Err(fail("id must be kebab-case (lowercase letters, digits and single dashes)".into()));
        }
        if spec.description.trim().is_empty() {
            return Err(fail("description is empty".into()));
        }
        if spec.keywords.is_empty() && spec.no_keywords_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(fail(
                "has no keywords: it would run on every byte; add keywords or explain why in `no_keywords_reason`"
                    .into(),
            ));
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.trim().len() < 2) {
            return Err(fail(format!("keyword `{k}` is too short (2 characters at least)")));
        }
        if let Some(e) = spec.entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(fail(format!("entropy {e} is out of range (0 to 8 bits per character)")));
            }
        }
        let generic = spec.tags.iter().any(|t| t == "generic");
        if let Some(r) = &spec.reference {
            if !(r.starts_with("https://") || r.starts_with("http://")) || r.contains(char::is_whitespace) {
                return Err(fail(format!("reference `{r}` is not a URL")));
            }
        }
        let confidence = spec.confidence.unwrap_or(if generic && spec.validator.is_none() {
            Confidence::Medium
        } else {
            Confidence::High
        });
        Ok(Rule {
            keywords: spec.keywords.iter().map(|k| k.to_lowercase()).collect(),
            id: spec.id,
            description: spec.description,
            remediation: spec.remediation,
            reference: spec.reference,
            confidence,
            severity: spec.severity,
            tags: spec.tags,
            entropy: spec.entropy,
            validator: spec.validator,
            multiline: spec.multiline,
            origin: origin.to_string(),
            regex_source: spec.regex,
            path_source: spec.path,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            generic,
            pair_with: spec.pair_with,
            context_source: spec.context,
            spec_allowlist: spec.allowlist,
            compiled: OnceLock::new(),
            allowlist: OnceLock::new(),
            nearby: OnceLock::new(),
        })
    }

    pub fn remediation(&self) -> &str {
        self.remediation.as_deref().unwrap_or(DEFAULT_REMEDIATION)
    }

    /// Whether the rule runs on the printable strings of binary files: a specific format (not tagged `generic`)
    /// whose confidence is `high` (a unique prefix, a checksum, a key block). In a binary's strings the words a
    /// generic rule keys on (`password`, `token`) sit beside random bytes all the time; a specific format
    /// there is still a leak.
    pub fn strings_safe(&self) -> bool {
        self.confidence == Confidence::High && !self.generic
    }

    /// The compiled regexes, built on first call. Errors are kept so every caller sees the same message.
    pub fn compiled(&self) -> Result<&Compiled> {
        self.compiled
            .get_or_init(|| self.compile())
            .as_ref()
            .map_err(|m| Error::rule(&self.origin, &self.id, m.clone()))
    }

    /// The rule's own allowlist, built on first call.
    pub fn allowlist(&self) -> Result<&Allowlist> {
        self.allowlist
            .get_or_init(|| Allowlist::compile(&self.spec_allowlist))
            .as_ref()
            .map_err(|m| Error::rule(&self.origin, &self.id, m.clone()))
    }

    /// The form that finds the value with the provider's name near it rather than in its assignment (see
    /// `super::nearby`): only for specific rules of `medium` confidence, whose value needs the name to be known.
    pub fn nearby(&self) -> Option<&RuleRegex> {
        self.nearby
            .get_or_init(|| {
                if self.generic || self.multiline || self.confidence != Confidence::Medium {
                    return None;
                }
                RuleRegex::new(&super::nearby::nearby_regex(&self.keywords, &self.regex_source)?).ok()
            })
            .as_ref()
    }

    fn compile(&self) -> std::result::Result<Compiled, String> {
        let regex = RuleRegex::new(&self.regex_source).map_err(|e| format!("invalid regex: {}", one_line(&e)))?;
        let path = match &self.path_source {
            Some(p) => Some(ascii_regex(p).map_err(|e| format!("invalid path regex: {e}"))?),
            None => None,
        };
        let mut context = Vec::new();
        for (name, source) in &self.context_source {
            let re = ascii_regex(source).map_err(|e| format!("invalid context regex `{name}`: {e}"))?;
            if re.captures_len() < 2 {
                return Err(format!("context regex `{name}` has no group for the value"));
            }
            context.push((name.clone(), re));
        }
        Ok(Compiled { regex, path, context })
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
