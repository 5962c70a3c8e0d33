//! The Go-to-Rust regex translation on arbitrary patterns. The first byte picks the mode (rule or text regex)
//! and the secret group. A translation that Rust compiles must have the capture groups it claims, with the
//! secret group named `secret` where one was asked for.
#![no_main]
use leakgate::config::go_regex::{translate, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(go) = std::str::from_utf8(rest) else { return };
    let mode = if selector & 1 == 0 { Mode::Rule } else { Mode::Text };
    let secret_group = match (selector >> 1) % 4 {
        0 => None,
        n => Some(n as usize),
    };
    let Ok(t) = translate(go, mode, secret_group) else { return };
    // The same builders leakgate compiles these with (rules::rule and rules::allowlist).
    let compiled = match mode {
        Mode::Rule => regex::bytes::RegexBuilder::new(&t.pattern)
            .unicode(false)
            .multi_line(true)
            .size_limit(1 << 24)
            .build()
            .map(|r| (r.captures_len(), r.capture_names().position(|n| n == Some("secret")))),
        Mode::Text => regex::RegexBuilder::new(&t.pattern)
            .size_limit(1 << 24)
            .build()
            .map(|r| (r.captures_len(), r.capture_names().position(|n| n == Some("secret")))),
    };
    let Ok((captures, secret_at)) = compiled else { return };
    assert_eq!(captures - 1, t.groups, "group count of {go:?} -> {:?}", t.pattern);
    if let Some(n) = secret_group {
        assert_eq!(secret_at, Some(n), "secret group of {go:?} -> {:?}", t.pattern);
    }
});
