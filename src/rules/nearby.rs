//! A name-keyed rule's second form: the provider's name **near** the value rather than in its assignment.
//!
//! A `medium` rule (a bare 32-hex or base62 key that only the provider's name identifies) is written for the
//! usual shape, `ABYSSALE_API_KEY = "…"`. Real files also name the service a little before a plainly named value:
//! a comment or log line above it (`# abyssale` / `API_KEY=…`), a phrase (`abyssale credentials: …`), a Jenkins
//! credential (`<secret>{abyssale …}</secret>`). This form finds the rule's value shape (the regex's secret
//! group, unchanged, whole: not inside a longer token) when one of the rule's names ends at most
//! [`NEARBY_REACH`] characters before it. Why 40: it covers the same assignment, the rest of the line and a short
//! line above (a comment, a log line, a YAML parent key); farther than that a name is as likely to be about
//! something else, and the value's shape alone would be claimed by every service that issues the same
//! 32-hex key.
//!
//! What lies between the name and the value must not say the value is something other than a secret
//! (`abyssale_commit_sha = …`, `abyssale user id: …`): see [`names_something_else`].
use regex_syntax::hir::Hir;

/// Characters allowed between the end of the provider's name and the start of the value.
pub const NEARBY_REACH: usize = 40;

/// Words that, between the name and the value, say the value is an identifier, a hash or an address: one of
/// them in `abyssale_commit_sha = …` makes a 40-hex value a commit id, not a key.
const NOT_A_SECRET: &[&str] = &[
    "sha",
    "sha1",
    "sha256",
    "hash",
    "commit",
    "rev",
    "revision",
    "uuid",
    "guid",
    "digest",
    "checksum",
    "version",
    "id",
    "ids",
    "url",
    "uri",
    "email",
    "mail",
    "user",
    "username",
    "login",
    "host",
    "hostname",
    "domain",
    "path",
    "file",
    "name",
    "region",
    "org",
    "organization",
    "project",
    "tenant",
    "endpoint",
    "channel",
    "model",
    "phone",
    "date",
    "time",
    "timestamp",
    "number",
    "count",
    "color",
    "colour",
    "image",
    "tag",
    "label",
    "public",
    "publishable",
    "anon",
    "search",
    "integration",
    "example",
    "sample",
    "placeholder",
    "fake",
    "dummy",
    "test",
];

/// Keywords shorter than this, or without this many letters, are too common a string to name a provider.
const MIN_NAME_LETTERS: usize = 4;
/// Words that name no provider: a keyword made only of them (`client_secret`, `session-token`, `sk_live_`) is a
/// credential's kind, not its provider.
const CREDENTIAL_WORDS: &[&str] = &[
    "access",
    "account",
    "admin",
    "api",
    "apikey",
    "app",
    "auth",
    "bearer",
    "bot",
    "client",
    "dev",
    "id",
    "key",
    "live",
    "master",
    "oauth",
    "pass",
    "password",
    "personal",
    "pk",
    "private",
    "privatekey",
    "prod",
    "public",
    "refresh",
    "secret",
    "service",
    "session",
    "signing",
    "sk",
    "test",
    "token",
    "user",
    "webhook",
];

/// The nearby form's regex for a rule, or `None` when the rule has no usable name or value shape. Group `name`
/// is the provider's name, group `secret` the value.
pub fn nearby_regex(keywords: &[String], regex_source: &str) -> Option<String> {
    let names: Vec<String> = keywords.iter().filter(|k| is_name(k)).map(|k| regex_syntax::escape(k)).collect();
    if names.is_empty() {
        return None;
    }
    let value = value_shape(regex_source)?;
    Some(format!(
        r"(?:^|[^A-Za-z])(?P<name>(?i:{names}))(?s:.){{0,{reach}}}?(?:^|[^A-Za-z0-9_.-])(?P<secret>{value})(?:[^A-Za-z0-9_.-]|\.(?:[^A-Za-z0-9_-]|$)|$)",
        names = names.join("|"),
        reach = NEARBY_REACH - 1,
    ))
}

/// Whether the text between the name and the value says the value is not a secret.
pub fn names_something_else(between: &[u8]) -> bool {
    words(between).any(|w| NOT_A_SECRET.contains(&w.as_str()))
}

