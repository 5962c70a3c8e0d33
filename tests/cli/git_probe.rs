//! Cases of the hostile-input probe that leakgate already passed, kept here so they stay passing: a secret that
//! only an evil merge's conflict resolution adds, copies and renames, and `.gitattributes` that tell git (not
//! leakgate) to treat a file as binary or to leave it out.
use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

fn secrets(run: &Run) -> Vec<String> {
    let mut s: Vec<String> = findings(&run.json()).into_iter().map(|(_, secret)| secret).collect();
    s.sort();
    s
}

#[test]
fn a_secret_only_a_conflict_resolution_adds_is_found() {
    let repo = Repo::new();
    repo.commit_file("app.cfg", "mode = a\n", "init");
    repo.git(&["tag", "base"]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit_file("app.cfg", "mode = side\n", "side");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file("app.cfg", "mode = main\n", "main");
    // The merge conflicts; its resolution is neither side's line and carries a key.
    let out =
        std::process::Command::new("git").current_dir(repo.path()).args(["merge", "-q", "side"]).output().unwrap();
    assert!(!out.status.success(), "the merge must conflict");
    repo.write("app.cfg", format!("mode = merged\naws_access_key_id = {AWS_KEY}\n"));
    repo.git(&["add", "app.cfg"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    for args in
        [vec!["scan", "--history"], vec!["scan", "--range", "base..HEAD"], vec!["scan", "--range", "main~1..main"]]
    {
        let mut args = args.clone();
        args.extend(["--format", "json", "--show-secrets"]);
        let run = repo.run(&args);
        run.assert_code(1);
        assert_eq!(secrets(&run), vec![AWS_KEY.to_string()], "{args:?}");
    }
}

#[test]
fn a_copied_secret_is_reported_at_its_new_path_and_a_plain_rename_adds_nothing() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.commit_file("one.env", format!("aws_access_key_id = {AWS_KEY}\n"), "add");
    repo.git(&["tag", "added"]);
    // A copy is new content at a new path, even where git would call it a copy.
    std::fs::copy(repo.path().join("one.env"), repo.path().join("two.env")).unwrap();
    repo.git(&["add", "two.env"]);
    let staged = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    staged.assert_code(1);
    assert_eq!(findings(&staged.json())[0].1, AWS_KEY);
    repo.git(&["commit", "-q", "-m", "copy"]);
    let run = repo.run(&["scan", "--range", "added..HEAD", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"][0]["path"], "two.env");
    // Renaming, unchanged, adds nothing to review.
    repo.git(&["tag", "copied"]);
    repo.git(&["mv", "two.env", "three.env"]);
    repo.git(&["commit", "-q", "-m", "rename"]);
    repo.run(&["scan", "--range", "copied..HEAD"]).assert_code(0);
}

#[test]
fn gitattributes_do_not_hide_content_from_the_scan() {
    let repo = Repo::new();
    repo.commit_file(
        ".gitattributes",
        "*.env binary -diff -text export-ignore linguist-generated\n*.key filter=nosuchfilter\n",
        "attributes",
    );
    repo.git(&["tag", "attrs"]);
    repo.write("app.env", format!("aws_access_key_id = {AWS_KEY}\n"));
    repo.write("id.key", format!("key = {AWS_KEY}\n"));
    repo.git(&["add", "app.env", "id.key"]);
    let staged = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    staged.assert_code(1);
    assert_eq!(secrets(&staged).len(), 2, "{}", staged.stdout());
    repo.git(&["commit", "-q", "-m", "add"]);
    let range = repo.run(&["scan", "--range", "attrs..HEAD", "--format", "json", "--show-secrets"]);
    range.assert_code(1);
    assert_eq!(secrets(&range).len(), 2);
    repo.run(&["scan", "--history"]).assert_code(1);
}
