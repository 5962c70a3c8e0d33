//! Ways around a gate (`--staged`, `--range`, `hook pre-push`) and an audit that the hostile-input probe found: a
//! range that selects nothing, content left unscanned for its size, a secret stored as a symlink's blob, and a loose
//! object whose content is not what its id says. Each passed with exit 0 before.
use serde_json::Value;

use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

fn secrets(json: &Value) -> Vec<String> {
    let mut s: Vec<String> = findings(json).into_iter().map(|(_, secret)| secret).collect();
    s.sort();
    s
}

fn errors(json: &Value) -> Vec<String> {
    json["summary"]["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
}

fn one_line_error(run: &Run) -> String {
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

/// `v1` (clean), then a commit adding a secret.
fn two_commits() -> Repo {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["tag", "v1"]);
    repo.commit_file("app.env", format!("key = {AWS_KEY}\n"), "add a key");
    repo
}

#[test]
fn a_range_with_an_empty_side_is_an_error() {
    let repo = two_commits();
    repo.run(&["scan", "--range", "v1..HEAD"]).assert_code(1);
    // `"$BASE..$HEAD"` with `$BASE` unset: git would read `..HEAD` as `HEAD..HEAD`, which scans nothing.
    for (range, side) in [("..HEAD", "BASE is empty"), ("v1..", "HEAD is empty"), (" ..HEAD", "BASE is empty")] {
        let run = repo.run(&["scan", "--range", range]);
        run.assert_code(2);
        let err = one_line_error(&run);
        assert!(err.contains(side) && err.contains(&format!("`{range}`")), "{range}: {err}");
        // The flag is about ranges that select nothing, not about a side that is missing.
        repo.run(&["scan", "--range", range, "--allow-empty-range"]).assert_code(2);
    }
}

#[test]
fn a_reversed_or_empty_range_is_an_error_unless_allowed() {
    let repo = two_commits();
    for range in ["HEAD..v1", "main..main", "HEAD..HEAD~1"] {
        let run = repo.run(&["scan", "--range", range]);
        run.assert_code(2);
        let err = one_line_error(&run);
        let (base, head) = range.split_once("..").unwrap();
        assert!(err.contains("selects no commits") && err.contains("--allow-empty-range"), "{range}: {err}");
        assert!(err.contains(&format!("`{base}` (")) && err.contains(&format!("`{head}` (")), "{range}: {err}");

        let run = repo.run(&["scan", "--range", range, "--allow-empty-range", "--format", "json"]);
        run.assert_code(0);
        let notes = run.json()["summary"]["notes"].to_string();
        assert!(notes.contains("selects no commits") && notes.contains("0 commits"), "{notes}");
    }
    // A push of nothing new is normal: the pre-push hook still passes it.
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let input = format!("refs/heads/main {head} refs/heads/main {head}\n");
    repo.tree.run_stdin(&["hook", "pre-push", "origin"], input.as_bytes()).assert_code(0);
    // The flag only goes with --range.
    repo.run(&["scan", "--staged", "--allow-empty-range"]).assert_code(2);
}

#[test]
fn a_gate_fails_on_a_file_it_did_not_scan_for_its_size() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    // A secret followed by padding that puts the file over the limit.
    let big = format!("key = {AWS_KEY}\n{}", "\n".repeat(4096));
    let size = big.len();
    repo.write("big.txt", &big);
    repo.git(&["add", "big.txt"]);
    let expect_gate_error = |run: &Run| {
        run.assert_code(2);
        let err = one_line_error(run);
        assert!(err.contains(&format!("big.txt ({size} bytes)")), "{err}");
        assert!(err.contains("--max-file-size") && err.contains("max_file_size"), "{err}");
    };
    expect_gate_error(&repo.run(&["scan", "--staged", "--max-file-size", "1K"]));
    // The config's limit, the same way; raised, the file is scanned and its secret found.
    repo.write(".leakgate.toml", "max_file_size = 1024\n");
    expect_gate_error(&repo.run(&["scan", "--staged"]));
    repo.run(&["scan", "--staged", "--max-file-size", "10K"]).assert_code(1);
    std::fs::remove_file(repo.path().join(".leakgate.toml")).unwrap();

    repo.git(&["commit", "-q", "-m", "big"]);
    let run = repo.run(&["scan", "--range", "HEAD~1..HEAD", "--max-file-size", "1K", "--format", "json"]);
    expect_gate_error(&run);
    assert_eq!(run.json()["summary"]["skipped"]["too_large"], 1);
    assert!(errors(&run.json()).iter().any(|e| e.contains("big.txt")), "{:?}", errors(&run.json()));
    repo.run(&["scan", "--range", "HEAD~1..HEAD"]).assert_code(1);

    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let input = format!("refs/heads/main {head} refs/heads/main {}\n", "0".repeat(40));
    let hook =
        |limit: &str| repo.tree.run_stdin(&["hook", "pre-push", "origin", "--max-file-size", limit], input.as_bytes());
    expect_gate_error(&hook("1K"));
    hook("10K").assert_code(1);

    // Audits count what they skip, as before.
    let run = repo.run(&["scan", "--history", "--max-file-size", "1K", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["skipped"]["too_large"], 1);
    assert_eq!(run.stderr(), "");
    repo.run(&["scan", ".", "--max-file-size", "1K"]).assert_code(0);
}

#[test]
fn a_gate_names_a_few_oversized_files_and_counts_the_rest() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    for i in 0..8 {
        repo.write(&format!("big{i}.txt"), "x".repeat(2000));
    }
    repo.git(&["add", "."]);
    let run = repo.run(&["scan", "--staged", "--max-file-size", "1K"]);
    run.assert_code(2);
    let err = one_line_error(&run);
    assert!(err.contains("big0.txt (2000 bytes)") && err.contains("3 more"), "{err}");
}

