//! Typed errors of the library. The CLI adds context and maps them to exit codes (see `cli::exit`).
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule file or a config file could not be parsed or failed validation.
    #[error("{origin}: {message}")]
    Config { origin: String, message: String },

    /// One rule is broken: bad regex, bad field, failing example.
    #[error("{origin}: rule `{rule}`: {message}")]
    Rule { origin: String, rule: String, message: String },

    /// A path given by the user does not exist or cannot be opened.
    #[error("{path}: {source}")]
    Path {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An error with what was being done when it happened (`config at BASE (1a2b3c4d)`).
    #[error("{context}: {source}")]
    Context {
        context: String,
        #[source]
        source: Box<Error>,
    },

    /// `--range BASE..HEAD` with one side empty: in CI, usually a variable that was not set (`"$BASE..$HEAD"`).
    #[error("--range `{range}`: {side} is empty (an unset variable?); expected BASE..HEAD")]
    RangeSideEmpty { range: String, side: &'static str },

    /// A range that selects no commits: reversed (`HEAD..BASE`), or BASE already contains HEAD. A PR check that
    /// scans nothing would pass whatever the PR holds.
    #[error(
        "--range `{range}` selects no commits: every commit reachable from {head} is reachable from {base} \
         (reversed?); pass --allow-empty-range if an empty range is expected"
    )]
    EmptyRange { range: String, base: String, head: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn config(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { origin: origin.into(), message: message.into() }
    }
    /// This error, said to have happened while doing `context`.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context { context: context.into(), source: Box::new(self) }
    }
    pub fn rule(origin: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Rule { origin: origin.into(), rule: rule.into(), message: message.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
