//! The gitleaks front end: scripts written the way gitleaks' documentation shows them, run by `sh -c` with the
//! real binary on PATH under the name `gitleaks` (a symlink, as a team switching would make), on real git
//! repositories. Each checks the exit code and what a script reads back (gitleaks' JSON field names).
use std::path::Path;
use std::process::Command;

use crate::git::Repo;
use crate::support::*;

mod switching;

pub(crate) const AWS_LINE: &str = "aws_access_key_id = AKIAZ3MSJV4WWNKWW5FG\n"; // leakgate:allow (a test key)

/// Every field of a gitleaks JSON finding.
const GITLEAKS_FIELDS: [&str; 18] = [
    "RuleID",
    "Description",
    "StartLine",
    "EndLine",
    "StartColumn",
    "EndColumn",
    "Match",
    "Secret",
    "File",
    "SymlinkFile",
    "Commit",
    "Entropy",
    "Author",
    "Email",
    "Date",
    "Message",
    "Tags",
    "Fingerprint",
];

/// A folder holding `gitleaks` → the leakgate binary, to put first on PATH.
pub(crate) struct GitleaksOnPath {
    bin: tempfile::TempDir,
}

impl GitleaksOnPath {
    pub(crate) fn new() -> GitleaksOnPath {
        let bin = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("leakgate"), bin.path().join("gitleaks")).unwrap();
        GitleaksOnPath { bin }
    }

    /// Runs `script` with `sh -c` in `dir`, `input` on stdin.
    pub(crate) fn sh_stdin(&self, dir: &Path, script: &str, input: &[u8]) -> Run {
        let path = format!("{}:{}", self.bin.path().display(), std::env::var("PATH").unwrap_or_default());
        let mut child = Command::new("sh")
            .args(["-c", script])
            .current_dir(dir)
            .env("PATH", path)
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GITLEAKS_CONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input).unwrap();
        Run(child.wait_with_output().unwrap())
    }

    pub(crate) fn sh(&self, dir: &Path, script: &str) -> Run {
        self.sh_stdin(dir, script, b"")
    }
}

/// A gitleaks JSON report written by a script.
pub(crate) fn report(dir: &Path, name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("no {name}: {e}"));
    serde_json::from_str::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{name} is not JSON ({e}): {text}"))
        .as_array()
        .unwrap_or_else(|| panic!("{name} is not an array: {text}"))
        .clone()
}

/// (File, Secret) of each finding, sorted.
fn files_and_secrets(findings: &[serde_json::Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f["File"].as_str().unwrap().to_string(), f["Secret"].as_str().unwrap().to_string()))
        .collect();
    v.sort();
    v
}

/// A repository whose history added a GitHub token to app.env; the working tree is clean of it.
pub(crate) fn repo_with_history_leak() -> (Repo, String) {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let sha = repo.commit_file("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"), "add config");
    repo.commit_file("app.env", "GITHUB_TOKEN=${GITHUB_TOKEN}\n", "read the token from the environment");
    (repo, sha)
}

#[test]
fn detect_finds_a_history_leak_and_writes_gitleaks_json() {
    let (repo, sha) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    let run = gl.sh(repo.path(), "gitleaks detect --source . --redact -v --exit-code 1 -r report.json");
    run.assert_code(1);
    assert!(run.stdout().contains("app.env:1"), "-v prints the finding: {}", run.stdout());
    let findings = report(repo.path(), "report.json");
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = findings[0].as_object().unwrap();
    for field in GITLEAKS_FIELDS {
        assert!(f.contains_key(field), "{field} missing: {f:?}");
    }
    assert_eq!(f["RuleID"], "github-classic-pat");
    assert_eq!(f["File"], "app.env");
    assert_eq!((f["StartLine"].as_u64(), f["EndLine"].as_u64()), (Some(1), Some(1)));
    assert_eq!(f["StartColumn"], 14);
    assert_eq!(f["Commit"], sha.as_str());
    assert_eq!((&f["Secret"], &f["Match"]), (&"REDACTED".into(), &"REDACTED".into()));
    assert_eq!(f["Author"], "Dev Eloper");
    assert_eq!(f["Email"], "dev@example.com");
    assert_eq!(f["Message"], "add config");
    assert_eq!(f["Fingerprint"], format!("{sha}:app.env:github-classic-pat:1").as_str());
    assert!(f["Entropy"].as_f64().unwrap() > 3.0);
    assert!(!std::fs::read_to_string(repo.path().join("report.json")).unwrap().contains(GITHUB_PAT));

    // The harmless flags are accepted; without -v nothing is printed on stdout, the summary goes to stderr.
    let run = gl.sh(repo.path(), "gitleaks detect --no-banner --log-level warn -l=debug --no-color");
    run.assert_code(1);
    assert_eq!(run.stdout(), "");
    assert!(run.stderr().contains("leakgate: 1 finding"), "{}", run.stderr());
    // `leakgate detect` is the same command, without the symlink.
    let run = repo.run(&["detect", "--redact", "-r", "again.json"]);
    run.assert_code(1);
    assert_eq!(report(repo.path(), "again.json").len(), 1);
}