/// A symlink's blob can hold any bytes: `git update-index --cacheinfo 120000,<blob>,id_rsa`.
#[test]
fn a_secret_stored_as_a_symlink_blob_is_found_in_every_git_mode() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let content = format!("GITHUB_TOKEN={GITHUB_PAT}\n");
    let blob = {
        let path = repo.path().join("payload");
        std::fs::write(&path, &content).unwrap();
        let oid = repo.git(&["hash-object", "-w", "payload"]).trim().to_string();
        std::fs::remove_file(path).unwrap();
        oid
    };
    repo.git(&["update-index", "--add", "--cacheinfo", &format!("120000,{blob},id_rsa")]);
    assert!(repo.git(&["ls-files", "-s", "id_rsa"]).starts_with("120000 "));

    let check = |args: &[&str]| {
        let args = [args, &["--format", "json", "--show-secrets", "--strict"][..]].concat();
        let run = repo.run(&args);
        run.assert_code(1);
        let json = run.json();
        assert_eq!(secrets(&json), vec![GITHUB_PAT.to_string()], "{args:?}");
        assert_eq!(json["findings"][0]["path"], "id_rsa", "{args:?}");
        assert!(json["summary"]["skipped"].get("symlink").is_none(), "{args:?}: {}", json["summary"]);
    };
    check(&["scan", "--staged"]);
    repo.git(&["commit", "-q", "-m", "a link"]);
    check(&["scan", "--range", "HEAD~1..HEAD"]);
    check(&["scan", "--history"]);
    // Packed: the audit decodes the packs' trees itself.
    repo.git(&["gc", "-q"]);
    check(&["scan", "--history"]);
    check(&["scan", "--range", "HEAD~1..HEAD"]);
}

/// Replaces the loose object `oid` with the loose object of other content: a hash-path mismatch, as `git fsck`
/// calls it (git makes object files read-only).
fn swap_loose_object(repo: &Repo, oid: &str, other_content: &str) {
    let path = repo.path().join("swap");
    std::fs::write(&path, other_content).unwrap();
    let other = repo.git(&["hash-object", "-w", "swap"]).trim().to_string();
    std::fs::remove_file(path).unwrap();
    let file = |id: &str| repo.path().join(".git/objects").join(&id[..2]).join(&id[2..]);
    let target = file(oid);
    assert!(target.exists(), "{oid} is a loose object");
    let mut perms = std::fs::metadata(&target).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&target, perms).unwrap();
    std::fs::copy(file(&other), &target).unwrap();
}

#[test]
fn a_loose_object_whose_content_does_not_match_its_id_is_corrupt_input() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.commit_file("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"), "add a token");
    let blob = repo.git(&["rev-parse", "HEAD:app.env"]).trim().to_string();
    // What the scan reads under the token's id is harmless text.
    swap_loose_object(&repo, &blob, "nothing to see\n");

    for args in [&["scan", "--history"][..], &["scan", "--range", "HEAD~1..HEAD"][..]] {
        let args = [args, &["--format", "json"][..]].concat();
        let run = repo.run(&args);
        run.assert_code(2);
        let errs = errors(&run.json());
        assert_eq!(errs.len(), 1, "{args:?}: {errs:?}");
        assert!(
            errs[0].contains(&blob) && errs[0].contains("app.env") && errs[0].contains("does not match"),
            "{errs:?}"
        );
        assert!(!errs[0].contains('\n'));
    }
}
