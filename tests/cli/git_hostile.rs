//! Git repositories that are damaged, partial, huge or odd: corrupt objects, partial and shallow clones, 100,000
//! refs, a 10,000-file commit, a 50 MB blob, submodules, bare and empty repositories. The scan goes on where it
//! can, says what it could not read and why, and exits 2 when something went unread.
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::git::{git_in, Repo};
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// Feeds `stream` to `git fast-import` in `dir`: thousands of objects in one process.
fn fast_import(dir: &Path, stream: &[u8]) {
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child.stdin.take().unwrap().write_all(stream).unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import failed");
}

/// A fast-import `data` block.
fn data(bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("data {}\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.push(b'\n');
    out
}

/// A fast-import commit on `branch`, marked `:n`.
fn commit_header(branch: &str, n: u64, msg: &str) -> Vec<u8> {
    let mut out =
        format!("commit refs/heads/{branch}\nmark :{n}\ncommitter Dev <dev@example.com> {} +0000\n", 1_600_000_000 + n)
            .into_bytes();
    out.extend(data(msg.as_bytes()));
    out
}

/// Overwrites a loose object with bytes that do not inflate (git makes object files read-only).
fn corrupt_loose_object(repo: &Repo, oid: &str) {
    let path = repo.path().join(".git/objects").join(&oid[..2]).join(&oid[2..]);
    assert!(path.exists(), "{oid} is a loose object");
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"this is not zlib data").unwrap();
}

fn summary(json: &Value) -> &Value {
    &json["summary"]
}

fn skipped(json: &Value, reason: &str) -> u64 {
    summary(json)["skipped"][reason].as_u64().unwrap_or(0)
}

fn errors(json: &Value) -> Vec<String> {
    summary(json)["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
}

fn notes(json: &Value) -> Vec<String> {
    summary(json)["notes"].as_array().map_or_else(Vec::new, |a| a.iter().map(|n| n.as_str().unwrap().into()).collect())
}

fn secrets(json: &Value) -> Vec<String> {
    let mut s: Vec<String> = findings(json).into_iter().map(|(_, secret)| secret).collect();
    s.sort();
    s
}

#[test]
fn history_counts_a_corrupt_blob_and_tree_and_still_scans_the_rest() {
    let repo = Repo::new();
    repo.write("a.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    repo.write("b.txt", "plain text\n");
    repo.write("d/c.txt", format!("key = {AWS_KEY}\n"));
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "one"]);
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]).trim().to_string();
    let tree = repo.git(&["rev-parse", "HEAD:d"]).trim().to_string();
    corrupt_loose_object(&repo, &blob);
    corrupt_loose_object(&repo, &tree);

    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    run.assert_code(2);
    let json = run.json();
    assert_eq!(secrets(&json), vec![GITHUB_PAT.to_string()], "the readable blob is still scanned");
    let errs = errors(&json);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().any(|e| e.contains(&blob) && e.contains("(b.txt)")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains(&tree) && e.contains("(d)")), "{errs:?}");
    assert_eq!(summary(&json)["error_count"], 2);
    assert_eq!(skipped(&json, "unreadable"), 2);
    // The text summary lists the same, and findings do not hide the exit code.
    let text = repo.run(&["scan", "--history"]);
    text.assert_code(2);
    assert!(text.stdout().contains(&format!("not scanned: blob {blob} (b.txt)")), "{}", text.stdout());
}