/// The lower-cased words of some text: split at anything not a letter or digit, and at a lower-to-upper case
/// change (`abyssaleCommitSha` has the words `abyssale`, `commit`, `sha`).
fn words(text: &[u8]) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for &b in text {
        let starts_new = !b.is_ascii_alphanumeric() || (prev_lower && b.is_ascii_uppercase());
        if starts_new && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if b.is_ascii_alphanumeric() {
            word.push(b.to_ascii_lowercase() as char);
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.into_iter()
}

/// Whether a keyword names a provider (not `api_`, `token`, a two-letter code).
pub(super) fn is_name(keyword: &str) -> bool {
    keyword.bytes().filter(u8::is_ascii_alphabetic).count() >= MIN_NAME_LETTERS
        && keyword.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' '))
        && !keyword
            .split(['_', '-', '.', ' '])
            .filter(|part| !part.is_empty())
            .all(|part| CREDENTIAL_WORDS.contains(&part) || part.bytes().all(|b| b.is_ascii_digit()))
}

/// The rule's secret group as a regex of its own, printed from the parsed pattern so that flags set outside
/// the group (`(?i)`) carry over.
fn value_shape(regex_source: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(regex_source).ok()?;
    let group: &Hir = super::rule_regex::secret_group(&hir)?;
    // A value that may be empty or a single character is no shape at all.
    (group.properties().minimum_len().unwrap_or(0) >= 8).then(|| group.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(keywords: &[&str], source: &str) -> regex::bytes::Regex {
        let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        regex::bytes::Regex::new(&nearby_regex(&keywords, source).unwrap()).unwrap()
    }

    fn found(re: &regex::bytes::Regex, text: &str) -> Option<String> {
        re.captures(text.as_bytes()).map(|c| String::from_utf8_lossy(&c["secret"]).into_owned())
    }

    #[test]
    fn the_value_may_follow_the_name_on_the_next_line() {
        let re = re(&["abyssale"], r"(?i)abyssale[\w.-]{0,20}key\s*=\s*(?P<secret>[A-Za-z0-9]{40})\b");
        let text = "[INFO] Sending request to abyssale API\n  [DEBUG] Using API_KEY=rWE8I0axy6Fvw40RE8tsNS3L7zBU5vAhEnW4hq9G\n";
        assert_eq!(found(&re, text).as_deref(), Some("rWE8I0axy6Fvw40RE8tsNS3L7zBU5vAhEnW4hq9G"));
        // Farther than the reach: the name is about something else.
        let far = "abyssale is mentioned here, and much later on: API_KEY=rWE8I0axy6Fvw40RE8tsNS3L7zBU5vAhEnW4hq9G";
        assert_eq!(found(&re, far), None);
        // Inside a longer token, or after a letter-glued name, it is no match.
        assert_eq!(found(&re, "abyssale: rWE8I0axy6Fvw40RE8tsNS3L7zBU5vAhEnW4hq9Gx"), None);
        assert_eq!(found(&re, "notabyssale: rWE8I0axy6Fvw40RE8tsNS3L7zBU5vAhEnW4hq9G"), None);
    }

    #[test]
    fn the_value_keeps_the_rules_case_rules() {
        let re = re(&["meraki"], r"(?i:meraki[\w.-]{0,20}token)\s*=\s*(?P<secret>(?-i:[a-f0-9]{40}))\b");
        assert!(found(&re, "meraki token = 'e9e0f062f587b423bb6cc6328eb786d75b45783e'").is_some());
        assert_eq!(found(&re, "meraki token = 'E9E0F062F587B423BB6CC6328EB786D75B45783E'"), None);
    }

    #[test]
    fn words_between_that_name_an_identifier_are_seen() {
        assert!(names_something_else(b"_commit_sha = \""));
        assert!(names_something_else(b"UserId: "));
        assert!(!names_something_else(b" API\n  [DEBUG] Using API_KEY="));
        assert!(!names_something_else(b"_ACCESS_TOKEN=\""));
    }

    #[test]
    fn keywords_that_name_no_provider_give_no_form() {
        let keys = vec!["api_".to_string(), "box".to_string(), "client_secret".to_string(), "sk_live_".to_string()];
        assert_eq!(nearby_regex(&keys, r"(?P<secret>[a-f0-9]{32})"), None);
        // A value shape of a few characters is none.
        assert_eq!(nearby_regex(&["abyssale".to_string()], r"abyssale=(?P<secret>\w+)"), None);
    }
}
