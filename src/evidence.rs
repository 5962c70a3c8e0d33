//! Confidence levels and the named evidence that moves them: plain types that findings and rules carry. The
//! scoring step that decides them is `crate::confidence`.
use serde::{Deserialize, Serialize};

/// Ordered: `Low < Medium < High`. Reports show findings at or above a threshold (default `medium`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    #[default]
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One level up, saturating at `high`.
    pub fn raised(self) -> Confidence {
        match self {
            Confidence::Low => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    /// One level down, saturating at `low`.
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;

    fn from_str(s: &str) -> Result<Confidence, String> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            other => Err(format!("unknown confidence `{other}` (expected low, medium or high)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Raises: the rule's offline validator (a checksum, a decodable structure) accepted the value.
    Validated,
    /// Lowers to `low`: the rule's offline validator rejected the value (a checksum that does not add up, as in a
    /// made-up token). Set by the engine; `--confidence low` shows these findings.
    FailedValidation,
    /// Raises: the value's entropy is well above the rule's floor, as random keys are.
    StrongEntropy,
    /// Raises: the secret's other half (its access key id, its SID) is written beside it, as a real credential
    /// is (`crate::scan::pairs`). Set by the engine.
    Paired,
    /// Lowers: the value is compared with something (`== 'always'`), not assigned, and does not look generated.
    Comparison,
    /// Lowers: the value is the key's own name or part of it (`password: password`).
    NamedAfterKey,
    /// Lowers: the value is a word or a few words (`mysecret`, `ChangePassword`), not a generated secret.
    WordLike,
    /// Lowers: the credentials are for a documentation host (`user:pass@example.com`).
    ExampleHost,
    /// Lowers: the file is a test, fixture, example, mock or documentation file.
    TestOrDocPath,
    /// Lowers: the line is a comment or a doctest in source code.
    DocComment,
    /// Lowers to `low`: a generic rule's value starts like one provider's token (`ghp_`, `xoxb-`, `AKIA`, in any
    /// letter case) that the provider's own rule did not accept: truncated, made up, a placeholder or in the
    /// wrong case, as the look-alikes in documentation and tests are (`crate::rules::prefixes`).
    ProviderLookAlike,
    /// Lowers: the value is a test constant: assigned to a name that says so (`TEST_TOKEN`, `fake_password`,
    /// `mockSecret`), or written again on an assertion line of the same file (`assert auth.token == "…"`).
    TestConstant,
}

impl Evidence {
    /// Known only to the engine, which sees the whole content (the scoring step sees one line): carried on the
    /// finding from the engine to the scoring step.
    pub fn is_from_engine(self) -> bool {
        matches!(self, Evidence::FailedValidation | Evidence::TestConstant | Evidence::Paired)
    }

    /// Whether the evidence raises confidence (it is applied before every lowering).
    pub fn raises(self) -> bool {
        matches!(self, Evidence::Validated | Evidence::StrongEntropy | Evidence::Paired)
    }

    /// Evidence is applied raises first (see `crate::confidence`), so a lowering always has the last word.
    pub fn apply(self, level: Confidence) -> Confidence {
        match self {
            Evidence::Validated | Evidence::StrongEntropy | Evidence::Paired => level.raised(),
            Evidence::NamedAfterKey
            | Evidence::WordLike
            | Evidence::ExampleHost
            | Evidence::FailedValidation
            | Evidence::ProviderLookAlike => Confidence::Low,
            Evidence::Comparison | Evidence::TestOrDocPath | Evidence::DocComment | Evidence::TestConstant => {
                level.lowered()
            }
        }
    }
}
