//! Secrets in commits' own text (message, author, committer): found in history and range scans, located as
//! "commit message of <id>", and never printed raw in any report's commit metadata.
use crate::git::Repo;
use crate::support::*;

const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

#[test]
fn a_secret_only_in_a_commit_message_is_found_by_history_and_range_scans() {
    let repo = Repo::new();
    let base = repo.commit_file("README.md", "# app\n", "start");
    repo.write("app.txt", "nothing secret here\n");
    repo.git(&["add", "app.txt"]);
    repo.git(&["commit", "-q", "-m", "add app", "-m", &format!("temporary: stripe {STRIPE}")]);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    for args in
        [vec!["scan", "--history", "--format", "json"], vec!["scan", "--range", "BASE..HEAD", "--format", "json"]]
    {
        let range = format!("{base}..{head}");
        let args: Vec<&str> = args.iter().map(|a| if *a == "BASE..HEAD" { range.as_str() } else { a }).collect();
        let run = repo.tree.run(&args);
        run.assert_code(1);
        let json = run.json();
        let f = &json["findings"][0];
        assert_eq!(f["path"], format!("commit message of {head}"), "{args:?}: {json}");
        assert_eq!(f["commit"]["id"], head.as_str());
        assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json}");
        assert!(!run.stdout().contains(STRIPE), "the report shows the secret raw: {}", run.stdout());
    }
}

#[test]
fn a_token_as_the_author_email_is_found_and_redacted() {
    let repo = Repo::new();
    repo.commit_file("README.md", "# app\n", "start");
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let email = format!("{GITHUB_PAT}@example.com");
    let author = format!("Dev <{email}>");
    repo.git(&["commit", "-q", "-m", "b", "--author", &author]);
    for format in ["text", "json", "sarif", "csv", "junit", "gitlab"] {
        let run = repo.tree.run(&["scan", "--history", "--format", format]);
        run.assert_code(1);
        assert!(run.stdout().contains("commit message of"), "{format}: {}", run.stdout());
        assert!(!run.stdout().contains(GITHUB_PAT), "{format} shows the token raw:\n{}", run.stdout());
    }
}
