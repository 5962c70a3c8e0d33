//! History audits of packed repositories. A full audit decodes the packs in bulk; it must report exactly what
//! reading every object through libgit2 reports (`LEAKGATE_PACK_READER=0`), whatever mix of packs, loose
//! objects and delta kinds the repository has, and a damaged pack must be reported, not skipped.
use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use std::process::Command;

use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// Runs a JSON history audit (of `revs`, or all refs) with or without the pack reader; the exit code and the
/// report without its timing.
fn audit_revs(repo: &Repo, revs: &[&str], pack_reader: bool) -> (i32, Value) {
    let mut cmd = Command::cargo_bin("leakgate").unwrap();
    cmd.current_dir(repo.path()).args(["scan", "--format", "json", "--show-secrets", "--history"]).args(revs);
    if !pack_reader {
        cmd.env("LEAKGATE_PACK_READER", "0");
    }
    let out = cmd.output().unwrap();
    let mut json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    json["summary"].as_object_mut().unwrap().remove("elapsed_ms");
    (out.status.code().unwrap(), json)
}

fn audit(repo: &Repo, pack_reader: bool) -> (i32, Value) {
    audit_revs(repo, &[], pack_reader)
}

fn assert_revs_same_as_libgit2(repo: &Repo, revs: &[&str]) -> Value {
    let (code, packed) = audit_revs(repo, revs, true);
    let (code_libgit2, libgit2) = audit_revs(repo, revs, false);
    assert_eq!(code, code_libgit2);
    assert_eq!(packed, libgit2);
    packed
}

fn assert_same_as_libgit2(repo: &Repo) -> Value {
    assert_revs_same_as_libgit2(repo, &[])
}

/// A history with edits, a removed secret, a rename, a symlink, a binary blob, a side branch and a tag; 30
/// versions of one file make long delta chains once packed.
fn varied_history(repo: &Repo) {
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!("line {i} of a file that grows by one line per commit, the rest unchanged\n"));
        repo.write("src/grows.txt", &text);
        repo.write(&format!("dir{}/note.txt", i % 4), format!("{text}{i}\n"));
        if i == 5 {
            repo.write("config/app.env", format!("AWS_KEY={AWS_KEY}\n"));
        }
        if i == 9 {
            std::fs::remove_file(repo.path().join("config/app.env")).unwrap();
        }
        if i == 12 {
            repo.write("logo.bin", [0u8, 159, 146, 150, 0, 1, 2, 3]);
            std::os::unix::fs::symlink("src/grows.txt", repo.path().join("link")).unwrap();
        }
        if i == 20 {
            repo.git(&["mv", "src/grows.txt", "src/renamed.txt"]);
            repo.write("src/renamed.txt", &text);
        }
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", &format!("commit {i}")]);
    }
    repo.git(&["tag", "v1", "HEAD~3"]);
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~10"]);
    repo.commit_file("side.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"), "side secret");
    repo.git(&["checkout", "-q", "main"]);
}

#[test]
fn a_packed_history_is_audited_exactly_as_object_by_object() {
    let repo = Repo::new();
    varied_history(&repo);
    repo.git(&["gc", "-q", "--aggressive"]);
    let json = assert_same_as_libgit2(&repo);
    assert_eq!(findings(&json).len(), 2, "{json}");
    // Revisions that reach most commits (the packed trees are decoded) and few (the walk reads them one by one).
    assert_eq!(findings(&assert_revs_same_as_libgit2(&repo, &["main~2"])).len(), 1);
    assert_eq!(findings(&assert_revs_same_as_libgit2(&repo, &["main~22"])).len(), 1);
    // Reference deltas (`repack.useDeltaBaseOffset=false`), as older git and some servers write them.
    repo.git(&["-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-f"]);
    assert_eq!(assert_same_as_libgit2(&repo), json);
}

#[test]
fn packs_and_loose_objects_together_are_audited_exactly_as_object_by_object() {
    let repo = Repo::new();
    varied_history(&repo);
    repo.git(&["gc", "-q"]);
    // A second pack, then loose objects on top: commits whose trees name objects of both.
    repo.commit_file("src/renamed.txt", "rewritten\n", "second pack");
    repo.git(&["repack", "-q", "-d"]);
    repo.commit_file("late.env", format!("KEY={AWS_KEY}\nMORE=1\n"), "loose");
    let json = assert_same_as_libgit2(&repo);
    assert_eq!(findings(&json).len(), 3, "{json}");
}

#[test]
fn a_damaged_blob_in_a_pack_is_reported_and_the_rest_still_scanned() {
    let repo = Repo::new();
    varied_history(&repo);
    // Content nothing else resembles, so the pack stores it whole, not as a delta.
    let noise: String = (0..4000u32).map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8)).collect();
    let blob = repo.commit_file("noise.txt", &noise, "noise");
    let blob = repo.git(&["rev-parse", &format!("{blob}:noise.txt")]).trim().to_string();
    repo.git(&["gc", "-q"]);
    let pack_dir = repo.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    // `git verify-pack -v`: id, type, size, size in pack, offset.
    let listing = repo.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let line = listing.lines().find(|l| l.starts_with(&blob)).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "stored whole: {line}");
    let (in_pack, offset): (usize, usize) = (fields[3].parse().unwrap(), fields[4].parse().unwrap());
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    for b in &mut bytes[offset + in_pack / 2..offset + in_pack / 2 + 8] {
        *b ^= 0x5a;
    }
    std::fs::remove_file(&pack).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let json = assert_same_as_libgit2(&repo);
    let (code, _) = audit(&repo, true);
    assert_eq!(code, 2, "{json}");
    let errors = json["summary"]["errors"].to_string();
    assert!(errors.contains(&blob), "{errors}");
    assert_eq!(findings(&json).len(), 2, "the other blobs are still scanned: {json}");
}

/// Once packed, each later version of a file is a delta copying most of the one before, and the audit takes the
/// keywords of the copied parts from the base's search rather than searching again. Secrets kept unchanged, moved
/// down by lines added above them, or cut across by an edit must each be found in every version that holds them.
#[test]
fn secrets_in_the_copied_parts_of_deltas_are_found_in_every_version() {
    let repo = Repo::new();
    let filler: Vec<String> = (0..60)
        .map(|i| format!("    setting_{i} = compute(\"value number {i} of a long configuration file\")\n"))
        .collect();
    for version in 0..25 {
        let mut text = format!("# version {version}\naws_access_key_id = {AWS_KEY}\n");
        // Lines added above the second secret move it down in each version.
        text.extend(filler.iter().take(10 + version).cloned());
        if version >= 8 {
            text.push_str(&format!("github_token = \"{GITHUB_PAT}\"\n"));
        }
        text.extend(filler.iter().skip(40).cloned());
        // An edit inside a line that holds a keyword: the versions alternate between two spellings.
        text.push_str(if version % 2 == 0 { "password_hint = none\n" } else { "pass_hint = none\n" });
        repo.write("settings.py", &text);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", &format!("version {version}")]);
    }
    repo.git(&["gc", "-q", "--aggressive"]);
    let json = assert_same_as_libgit2(&repo);
    let further: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["commit"]["further_occurrences"].as_u64().unwrap()))
        .collect();
    assert_eq!(further.len(), 2, "{json}");
    assert!(further.iter().any(|(rule, n)| rule.starts_with("aws") && *n == 24), "{further:?}");
    assert!(further.iter().any(|(rule, n)| rule.starts_with("github") && *n == 16), "{further:?}");
}
