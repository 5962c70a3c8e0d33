//! `iac-docker-secret-in-env`: a credential written into the image through `ENV` or an `ARG` default.
//!
//! Names are judged by words (`DB_PASSWORD`, `dbPassword`, `NPM_TOKEN`, `SECRET_KEY_BASE` are secrets;
//! `PASSWORD_FILE`, `TOKEN_TTL`, `AWS_ACCESS_KEY_ID` name something else), values must be literals: a pure
//! `$VAR` reference, an empty value or a boolean flag is not a secret. The value never appears in the message.
use super::{Check, Hit, Run, DOCKERFILE};
use crate::iac::dockerfile::{assignments, Dockerfile};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-docker-secret-in-env",
    title: "Secret passed through ENV or ARG",
    severity: Severity::High,
    formats: DOCKERFILE,
    what: "An `ENV` or an `ARG` default gives a literal value to a name such as `*_PASSWORD`, `*_TOKEN`, \
           `*_SECRET`, `API_KEY`, `PRIVATE_KEY` or `SECRET_KEY`.",
    why: "`ENV` values are stored in the image configuration and `ARG` values in its build history: anyone who \
          can pull the image can read them with `docker inspect` or `docker history`, and the value is also \
          committed to the repository.",
    fix: "Pass secrets at build time with BuildKit secret mounts (`RUN --mount=type=secret,id=npm_token …`) and \
          at run time through the orchestrator's secret store; point the app at a file (`DB_PASSWORD_FILE`).",
    bad: "FROM alpine:3.19\nENV DB_PASSWORD=hunter2",
    good:
        "FROM alpine:3.19\nRUN --mount=type=secret,id=db_password ./configure --password-file /run/secrets/db_password",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 200, example_path: "Dockerfile", run: Run { dockerfile: Some(check), ..Run::NONE } };

const SECRET_WORDS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS"];
const SECRET_PAIRS: &[(&str, &str)] = &[("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY")];
/// A last word that makes the name describe a secret rather than hold one.
const NOT_A_VALUE: &[&str] = &[
    "FILE", "PATH", "DIR", "NAME", "URL", "URI", "ENDPOINT", "ID", "TTL", "TIMEOUT", "LENGTH", "LEN", "EXPIRY",
    "EXPIRES", "TYPE", "HEADER", "PREFIX", "ENABLED", "REQUIRED", "MODE", "SIZE", "COUNT", "VERSION", "HOST", "PORT",
    "USER", "USERNAME", "LOCATION", "ARN", "REF", "ENV", "VAR",
];

/// Upper-case words of a variable name, splitting on `_`, `-`, `.` and camelCase humps.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn is_secret_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else { return false };
    if NOT_A_VALUE.contains(&last.as_str()) {
        return false;
    }
    w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()))
        || w.windows(2).any(|p| SECRET_PAIRS.iter().any(|(a, b)| p[0] == *a && p[1] == *b))
}

fn is_literal(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || ["true", "false", "yes", "no"].iter().any(|b| v.eq_ignore_ascii_case(b)) {
        return false;
    }
    // `$VAR` / `${VAR}` / `${VAR:-}`: passed through, not written here.
    let reference = v
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .map(|r| r.split(":-").nth(1).is_none_or(str::is_empty))
        .unwrap_or_else(|| {
            v.strip_prefix('$').is_some_and(|r| r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        });
    !reference
}

pub fn check(df: &Dockerfile, out: &mut Vec<Hit>) {
    for ins in df.instructions().filter(|i| i.keyword == "ENV" || i.keyword == "ARG") {
        for a in assignments(ins) {
            let literal = a.value.as_deref().is_some_and(is_literal);
            if literal && is_secret_name(&a.name) {
                let what = if ins.keyword == "ENV" { "ENV" } else { "ARG default" };
                out.push(Hit::new(
                    &INFO,
                    ins.line_at(a.offset),
                    format!("{} {}", ins.keyword, a.name),
                    format!("{what} {} holds a literal value baked into the image", a.name),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in
            ["DB_PASSWORD", "dbPassword", "NPM_TOKEN", "SECRET_KEY_BASE", "API_KEY", "apiKey", "AWS_SECRET_ACCESS_KEY"]
        {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in
            ["PASSWORD_FILE", "TOKEN_TTL", "AWS_ACCESS_KEY_ID", "SECRET_NAME", "KEYBOARD", "NODE_ENV", "TOKENIZER_PATH"]
        {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn values() {
        assert!(is_literal("hunter2"));
        assert!(is_literal("${PW:-hunter2}"));
        assert!(!is_literal("${PW}"));
        assert!(!is_literal("$PW"));
        assert!(!is_literal(""));
        assert!(!is_literal("false"));
    }
}
