//! The cache: one check per distinct credential. Findings are grouped by (verifier, SHA-256 of the secret and its
//! pair's id) before anything is sent, so a secret found in 500 commits or 30 files costs one request, and its
//! result is copied to every finding of it. The key is a hash: the plan holds each secret once, for the request.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use regex::Regex;
use sha2::{Digest, Sha256};

use super::catalogue::{Catalogue, Prepared};
use super::pair::Neighbours;
use super::spec::Judgement;
use crate::finding::Finding;

/// A credential's cache key.
pub type Key = [u8; 32];

/// One credential to check.
pub struct Credential {
    pub verifier: Arc<Prepared>,
    pub secret: String,
    /// The pair's id, for verifiers of pairs.
    pub id: Option<String>,
    /// What the rule read beside the secret (a key file's `token_uri` and `project_id`).
    pub context: BTreeMap<String, String>,
}

impl Credential {
    pub fn key(&self) -> Key {
        let mut k = key(&self.verifier.spec.id, &self.secret, self.id.as_deref());
        // The same key file with another token endpoint is another request.
        if !self.context.is_empty() {
            let mut h = Sha256::new();
            h.update(k);
            for (name, value) in &self.context {
                h.update([name.as_bytes(), b"\0", value.as_bytes(), b"\0"].concat());
            }
            k = h.finalize().into();
        }
        k
    }
}

/// One credential to check, and the findings its result goes to.
pub struct Job {
    pub credential: Credential,
    pub findings: Vec<usize>,
}

/// The jobs, and the findings whose result is known without asking (no endpoint, no pair found).
#[derive(Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    pub settled: Vec<(usize, String, Judgement)>,
}

/// (verifier id, secret, id) hashed: what the cache is keyed by.
pub fn key(verifier: &str, secret: &str, id: Option<&str>) -> Key {
    let mut h = Sha256::new();
    for part in [verifier, id.unwrap_or_default(), secret] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// Groups the findings that have a verifier into jobs, one per distinct credential.
pub fn plan(findings: &[Finding], catalogue: &Catalogue) -> Plan {
    let neighbours = Neighbours::new(findings);
    let mut patterns: HashMap<String, Option<Regex>> = HashMap::new();
    let mut by_key: HashMap<Key, usize> = HashMap::new();
    let mut plan = Plan::default();
    for (i, f) in findings.iter().enumerate() {
        let Some(v) = catalogue.for_rule(&f.rule_id) else { continue };
        // Read back from a redacted report, a finding has no secret to check.
        if f.secret().is_empty() {
            continue;
        }
        let vid = v.spec.id.as_str();
        if v.endpoint.is_none() {
            let why = format!("no endpoint: name this provider's URL in [verify.endpoints] {vid}");
            plan.settled.push((i, vid.to_string(), Judgement::unknown(why)));
            continue;
        }
        let id = match &v.spec.pair {
            None => None,
            Some(pair) => {
                let re = patterns
                    .entry(vid.to_string())
                    .or_insert_with(|| pair.from_line.as_deref().and_then(|p| Regex::new(p).ok()));
                match neighbours.partner(i, pair, re.as_ref()) {
                    Some(id) => Some(id),
                    None => {
                        let why = match (&pair.context, pair.rules.is_empty()) {
                            (Some(name), _) => format!("no {name} found beside it to pair it with"),
                            (None, false) => {
                                format!("no {} found in the same file to pair it with", pair.rules.join(" or "))
                            }
                            (None, true) => "no id found to pair it with".into(),
                        };
                        plan.settled.push((i, vid.to_string(), Judgement::unknown(why)));
                        continue;
                    }
                }
            }
        };
        // Only a signed verifier reads the context; for the others it would only split the cache.
        let context = match &f.detail {
            crate::finding::Detail::Secret(m) if v.spec.kind.is_signed() => m.context.clone(),
            _ => BTreeMap::new(),
        };
        let credential = Credential { verifier: v.clone(), secret: f.secret().to_string(), id, context };
        let k = credential.key();
        match by_key.get(&k) {
            Some(&j) => plan.jobs[j].findings.push(i),
            None => {
                by_key.insert(k, plan.jobs.len());
                plan.jobs.push(Job { credential, findings: vec![i] });
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::{key, plan};
    use crate::finding::test_support::secret_finding;
    use crate::verify::catalogue::Catalogue;
    use crate::verify::VerifySettings;

    #[test]
    fn one_job_per_distinct_credential() {
        let mut findings: Vec<_> = (0..500).map(|i| secret_finding(&format!("f{}.txt", i % 30))).collect();
        findings.push(secret_finding("other.txt"));
        if let crate::finding::Detail::Secret(m) = &mut findings[500].detail {
            m.secret = "ghp_another".into();
        }
        for f in &mut findings {
            f.rule_id = "github-classic-pat".into();
        }
        let catalogue = Catalogue::build(&VerifySettings::default(), false).unwrap();
        let p = plan(&findings, &catalogue);
        assert_eq!(p.jobs.len(), 2);
        assert_eq!(p.jobs[0].findings.len(), 500);
        assert!(p.settled.is_empty());
    }

    #[test]
    fn keys_separate_verifiers_secrets_and_ids() {
        assert_ne!(key("a", "s", None), key("b", "s", None));
        assert_ne!(key("a", "s", Some("x")), key("a", "s", Some("y")));
        assert_ne!(key("a", "s", None), key("a", "t", None));
    }
}
