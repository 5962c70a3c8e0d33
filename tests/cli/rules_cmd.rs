use crate::support::*;

#[test]
fn lists_at_least_150_rules_with_metadata() {
    let tree = Tree::new();
    let run = tree.run(&["rules", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    let rules = json.as_array().unwrap();
    assert!(rules.len() >= 150, "only {} rules", rules.len());
    for r in rules {
        assert!(!r["description"].as_str().unwrap().is_empty());
        assert!(!r["remediation"].as_str().unwrap().is_empty());
        if r["kind"] == "secret" {
            assert!(!r["keywords"].as_array().unwrap().is_empty(), "{} has no keywords", r["id"]);
        }
    }
    assert!(rules.iter().filter(|r| r["kind"] == "secret").count() >= 150);
    assert!(rules.iter().any(|r| r["kind"] == "iac" && r["id"] == "iac-s3-public-acl"));
    let text = tree.run(&["rules"]);
    assert!(text.assert_code(0).stdout().contains("github-classic-pat"));
}

#[test]
fn check_runs_examples_of_a_rule_file() {
    let tree = Tree::new();
    tree.write(
        "good.toml",
        "[[rules]]\nid = \"ok-rule\"\ndescription = \"x\"\nregex = '''okk_[0-9a-z]{10}'''\nkeywords = [\"okk_\"]\nexamples = [{ text = \"v=okk_9f8e7d6c5b\", secret = \"okk_9f8e7d6c5b\" }]\nnegative_examples = [\"okk_short\"]\n",
    );
    tree.run(&["rules", "--check", "good.toml"]).assert_code(0);
    tree.write(
        "bad.toml",
        "[[rules]]\nid = \"bad-rule\"\ndescription = \"x\"\nregex = '''okk_[0-9a-z]{4,10}'''\nkeywords = [\"okk_\"]\nnegative_examples = [\"okk_9f8e\"]\n",
    );
    let run = tree.run(&["rules", "--check", "bad.toml"]);
    run.assert_code(2);
    assert!(run.stderr().contains("bad-rule") && run.stderr().contains("negative example"), "{}", run.stderr());
}

/// `rules --check` takes a whole `.leakgate.toml` (allowlist, disable, limits beside its rules), as its help says,
/// not only a bare rule file; a config key it does not know is still an error naming the key.
#[test]
fn check_takes_a_whole_config_file() {
    let tree = Tree::new();
    tree.write(
        ".leakgate.toml",
        "disable = [\"generic-api-key\"]\nmax_file_size = \"10M\"\n[allowlist]\npaths = ['''^vendor/''']\n\n[[rules]]\nid = \"ok-rule\"\ndescription = \"x\"\nregex = '''okk_[0-9a-z]{10}'''\nkeywords = [\"okk_\"]\nexamples = [{ text = \"v=okk_9f8e7d6c5b\", secret = \"okk_9f8e7d6c5b\" }]\n",
    );
    let run = tree.run(&["rules", "--check", ".leakgate.toml"]);
    run.assert_code(0);
    assert!(run.stdout().contains("1 rule in .leakgate.toml"), "{}", run.stdout());
    tree.write("typo.toml", "max_file_sise = \"10M\"\n");
    let run = tree.run(&["rules", "--check", "typo.toml"]);
    run.assert_code(2);
    assert!(run.stderr().contains("max_file_sise"), "{}", run.stderr());
}

#[test]
fn readme_documents_every_iac_check() {
    // The README's IaC table is written from `leakgate rules`; this fails when a check is added or renamed
    // without updating it.
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let tree = Tree::new();
    let json = tree.run(&["rules", "--format", "json"]).json();
    for r in json.as_array().unwrap().iter().filter(|r| r["kind"] == "iac") {
        let row = format!(
            "| `{}` | {} | {} |",
            r["id"].as_str().unwrap(),
            r["severity"].as_str().unwrap(),
            r["description"].as_str().unwrap()
        );
        assert!(readme.contains(&row), "README is missing or has a stale row: {row}");
    }
}

/// `rules --help` lists the formats `rules` takes, and nothing else; `--long` shows each rule's fix, as the
/// README says the list does.
#[test]
fn rules_help_lists_what_it_accepts_and_long_shows_the_fix() {
    let tree = Tree::new();
    let help = tree.run(&["rules", "--help"]);
    let help = help.assert_code(0).stdout();
    for format in ["text", "json"] {
        assert!(help.contains(&format!("- {format}:")), "{help}");
        tree.run(&["rules", "--format", format]).assert_code(0);
    }
    for format in ["sarif", "junit", "csv", "gitlab"] {
        assert!(!help.contains(&format!("- {format}:")), "lists {format}: {help}");
        let run = tree.run(&["rules", "--format", format]);
        run.assert_code(2);
        assert!(run.stderr().contains("[possible values: text, json]"), "{}", run.stderr());
    }
    let long = tree.run(&["rules", "--long"]);
    let long = long.assert_code(0).stdout();
    let at = long.find("github-classic-pat").unwrap();
    let next = &long[at..].lines().nth(1).unwrap();
    assert!(next.starts_with("    fix: Revoke it under GitHub Settings"), "{next}");
    let docs = &long[at..].lines().nth(2).unwrap();
    assert!(docs.starts_with("    docs: https://docs.github.com/"), "{docs}");
    // Every secret rule shows its documentation: as many `docs:` lines as rules with a reference in the JSON.
    let json: serde_json::Value = serde_json::from_str(&tree.run(&["rules", "--format", "json"]).stdout()).unwrap();
    let with_reference = json.as_array().unwrap().iter().filter(|r| r["reference"].is_string()).count();
    let secret_rules = json.as_array().unwrap().iter().filter(|r| r["kind"] == "secret").count();
    assert_eq!(with_reference, secret_rules, "every built-in secret rule has a reference");
    assert_eq!(long.lines().filter(|l| l.starts_with("    docs: ")).count(), with_reference);
    let short = tree.run(&["rules"]);
    assert!(
        !short.stdout().contains("    fix: ") && !short.stdout().contains("    docs: "),
        "the short list has neither"
    );
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("`leakgate rules --long` lists each check with its fix"));
}

/// Each flag's default is said once: `--threads` has no clap `[default: 0]` beside its own words.
#[test]
fn help_says_each_default_once() {
    let tree = Tree::new();
    for args in [&["scan", "--help"][..], &["hook", "pre-commit", "--help"], &["help", "hook", "files"]] {
        let run = tree.run(args);
        let help = run.assert_code(0).stdout();
        let threads = &help[help.find("--threads").unwrap_or_else(|| panic!("{args:?}: {help}"))..];
        let threads = &threads[..threads.find("\n\n").unwrap_or(threads.len())];
        assert_eq!(threads.matches("default").count(), 1, "{args:?}: {threads}");
        assert!(!help.contains("[default: 0]"), "{args:?}");
    }
}
