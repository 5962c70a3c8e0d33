//! A rule's context: facts a verifier needs that sit beside the secret rather than in it — a service-account
//! key file's `client_email` and `token_uri` around its `private_key`, a connection string's `AccountName`
//! before its `AccountKey`. Each is a regex whose first group is the value, tried within [`REACH`] bytes either
//! side of the secret; the match nearest the secret wins, so a file holding several key files pairs each key
//! with its own fields. The values ride on the finding for `scan --verify` only: reports never show them.
use std::collections::BTreeMap;

use regex::bytes::Regex;

/// How far from the secret a context value may be: a Google key file puts its fields within about 2 KiB of
/// the private key either side.
pub const REACH: usize = 4096;

/// Longest value kept: an e-mail address, a URL, an account name.
const MAX_VALUE: usize = 256;

/// The values of `patterns` nearest the secret at `start..end` of `content`.
pub fn capture(patterns: &[(String, Regex)], content: &[u8], start: usize, end: usize) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if patterns.is_empty() {
        return out;
    }
    let from = start.saturating_sub(REACH);
    let to = (end + REACH).min(content.len());
    let window = &content[from..to];
    for (name, re) in patterns {
        let nearest = re
            .captures_iter(window)
            .filter_map(|c| c.get(1))
            .filter(|m| !m.is_empty() && m.len() <= MAX_VALUE)
            .min_by_key(|m| {
                let (s, e) = (from + m.start(), from + m.end());
                if e <= start {
                    start - e
                } else {
                    s.saturating_sub(end)
                }
            });
        if let Some(m) = nearest {
            if let Ok(v) = std::str::from_utf8(m.as_bytes()) {
                out.insert(name.clone(), v.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::capture;
    use regex::bytes::Regex;

    #[test]
    fn the_value_nearest_the_secret_is_taken() {
        let patterns = vec![("name".to_string(), Regex::new(r"AccountName=([a-z0-9]+)").unwrap())];
        let text = b"AccountName=first;AccountKey=K1\nAccountName=second;AccountKey=K2\n";
        let at = text.windows(2).rposition(|w| w == b"K2").unwrap();
        assert_eq!(capture(&patterns, text, at, at + 2)["name"], "second");
        let at = text.windows(2).position(|w| w == b"K1").unwrap();
        assert_eq!(capture(&patterns, text, at, at + 2)["name"], "first");
        assert!(capture(&patterns, b"AccountKey=K3", 11, 13).is_empty());
    }

    #[test]
    fn values_beyond_reach_are_not_taken() {
        let patterns = vec![("email".to_string(), Regex::new(r#""client_email": "([^"]+)""#).unwrap())];
        let mut text = br#""client_email": "a@b.iam.gserviceaccount.com""#.to_vec();
        text.extend(std::iter::repeat_n(b' ', super::REACH + 10));
        let at = text.len();
        text.extend_from_slice(b"SECRET");
        assert!(capture(&patterns, &text, at, at + 6).is_empty());
    }
}
