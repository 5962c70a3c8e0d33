//! Telling a chosen word from a generated secret. A generic password rule sees `mysecret`, `other`,
//! `ChangePassword` as often as real passwords; real hard-coded credentials mix digits or symbols into the
//! letters (`t7#Kq2!vR9`, `S3cr3t-Prod-2024`) or are long random strings.

/// `true` for a word or a few words: letters in pronounceable chunks (split at case changes and `_ - . space`),
/// with at most four digits at the very end (`secret1`, `Summer2024` stays a word; `Passw0rd` does not).
pub fn looks_like_words(value: &str) -> bool {
    // A reference to a named thing (`@brackets`, `$default`, `:symbol`) is a word too.
    let value = value.strip_prefix(['@', '$', ':', '%']).unwrap_or(value);
    let letters_end = value.trim_end_matches(|c: char| c.is_ascii_digit());
    if value.len() - letters_end.len() > 4 || letters_end.len() < 3 || value.len() > 40 {
        return false;
    }
    if !letters_end.chars().all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.' | ' ')) {
        return false;
    }
    let chunks = chunks(letters_end);
    // Short chunks pass on their own (`I`, `Am`), so the whole value must read as English too: `QmZtRkWpLx`
    // is five two-letter chunks and no vowel.
    let letters: String = chunks.concat();
    !chunks.is_empty()
        && is_pronounceable(&letters.chars().take(20).collect::<String>())
        && chunks.len() <= 5
        && chunks.iter().all(|c| is_pronounceable(c))
}

/// Mixed character classes (two of lower, upper, digit, symbol among at least 8 characters, with both letters
/// and something else): how a generated or chosen-to-be-strong secret looks, and a mode name does not.
pub fn looks_generated(value: &str) -> bool {
    let has = |f: fn(&char) -> bool| value.chars().any(|c| f(&c));
    let lower = has(char::is_ascii_lowercase);
    let upper = has(char::is_ascii_uppercase);
    let digit = has(char::is_ascii_digit);
    let symbol = has(|c| c.is_ascii_punctuation());
    let classes = [lower, upper, digit, symbol].iter().filter(|&&b| b).count();
    value.len() >= 8 && classes >= 3 && !looks_like_words(value)
}

/// Whether `value` is the key's name or a part of it: `password: password`, `"changepassword":"ChangePassword"`,
/// `db_pass = "dbpass"`.
pub fn named_after(key: &str, value: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let (k, v) = (norm(key), norm(value));
    if v.len() < 3 || k.is_empty() {
        return false;
    }
    let last = key.rsplit(['_', '-', '.']).next().map(norm).unwrap_or_default();
    k == v || k.ends_with(&v) || (last.len() >= 4 && v.contains(&last))
}

/// Whether an identifier names a value kept for tests: one of its parts (split at `_ - .` and case changes) is
/// `test`, `fake`, `dummy`, `mock`, `stub`, `sample` or `fixture` (`TEST_API_KEY`, `fakeToken`, `mock.secret`;
/// not `latest_token` or `contest_key`, whose parts are other words).
pub fn names_a_test_value(key: &str) -> bool {
    const PARTS: &[&str] = &["test", "testing", "fake", "dummy", "mock", "mocked", "stub", "sample", "fixture"];
    chunks(key).iter().any(|c| PARTS.contains(&c.to_ascii_lowercase().as_str()))
}

/// Splits at separators and at lower-to-upper case changes: `IAmSensitive` → `I`, `Am`, `Sensitive`.
fn chunks(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if matches!(c, '_' | '-' | '.' | ' ') {
            out.extend((!cur.is_empty()).then(|| std::mem::take(&mut cur)));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase();
        cur.push(c.to_ascii_lowercase());
    }
    out.extend((!cur.is_empty()).then_some(cur));
    out
}

