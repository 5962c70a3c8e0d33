use crate::support::*;

#[test]
fn custom_rule_from_config_is_applied() {
    let tree = Tree::new();
    tree.write(
        ".leakgate.toml",
        r#"
[[rules]]
id = "acme-internal-token"
description = "ACME internal service token"
regex = '''\b(acme_[a-z0-9]{24})\b'''
keywords = ["acme_"]
severity = "medium"
examples = [{ text = "ACME=acme_q8w7e6r5t4y3u2i1o0p9l8k7", secret = "acme_q8w7e6r5t4y3u2i1o0p9l8k7" }]
"#,
    );
    tree.write("svc.yaml", "token: acme_z1x2c3v4b5n6m7a8s9d0f1g2\n");
    let run = tree.run(&["scan", "svc.yaml", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(findings(&run.json()), vec![("acme-internal-token".into(), "acme_z1x2c3v4b5n6m7a8s9d0f1g2".into())]);
}

#[test]
fn disabled_rules_and_global_allowlist() {
    let tree = Tree::new();
    tree.write("a.txt", format!("T={GITHUB_PAT}\n"));
    tree.write(".leakgate.toml", "disable = [\"github-classic-pat\"]\n");
    tree.run(&["scan"]).assert_code(0);
    tree.write(".leakgate.toml", "[allowlist]\npaths = ['''^a\\.txt$''']\n");
    tree.run(&["scan"]).assert_code(0);
    tree.write(".leakgate.toml", "[allowlist]\nstopwords = [\"zjdevre\"]\n");
    tree.run(&["scan"]).assert_code(0);
    tree.write(".leakgate.toml", "max_file_size = 4\n");
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(0);
    assert!(run.json()["summary"]["skipped"]["too_large"].as_u64().unwrap() >= 1);
}

#[test]
fn unknown_key_is_rejected_with_its_name() {
    assert_config_error(".leakgate.toml", "max_filesize = 10\n", &[".leakgate.toml", "max_filesize"]);
}

#[test]
fn invalid_regex_names_the_rule() {
    assert_config_error(
        ".leakgate.toml",
        "[[rules]]\nid = \"broken\"\ndescription = \"x\"\nregex = '''(unclosed'''\nkeywords = [\"x1\"]\n",
        &[".leakgate.toml", "rule `broken`", "invalid regex"],
    );
}

#[test]
fn failing_example_names_the_rule() {
    assert_config_error(
        ".leakgate.toml",
        "[[rules]]\nid = \"mine\"\ndescription = \"x\"\nregex = '''tok_[0-9]{8}'''\nkeywords = [\"tok_\"]\nexamples = [{ text = \"tok_12\", secret = \"tok_12\" }]\n",
        &["rule `mine`", "example not found"],
    );
}

#[test]
fn unknown_disabled_rule_is_rejected() {
    assert_config_error(".leakgate.toml", "disable = [\"no-such-rule\"]\n", &["no-such-rule"]);
}

#[test]
fn invalid_toml_is_rejected() {
    assert_config_error(".leakgate.toml", "disable = [\n", &[".leakgate.toml"]);
}

#[test]
fn explicit_config_flag_and_missing_file() {
    let tree = Tree::new();
    tree.write("a.txt", format!("T={GITHUB_PAT}\n"));
    tree.write("conf/custom.toml", "disable = [\"github-classic-pat\"]\n");
    tree.run(&["scan", "--config", "conf/custom.toml", "a.txt"]).assert_code(0);
    let run = tree.run(&["scan", "--config", "conf/missing.toml"]);
    run.assert_code(2);
    assert!(run.stderr().contains("conf/missing.toml"), "{}", run.stderr());
}

/// `max_file_size` in the config takes what `--max-file-size` takes, through the same parser.
#[test]
fn config_and_flag_read_sizes_alike() {
    let tree = Tree::new();
    tree.write("big.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n{}", "#\n".repeat(1024)));
    tree.write("small.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    let skipped = |run: &Run| {
        run.assert_code(1);
        let json = run.json();
        assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json:#}");
        json["summary"]["skipped"]["too_large"].as_u64().unwrap_or(0)
    };
    assert_eq!(skipped(&tree.run(&["scan", "--format", "json", "--max-file-size", "1K", "."])), 1);
    for value in ["\"1K\"", "\"1k\"", "1024", "\" 1K \""] {
        tree.write(".leakgate.toml", format!("max_file_size = {value}\n"));
        assert_eq!(skipped(&tree.run(&["scan", "--format", "json", "."])), 1, "max_file_size = {value}");
    }
    for (value, says) in
        [("\"10X\"", "unknown size suffix `X`"), ("\"ten\"", "`ten` is not a size"), ("true", "expected a size")]
    {
        tree.write(".leakgate.toml", format!("max_file_size = {value}\n"));
        let run = tree.run(&["scan", "."]);
        run.assert_code(2);
        assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
        assert!(run.stderr().contains(says) && run.stderr().contains("max_file_size"), "{}", run.stderr());
        let run = tree.run(&["scan", "--max-file-size", value.trim_matches('"'), "small.env"]);
        if value != "true" {
            run.assert_code(2);
            assert!(run.stderr().contains(says), "the flag says the same: {}", run.stderr());
        }
    }
}

/// The archive size limits in `[archives]` read sizes as `max_file_size` does, and agree with their flags.
#[test]
fn archive_size_limits_read_sizes_as_the_file_limit_does() {
    use std::io::Write as _;
    let tree = Tree::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("GITHUB_TOKEN={GITHUB_PAT}\n{}", "#\n".repeat(1024)).as_bytes()).unwrap();
    tree.write("app.env.gz", gz.finish().unwrap());
    let limited = |run: &Run| {
        run.assert_code(0);
        run.json()["summary"]["skipped"]["archive_limit"].as_u64().unwrap_or(0)
    };
    assert_eq!(limited(&tree.run(&["scan", "--format", "json", "--archive-max-member-size", "1K", "."])), 1);
    tree.write(".leakgate.toml", "[archives]\nmax_member_size = \"1K\"\n");
    assert_eq!(limited(&tree.run(&["scan", "--format", "json", "."])), 1);
    tree.write(".leakgate.toml", "[archives]\nmax_member_size = \"1M\"\n");
    tree.run(&["scan", "--format", "json", "."]).assert_code(1);
    tree.write(".leakgate.toml", "[archives]\nmax_total_size = \"ten\"\n");
    let run = tree.run(&["scan", "."]);
    run.assert_code(2);
    assert!(run.stderr().contains("`ten` is not a size"), "{}", run.stderr());
}