#[test]
fn exit_code_is_what_exit_code_says_when_there_are_leaks() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), "gitleaks detect --exit-code 0").assert_code(0);
    gl.sh(repo.path(), "gitleaks detect --exit-code=7").assert_code(7);
    let clean = Repo::new();
    clean.commit_file("README.md", "hello\n", "init");
    gl.sh(clean.path(), "gitleaks detect --exit-code 7 -r report.json").assert_code(0);
    assert_eq!(report(clean.path(), "report.json"), Vec::<serde_json::Value>::new());
}

#[test]
fn redact_hides_all_a_share_or_nothing() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    let secret_with = |flags: &str| {
        gl.sh(repo.path(), &format!("gitleaks detect {flags} -r r.json")).assert_code(1);
        let findings = report(repo.path(), "r.json");
        (findings[0]["Secret"].as_str().unwrap().to_string(), findings[0]["Match"].as_str().unwrap().to_string())
    };
    assert_eq!(secret_with("--redact"), ("REDACTED".into(), "REDACTED".into()));
    // 40 characters, half hidden: the first 20 shown, then `...`.
    let half = format!("{}...", &GITHUB_PAT[..20]);
    assert_eq!(secret_with("--redact=50"), (half.clone(), half));
    assert_eq!(secret_with("--redact=0").0, GITHUB_PAT);
    // No --redact: leakgate still never writes the whole secret unless asked.
    let (shown, _) = secret_with("");
    assert!(shown.starts_with("ghp_") && !shown.contains(&GITHUB_PAT[8..]), "{shown}");
    let run = gl.sh(repo.path(), "gitleaks detect --redact=150");
    run.assert_code(2);
    assert!(run.stderr().contains("--redact"), "{}", run.stderr());
}

#[test]
fn report_formats_sarif_csv_and_junit_parse() {
    let (repo, sha) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), "gitleaks detect -f sarif -r out.sarif && exit 9; test $? -eq 1").assert_code(0);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);

    gl.sh(repo.path(), "gitleaks detect --report-format csv --report-path out.csv").assert_code(1);
    let csv = std::fs::read_to_string(repo.path().join("out.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].starts_with("RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine"), "{csv}");
    assert!(rows[1].starts_with(&format!("github-classic-pat,{sha},app.env,")), "{csv}");

    gl.sh(repo.path(), "gitleaks detect -f junit -r out.xml").assert_code(1);
    let xml = std::fs::read_to_string(repo.path().join("out.xml")).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<testsuite") && xml.contains("<failure"), "{xml}");

    let run = gl.sh(repo.path(), "gitleaks detect -f template -r out.txt");
    run.assert_code(2);
    assert!(run.stderr().contains("--report-format"), "{}", run.stderr());
}

#[test]
fn protect_staged_scans_the_staged_change() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let gl = GitleaksOnPath::new();
    repo.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    // Not staged yet: nothing to block.
    gl.sh(repo.path(), "gitleaks protect --staged").assert_code(0);
    repo.git(&["add", "app.env"]);
    let run = gl.sh(repo.path(), "gitleaks protect --verbose --redact --staged");
    run.assert_code(1);
    assert!(run.stdout().contains("app.env:1") && !run.stdout().contains(GITHUB_PAT), "{}", run.stdout());
    gl.sh(repo.path(), "gitleaks git --staged --exit-code 3").assert_code(3);
    // Without --staged: the working tree's unstaged changes, and the token is staged, not among them.
    gl.sh(repo.path(), "gitleaks protect").assert_code(0);
}

