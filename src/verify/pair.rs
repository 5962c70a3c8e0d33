//! Pairs: a secret that only works with its id (an AWS secret access key and its access key id, a Twilio API
//! key's secret and its SID) is verified with the id found nearest to it in the same file of the same commit —
//! the rules find the two halves apart, and the scan folds an id within a few lines into its secret's finding.
//! Failing that, a pair may name a pattern for the id in the secret's own line (a Twilio account SID before its
//! auth token; with a capture group, the group: the user name after `docker login -u`).
use std::collections::HashMap;

use regex::Regex;

use super::spec::Pair;
use crate::finding::Finding;

/// Findings grouped by file and commit, to look for a secret's other half among its neighbours only.
pub struct Neighbours<'a> {
    findings: &'a [Finding],
    by_place: HashMap<(&'a str, Option<&'a str>), Vec<usize>>,
}

impl<'a> Neighbours<'a> {
    pub fn new(findings: &'a [Finding]) -> Neighbours<'a> {
        let mut by_place: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            by_place.entry(place(f)).or_default().push(i);
        }
        Neighbours { findings, by_place }
    }

    /// The id for the secret of finding `i`: the secret of the nearest finding (by line, then column) of one of
    /// the pair's rules in the same place, else the first match of `from_line` in the finding's line.
    pub fn partner(&self, i: usize, pair: &Pair, from_line: Option<&Regex>) -> Option<String> {
        let f = &self.findings[i];
        // Read beside the secret by its rule (a key file's `client_email`, a connection string's `AccountName`).
        if let Some(name) = &pair.context {
            let beside = match &f.detail {
                crate::finding::Detail::Secret(m) => m.context.get(name),
                _ => None,
            };
            if let Some(v) = beside {
                return Some(v.clone());
            }
        }
        // The scan folded the id into the secret's finding (`crate::scan::pairs`).
        if let Some(id) = f.paired().filter(|id| pair.rules.contains(&id.rule_id)) {
            return Some(id.value.clone());
        }
        let nearest = self.by_place[&place(f)]
            .iter()
            .map(|&j| &self.findings[j])
            .filter(|g| pair.rules.contains(&g.rule_id) && !g.secret().is_empty())
            .min_by_key(|g| (g.start_line.abs_diff(f.start_line), g.start_column.abs_diff(f.start_column)));
        if let Some(g) = nearest {
            return Some(g.secret().to_string());
        }
        let caught = from_line.and_then(|re| re.captures(&f.line))?;
        caught.get(1).or_else(|| caught.get(0)).map(|m| m.as_str().to_string())
    }
}

fn place(f: &Finding) -> (&str, Option<&str>) {
    (f.path.as_str(), f.commit.as_ref().map(|c| c.id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::Neighbours;
    use crate::finding::test_support::secret_finding;
    use crate::finding::{Detail, Finding};
    use crate::verify::spec::Pair;

    fn finding(rule: &str, path: &str, line: usize, secret: &str) -> Finding {
        let mut f = secret_finding(path);
        f.rule_id = rule.into();
        f.start_line = line;
        f.line = format!("x = {secret}");
        if let Detail::Secret(m) = &mut f.detail {
            m.secret = secret.into();
        }
        f
    }

    #[test]
    fn the_nearest_id_in_the_same_file_is_the_partner() {
        let findings = vec![
            finding("aws-access-key-id", "a.env", 1, "AKIAFIRST"),
            finding("aws-access-key-id", "a.env", 9, "AKIASECOND"),
            finding("aws-secret-access-key", "a.env", 10, "secret"),
            finding("aws-access-key-id", "b.env", 10, "AKIAOTHERFILE"),
            finding("aws-secret-access-key", "c.env", 1, "lonely"),
        ];
        let n = Neighbours::new(&findings);
        let pair = Pair { rules: vec!["aws-access-key-id".into()], ..Pair::default() };
        assert_eq!(n.partner(2, &pair, None).as_deref(), Some("AKIASECOND"));
        assert_eq!(n.partner(4, &pair, None), None);
    }

    #[test]
    fn an_id_may_come_from_the_secrets_line() {
        let mut f = finding("twilio-account-sid-auth-token-pair", "a.py", 1, "tok");
        f.line = "Client('AC0123456789abcdef0123456789abcdef', '*****')".into();
        let findings = vec![f];
        let re = regex::Regex::new(r"\bAC[0-9a-f]{32}\b").unwrap();
        let pair = Pair { from_line: Some(re.as_str().into()), ..Pair::default() };
        let got = Neighbours::new(&findings).partner(0, &pair, Some(&re));
        assert_eq!(got.as_deref(), Some("AC0123456789abcdef0123456789abcdef"));
        let mut f = finding("docker-hub-access-token", "ci.sh", 1, "tok");
        f.line = "docker login -u jdoe -p *****".into();
        let findings = vec![f];
        let re = regex::Regex::new(r"(?:-u|--username)[ =]+([A-Za-z0-9][A-Za-z0-9_.-]*)").unwrap();
        let pair = Pair { from_line: Some(re.as_str().into()), ..Pair::default() };
        assert_eq!(Neighbours::new(&findings).partner(0, &pair, Some(&re)).as_deref(), Some("jdoe"));
    }
}
