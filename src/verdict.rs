//! What a live verification concluded about one secret: plain types that findings carry. The step that asks the
//! providers is `crate::verify` (only with `scan --verify`); a finding that was not verified carries nothing, and
//! nothing here takes part in a fingerprint or in baseline matching.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The provider's answer, in three words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyStatus {
    /// The provider accepted the credential: it works now.
    Live,
    /// The provider said the credential is invalid (revoked, expired, deleted or never real).
    Revoked,
    /// No answer that says either: a network error, a timeout, a rate limit, an unexpected reply, or nothing to
    /// pair the secret with. [`Verification::detail`] says which.
    Unknown,
}

impl VerifyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Live => "live",
            VerifyStatus::Revoked => "revoked",
            VerifyStatus::Unknown => "unknown",
        }
    }
}

/// One finding's verification result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub status: VerifyStatus,
    /// The verifier that asked (`github`, `aws`, a custom verifier's id).
    pub verifier: String,
    /// Who the credential belongs to, as the provider said it (`login`, `account`, `scopes`, ...); empty when
    /// the provider says nothing about it or the credential is not live.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
    /// When the provider was asked, RFC 3339 in UTC.
    pub checked_at: String,
    /// Why the status is what it is, when that is not obvious (`HTTP 503`, `timed out`); never holds the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Verification {
    /// `live (login=octocat, scopes=repo)`: the status and identity on one line, for text reports.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self.identity.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(d) = &self.detail {
            parts.push(d.clone());
        }
        if parts.is_empty() {
            self.status.as_str().to_string()
        } else {
            format!("{} ({})", self.status.as_str(), parts.join(", "))
        }
    }
}