#[test]
fn history_goes_on_past_a_corrupt_commit() {
    let repo = Repo::new();
    repo.commit_file("old.env", format!("T={GITHUB_PAT}\n"), "root");
    repo.git(&["branch", "side"]);
    repo.git(&["rm", "-q", "old.env"]);
    repo.git(&["commit", "-q", "-m", "drop the token"]);
    let broken = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.commit_file("new.env", format!("key = {AWS_KEY}\n"), "tip");
    corrupt_loose_object(&repo, &broken);

    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    run.assert_code(2);
    let json = run.json();
    // The root is still reached through `side`, the tip through `main`; only the broken commit is lost.
    assert_eq!(secrets(&json), vec![AWS_KEY.to_string(), GITHUB_PAT.to_string()]);
    let errs = errors(&json);
    assert!(errs.len() == 1 && errs[0].contains(&broken), "{errs:?}");
    // A range across it: the readable commit is still scanned, the broken one counted.
    let run = repo.run(&["scan", "--range", "side..main", "--format", "json", "--show-secrets"]);
    run.assert_code(2);
    let json = run.json();
    assert_eq!(secrets(&json), vec![AWS_KEY.to_string()]);
    assert!(errors(&json).iter().any(|e| e.contains(&broken)), "{:?}", errors(&json));
}

#[test]
fn partial_clone_counts_blobs_it_never_fetched_and_never_fetches() {
    let origin = Repo::new();
    origin.git(&["config", "uploadpack.allowFilter", "true"]);
    origin.commit_file("creds.env", format!("T={GITHUB_PAT}\n"), "token");
    origin.commit_file("creds.env", "T=from-the-vault\n", "no token");
    origin.commit_file("aws.env", format!("key = {AWS_KEY}\n"), "aws");
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(parent.path(), &["clone", "-q", "--filter=blob:none", &url, "clone"]);
    let clone = parent.path().join("clone");
    // Nothing to fetch from any more: a fetch would fail, and the counts below would change.
    drop(origin);
    let missing = git_in(&clone, &["rev-list", "--objects", "--all", "--missing=print"])
        .lines()
        .filter(|l| l.starts_with('?'))
        .count();
    assert_eq!(missing, 1, "the first version of creds.env is not in the clone");
    let objects_before = git_in(&clone, &["count-objects", "-v"]);

    let run = Tree { dir: tempfile::tempdir().unwrap() };
    let clone_arg = clone.to_str().unwrap();
    let out = run.run(&["scan", "--history", "--repo", clone_arg, "--format", "json", "--show-secrets"]);
    out.assert_code(2);
    let json = out.json();
    assert_eq!(secrets(&json), vec![AWS_KEY.to_string()], "present blobs are scanned");
    assert_eq!(skipped(&json, "not_present"), 1);
    assert!(notes(&json).iter().any(|n| n == "1 blobs not present locally (partial clone): not scanned"), "{json}");
    assert_eq!(skipped(&json, "unreadable"), 0, "a partial clone is not corrupt");
    let errs = errors(&json);
    assert!(errs.len() == 1 && errs[0].ends_with("(creds.env): not present locally (partial clone)"), "{errs:?}");
    let text = run.run(&["scan", "--history", "--repo", clone_arg]);
    text.assert_code(2);
    assert!(text.stdout().contains("skipped: 1 not present locally"), "{}", text.stdout());
    // A range over the commit whose blob is missing says the same.
    let out = run.run(&["scan", "--range", "HEAD~2..HEAD~1", "--repo", clone_arg, "--format", "json"]);
    out.assert_code(2);
    assert_eq!(skipped(&out.json(), "not_present"), 1);
    assert_eq!(git_in(&clone, &["count-objects", "-v"]), objects_before, "leakgate fetched nothing");
}

