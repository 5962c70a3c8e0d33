//! The rest of what a script written for gitleaks 8 relies on, each checked the way such a script would:
//! `protect` without `--staged` (the working tree's unstaged changes, what `git diff` shows), `gitleaks version`,
//! persistent flags before the command, the report format taken from `-r`'s extension, and the exact shape of
//! gitleaks' `Date`, stdin `File` and empty CSV. What gitleaks 8.30.1 itself wrote on the same repositories is
//! what the assertions hold.
use super::{repo_with_history_leak, report, GitleaksOnPath, AWS_LINE};
use crate::git::Repo;
use crate::support::*;

/// A repository whose app.env (three lines) and notes.txt are committed.
fn committed_repo() -> Repo {
    let repo = Repo::new();
    repo.commit_file("app.env", "A=1\nB=2\nC=3\n", "init");
    repo.commit_file("notes.txt", format!("old: {AWS_LINE}"), "an old leak");
    repo
}

#[test]
fn protect_without_staged_scans_what_git_diff_shows() {
    let repo = committed_repo();
    let gl = GitleaksOnPath::new();
    // A token inserted as line 2 of a tracked file; one in a file git does not track (not in `git diff`); a
    // change elsewhere in a file whose old leak stays as it was.
    repo.write("app.env", format!("A=1\nGITHUB_TOKEN={GITHUB_PAT}\nB=2\nC=3\n"));
    repo.write("untracked.env", AWS_LINE);
    repo.write("notes.txt", format!("old: {AWS_LINE}more notes\n"));
    let run = gl.sh(repo.path(), "gitleaks protect --redact=0 -v -r report.json");
    run.assert_code(1);
    assert!(run.stdout().contains("app.env:2"), "{}", run.stdout());
    let findings = report(repo.path(), "report.json");
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!((&f["File"], &f["Secret"]), (&"app.env".into(), &GITHUB_PAT.into()));
    assert_eq!((f["StartLine"].as_u64(), f["StartColumn"].as_u64()), (Some(2), Some(14)));
    // What gitleaks writes for a change not yet committed: no commit, Go's zero time.
    assert_eq!((&f["Commit"], &f["Date"]), (&"".into(), &"0001-01-01T00:00:00Z".into()));
    assert_eq!(f["Fingerprint"], "app.env:github-classic-pat:2");
    // gitleaks 8.19's spelling of the same scan; --log-opts is read by neither for a change not yet committed.
    gl.sh(repo.path(), "gitleaks git --pre-commit --log-opts=-1 . -r git.json").assert_code(1);
    assert_eq!(report(repo.path(), "git.json").len(), 1);

    // Once staged, the line is the staged change's and no longer `git diff`'s.
    repo.git(&["add", "app.env"]);
    gl.sh(repo.path(), "gitleaks protect").assert_code(0);
    gl.sh(repo.path(), "gitleaks protect --staged").assert_code(1);
    // `git --staged --pre-commit` is the staged change, as in gitleaks.
    gl.sh(repo.path(), "gitleaks git --pre-commit --staged --exit-code 4").assert_code(4);
}

#[test]
fn protect_without_staged_fails_closed_on_a_change_it_did_not_scan() {
    let repo = committed_repo();
    repo.commit_file("big.txt", "small\n", "a small file");
    let mut big = format!("GITHUB_TOKEN={GITHUB_PAT}\n").into_bytes();
    big.resize(1_500_000, b'x');
    repo.write("big.txt", &big);
    let gl = GitleaksOnPath::new();
    gl.sh(repo.path(), "gitleaks protect").assert_code(1);
    // Over the limit, the change goes unread: exit 2 naming it, not a pass.
    let run = gl.sh(repo.path(), "gitleaks protect --max-target-megabytes 1");
    run.assert_code(2);
    assert!(run.stderr().contains("big.txt"), "{}", run.stderr());
    // A merge conflict: only what the merge brings in counts, not the lines HEAD already has.
    let repo = Repo::new();
    repo.commit_file("c.env", "base\n", "init");
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.commit_file("c.env", "theirs\n", "theirs");
    repo.git(&["checkout", "-q", "-"]);
    repo.commit_file("c.env", AWS_LINE, "ours");
    gl.sh(repo.path(), "git merge -q other >/dev/null 2>&1; test -n \"$(git diff --name-only --diff-filter=U)\"")
        .assert_code(0);
    gl.sh(repo.path(), "gitleaks protect").assert_code(0);
}

