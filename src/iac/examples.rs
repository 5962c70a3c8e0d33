//! Runs every check's own `bad` and `good` example through [`lint`](super::lint), as a user's file would be:
//! `bad` must yield at least one finding of its check, `good` none, and both must parse. The IaC side of what
//! `engine::check` does for the secret rules' examples; `cargo test` runs it over every check.
use std::fmt;

use super::checks::{Check, REGISTRY};
use super::{detect, lint};

/// One failed example: the check, which example (`bad` or `good`), and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub check: &'static str,
    pub example: &'static str,
    pub message: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "check `{}`: {} example: {}", self.check, self.example, self.message)
    }
}

/// Checks the examples of every registered check; empty when all hold.
pub fn check_examples() -> Vec<ExampleFailure> {
    REGISTRY.iter().flat_map(|c| [example(c, "bad", c.info.bad), example(c, "good", c.info.good)]).flatten().collect()
}

fn example(check: &Check, which: &'static str, text: &str) -> Option<ExampleFailure> {
    let fail = |message: String| Some(ExampleFailure { check: check.info.id, example: which, message });
    let path = check.example_path;
    let format = match detect(path, text.as_bytes()) {
        Some(f) if check.info.formats.contains(&f) => f,
        other => return fail(format!("{path} is detected as {other:?}, not one of the check's formats")),
    };
    let outcome = lint(path, text.as_bytes(), format);
    if let Some(w) = &outcome.parse_warning {
        return fail(format!("does not parse as {path}: line {:?}: {}", w.line, w.message));
    }
    if let Some(why) = &outcome.skipped_reason {
        return fail(format!("not linted: {why}"));
    }
    let own = outcome.findings.iter().filter(|f| f.check_id == check.info.id).count();
    match (which, own) {
        ("bad", 0) => fail("has no finding of its check".to_string()),
        ("good", n) if n > 0 => fail(format!("has {n} finding(s) of its check")),
        _ => None,
    }
}