#[test]
fn shallow_clone_scans_what_it_has_and_says_history_is_truncated() {
    let origin = Repo::new();
    origin.commit_file("old.env", format!("T={GITHUB_PAT}\n"), "old");
    origin.commit_file("new.env", format!("key = {AWS_KEY}\n"), "new");
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(parent.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let tree = Tree { dir: parent };
    let run = tree.run(&["scan", "--history", "--repo", "shallow", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    // Both files are in the one commit the clone has.
    assert_eq!(secrets(&json), vec![AWS_KEY.to_string(), GITHUB_PAT.to_string()]);
    assert!(notes(&json).iter().any(|n| n.contains("shallow clone")), "{json}");
}

#[test]
fn history_over_100000_refs_is_linear() {
    let repo = Repo::new();
    // 500 commits on main, one file changing in each.
    let mut stream = Vec::new();
    for n in 1..=500u64 {
        stream.extend(commit_header("main", n, &format!("change {n}")));
        stream.extend(format!("M 100644 inline f{}.txt\n", n % 50).into_bytes());
        stream.extend(data(format!("version {n}\n").as_bytes()));
        stream.push(b'\n');
    }
    // A token only one ref (the last of the 100,000) reaches.
    stream.extend(commit_header("hidden", 501, "side"));
    stream.extend(b"from :493\nM 100644 inline side.env\n");
    stream.extend(data(format!("T={GITHUB_PAT}\n").as_bytes()));
    stream.push(b'\n');
    fast_import(repo.path(), &stream);
    let commits: Vec<String> = repo.git(&["rev-list", "main"]).lines().map(str::to_string).collect();
    let hidden = repo.git(&["rev-parse", "hidden"]).trim().to_string();
    repo.git(&["update-ref", "-d", "refs/heads/hidden"]);
    let mut packed = String::from("# pack-refs with: sorted \n");
    for i in 0..100_000usize {
        let target = if i == 99_999 { &hidden } else { &commits[i % commits.len()] };
        packed.push_str(&format!("{target} refs/pull/{i:06}/head\n"));
    }
    std::fs::write(repo.path().join(".git/packed-refs"), packed).unwrap();
    assert_eq!(repo.git(&["for-each-ref"]).lines().count(), 100_001);

    let started = Instant::now();
    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    let elapsed = started.elapsed();
    run.assert_code(1);
    let json = run.json();
    assert_eq!(secrets(&json), vec![GITHUB_PAT.to_string()]);
    assert!(notes(&json).iter().any(|n| n == "501 commits, 501 distinct blobs"), "{json}");
    // One object read per ref made this 7 s in a debug build on a loaded machine; quadratic work over 100,000
    // refs would take hours. Resolving each distinct commit once keeps it near the cost of 500 commits.
    assert!(elapsed.as_secs() < 20, "--history over 100,000 refs took {elapsed:?}");
}

/// A mirror's nightly re-audit: 40,000 refs at 40,000 distinct commits (a pull request's head each, say),
/// audited with a state; then a branch forks from an audited commit that no ref points at, with commits dated
/// before all of history, one ref moves to it and one is deleted. The re-audit walks only the two new commits. It
/// used to hide every old tip in libgit2's revwalk, which rescans its list of hidden commits at each step: 10 s
/// for this history in a debug build (0.2 s now), over a minute for a 60,000-ref mirror in a release build.
#[test]
fn an_incremental_audit_over_40000_refs_walks_only_the_new_commits() {
    let repo = Repo::new();
    let mut stream = Vec::new();
    for n in 1..=60_000u64 {
        stream.extend(commit_header("main", n, &format!("change {n}")));
        if n % 2000 == 1 {
            let text = if n == 2001 { format!("key = {AWS_KEY}\n") } else { format!("version {n}\n") };
            stream.extend(format!("M 100644 inline f{}.txt\n", n % 7).into_bytes());
            stream.extend(data(text.as_bytes()));
        }
        stream.push(b'\n');
    }
    fast_import(repo.path(), &stream);
    let commits: Vec<String> = repo.git(&["rev-list", "main"]).lines().map(str::to_string).collect();
    let mut packed = String::from("# pack-refs with: sorted \n");
    // Every third commit has no ref.
    for (i, commit) in commits.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
        packed.push_str(&format!("{commit} refs/pull/{i:06}/head\n"));
    }
    std::fs::write(repo.path().join(".git/packed-refs"), packed).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mirror.state");
    let state = state.to_str().unwrap();
    repo.run(&["scan", "--history", "--state", state, "-q"]).assert_code(1);

    let fork = &commits[30_000];
    assert!(!repo.git(&["for-each-ref", "--points-at", fork]).contains("refs/"), "the fork point has no ref");
    let mut stream = format!("reset refs/heads/feature\nfrom {fork}\n\n").into_bytes();
    for (n, text) in [(1u64, "version feature\n".to_string()), (2, format!("GITHUB_TOKEN={GITHUB_PAT}\n"))] {
        stream.extend(commit_header("feature", n, &format!("feature {n}")));
        stream.extend(format!("M 100644 inline feature{n}.txt\n").into_bytes());
        stream.extend(data(text.as_bytes()));
        stream.push(b'\n');
    }
    fast_import(repo.path(), &stream);
    repo.git(&["update-ref", "refs/pull/000001/head", "feature"]);
    repo.git(&["update-ref", "-d", "refs/pull/000002/head"]);

    let started = Instant::now();
    let run = repo.run(&["scan", "--history", "--state", state, "--format", "json"]);
    let elapsed = started.elapsed();
    run.assert_code(1);
    let json = run.json();
    let paths: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["feature2.txt"], "{json}");
    assert!(notes(&json).iter().any(|n| n.contains("incremental audit: 2 new commits, 2 new blobs scanned")), "{json}");
    assert!(elapsed.as_secs() < 4, "the re-audit took {elapsed:?}");

    // What a full audit reports, the old finding too.
    let all = repo.run(&["scan", "--history", "--state", state, "--all-findings", "--format", "json"]).json();
    let full = repo.run(&["scan", "--history", "--format", "json"]).json();
    let places = |doc: &Value| -> Vec<(String, String)> {
        let findings = doc["findings"].as_array().unwrap().iter();
        findings.map(|f| (f["path"].as_str().unwrap().into(), f["commit"]["id"].as_str().unwrap().into())).collect()
    };
    assert_eq!(places(&all), places(&full));
    assert_eq!(places(&full).len(), 2);
}

/// A repository whose second commit changes all of its 10,000 files (one gains a token; one had a key all
/// along), built with fast-import.
fn ten_thousand_file_repo() -> Repo {
    let repo = Repo::new();
    let mut stream = Vec::new();
    for c in 1..=2u64 {
        stream.extend(commit_header("main", c, &format!("commit {c}")));
        for i in 0..10_000 {
            let mut content = format!("file {i}, version {c}\nline two\n");
            if i == 42 {
                content.push_str(&format!("key = {AWS_KEY}\n"));
            }
            if c == 2 && i == 7777 {
                content.push_str(&format!("T={GITHUB_PAT}\n"));
            }
            stream.extend(format!("M 100644 inline src/d{:02}/f{i:05}.txt\n", i % 100).into_bytes());
            stream.extend(data(content.as_bytes()));
        }
        stream.push(b'\n');
    }
    fast_import(repo.path(), &stream);
    repo.git(&["reset", "-q", "--hard", "main"]);
    repo
}

#[test]
fn a_commit_changing_10000_files_in_history_range_and_index() {
    let repo = ten_thousand_file_repo();
    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(secrets(&json), vec![AWS_KEY.to_string(), GITHUB_PAT.to_string()]);
    assert_eq!(summary(&json)["files_scanned"], 20_000);

    // The range blames the commit only for the token it added.
    let run = repo.run(&["scan", "--range", "main~1..main", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(secrets(&json), vec![GITHUB_PAT.to_string()]);
    assert_eq!(summary(&json)["files_scanned"], 10_000);

    // The same size of change, staged: every file edited, one gains a key.
    for i in 0..10_000 {
        let mut content = format!("file {i}, version 3\nline two\n");
        if i == 42 {
            content.push_str(&format!("key = {AWS_KEY}\n"));
        }
        if i == 123 {
            content.push_str(&format!("other = {AWS_KEY}\n"));
        }
        repo.write(&format!("src/d{:02}/f{i:05}.txt", i % 100), content);
    }
    repo.git(&["add", "-A"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    let found = json["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["path"], "src/d23/f00123.txt");
    assert_eq!(summary(&json)["files_scanned"], 10_000);
}

#[test]
fn moving_10000_files_adds_nothing() {
    // libgit2 pairs renames only within its rename limit (1000): past it, a moved file looked new and the
    // secrets it already had looked added.
    let repo = ten_thousand_file_repo();
    repo.git(&["mv", "src", "moved"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(summary(&run.json())["files_scanned"], 10_000);
    repo.git(&["commit", "-q", "-m", "move"]);
    repo.run(&["scan", "--range", "main~1..main"]).assert_code(0);
    // A moved file that also gains a line is still checked for what it gains.
    repo.write("moved/d01/f00001.txt", format!("file 1, version 2\nline two\nT={GITHUB_PAT}\n"));
    repo.git(&["mv", "moved", "again"]);
    repo.git(&["add", "-A"]);
    let run = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(secrets(&json), vec![GITHUB_PAT.to_string()]);
    assert_eq!(json["findings"][0]["start_line"], 3);
}

#[test]
fn a_50_mb_blob_is_scanned_under_the_limit_and_counted_over_it() {
    // 50,000,000 bytes: under the default limit (50 MiB), over a 40M one.
    let line = "lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789\n";
    let mut content = line.repeat(50_000_000 / line.len());
    content.push_str(&format!("T={GITHUB_PAT}\n"));
    content.push_str(&"x".repeat(50_000_000 - content.len()));
    assert_eq!(content.len(), 50_000_000);
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.commit_file("dump.sql", &content, "a big file");
    repo.git(&["rm", "-q", "dump.sql"]);
    repo.git(&["commit", "-q", "-m", "remove it"]);

    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(secrets(&run.json()), vec![GITHUB_PAT.to_string()]);
    assert!(summary(&run.json())["bytes_scanned"].as_u64().unwrap() >= 50_000_000);
    let run = repo.run(&["scan", "--history", "--format", "json", "--max-file-size", "40M"]);
    run.assert_code(0);
    assert_eq!(skipped(&run.json(), "too_large"), 1);

    // In a range, a blob over the limit is counted without being read to find its added lines.
    let run = repo.run(&["scan", "--range", "main~2..main~1", "--format", "json", "--max-file-size", "40M"]);
    run.assert_code(2);
    assert_eq!(skipped(&run.json(), "too_large"), 1);
    repo.run(&["scan", "--range", "main~2..main~1"]).assert_code(1);

    // Staged: the same two ways.
    repo.write("dump.sql", &content);
    repo.git(&["add", "dump.sql"]);
    repo.run(&["scan", "--staged"]).assert_code(1);
    let run = repo.run(&["scan", "--staged", "--format", "json", "--max-file-size", "40M"]);
    run.assert_code(2);
    assert_eq!(skipped(&run.json(), "too_large"), 1);
}

#[test]
fn submodules_in_history_and_index_are_counted_not_followed() {
    let lib = Repo::new();
    let lib_commit = lib.commit_file("lib.env", format!("T={GITHUB_PAT}\n"), "lib");
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    // A gitlink to a commit of another repository, and one to a commit that exists nowhere.
    let absent = "1234567890123456789012345678901234567890";
    repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{lib_commit},vendor/lib")]);
    repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{absent},vendor/gone")]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(skipped(&run.json(), "submodule"), 2);

    repo.git(&["commit", "-q", "-m", "submodules"]);
    repo.commit_file("app.env", format!("key = {AWS_KEY}\n"), "app");
    for args in [&["scan", "--history"][..], &["scan", "--range", "main~2..main"][..]] {
        let mut args = args.to_vec();
        args.extend(["--format", "json", "--show-secrets"]);
        let run = repo.run(&args);
        run.assert_code(1);
        let json = run.json();
        assert_eq!(secrets(&json), vec![AWS_KEY.to_string()], "{args:?}: the submodule's content is not scanned");
        assert_eq!(skipped(&json, "submodule"), 2, "{args:?}");
    }
}

#[test]
fn bare_repository_has_history_but_no_staged_changes() {
    let repo = Repo::new();
    repo.commit_file("a.env", format!("T={GITHUB_PAT}\n"), "token");
    let parent = tempfile::tempdir().unwrap();
    git_in(parent.path(), &["clone", "-q", "--bare", repo.path().to_str().unwrap(), "bare.git"]);
    let tree = Tree { dir: parent };
    tree.run(&["scan", "--history", "--repo", "bare.git"]).assert_code(1);
    tree.run(&["scan", "--range", "main~0..main", "--repo", "bare.git", "--allow-empty-range"]).assert_code(0);
    let run = tree.run(&["scan", "--staged", "--repo", "bare.git"]);
    run.assert_code(2);
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("bare repository has no staged changes"), "{err}");
}

#[test]
fn empty_repository_history_range_and_staged() {
    let repo = Repo::new();
    let run = repo.run(&["scan", "--history", "--format", "json"]);
    run.assert_code(0);
    assert!(notes(&run.json()).iter().any(|n| n.contains("nothing to scan")), "{}", run.stdout());
    let run = repo.run(&["scan", "--range", "main~1..main"]);
    run.assert_code(2);
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("revision `main~1..main`") && err.contains("no commits yet"), "{err}");
    // Nothing committed, something staged: the index is compared with an empty tree.
    repo.write("a.env", format!("T={GITHUB_PAT}\n"));
    repo.git(&["add", "a.env"]);
    repo.run(&["scan", "--staged"]).assert_code(1);
    // With commits, a revision that does not exist is named in a one-line error.
    repo.git(&["commit", "-q", "-m", "first"]);
    let run = repo.run(&["scan", "--range", "nope..main"]);
    run.assert_code(2);
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("revision `nope..main`: no such branch, tag or commit"), "{err}");
}

/// An audit scans blobs on its workers while the plan is still walking the trees: however many workers there are
/// and whichever of them scans a blob, the result must be the single worker's, including a blob met again at a
/// later commit and path (the first commit and path win) and secrets the walk reaches early and late.
#[test]
fn a_history_scanned_by_several_workers_reports_exactly_as_by_one() {
    let repo = Repo::new();
    let mut stream = Vec::new();
    for n in 1..=2_400u64 {
        stream.extend(commit_header("main", n, &format!("change {n}")));
        stream.extend(format!("M 100644 inline src/f{}.txt\n", n % 40).into_bytes());
        stream.extend(data(format!("version {n}\n").as_bytes()));
        match n {
            // Stays in every later tree: the second run meets this blob at its own first commit.
            10 => stream.extend(b"M 100644 inline config/a.env\n"),
            // The same content again at a new path, in the second run's half.
            1_900 => stream.extend(b"M 100644 inline other/copy.env\n"),
            // Only in the second half.
            2_000 => stream.extend(b"M 100644 inline late/b.env\n"),
            _ => {}
        }
        match n {
            10 | 1_900 => stream.extend(data(format!("T={GITHUB_PAT}\n").as_bytes())),
            2_000 => stream.extend(data(format!("K={AWS_KEY}\n").as_bytes())),
            _ => {}
        }
        stream.push(b'\n');
    }
    fast_import(repo.path(), &stream);
    let plan = |threads: &str| {
        let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets", "--threads", threads]);
        run.assert_code(1);
        let json = run.json();
        let findings: Vec<(String, String, String, Value)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let commit = f["commit"]["subject"].as_str().unwrap().to_string();
                (
                    f["secret"].as_str().unwrap().into(),
                    f["path"].as_str().unwrap().into(),
                    commit,
                    f["start_line"].clone(),
                )
            })
            .collect();
        (findings, summary(&json)["files_scanned"].clone(), summary(&json)["bytes_scanned"].clone(), notes(&json))
    };
    let one = plan("1");
    assert_eq!(plan("2"), one);
    assert_eq!(plan("3"), one);
    let located: Vec<(&str, &str)> =
        one.0.iter().map(|(_, path, commit, _)| (path.as_str(), commit.as_str())).collect();
    assert_eq!(located, [("config/a.env", "change 10"), ("late/b.env", "change 2000")], "{:?}", one.0);
}
