//! `leakgate baseline create` and `scan --baseline`: old findings hidden and counted, new ones reported, and a
//! baseline file that survives real `git merge`s of branches that each add entries.
use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG"; // leakgate:allow (a test key)
const BASELINE: &str = ".leakgate-baseline.json";

/// The non-empty fingerprints of a baseline file, which must be valid JSON of the documented shape.
fn entries(text: &str) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("baseline is not JSON ({e}):\n{text}"));
    assert_eq!(doc["version"], 1, "{text}");
    doc["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

fn read(tree: &Tree, rel: &str) -> String {
    std::fs::read_to_string(tree.path().join(rel)).unwrap()
}

#[test]
fn baseline_hides_old_findings_and_shows_a_new_one() {
    let tree = Tree::new();
    tree.write("config/app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    let run = tree.run(&["baseline", "create"]);
    run.assert_code(0);
    assert!(run.stdout().contains("wrote 1 fingerprint"), "{}", run.stdout());
    let text = read(&tree, BASELINE);
    assert!(!text.contains(GITHUB_PAT), "a baseline never holds the secret");
    assert_eq!(entries(&text).len(), 1);
    assert!(entries(&text)[0].starts_with("github-classic-pat:config/app.env:"));

    let run = tree.run(&["scan", "--baseline", BASELINE]);
    run.assert_code(0);
    assert!(run.stdout().contains("(1 suppressed)"), "{}", run.stdout());

    tree.write("deploy.tf", format!("access_key = \"{AWS_KEY}\"\n"));
    let run = tree.run(&["scan", "--baseline", BASELINE, "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(findings(&json), vec![("aws-access-key-id".to_string(), AWS_KEY.to_string())]);
    assert_eq!(json["summary"]["suppressed"]["baseline"], 1);
}

#[test]
fn moving_a_baselined_secret_to_another_line_keeps_it_hidden() {
    let tree = Tree::new();
    tree.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    tree.run(&["baseline", "create"]).assert_code(0);
    tree.write("app.env", format!("# settings\nDEBUG=0\n\nGITHUB_TOKEN={GITHUB_PAT}\n"));
    let run = tree.run(&["scan", "--baseline", BASELINE, "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["baseline"], 1);
    // The same secret in another file is another finding.
    tree.write("other.env", format!("T={GITHUB_PAT}\n"));
    tree.run(&["scan", "--baseline", BASELINE]).assert_code(1);
}

#[test]
fn baseline_create_from_a_subfolder_scans_the_repository_from_its_root() {
    let repo = Repo::new();
    repo.commit_file("svc/app.env", format!("T={GITHUB_PAT}\n"), "add");
    let sub = repo.path().join("svc");
    let run = crate::support::Run(
        assert_cmd::Command::cargo_bin("leakgate")
            .unwrap()
            .current_dir(&sub)
            .args(["baseline", "create"])
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    let text = read(&repo.tree, BASELINE);
    assert!(entries(&text)[0].starts_with("github-classic-pat:svc/app.env:"), "{text}");
    // Its fingerprints are the ones staged scans produce: re-staging the same secret is not reported.
    repo.write("svc/app.env", format!("export T={GITHUB_PAT}\n"));
    repo.git(&["add", "svc/app.env"]);
    repo.run(&["scan", "--staged", "--baseline", BASELINE]).assert_code(0);
    repo.run(&["scan", "--staged"]).assert_code(1);
}

#[test]
fn two_branches_adding_baseline_entries_merge_into_a_valid_baseline() {
    let repo = Repo::new();
    for f in ["a.env", "c.env", "e.env"] {
        repo.write(f, format!("T={GITHUB_PAT}\n"));
    }
    repo.run(&["baseline", "create"]).assert_code(0);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "baseline"]);

    // Each branch accepts one more finding; sorted, their new lines land on either side of `c.env`'s.
    for (branch, file) in [("left", "b.env"), ("right", "d.env")] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        repo.write(file, format!("T={GITHUB_PAT}\n"));
        repo.run(&["baseline", "create"]).assert_code(0);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", &format!("accept {file}")]);
    }
    repo.git(&["checkout", "-q", "left"]);
    repo.git(&["merge", "-q", "--no-edit", "right"]);

    let merged = entries(&read(&repo.tree, BASELINE));
    assert_eq!(merged.len(), 5, "{merged:?}");
    let mut sorted = merged.clone();
    sorted.sort();
    assert_eq!(merged, sorted, "a clean merge of sorted insertions stays sorted");
    repo.run(&["scan", "--baseline", BASELINE]).assert_code(0);
}

#[test]
fn additions_at_the_same_place_merge_with_the_union_driver() {
    let repo = Repo::new();
    repo.write(".gitattributes", "*.sh text eol=lf");
    repo.write("a.env", format!("T={GITHUB_PAT}\n"));
    // The first baseline declares the union driver itself, keeping what .gitattributes already said.
    let run = repo.run(&["baseline", "create"]);
    run.assert_code(0);
    assert!(
        run.stderr().contains("added `/.leakgate-baseline.json merge=union` to .gitattributes"),
        "{}",
        run.stderr()
    );
    let attributes = read(&repo.tree, ".gitattributes");
    assert_eq!(attributes, format!("*.sh text eol=lf\n/{BASELINE} merge=union\n"));
    repo.run(&["baseline", "create"]).assert_code(0);
    assert_eq!(read(&repo.tree, ".gitattributes"), attributes, "declared once");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "baseline"]);
    // Both new entries sort after `a.env`'s, right before the closing `""`: the same insertion point.
    for (branch, file) in [("left", "b.env"), ("right", "c.env")] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        repo.write(file, format!("T={GITHUB_PAT}\n"));
        repo.run(&["baseline", "create"]).assert_code(0);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", &format!("accept {file}")]);
    }
    repo.git(&["checkout", "-q", "left"]);
    repo.git(&["merge", "-q", "--no-edit", "right"]);
    assert_eq!(entries(&read(&repo.tree, BASELINE)).len(), 3);
    repo.run(&["scan", "--baseline", BASELINE]).assert_code(0);
}

#[test]
fn baseline_with_history() {
    let repo = Repo::new();
    repo.commit_file("old.env", format!("T={GITHUB_PAT}\n"), "oops");
    repo.commit_file("old.env", "T=from-the-vault\n", "remove it");
    let run = repo.run(&["baseline", "create", "--history"]);
    run.assert_code(0);
    assert_eq!(entries(&read(&repo.tree, BASELINE)).len(), 1);
    repo.run(&["scan", "--history"]).assert_code(1);
    let run = repo.run(&["scan", "--history", "--baseline", BASELINE, "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["baseline"], 1);

    repo.commit_file("new.tf", format!("key = \"{AWS_KEY}\"\n"), "another");
    let run = repo.run(&["scan", "--history", "--baseline", BASELINE, "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(findings(&run.json()), vec![("aws-access-key-id".to_string(), AWS_KEY.to_string())]);
}

#[test]
fn output_flag_and_no_findings() {
    let tree = Tree::new();
    tree.write("readme.md", "nothing here\n");
    tree.run(&["baseline", "create", "--output", "base/line.json", "readme.md"]).assert_code(2);
    std::fs::create_dir(tree.path().join("base")).unwrap();
    tree.run(&["baseline", "create", "--output", "base/line.json", "readme.md"]).assert_code(0);
    assert!(entries(&read(&tree, "base/line.json")).is_empty());
    tree.run(&["scan", "--baseline", "base/line.json"]).assert_code(0);
}

#[test]
fn missing_or_invalid_baseline_is_an_error_naming_the_file() {
    let tree = Tree::new();
    tree.write("a.txt", "hello\n");
    let run = tree.run(&["scan", "--baseline", "missing-baseline.json"]);
    run.assert_code(2);
    assert!(run.stderr().contains("missing-baseline.json"), "{}", run.stderr());
    tree.write("broken.json", "{\"version\": 1, \"fingerprints\": [\"a\",]}");
    let run = tree.run(&["scan", "--baseline", "broken.json"]);
    run.assert_code(2);
    assert!(run.stderr().contains("broken.json"), "{}", run.stderr());
    tree.write("future.json", "{\"version\": 9, \"fingerprints\": []}");
    let run = tree.run(&["scan", "--baseline", "future.json"]);
    run.assert_code(2);
    assert!(run.stderr().contains("version 9"), "{}", run.stderr());
    // Every mode reads it first.
    let repo = Repo::new();
    repo.commit_file("a.txt", "hello\n", "init");
    for mode in ["--staged", "--history"] {
        let run = repo.run(&["scan", mode, "--baseline", "nope.json"]);
        run.assert_code(2);
        assert!(run.stderr().contains("nope.json"), "{}", run.stderr());
    }
}
