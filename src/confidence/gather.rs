//! Reading the named evidence (`crate::evidence::Evidence`) off one match: its line, its value, its path.
use super::{paths, words, Evidence};

/// What the scoring step knows about one match.
pub struct Facts<'a> {
    /// The quoted line the secret starts on.
    pub line: &'a str,
    pub secret: &'a str,
    /// Relative to what was scanned.
    pub path: &'a str,
    /// The rule recognises a shape (`password = …`) rather than one provider's format.
    pub generic: bool,
    pub validated: bool,
    /// Entropy at least a bit per character above the rule's floor.
    pub strong_entropy: bool,
    /// A generic rule's value that starts like a provider's token (`crate::rules::prefixes`).
    pub provider_look_alike: bool,
}

/// The evidence that applies to one match, raises first.
pub fn gather(f: &Facts<'_>) -> Vec<Evidence> {
    let mut out = Vec::new();
    if f.validated {
        out.push(Evidence::Validated);
    }
    if f.strong_entropy && !f.validated {
        out.push(Evidence::StrongEntropy);
    }
    // Context on the line only where the secret is on it (a private key spans lines).
    if let Some(at) = f.line.find(f.secret) {
        let (before, after) = (&f.line[..at], &f.line[at + f.secret.len()..]);
        // `password == "Wka8xZeu^NKW"` is a hard-coded credential check, not a mode name: only a value that does
        // not look generated counts as compared.
        if is_comparison(before, after) && !words::looks_generated(f.secret) {
            out.push(Evidence::Comparison);
        }
        if f.generic {
            // Only for generic rules: a provider's own variable may say `test` (`KNAPSACK_PRO_TEST_SUITE_TOKEN`,
            // Stripe's test-mode keys), and its token is no less a credential for it.
            if key_name(before).is_some_and(words::names_a_test_value) {
                out.push(Evidence::TestConstant);
            }
            if key_name(before).is_some_and(|key| words::named_after(key, f.secret)) {
                out.push(Evidence::NamedAfterKey);
            } else if words::looks_like_words(f.secret) {
                out.push(Evidence::WordLike);
            }
        }
        // Only for credentials in a URL or DSN (`user:pass@host`): a provider token that happens to sit before an
        // `@` (an author e-mail made of a token) keeps its confidence.
        if f.generic && after.starts_with('@') {
            let host = after[1..].split(is_host_end).next().unwrap_or("");
            if paths::is_example_host(host) {
                out.push(Evidence::ExampleHost);
            }
        }
        if f.generic && paths::is_source_code(f.path) && is_comment_line(f.line) {
            out.push(Evidence::DocComment);
        }
    }
    if f.provider_look_alike {
        out.push(Evidence::ProviderLookAlike);
    }
    if paths::is_test_or_doc(f.path) {
        out.push(Evidence::TestOrDocPath);
    }
    out
}

fn is_host_end(c: char) -> bool {
    matches!(c, '/' | ':' | '?' | '#' | '"' | '\'' | '`' | ' ' | '\t' | '>' | ')' | ']' | ',' | ';' | '\\')
}

/// `x == 'value'`, `'value' != x`, `x.equals("value")`, `[ "$x" -eq value ]`.
fn is_comparison(before: &str, after: &str) -> bool {
    let quotes: &[char] = &['"', '\'', '`', ' ', '\t', '('];
    let b = before.trim_end_matches(quotes);
    let a = after.trim_start_matches(['"', '\'', '`', ' ', '\t', ')']);
    let b = b.to_ascii_lowercase();
    ["==", "!=", "<>", ".equals", "equalsignorecase", " eq", " ne", "-eq", "-ne", " is", " is not"]
        .iter()
        .any(|op| b.ends_with(op))
        || a.starts_with("==")
        || a.starts_with("!=")
}

/// The identifier a value is assigned to: `db.password` in `db.password = "…"`, `data2_password` in
/// `data2_password: test`, `changepassword` in `"changepassword":"…"`.
/// The name a value is assigned to on its line (`DB_PASSWORD` in `DB_PASSWORD = "…"`).
pub(super) fn key_name(before: &str) -> Option<&str> {
    let t = before.trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let t = t
        .strip_suffix(":=")
        .or_else(|| t.strip_suffix("=>"))
        .or_else(|| t.strip_suffix('='))
        .or_else(|| t.strip_suffix(':'))?;
    let t = t.trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let start = t.rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))).map_or(0, |i| i + 1);
    let key = &t[start..];
    (!key.is_empty()).then_some(key)
}

fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    ["#", "//", "/*", "* ", "--", ">>>", "...", ";", "%", "\"\"\"", "'''"].iter().any(|p| t.starts_with(p)) || t == "*"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Confidence;

    fn facts<'a>(line: &'a str, secret: &'a str, path: &'a str) -> Facts<'a> {
        Facts { line, secret, path, generic: true, validated: false, strong_entropy: false, provider_look_alike: false }
    }

    #[test]
    fn comparisons_are_seen_on_either_side() {
        assert!(is_comparison("if self.update_password == '", "' and x"));
        assert!(is_comparison("if mode != \"", "\":"));
        assert!(is_comparison("if (\"", "\" == mode)"));
        assert!(is_comparison("if pw.equals(\"", "\")"));
        assert!(!is_comparison("password = \"", "\""));
    }

    #[test]
    fn keys_are_read_from_assignments() {
        assert_eq!(key_name("  data2_password: "), Some("data2_password"));
        assert_eq!(key_name("{\"changepassword\":\""), Some("changepassword"));
        assert_eq!(key_name("db.password = '"), Some("db.password"));
        assert_eq!(key_name("connect('"), None);
    }

    #[test]
    fn issue_examples_are_low_and_real_passwords_are_not() {
        let low = |line: &str, secret: &str, path: &str| {
            let e = gather(&facts(line, secret, path));
            e.iter().fold(Confidence::Medium, |l, e| e.apply(l))
        };
        assert_eq!(
            low("if self.update_password == 'always' and self.password is not None", "always", "m.py"),
            Confidence::Low
        );
        assert_eq!(
            low("'http://mary:MyPassword@www.acme.com:9000/dir/index.html'", "MyPassword", "u.py"),
            Confidence::Low
        );
        assert_eq!(low("ansible_password: other", "other", "play.yml"), Confidence::Low);
        assert_eq!(low("\"changepassword\":\"ChangePassword\"", "ChangePassword", "t.json"), Confidence::Low);
        assert_eq!(low("# pwdhash => \"$6$/abc\"", "$6$/abc", "filters/hash.py"), Confidence::Low);
        assert_eq!(low("DB_PASSWORD = \"t7#Kq2!vR9\"", "t7#Kq2!vR9", "app/settings.py"), Confidence::Medium);
        assert_eq!(
            low("spring.datasource.password=S3cr3t-Prod-2024", "S3cr3t-Prod-2024", "application.properties"),
            Confidence::Medium
        );
        assert_eq!(
            low("url = 'postgres://app:Vq8#nW2x@db.internal.corp:5432/app'", "Vq8#nW2x", "cfg.py"),
            Confidence::Medium
        );
        // A commented-out secret in a config file is still a leak.
        assert_eq!(low("# DB_PASSWORD=t7#Kq2!vR9", "t7#Kq2!vR9", ".env"), Confidence::Medium);
    }
}
