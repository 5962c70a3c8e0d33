//! A secret a test asserts on: the value written, here or again elsewhere in the same content, on an assertion
//! line (`assert resp.token == "…"`, `expect(token).toBe("…")`, `assertEquals("…", key)`). Such a value is the
//! test's own constant, compared with what the code under test produced, not a credential someone pasted in.

/// Values shorter than this occur too often by chance (`admin`, `secret1`) to tie two lines together.
const MIN_LEN: usize = 8;
/// Enough repeats to find the assertion among them; a value written more often than this is read no further.
const MAX_REPEATS: usize = 64;

/// Words that start an assertion in common test frameworks, lower-cased (pytest and unittest, JUnit, RSpec,
/// Jest/Chai, Go's testify, Rust's `assert_eq!`, PHPUnit).
const ASSERTION_MARKS: &[&str] = &["assert", "expect(", ".should", ".to eq", "tobe(", "toequal(", "require.equal"];

/// Whether the secret at `at`, or the same value elsewhere in `content`, is on an assertion line.
pub fn asserted(content: &[u8], secret: &[u8], at: usize) -> bool {
    if secret.len() < MIN_LEN {
        return false;
    }
    is_assertion_line(line_around(content, at))
        || memchr::memmem::find_iter(content, secret)
            .filter(|&i| i != at)
            .take(MAX_REPEATS)
            .any(|i| is_assertion_line(line_around(content, i)))
}

fn line_around(content: &[u8], i: usize) -> &[u8] {
    let start = memchr::memrchr(b'\n', &content[..i]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &content[i..]).map_or(content.len(), |p| i + p);
    &content[start..end]
}

fn is_assertion_line(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    ASSERTION_MARKS.iter().any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some())
}

#[cfg(test)]
mod tests {
    use super::asserted;

    fn check(content: &str, secret: &str) -> bool {
        let at = content.find(secret).unwrap();
        asserted(content.as_bytes(), secret.as_bytes(), at)
    }

    #[test]
    fn a_value_the_test_asserts_on_is_a_test_constant() {
        let py = "TOKEN = 'ghp_R4nd0mV4lu3X'\n\ndef test_login():\n    assert client.token == 'ghp_R4nd0mV4lu3X'\n";
        assert!(check(py, "ghp_R4nd0mV4lu3X"));
        let js = "const key = \"k8Jd2mQx9Lp\";\nexpect(config.apiKey).toBe(\"k8Jd2mQx9Lp\");\n";
        assert!(check(js, "k8Jd2mQx9Lp"));
        let java = "String pw = \"Zq8#vW2xK\";\nassertEquals(\"Zq8#vW2xK\", conn.password());\n";
        assert!(check(java, "Zq8#vW2xK"));
    }

    #[test]
    fn a_value_used_again_without_an_assertion_is_not() {
        let env = "DB_PASSWORD=Zq8#vW2xK\nDATABASE_URL=postgres://app:Zq8#vW2xK@db:5432/app\n";
        assert!(!check(env, "Zq8#vW2xK"));
        // An assertion on another line, about something else, says nothing of this value.
        let one = "assert_valid_config()\ntoken = 'k8Jd2mQx9Lp'\n";
        assert!(!check(one, "k8Jd2mQx9Lp"));
        // On the value's own line it does.
        assert!(check("    self.assertEqual(login('k8Jd2mQx9Lp'), 200)\n", "k8Jd2mQx9Lp"));
        // Short values tie nothing together.
        assert!(!check("pw = 'hunter2'\nassert pw == 'hunter2'\n", "hunter2"));
    }
}
