//! Migration from gitleaks: a realistic `.gitleaks.toml` (written for this test) applied to a temp tree through
//! the real binary, errors for what cannot be translated, and `.gitleaksignore`.
use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG"; // leakgate:allow (a test key)

/// A team's gitleaks config: extends the defaults, disables two of them, a global allowlist, three custom rules
/// with allowlists in both the old (`[rules.allowlist]`) and new (`[[rules.allowlists]]`) spelling, a Go-only
/// `\Q…\E` regex, and ids that are not kebab-case.
const GITLEAKS_TOML: &str = r#"
title = "ACME gitleaks config"

[extend]
useDefault = true
# generic-api-key is a gitleaks id leakgate does not have; aws-access-key-id is one of leakgate's.
disabledRules = ["generic-api-key", "aws-access-key-id"]

[allowlist]
description = "global allow list"
paths = ['''(^|/)testdata/''', '''\.lock$''']
stopwords = ["dummy"]
commits = ["6e6ee6596d337bb656496425fb98644eb62b4a82"]

[[rules]]
id = "ACME_internal_token"
description = "ACME internal API token"
regex = '''(?i)\b(acme_(?:live|test)_[a-z0-9]{24})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_live_", "acme_test_"]
tags = ["internal", "acme"]

  [rules.allowlist]
  description = "test-mode tokens are harmless"
  regexes = ['''^acme_test_''']

[[rules]]
id = "acme-db-password"
description = "ACME database password in properties files"
regex = '''db\.password\s*=\s*(\S{8,})'''
secretGroup = 1
path = '''\.properties$'''
keywords = ["db.password"]

  [[rules.allowlists]]
  description = "local development defaults"
  stopwords = ["localdev"]

  [[rules.allowlists]]
  description = "fixtures marked on the line"
  condition = "AND"
  regexTarget = "line"
  regexes = ['''#\s*fixture''']
  paths = ['''^src/test/''']

[[rules]]
id = "Internal Signing Key"
description = "Signing key in an internal key URL"
regex = '''\Qsigning-key://\E([a-f0-9]{32})\b'''
"#;