#[test]
fn version_reads_as_gitleaks_8_and_names_leakgate() {
    let tree = Tree::new();
    let gl = GitleaksOnPath::new();
    let expected = format!("8.30.1+leakgate.{}", env!("CARGO_PKG_VERSION"));
    // The checks scripts make of the gitleaks they run.
    let run = gl.sh(tree.path(), "v=$(gitleaks version) && case \"$v\" in 8.*) echo \"ok $v\";; *) exit 9;; esac");
    run.assert_code(0);
    assert_eq!(run.stdout(), format!("ok {expected}\n"));
    let run = gl.sh(tree.path(), "gitleaks --version | grep -E '^gitleaks version 8\\.[0-9]+\\.[0-9]+'");
    run.assert_code(0);
    assert_eq!(run.stdout(), format!("gitleaks version {expected}\n"));
    assert_eq!(gl.sh(tree.path(), "gitleaks --no-banner version").assert_code(0).stdout(), format!("{expected}\n"));
    assert_eq!(tree.run(&["version"]).assert_code(0).stdout(), format!("{expected}\n"));
}

#[test]
fn persistent_flags_before_the_command_are_taken_as_cobra_takes_them() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    let run = gl.sh(repo.path(), "gitleaks --no-banner detect -v");
    run.assert_code(1);
    assert!(run.stdout().contains("app.env:1"), "{}", run.stdout());
    gl.sh(repo.path(), "gitleaks --no-banner -l warn --exit-code 3 --report-path=r.json detect").assert_code(3);
    assert_eq!(report(repo.path(), "r.json").len(), 1);
    // A flag given before and after the command: the last one counts, as in gitleaks.
    gl.sh(repo.path(), "gitleaks --exit-code 3 git . --exit-code 5").assert_code(5);
    gl.sh(repo.path(), "gitleaks -c missing.toml protect --staged").assert_code(2);
    repo.write("staged.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    repo.git(&["add", "staged.env"]);
    let run = gl.sh(repo.path(), "gitleaks --redact -v protect --staged");
    run.assert_code(1);
    assert!(run.stdout().contains("staged.env:1") && !run.stdout().contains(GITHUB_PAT), "{}", run.stdout());
    // The same through leakgate's own name.
    repo.run(&["--no-banner", "detect", "-r", "again.json"]).assert_code(1);
    // --source is detect's own flag, not a persistent one: before the command it is an error in gitleaks too.
    let run = gl.sh(repo.path(), "gitleaks --source . detect");
    run.assert_code(2);
    assert!(run.stderr().contains("--source"), "{}", run.stderr());
}

#[test]
fn reports_have_gitleaks_dates_names_and_formats() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    let gl = GitleaksOnPath::new();
    let commit = "git add app.env && GIT_AUTHOR_DATE='2024-03-05T10:11:12+02:00' git commit -q -m 'add config'";
    gl.sh(repo.path(), commit).assert_code(0);
    // The author's time in UTC, as gitleaks writes it.
    gl.sh(repo.path(), "gitleaks detect -r report.json").assert_code(1);
    assert_eq!(report(repo.path(), "report.json")[0]["Date"], "2024-03-05T08:11:12Z");
    // Without -f the format is the report file's extension's: SARIF and CSV as their names say.
    gl.sh(repo.path(), "gitleaks detect -r results.sarif").assert_code(1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("results.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    gl.sh(repo.path(), "gitleaks detect -r out.csv").assert_code(1);
    let csv = std::fs::read_to_string(repo.path().join("out.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().contains(",2024-03-05T08:11:12Z,"), "{csv}");
    // -f wins over the extension.
    gl.sh(repo.path(), "gitleaks detect -f json -r out.sarif").assert_code(1);
    assert_eq!(report(repo.path(), "out.sarif").len(), 1);
    // With nothing found, gitleaks' CSV is an empty file and its JSON `[]`.
    gl.sh(repo.path(), "gitleaks dir README.md -r clean.csv && test ! -s clean.csv").assert_code(0);
    // Standard input has no file name in gitleaks' reports.
    let leak = format!("GITHUB_TOKEN={GITHUB_PAT}\n");
    gl.sh_stdin(repo.path(), "gitleaks stdin -r stdin.json", leak.as_bytes()).assert_code(1);
    let f = &report(repo.path(), "stdin.json")[0];
    assert_eq!((&f["File"], &f["Fingerprint"], &f["Date"]), (&"".into(), &":github-classic-pat:1".into(), &"".into()));
}

#[test]
fn values_gitleaks_takes_are_taken() {
    let (repo, _) = repo_with_history_leak();
    let gl = GitleaksOnPath::new();
    // Any log level (gitleaks reads an unknown one as its default), a decode depth over leakgate's 4 (gitleaks'
    // default is 5), a format name in capitals.
    gl.sh(repo.path(), "gitleaks detect -l INFO --log-level=verbose --max-decode-depth 5 -f JUNIT -r out.xml")
        .assert_code(1);
    let xml = std::fs::read_to_string(repo.path().join("out.xml")).unwrap();
    assert!(xml.contains("<failure"), "{xml}");
    // Outside a repository gitleaks finds nothing and passes; leakgate says it scanned nothing (exit 2).
    let tree = Tree::new();
    let run = gl.sh(tree.path(), "gitleaks git .");
    run.assert_code(2);
    assert!(run.stderr().contains("not a git repository"), "{}", run.stderr());
}
