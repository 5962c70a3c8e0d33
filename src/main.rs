use clap::error::ErrorKind;
use clap::Parser;

// A folder scan allocates per file (contents, keyword windows, regex captures), which mimalloc serves with fewer
// instructions and system calls than glibc (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // mimalloc asks Linux for transparent huge pages: each first touch of its heap then zeroes a whole 2 MB
    // page, a cost a pre-commit run that uses a few MB should not pay.
    // SAFETY: a plain prctl on this process; it only changes how later page faults are served.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = parse_args().unwrap_or_else(|err| exit_on_usage_error(err));
    let result = leakgate::cli::run(cli);
    if let Err(err) = &result {
        // A closed pipe (`leakgate scan | head`) is the reader's choice, not an error.
        if err
            .chain()
            .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
        {
            std::process::exit(0);
        }
        // Library errors already end with their source's text; print each cause only if it adds something.
        let mut msg: Vec<String> = Vec::new();
        for cause in err.chain().map(|e| e.to_string()) {
            if !msg.last().is_some_and(|prev| prev.ends_with(&cause)) {
                msg.push(cause);
            }
        }
        // Errors quote paths and config text, which can come from the scanned repository: one line, no escapes.
        eprintln!("leakgate: error: {}", leakgate::report::sanitize::for_terminal(&msg.join(": ")));
    }
    std::process::exit(leakgate::cli::exit::code(&result));
}

/// leakgate's command line, or gitleaks' when the binary runs under the name `gitleaks` (a symlink, so that
/// scripts written for gitleaks run unchanged). A gitleaks flag leakgate does not support is refused by name;
/// gitleaks' persistent flags may come before a gitleaks command.
fn parse_args() -> Result<leakgate::cli::Cli, clap::Error> {
    use leakgate::cli::gitleaks_compat as gitleaks;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let as_gitleaks = args.first().is_some_and(|a| gitleaks::invoked_as_gitleaks(a));
    // gitleaks (cobra) takes its persistent flags before the command too: `gitleaks --no-banner detect`.
    if args.len() > 1 {
        let hoisted = gitleaks::hoist_persistent_flags(&args[1..]);
        args.truncate(1);
        args.extend(hoisted);
    }
    let command = args.get(1).and_then(|a| a.to_str()).unwrap_or("");
    if as_gitleaks || gitleaks::is_gitleaks_command(command) {
        if let Some(msg) = gitleaks::refuse_unsupported(&args[1..]) {
            eprintln!("leakgate: error: {}", leakgate::report::sanitize::for_terminal(&msg));
            std::process::exit(leakgate::cli::exit::ERROR);
        }
    }
    if as_gitleaks {
        let cli = gitleaks::GitleaksCli::try_parse_from(&args)?;
        return Ok(leakgate::cli::Cli { command: leakgate::cli::Command::Gitleaks(cli.command) });
    }
    leakgate::cli::Cli::try_parse_from(&args)
}

/// `--help` and `--version` print as clap renders them; a usage mistake is one line like every other error,
/// with clap's hints (possible values, a similar flag) folded in, and exit code 2.
fn exit_on_usage_error(err: clap::Error) -> ! {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !err.use_stderr() {
        err.exit();
    }
    let rendered = err.render().to_string();
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect();
    eprintln!("leakgate: error: {} (see --help)", leakgate::report::sanitize::for_terminal(&parts.join("; ")));
    std::process::exit(leakgate::cli::exit::ERROR);
}
