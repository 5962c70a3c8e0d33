//! gitleaks' raw command line before clap reads it: whether the binary runs under gitleaks' name, which gitleaks
//! flags are refused by name, and gitleaks' persistent flags given before the command (`gitleaks --no-banner
//! detect`, `gitleaks -c ci.toml protect --staged`), which cobra accepts there and clap does not: they are
//! moved to just after the command, keeping their order, so a flag given twice still takes its last value.
use std::ffi::{OsStr, OsString};

use super::GITLEAKS_NAME;

/// gitleaks flags leakgate does not honour, with why: refused by name rather than ignored, since each would
/// change what is reported.
pub const UNSUPPORTED: &[(&str, &str)] = &[
    ("--enable-rule", "leakgate cannot run only some rules from the command line; use `disable` in a config"),
    ("--ignore-gitleaks-allow", "leakgate always honours gitleaks:allow comments"),
    ("--report-template", "leakgate has no template reports; use -f json, csv, sarif or junit"),
    ("--platform", "leakgate writes no links to a hosting platform"),
    ("--max-archive-depth", "leakgate opens archives by default; see `leakgate scan --archive-max-depth`"),
    ("--timeout", "leakgate has no time limit"),
    ("--match-context", "leakgate reports no context lines"),
    ("--diagnostics", "leakgate has no profiling output"),
    ("--diagnostics-dir", "leakgate has no profiling output"),
    ("--experiments", "leakgate has no experimental gitleaks features"),
];

/// The first argument that is a gitleaks flag leakgate does not support, as a one-line error.
pub fn refuse_unsupported(args: &[OsString]) -> Option<String> {
    args.iter().filter_map(|a| a.to_str()).find_map(|a| {
        let name = a.split_once('=').map_or(a, |(n, _)| n);
        UNSUPPORTED.iter().find(|(flag, _)| *flag == name).map(|(flag, why)| {
            format!("{flag} is a gitleaks flag leakgate does not support: {why} (see README: Switching from gitleaks)")
        })
    })
}

/// Whether `name` (leakgate's first argument) is one of gitleaks' commands, whose flags are checked against
/// [`UNSUPPORTED`].
pub fn is_gitleaks_command(name: &str) -> bool {
    matches!(name, "detect" | "protect" | "git" | "dir" | "directory" | "file" | "stdin")
}

/// Whether the binary was run under gitleaks' name (`gitleaks`, `gitleaks.exe`), from `argv[0]`.
pub fn invoked_as_gitleaks(argv0: &OsStr) -> bool {
    std::path::Path::new(argv0).file_stem().is_some_and(|s| s == GITLEAKS_NAME)
}

/// gitleaks' persistent flags that take a value (`-c FILE`, `--exit-code=N`, `-cFILE`).
const PERSISTENT_WITH_VALUE: &[&str] = &[
    "-c",
    "--config",
    "--exit-code",
    "-r",
    "--report-path",
    "-f",
    "--report-format",
    "-b",
    "--baseline-path",
    "-i",
    "--gitleaks-ignore-path",
    "-l",
    "--log-level",
    "--max-target-megabytes",
    "--max-decode-depth",
    "--enable-rule",
    "--report-template",
    "--max-archive-depth",
    "--timeout",
    "--diagnostics",
    "--diagnostics-dir",
];

/// gitleaks' persistent flags that take no value (`--redact` takes one only as `--redact=N`).
const PERSISTENT_SWITCHES: &[&str] =
    &["-v", "--verbose", "--no-banner", "--no-color", "--redact", "--ignore-gitleaks-allow"];

/// How many arguments the persistent flag at the start of `args` spans (0: it is not one).
fn persistent_flag_len(args: &[OsString]) -> usize {
    let Some(arg) = args.first().and_then(|a| a.to_str()) else { return 0 };
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    if PERSISTENT_SWITCHES.contains(&name) || (name != arg && PERSISTENT_WITH_VALUE.contains(&name)) {
        return 1;
    }
    if PERSISTENT_WITH_VALUE.contains(&arg) {
        return if args.len() > 1 { 2 } else { 0 };
    }
    // A short flag with its value attached: `-cci.toml`.
    let glued = !arg.starts_with("--") && arg.len() > 2 && arg.is_char_boundary(2);
    usize::from(glued && PERSISTENT_WITH_VALUE.contains(&&arg[..2]))
}

/// `args` (without `argv[0]`) with the persistent flags given before a gitleaks command moved to just after it;
/// unchanged when there are none, or when what follows them is not a gitleaks command (clap then says what is
/// wrong, as before).
pub fn hoist_persistent_flags(args: &[OsString]) -> Vec<OsString> {
    let mut at = 0;
    while let n @ 1.. = persistent_flag_len(&args[at..]) {
        at += n;
    }
    let command = args.get(at).and_then(|a| a.to_str());
    if at == 0 || !command.is_some_and(|c| is_gitleaks_command(c) || matches!(c, "version" | "help")) {
        return args.to_vec();
    }
    let mut out = Vec::with_capacity(args.len());
    out.push(args[at].clone());
    out.extend_from_slice(&args[..at]);
    out.extend_from_slice(&args[at + 1..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{hoist_persistent_flags, invoked_as_gitleaks, refuse_unsupported};

    #[test]
    fn gitleaks_name_is_read_from_argv0() {
        assert!(invoked_as_gitleaks("/usr/local/bin/gitleaks".as_ref()));
        assert!(invoked_as_gitleaks("gitleaks.exe".as_ref()));
        assert!(!invoked_as_gitleaks("/usr/bin/leakgate".as_ref()));
        assert!(!invoked_as_gitleaks("gitleaks-old".as_ref()));
    }

    #[test]
    fn unsupported_flags_are_named() {
        let args = ["detect", "--enable-rule=aws-access-token", "-v"].map(std::ffi::OsString::from);
        let err = refuse_unsupported(&args).unwrap();
        assert!(err.starts_with("--enable-rule is a gitleaks flag leakgate does not support"), "{err}");
        assert_eq!(refuse_unsupported(&["detect".into(), "--redact=50".into()]), None);
    }

    #[test]
    fn persistent_flags_before_the_command_move_after_it() {
        let hoist = |args: &str| {
            let args: Vec<std::ffi::OsString> = args.split(' ').map(Into::into).collect();
            hoist_persistent_flags(&args).iter().map(|a| a.to_str().unwrap().to_string()).collect::<Vec<_>>().join(" ")
        };
        assert_eq!(hoist("--no-banner detect -v"), "detect --no-banner -v");
        assert_eq!(hoist("-c x.toml protect --staged"), "protect -c x.toml --staged");
        assert_eq!(
            hoist("-cx.toml --exit-code=3 --redact -l warn git ."),
            "git -cx.toml --exit-code=3 --redact -l warn ."
        );
        assert_eq!(hoist("--redact=20 -r r.json version"), "version --redact=20 -r r.json");
        // Nothing to move, a flag that is not persistent (`--source` is detect's own), or no command after them.
        for unchanged in ["detect -v", "--source . detect", "--no-banner scan .", "-c", "--no-banner", "-v -c x"] {
            assert_eq!(hoist(unchanged), unchanged);
        }
    }
}