#[test]
fn log_opts_range_scans_only_the_commits_in_it_and_all_scans_everything() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.commit_file("old.env", AWS_LINE, "old leak");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.commit_file("new.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"), "new leak");
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), &format!("gitleaks detect --redact=0 --log-opts=\"{base}..HEAD\" -r range.json")).assert_code(1);
    assert_eq!(files_and_secrets(&report(repo.path(), "range.json")), vec![("new.env".into(), GITHUB_PAT.into())]);
    gl.sh(repo.path(), "gitleaks detect --log-opts \"--all\" -r all.json").assert_code(1);
    let files: Vec<String> = files_and_secrets(&report(repo.path(), "all.json")).into_iter().map(|f| f.0).collect();
    assert_eq!(files, ["new.env", "old.env"]);
    // A range with nothing in it passes.
    gl.sh(repo.path(), "gitleaks git --log-opts=HEAD..HEAD .").assert_code(0);
    // git log options leakgate cannot honour are refused by name.
    let run = gl.sh(repo.path(), "gitleaks detect --log-opts=\"--since=2024-01-01\"");
    run.assert_code(2);
    assert!(run.stderr().contains("`--since=2024-01-01` is a git log option leakgate does not support"));
}

#[test]
fn no_git_dir_git_and_stdin_scan_what_gitleaks_scans() {
    let (repo, _) = repo_with_history_leak();
    // Never committed, and one of them .gitignore'd: gitleaks reads both in a folder scan.
    repo.write(".gitignore", "local.env\n");
    repo.write("local.env", AWS_LINE);
    repo.write("sub/tool.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), "gitleaks detect --no-git --source . -r files.json").assert_code(1);
    let files: Vec<String> = files_and_secrets(&report(repo.path(), "files.json")).into_iter().map(|f| f.0).collect();
    assert_eq!(files, ["local.env", "sub/tool.env"]);
    assert!(report(repo.path(), "files.json").iter().all(|f| f["Commit"] == ""));
    gl.sh(repo.path(), "gitleaks dir sub -r dir.json").assert_code(1);
    assert_eq!(report(repo.path(), "dir.json")[0]["File"], "sub/tool.env");
    gl.sh(repo.path(), "gitleaks directory README.md").assert_code(0);
    // `git`: the history, not the working tree.
    gl.sh(repo.path(), "gitleaks git . -r git.json").assert_code(1);
    assert_eq!(files_and_secrets(&report(repo.path(), "git.json"))[0].0, "app.env");
    let leak = format!("GITHUB_TOKEN={GITHUB_PAT}\n");
    gl.sh_stdin(repo.path(), "gitleaks stdin --exit-code 5", leak.as_bytes()).assert_code(5);
    gl.sh_stdin(repo.path(), "cat - | gitleaks detect --pipe", leak.as_bytes()).assert_code(1);
    gl.sh_stdin(repo.path(), "gitleaks stdin", b"nothing here\n").assert_code(0);
}

#[test]
fn config_flag_reads_a_gitleaks_toml() {
    let tree = Tree::new();
    tree.write(
        "ci/gitleaks.toml",
        "title = \"team rules\"\n\n[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\n\
         regex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n",
    );
    tree.write("app/settings.py", "TOKEN = 'acme_q8w7e6r5t4y3u2i1o9p8a7s6'\n");
    let gl = GitleaksOnPath::new();
    gl.sh(tree.path(), "gitleaks dir app -c ci/gitleaks.toml -r r.json").assert_code(1);
    let findings = report(tree.path(), "r.json");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["RuleID"], "acme-token");
    // gitleaks' GITLEAKS_CONFIG variable names it too; --config wins over it.
    gl.sh(tree.path(), "GITLEAKS_CONFIG=ci/gitleaks.toml gitleaks dir app -r env.json").assert_code(1);
    assert_eq!(report(tree.path(), "env.json")[0]["RuleID"], "acme-token");
    let run = gl.sh(tree.path(), "GITLEAKS_CONFIG=ci/gitleaks.toml gitleaks dir app --config missing.toml");
    run.assert_code(2);
    assert!(run.stderr().contains("missing.toml"), "{}", run.stderr());
}