/// English-like: a vowel in every chunk longer than two letters, vowels at least a fifth of the letters, and no
/// run of more than three consonants (`strength` has `ngth`, random letters have many).
fn is_pronounceable(chunk: &str) -> bool {
    if chunk.len() <= 2 {
        return true;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let vowels = chunk.chars().filter(|&c| vowel(c)).count();
    if vowels == 0 || vowels * 5 < chunk.len() {
        return false;
    }
    let mut run = 0;
    for c in chunk.chars() {
        run = if vowel(c) { 0 } else { run + 1 };
        if run > 4 {
            return false;
        }
    }
    // A long chunk with no repeated structure is more likely random than one word: cap word length.
    chunk.len() <= 20 && (chunk.len() < 8 || reads_as_english(chunk))
}

/// The 150 most frequent letter pairs of English text (from published bigram counts). Words and run-together
/// phrases (`thisismypassword`) are mostly made of them; random lower-case letters (a 16-letter app password
/// such as `vzihlaquknriqlht`) are about one fifth, by chance.
const COMMON_BIGRAMS: &[&str] = &[
    "th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of", "ed", "is", "it", "al",
    "ar", "st", "to", "nt", "ng", "se", "ha", "as", "ou", "io", "le", "ve", "co", "me", "de", "hi", "ri", "ro", "ic",
    "ne", "ea", "ra", "ce", "li", "ch", "ll", "be", "ma", "si", "om", "ur", "ca", "el", "ta", "la", "ns", "di", "fo",
    "ho", "pe", "ec", "pr", "no", "ct", "us", "ac", "ot", "il", "tr", "ly", "nc", "et", "ut", "ss", "so", "rs", "un",
    "lo", "wa", "ge", "ie", "wh", "ee", "wi", "em", "ad", "ol", "rt", "po", "we", "na", "ul", "ni", "ts", "mo", "ow",
    "pa", "im", "mi", "ai", "sh", "ir", "su", "id", "os", "iv", "ia", "am", "fi", "ci", "vi", "pl", "ig", "tu", "ev",
    "ld", "ry", "mp", "fe", "bl", "ab", "gh", "ty", "op", "wo", "sa", "ay", "ex", "ke", "fr", "oo", "av", "ag", "if",
    "ap", "gr", "od", "bo", "sp", "rd", "do", "uc", "bu", "ei", "ov", "by", "rm", "ep", "tt", "oc", "fa", "ef", "cu",
];

/// At least 45 % of the chunk's letter pairs are common English ones.
fn reads_as_english(chunk: &str) -> bool {
    let b = chunk.as_bytes();
    let pairs = b.len().saturating_sub(1);
    let common = b.windows(2).filter(|w| COMMON_BIGRAMS.iter().any(|c| c.as_bytes() == *w)).count();
    pairs > 0 && common * 100 >= pairs * 45
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_not_words() {
        for w in [
            "mysecret",
            "other",
            "test",
            "MyPassword",
            "IAmSensitive",
            "ChangePassword",
            "secret1",
            "always",
            "Summer2024",
            "correct horse battery",
            "thisismypassword",
            "pygmalion",
            "blooberry",
            "centipede",
        ] {
            assert!(looks_like_words(w), "{w}");
        }
        for w in [
            "t7#Kq2!vR9",
            "S3cr3t-Prod-2024",
            "Passw0rd",
            "QmZtRkWpLx",
            "kfjqwpzmtrbx",
            "a8Fj2kLq9ZxPw3",
            "wJalrXUtnFEMIK7MDENGbPxRfiCY",
            "hunter2!",
            // Sixteen random lower-case letters, as app passwords are.
            "vzihlaquknriqlht",
        ] {
            assert!(!looks_like_words(w), "{w}");
        }
    }

    #[test]
    fn generated_and_chosen_values() {
        for v in ["Wka8xZeu^NKW", "t7#Kq2!vR9", "S3cr3t-Prod-2024"] {
            assert!(looks_generated(v), "{v}");
        }
        for v in ["always", "ChangePassword", "secret1", "bbbb"] {
            assert!(!looks_generated(v), "{v}");
        }
    }

    #[test]
    fn values_named_after_their_key() {
        assert!(named_after("password", "password"));
        assert!(named_after("changepassword", "ChangePassword"));
        assert!(named_after("db_password", "mypassword"));
        assert!(!named_after("db_password", "t7#Kq2!vR9"));
        assert!(!named_after("ansible_password", "other"));
    }
}
