//! Credential pairs: a secret that only works with its id (an AWS secret access key and its access key id, an
//! Alibaba AccessKey secret and its `LTAI` id, a Twilio API key secret and its `SK` SID) is one finding when the
//! rules find both halves within [`PAIR_REACH_LINES`] lines of each other in the same piece of content: the
//! secret's finding, carrying the id (`paired_with` in reports), one level more confident, since a real
//! credential is written with its id and a made-up example seldom is. The id's own finding is folded into it.
//!
//! A lone id is still reported by its own rule: it names the account, and its secret is usually within reach
//! (another file of the same commit, the history). A lone secret is reported at its own confidence.
//!
//! Why 5 lines: the halves are written together, in one block: a `[profile]` section of a credentials file, two
//! lines of a `.env`, a YAML or JSON map, the two arguments of one call. Farther apart, the nearest id is as
//! likely another credential's.
use crate::evidence::Evidence;
use crate::finding::{Detail, Finding, PairedId};
use crate::rules::RuleSet;

/// How many lines apart a secret and its id may be.
pub const PAIR_REACH_LINES: usize = 5;

/// Ids looked at per secret at most: a file crowded with thousands of keys on a few lines must stay linear.
const MAX_EXAMINED: usize = 64;

/// Folds each id finding into the nearest secret finding it is the other half of (one id per secret, one secret
/// per id; nearest by line, then column), and marks the secret's evidence. `found` is one piece's findings.
pub fn pair_up(rules: &RuleSet, found: &mut Vec<Finding>) {
    let pair_rules = |f: &Finding| rules.get(&f.rule_id).map(|r| &r.pair_with).filter(|p| !p.is_empty());
    // The id rules asked for, each once: a file crowded with thousands of secrets names the same few.
    let mut wanted: Vec<&String> = found.iter().filter_map(pair_rules).flatten().collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return;
    }
    // The findings that may be ids, by place.
    let mut ids: Vec<usize> = (0..found.len()).filter(|&i| wanted.contains(&&found[i].rule_id)).collect();
    ids.sort_by_key(|&i| (found[i].start_line, found[i].start_column));
    let mut taken = vec![false; found.len()];
    let mut pairs = Vec::new();
    for (s, secret) in found.iter().enumerate() {
        let Some(partners) = pair_rules(secret) else { continue };
        let line = secret.start_line;
        let from = ids.partition_point(|&i| found[i].start_line + PAIR_REACH_LINES < line);
        let nearest = ids[from..]
            .iter()
            .take_while(|&&i| found[i].start_line <= line + PAIR_REACH_LINES)
            .filter(|&&i| !taken[i] && i != s && partners.contains(&found[i].rule_id))
            .take(MAX_EXAMINED)
            .min_by_key(|&&i| {
                (found[i].start_line.abs_diff(line), found[i].start_column.abs_diff(secret.start_column))
            });
        if let Some(&i) = nearest {
            taken[i] = true;
            pairs.push((s, i));
        }
    }
    for &(s, i) in &pairs {
        let id = &found[i];
        let paired = PairedId {
            rule_id: id.rule_id.clone(),
            value: id.secret().to_string(),
            line: id.start_line,
            column: id.start_column,
        };
        if let Detail::Secret(m) = &mut found[s].detail {
            m.paired = Some(Box::new(paired));
            m.evidence.push(Evidence::Paired);
        }
    }
    let mut index = 0;
    found.retain(|_| {
        let keep = !taken[index];
        index += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::test_support::secret_finding;
    use crate::rules::{builtin_rules, RuleSet};

    fn finding(rule: &str, line: usize, secret: &str) -> Finding {
        let mut f = secret_finding("creds");
        f.rule_id = rule.into();
        f.start_line = line;
        f.end_line = line;
        if let Detail::Secret(m) = &mut f.detail {
            m.secret = secret.into();
        }
        f
    }

    #[test]
    fn the_nearest_id_within_reach_is_folded_into_its_secret() {
        let rules = RuleSet::new(builtin_rules().unwrap()).unwrap();
        let mut found = vec![
            finding("aws-access-key-id", 1, "AKIAFIRST"),
            finding("aws-secret-access-key", 2, "first-secret"),
            finding("aws-access-key-id", 20, "AKIALONE"),
            finding("aws-secret-access-key", 30, "lone-secret"),
        ];
        pair_up(&rules, &mut found);
        let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, ["aws-secret-access-key", "aws-access-key-id", "aws-secret-access-key"]);
        let paired = found[0].paired().unwrap();
        assert_eq!((paired.value.as_str(), paired.line), ("AKIAFIRST", 1));
        assert!(matches!(&found[0].detail, Detail::Secret(m) if m.evidence.contains(&Evidence::Paired)));
        // Ten lines apart: two findings, neither paired.
        assert!(found[1].paired().is_none() && found[2].paired().is_none());
    }

    #[test]
    fn every_builtin_pair_names_another_builtin_rule() {
        let rules = builtin_rules().unwrap();
        for r in &rules {
            for other in &r.pair_with {
                assert!(other != &r.id && rules.iter().any(|o| &o.id == other), "{}: pair_with {other}", r.id);
            }
        }
        assert!(rules.iter().any(|r| !r.pair_with.is_empty()));
    }

    #[test]
    fn each_id_pairs_with_one_secret_only() {
        let rules = RuleSet::new(builtin_rules().unwrap()).unwrap();
        let mut found = vec![
            finding("aws-secret-access-key", 1, "one"),
            finding("aws-access-key-id", 2, "AKIAONLY"),
            finding("aws-secret-access-key", 3, "two"),
        ];
        pair_up(&rules, &mut found);
        assert_eq!(found.len(), 2);
        assert_eq!(found.iter().filter(|f| f.paired().is_some()).count(), 1);
    }
}