#[test]
fn baseline_path_with_an_earlier_gitleaks_report_hides_the_old_finding() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    // The documented adoption: record today's leaks, then report only new ones.
    gl.sh(repo.path(), "gitleaks detect --report-path gitleaks-report.json").assert_code(1);
    gl.sh(repo.path(), "gitleaks detect --baseline-path gitleaks-report.json -r new.json").assert_code(0);
    assert_eq!(report(repo.path(), "new.json"), Vec::<serde_json::Value>::new());
    repo.commit_file("deploy.env", AWS_LINE, "another leak");
    gl.sh(repo.path(), "gitleaks detect -b gitleaks-report.json -r new.json").assert_code(1);
    let files: Vec<String> = files_and_secrets(&report(repo.path(), "new.json")).into_iter().map(|f| f.0).collect();
    assert_eq!(files, ["deploy.env"]);
    let run = gl.sh(repo.path(), "gitleaks detect --baseline-path nowhere.json");
    run.assert_code(2);
    assert!(run.stderr().contains("nowhere.json"), "{}", run.stderr());
}

#[test]
fn gitleaksignore_fingerprints_from_the_report_hide_findings() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), "gitleaks detect -r r.json").assert_code(1);
    let fingerprint = report(repo.path(), "r.json")[0]["Fingerprint"].as_str().unwrap().to_string();
    // Elsewhere, named with --gitleaks-ignore-path (a file, or a folder holding .gitleaksignore).
    repo.write("ci/.gitleaksignore", format!("{fingerprint}\n"));
    gl.sh(repo.path(), "gitleaks detect").assert_code(1);
    gl.sh(repo.path(), "gitleaks detect --gitleaks-ignore-path ci").assert_code(0);
    gl.sh(repo.path(), "gitleaks detect -i ci/.gitleaksignore").assert_code(0);
    gl.sh(repo.path(), "gitleaks detect -i ci/nothing-here").assert_code(2);
    // At the root, where gitleaks reads it by default.
    repo.write(".gitleaksignore", format!("# reviewed\n{fingerprint}\n"));
    let run = gl.sh(repo.path(), "gitleaks detect");
    run.assert_code(0);
    assert!(run.stderr().contains("(1 suppressed)"), "{}", run.stderr());
}

#[test]
fn max_target_megabytes_skips_a_big_file_and_says_so() {
    let tree = Tree::new();
    let mut big = format!("GITHUB_TOKEN={GITHUB_PAT}\n").into_bytes();
    big.resize(1_500_000, b'x');
    tree.write("big.txt", &big);
    let gl = GitleaksOnPath::new();
    gl.sh(tree.path(), "gitleaks dir .").assert_code(1);
    let run = gl.sh(tree.path(), "gitleaks dir . --max-target-megabytes 1 -r r.json");
    run.assert_code(0);
    assert!(run.stderr().contains("skipped: 1 too large"), "{}", run.stderr());
    assert!(run.stderr().contains("report written to r.json"), "{}", run.stderr());
    gl.sh(tree.path(), "gitleaks dir . --max-target-megabytes 2").assert_code(1);
}

#[test]
fn unsupported_flags_fail_with_one_line_naming_them() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    for (script, flag) in [
        ("gitleaks detect --enable-rule=github-pat", "--enable-rule"),
        ("gitleaks detect --ignore-gitleaks-allow", "--ignore-gitleaks-allow"),
        ("gitleaks git --timeout 60", "--timeout"),
        ("gitleaks detect --no-such-flag", "--no-such-flag"),
    ] {
        let run = gl.sh(repo.path(), script);
        run.assert_code(2);
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "{script}: one line: {err}");
        assert!(err.starts_with("leakgate: error: ") && err.contains(flag), "{script}: {err}");
    }
    // Leakgate's own flags are not gitleaks': refused too, so a script never silently means something else.
    gl.sh(repo.path(), "gitleaks scan .").assert_code(2);
}
