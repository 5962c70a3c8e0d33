//! Values that look like a secret's shape but are documentation or templates: `AKIAIOSFODNN7EXAMPLE`,
//! `xxxxxxxx`, `${TOKEN}`, `<your-api-key>`, `changeme`, one repeated character, `abcdef…`/`123456…` runs.
//! Reporting them trains people to ignore the tool, so every rule passes its candidates through here.

/// Why a value is a placeholder, or `None` if it may be a real secret.
pub fn placeholder_reason(secret: &str) -> Option<&'static str> {
    let lower = secret.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "change-me",
        "replaceme",
        "replace_me",
        "replace-me",
        "redacted",
        "your_",
        "your-",
        "yoursecret",
        "yourkey",
        "yourtoken",
        "yourapi",
        "yourpass",
        "youraccess",
        "yourclient",
        "insert_",
        "insert-",
        "dummy",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return Some("placeholder word");
    }
    // Not `____`: real tokens have fixed underscore runs (new Heroku keys carry five).
    if lower.contains("xxxx") || secret.contains("****") || secret.contains("....") {
        return Some("masked value");
    }
    if is_template(secret) {
        return Some("template or variable reference");
    }
    if is_one_repeated_char(secret) {
        return Some("one repeated character");
    }
    if has_sequential_run(secret.as_bytes(), 6) {
        return Some("sequential characters");
    }
    None
}

fn is_template(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("${")
        || t.starts_with("$(")
        || t.starts_with("{{")
        || t.starts_with("%(")
        || t.starts_with("#{")
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('[') && t.ends_with(']'))
        || t.contains("${")
        || t.contains("{{")
}

fn is_one_repeated_char(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => s.len() >= 3 && chars.all(|c| c == first),
        None => false,
    }
}

/// A run of `n` or more characters each one above (or below) the previous: `abcdef`, `123456`, `987654`.
fn has_sequential_run(s: &[u8], n: usize) -> bool {
    let (mut up, mut down) = (1, 1);
    for w in s.windows(2) {
        let (a, b) = (w[0], w[1]);
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        up = if alnum && b == a.wrapping_add(1) { up + 1 } else { 1 };
        down = if alnum && a == b.wrapping_add(1) { down + 1 } else { 1 };
        if up >= n || down >= n {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::placeholder_reason;

    #[test]
    fn each_placeholder_filter_fires() {
        for (value, reason) in [
            ("AKIAIOSFODNN7EXAMPLE", "placeholder word"),
            ("your_api_key_here", "placeholder word"),
            ("sk_live_YourSecretKeyHere", "placeholder word"),
            ("changeme", "placeholder word"),
            ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "masked value"),
            ("${GITHUB_TOKEN}", "template or variable reference"),
            ("{{ .Values.token }}", "template or variable reference"),
            ("<your-token>", "placeholder word"),
            ("<token>", "template or variable reference"),
            ("aaaaaaaaaaaaaaaa", "one repeated character"),
            ("sk_live_abcdefghij", "sequential characters"),
            ("key-1234567890", "sequential characters"),
            ("zyxwvu98", "sequential characters"),
        ] {
            assert_eq!(placeholder_reason(value), Some(reason), "{value}");
        }
    }

    #[test]
    fn random_tokens_pass() {
        for value in ["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", "9f3c2a71d04be85c", "super$ecret", "Xk29#pLm"] {
            assert_eq!(placeholder_reason(value), None, "{value}");
        }
    }
}