fn acme_tree(config: &str) -> Tree {
    let tree = Tree::new();
    tree.write(".gitleaks.toml", config);
    tree.write(
        "service.env",
        "ACME_TOKEN=acme_live_q8w7e6r5t4y3u2i1o0p9l8k7\nACME_TEST=acme_test_z1x2c3v4b5n6m7a8s9d0f1g2\n",
    );
    tree.write("app.properties", "db.url=jdbc:postgresql://db/acme\ndb.password = Zq7pL2vR9xKw\n");
    tree.write("dev.properties", "db.password=localdev-Secret-991\n");
    tree.write("notes.txt", "db.password = Zq7pL2vR9xKw\n");
    tree.write("deploy.yaml", "url: signing-key://9f86d081884c7d659a2feaa0c55ad015\n");
    tree.write("ci.env", format!("GITHUB_TOKEN={GITHUB_PAT}\naws_access_key_id = {AWS_KEY}\n"));
    tree.write("testdata/fixture.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    tree
}

/// (rule, path, secret) of each finding, leaving out leakgate's generic built-in rules (they may also see the
/// properties files; which of them does is not what these tests are about).
fn specific(json: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["tags"].as_array().unwrap().iter().any(|t| t == "generic"))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn triple(rule: &str, path: &str, secret: &str) -> (String, String, String) {
    (rule.into(), path.into(), secret.into())
}

#[test]
fn gitleaks_config_is_loaded_and_applied() {
    let tree = acme_tree(GITLEAKS_TOML);
    let expected = vec![
        // A custom rule finds its token (the ACME_TEST one is allowlisted by the rule's regex).
        triple("acme-db-password", "app.properties", "Zq7pL2vR9xKw"),
        triple("acme-internal-token", "service.env", "acme_live_q8w7e6r5t4y3u2i1o0p9l8k7"),
        // useDefault keeps leakgate's built-in rules; testdata/ is skipped by the global allowlist, and the
        // AWS key's rule is disabled.
        triple("github-classic-pat", "ci.env", GITHUB_PAT),
        // `\Q…\E` translated, no keywords (slow, said in a note), id made kebab-case.
        triple("internal-signing-key", "deploy.yaml", "9f86d081884c7d659a2feaa0c55ad015"),
    ];
    // Given explicitly, and found on its own where there is no .leakgate.toml.
    for args in [&["scan", "--config", ".gitleaks.toml"][..], &["scan"][..]] {
        let mut args = args.to_vec();
        args.extend(["--format", "json", "--show-secrets"]);
        let run = tree.run(&args);
        run.assert_code(1);
        let json = run.json();
        assert_eq!(specific(&json), expected, "{args:?}");
        let notes: Vec<&str> =
            json["summary"]["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        let notes = notes.join("\n");
        for expected in [
            "`ACME_internal_token` → `acme-internal-token`",
            "without keywords",
            "1 allowlist commit list not applied",
            "allowlist \"fixtures marked on the line\" was not applied",
            "disabledRules that are not leakgate built-in rule ids",
        ] {
            assert!(notes.contains(expected), "{expected:?} not in notes:\n{notes}");
        }
    }
    // The rules command lists the imported rules next to the built-ins.
    let run = tree.run(&["rules", "--format", "json"]);
    run.assert_code(0);
    let ids: Vec<String> =
        run.json().as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert!(ids.contains(&"acme-internal-token".to_string()));
    assert!(ids.contains(&"github-classic-pat".to_string()));
    assert!(!ids.contains(&"aws-access-key-id".to_string()));
}

#[test]
fn without_use_default_only_the_files_rules_run() {
    let config = GITLEAKS_TOML.replace("useDefault = true", "useDefault = false");
    let tree = acme_tree(&config);
    let run = tree.run(&["scan", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    let rules: std::collections::BTreeSet<String> = findings(&json).into_iter().map(|(r, _)| r).collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        vec!["acme-db-password".to_string(), "acme-internal-token".to_string(), "internal-signing-key".to_string()]
    );
}

#[test]
fn a_leakgate_config_next_to_it_wins() {
    let tree = acme_tree(GITLEAKS_TOML);
    tree.write(".leakgate.toml", "disable = [\"github-classic-pat\"]\n");
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1); // the AWS key: .leakgate.toml does not disable it
    let json = run.json();
    assert!(findings(&json).iter().all(|(r, _)| !r.starts_with("acme-")));
}

#[test]
fn untranslatable_regex_names_the_rule() {
    // Look-around and backreferences: Go's RE2 rejects them too, but configs copied from PCRE have them.
    assert_config_error(
        ".gitleaks.toml",
        "[[rules]]\nid = \"Vendor Key\"\nregex = '''vendor_(?=[a-z])[a-z0-9]{20}'''\nkeywords = [\"vendor_\"]\n",
        &[".gitleaks.toml", "rule `Vendor Key`", "look-around"],
    );
    assert_config_error(
        ".gitleaks.toml",
        "[[rules]]\nid = \"pairs\"\nregex = '''(['\"])[a-z]{20}\\1'''\nkeywords = [\"ab\"]\n",
        &["rule `pairs`", "backreference"],
    );
    assert_config_error(
        ".gitleaks.toml",
        "[[rules]]\nid = \"bad-group\"\nregex = '''key=([a-z]{20})'''\nsecretGroup = 3\nkeywords = [\"key=\"]\n",
        &["rule `bad-group`", "secretGroup = 3"],
    );
}

#[test]
fn unsupported_gitleaks_features_are_clear_errors() {
    assert_config_error(
        ".gitleaks.toml",
        "[extend]\npath = \"base.toml\"\n",
        &[".gitleaks.toml", "[extend] path", "not supported"],
    );
    assert_config_error(
        ".gitleaks.toml",
        "[extend]\nurl = \"https://example.com/gitleaks.toml\"\n",
        &["[extend] url", "not supported"],
    );
    assert_config_error(
        ".gitleaks.toml",
        "[[rules]]\nid = \"pem-files\"\npath = '''\\.pem$'''\n",
        &["rule `pem-files`", "path-only"],
    );
    assert_config_error(
        ".gitleaks.toml",
        "[[rules]]\nid = \"x\"\nregex = '''x_[0-9]{9}'''\nkeyword = [\"x_\"]\n",
        &[".gitleaks.toml", "keyword"],
    );
}

#[test]
fn gitleaksignore_fingerprints_are_honoured() {
    let tree = Tree::new();
    tree.write("a.env", format!("# config\nGITHUB_TOKEN={GITHUB_PAT}\n"));
    tree.write("b.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    // gitleaks calls the rule `github-pat`; leakgate's is `github-classic-pat`: path and line decide.
    tree.write(".gitleaksignore", "# reviewed 2024-05\na.env:github-pat:2\nb.env:github-pat:7\n");
    let run = tree.run(&["scan", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["summary"]["suppressed"]["ignore_file"], 1);
    assert_eq!(json["findings"][0]["path"], "b.env");

    // History findings: an entry with a commit matches that commit only.
    let repo = Repo::new();
    let sha = repo.commit_file("a.env", format!("T={GITHUB_PAT}\n"), "add");
    repo.write(".gitleaksignore", "0000000000000000000000000000000000000000:a.env:github-pat:1\n");
    repo.run(&["scan", "--history"]).assert_code(1);
    repo.write(".gitleaksignore", format!("{sha}:a.env:github-pat:1\n"));
    repo.run(&["scan", "--history"]).assert_code(0);
    repo.run(&["scan"]).assert_code(0);
}
