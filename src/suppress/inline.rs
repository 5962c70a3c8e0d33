//! Inline markers: a line containing `leakgate:allow` is not reported. `leakgate:allow rule-a rule-b` limits
//! it to those rules. `gitleaks:allow` and `pragma: allowlist secret` (detect-secrets) are honoured too, so
//! teams migrating keep their existing annotations.

const FOREIGN_MARKERS: &[&str] = &["gitleaks:allow", "pragma: allowlist secret"];
const MARKER: &str = "leakgate:allow";

pub fn allows(line: &str, rule_id: &str) -> bool {
    if FOREIGN_MARKERS.iter().any(|m| line.contains(m)) {
        return true;
    }
    let mut rest = line;
    while let Some(i) = rest.find(MARKER) {
        let after = &rest[i + MARKER.len()..];
        let ids: Vec<&str> = after
            .split(|c: char| c.is_whitespace() || c == ',')
            .skip_while(|s| s.is_empty())
            .take_while(|s| looks_like_rule_id(s))
            .filter(|s| !s.is_empty())
            .collect();
        if ids.is_empty() || ids.contains(&rule_id) {
            return true;
        }
        rest = after;
    }
    false
}

fn looks_like_rule_id(s: &str) -> bool {
    s.is_empty() || (s.contains('-') && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::allows;

    #[test]
    fn markers() {
        assert!(allows("key = 'abc' # leakgate:allow", "any-rule"));
        assert!(allows("key = 'abc' // gitleaks:allow", "any-rule"));
        assert!(allows("key = 'abc'  # pragma: allowlist secret", "any-rule"));
        assert!(allows("acl = \"public-read\" # leakgate:allow iac-s3-public-acl", "iac-s3-public-acl"));
        assert!(!allows("acl = \"public-read\" # leakgate:allow iac-s3-public-acl", "github-classic-pat"));
        assert!(allows("# leakgate:allow iac-a, iac-b static site", "iac-b"));
        assert!(!allows("key = 'abc'", "any-rule"));
    }
}
