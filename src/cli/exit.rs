//! The one place exit codes are decided: 0 no findings, 1 findings (or, for `install --check`, hooks that git
//! would not run), 2 error — a usage or config error, or a scan
//! that could not read some of its input (a clean result would be a lie). Under the gitleaks front end, findings
//! exit with the code its `--exit-code` names ([`Outcome::Leaks`]).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    /// The scan ran but some input went unread.
    Incomplete,
    /// A check found something off (`install --check`: git would not run leakgate's hooks); it said why.
    NotActive,
    /// Findings, under the gitleaks front end: the exit code its `--exit-code` asks for (gitleaks' default, 1).
    Leaks {
        exit_code: u8,
    },
}

pub const CLEAN: i32 = 0;
pub const FINDINGS: i32 = 1;
pub const ERROR: i32 = 2;

pub fn code(result: &anyhow::Result<Outcome>) -> i32 {
    match result {
        Ok(Outcome::Clean) => CLEAN,
        Ok(Outcome::Findings) | Ok(Outcome::NotActive) => FINDINGS,
        Ok(Outcome::Leaks { exit_code }) => i32::from(*exit_code),
        Ok(Outcome::Incomplete) | Err(_) => ERROR,
    }
}

/// Decides the outcome of a finished scan. `incomplete`: some input went unread, or `--strict` holds a skip
/// against the scan.
pub fn outcome(findings: usize, incomplete: bool) -> Outcome {
    if incomplete {
        Outcome::Incomplete
    } else if findings > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}
