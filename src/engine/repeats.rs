//! A secret a test asserts on: the value written, here or again nearby in the same content, on an assertion
//! line (`assert resp.token == "…"`, `expect(token).toBe("…")`, `assertEquals("…", key)`). Such a value is the
//! test's own constant, compared with what the code under test produced, not a credential someone pasted in.
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

/// Values shorter than this occur too often by chance (`admin`, `secret1`) to tie two lines together.
const MIN_LEN: usize = 8;
/// How far from the secret an assertion may be: a test module's constants and the tests that use them, not a
/// whole generated file (which would make every secret cost a pass over the file).
const REACH: usize = 64 * 1024;

/// Words that start an assertion in common test frameworks (pytest and unittest, JUnit, RSpec, Jest/Chai, Go's
/// testify, Rust's `assert_eq!`, PHPUnit), matched in any letter case.
const ASSERTION_MARKS: &[&str] = &["assert", "expect(", ".should", ".to eq", "tobe(", "toequal(", "require.equal"];

fn marks() -> &'static AhoCorasick {
    static MARKS: OnceLock<AhoCorasick> = OnceLock::new();
    MARKS.get_or_init(|| {
        AhoCorasickBuilder::new().ascii_case_insensitive(true).build(ASSERTION_MARKS).expect("fixed patterns")
    })
}

/// The assertion lines of one piece of content, found in one pass.
pub struct Assertions {
    lines: Vec<Range<usize>>,
}

impl Assertions {
    pub fn empty() -> Assertions {
        Assertions { lines: Vec::new() }
    }

    pub fn find(content: &[u8]) -> Assertions {
        let mut lines: Vec<Range<usize>> = Vec::new();
        for m in marks().find_iter(content) {
            if lines.last().is_some_and(|l| l.contains(&m.start())) {
                continue;
            }
            // `client_assertion`, a SAML `Assertion`: a credential's own name, not a test's check.
            if content.get(m.end()..m.end() + 3).is_some_and(|next| next.eq_ignore_ascii_case(b"ion")) {
                continue;
            }
            let start = memchr::memrchr(b'\n', &content[..m.start()]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &content[m.start()..]).map_or(content.len(), |p| m.start() + p);
            lines.push(start..end);
        }
        Assertions { lines }
    }

    /// Whether the secret at `at` is on an assertion line, or written on one within `REACH` bytes of it.
    pub fn cover(&self, content: &[u8], secret: &[u8], at: usize) -> bool {
        if secret.len() < MIN_LEN {
            return false;
        }
        let (lo, hi) = (at.saturating_sub(REACH), at.saturating_add(REACH));
        let first = self.lines.partition_point(|l| l.end < lo);
        self.lines[first..]
            .iter()
            .take_while(|l| l.start <= hi)
            .any(|l| l.contains(&at) || memchr::memmem::find(&content[l.clone()], secret).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::Assertions;

    fn check(content: &str, secret: &str) -> bool {
        let at = content.find(secret).unwrap();
        Assertions::find(content.as_bytes()).cover(content.as_bytes(), secret.as_bytes(), at)
    }

    #[test]
    fn a_value_the_test_asserts_on_is_a_test_constant() {
        let py = "TOKEN = 'ghp_R4nd0mV4lu3X'\n\ndef test_login():\n    assert client.token == 'ghp_R4nd0mV4lu3X'\n";
        assert!(check(py, "ghp_R4nd0mV4lu3X"));
        let js = "const key = \"k8Jd2mQx9Lp\";\nexpect(config.apiKey).toBe(\"k8Jd2mQx9Lp\");\n";
        assert!(check(js, "k8Jd2mQx9Lp"));
        let java = "String pw = \"Zq8#vW2xK\";\nassertEquals(\"Zq8#vW2xK\", conn.password());\n";
        assert!(check(java, "Zq8#vW2xK"));
        // On the value's own line.
        assert!(check("    self.assertEqual(login('k8Jd2mQx9Lp'), 200)\n", "k8Jd2mQx9Lp"));
    }

    #[test]
    fn a_value_used_again_without_an_assertion_is_not() {
        let env = "DB_PASSWORD=Zq8#vW2xK\nDATABASE_URL=postgres://app:Zq8#vW2xK@db:5432/app\n";
        assert!(!check(env, "Zq8#vW2xK"));
        // An assertion on another line, about something else, says nothing of this value.
        assert!(!check("assert_valid_config()\ntoken = 'k8Jd2mQx9Lp'\n", "k8Jd2mQx9Lp"));
        // Short values tie nothing together.
        assert!(!check("pw = 'hunter2'\nassert pw == 'hunter2'\n", "hunter2"));
        // An OAuth client assertion is the credential itself.
        assert!(!check(
            "client_assertion = 'eyJhbGciOiJSUzI1NiJ9'\nassertion: 'eyJhbGciOiJSUzI1NiJ9'\n",
            "eyJhbGciOiJSUzI1NiJ9"
        ));
        // Nor does an assertion too far away.
        let far = format!("token = 'k8Jd2mQx9Lp'\n{}assert t == 'k8Jd2mQx9Lp'\n", "# filler\n".repeat(10_000));
        assert!(!check(&far, "k8Jd2mQx9Lp"));
    }
}
