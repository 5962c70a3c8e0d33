//! Confidence levels on the real binary: what the default shows, what it counts but hides, and the flag and
//! config key that change the threshold.
use crate::support::*;

fn rules_and_levels(json: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn tree() -> Tree {
    let t = Tree::new();
    t.write("app/settings.py", "DB_PASSWORD = \"t7#Kq2!vR9\"\n");
    t.write("app/github.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    // Word-like values, a comparison, and example-host URL credentials: lower-confidence candidates.
    t.write("app/modes.py", "if self.update_password == 'always' and self.password is not None:\n    pass\n");
    t.write("app/parse.py", "URL = 'https://mary:Kx9#mQ2zW@www.example.com:9000/dir/index.html'\n");
    t.write("tests/test_login.py", "client.login(username='joe', password='pygmalion')\n");
    t
}

#[test]
fn default_reports_medium_and_above_and_counts_the_rest() {
    let t = tree();
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "."]);
    run.assert_code(1);
    let json = run.json();
    let found = rules_and_levels(&json);
    assert_eq!(
        found,
        vec![
            ("app/github.env".to_string(), GITHUB_PAT.to_string(), "high".to_string()),
            ("app/settings.py".to_string(), "t7#Kq2!vR9".to_string(), "medium".to_string()),
        ],
        "{json:#}"
    );
    assert_eq!(json["summary"]["confidence_threshold"], "medium");
    let hidden = json["summary"]["below_confidence"].as_u64().unwrap();
    assert!(hidden >= 3, "{json:#}");
    // The text summary says how many were left out and how to see them.
    let text = t.run(&["scan", "."]);
    text.assert_code(1);
    assert!(
        text.stdout().contains(&format!("{hidden} more below medium confidence: `--confidence low`")),
        "{}",
        text.stdout()
    );
}

#[test]
fn confidence_low_shows_every_candidate_with_its_evidence() {
    let t = tree();
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "--confidence", "low", "."]);
    run.assert_code(1);
    let json = run.json();
    let findings = json["findings"].as_array().unwrap();
    let by_secret = |s: &str| findings.iter().find(|f| f["secret"] == s).unwrap_or_else(|| panic!("{s}: {json:#}"));
    let evidence = |s: &str| -> Vec<String> {
        by_secret(s)["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(by_secret("Kx9#mQ2zW")["confidence"], "low");
    assert!(evidence("Kx9#mQ2zW").contains(&"example-host".to_string()));
    assert_eq!(by_secret("pygmalion")["confidence"], "low");
    assert!(evidence("pygmalion").contains(&"test-or-doc-path".to_string()), "{json:#}");
    assert_eq!(json["summary"]["below_confidence"], 0);
    // `high` keeps only the token with a valid checksum.
    let high = t.run(&["scan", "--format", "json", "--show-secrets", "--confidence", "high", "."]);
    high.assert_code(1);
    assert_eq!(rules_and_levels(&high.json()).len(), 1);
}

#[test]
fn the_config_sets_the_threshold_and_the_flag_overrides_it() {
    let t = tree();
    t.write(".leakgate.toml", "confidence = \"high\"\n");
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 1);
    let run = t.run(&["scan", "--format", "json", "--confidence", "medium", "."]);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 2);
    let bad = t.run(&["scan", "--confidence", "sure", "."]);
    bad.assert_code(2);
    assert!(bad.stderr().contains("unknown confidence `sure`"), "{}", bad.stderr());
}

#[test]
fn a_hidden_secret_stays_masked_in_a_shown_line() {
    let t = Tree::new();
    // One line, two candidates: the word-like password is hidden, the key shown; the line it quotes masks both.
    t.write("app/cfg.py", "opts = {'password': 'mysecret', 'aws_access_key_id': 'AKIAZ3MSJV4WWNKWW5FG'}\n");
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"][0]["rule_id"], "aws-access-key-id", "{json:#}");
    assert_eq!(json["summary"]["below_confidence"], 1);
    let out = run.stdout();
    assert!(!out.contains("mysecret"), "{out}");
}

#[test]
fn a_string_escape_ends_a_generic_match() {
    let t = Tree::new();
    // requests' test suite writes a .netrc line with `\n` inside the string: `bbbb` is a placeholder, not `bbbb\n`.
    t.write("app/netrc_writer.py", "f.write(\"machine example.com login aaaa password bbbb\\n\")\n");
    t.run(&["scan", "--confidence", "low", "."]).assert_code(0);
    t.write("app/deploy.py", "f.write(\"machine api.corp.io login deploy password Kx9#mQ2zWv\\n\")\n");
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "--confidence", "low", "."]);
    run.assert_code(1);
    let found = findings(&run.json());
    assert_eq!(found, vec![("netrc-credentials".to_string(), "Kx9#mQ2zWv".to_string())]);
}

/// Someone checking "does my hook work?" with a made-up GitHub token: its checksum fails, so it is not
/// reported, but the summary says it was seen and how to show it.
#[test]
fn a_token_that_fails_its_checksum_is_counted_and_shown_at_low_confidence() {
    let t = Tree::new();
    t.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT_BAD_CHECKSUM}\n"));
    let text = t.run(&["scan", "."]);
    text.assert_code(0);
    assert!(
        text.stdout().contains("0 findings (1 candidate failed its format check: `--confidence low` shows it)"),
        "{}",
        text.stdout()
    );
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["summary"]["failed_validation"], 1, "{json:#}");
    assert_eq!(json["summary"]["below_confidence"], 0, "counted once, apart: {json:#}");

    // What the summary says shows it: by its own rule (not a generic one), low, with the reason.
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "--confidence", "low", "."]);
    run.assert_code(1);
    let json = run.json();
    let f = &json["findings"][0];
    assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(f["rule_id"], "github-classic-pat");
    assert_eq!(f["secret"], GITHUB_PAT_BAD_CHECKSUM);
    assert_eq!((f["confidence"].as_str(), f["validated"].as_bool()), (Some("low"), Some(false)));
    assert_eq!(f["evidence"], serde_json::json!(["failed-validation"]));
    assert_eq!(json["summary"]["failed_validation"], 0);

    // Two of them, in the hook's summary.
    let repo = crate::git::Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write("a.env", format!("GITHUB_TOKEN={GITHUB_PAT_BAD_CHECKSUM}\n"));
    repo.write("b.py", format!("token = \"{GITHUB_PAT_BAD_CHECKSUM}\"\n"));
    repo.git(&["add", "."]);
    let run = repo.run(&["hook", "pre-commit"]);
    run.assert_code(0);
    assert!(
        run.stdout().contains("(2 candidates failed their format check: `--confidence low` shows them)"),
        "{}",
        run.stdout()
    );
}

/// Evidence names of the finding whose secret is `secret`, at `--confidence low`.
fn evidence_of(t: &Tree, secret: &str) -> (String, Vec<String>) {
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "--confidence", "low", "."]);
    run.assert_code(1);
    let json = run.json();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"] == secret)
        .unwrap_or_else(|| panic!("{secret}: {json:#}"));
    // A finding without evidence has no `evidence` key.
    let evidence =
        f["evidence"].as_array().map_or_else(Vec::new, |a| a.iter().map(|e| e.as_str().unwrap().to_string()).collect());
    (f["confidence"].as_str().unwrap().to_string(), evidence)
}

/// Scans `t` expecting only `look_alikes`, each hidden at `low` with `provider-look-alike`; then, with `reported`
/// written too, expects exactly `want` (`rule secret`, sorted) to be reported.
fn assert_look_alikes(t: &Tree, look_alikes: &[&str], reported: &[(&str, String)], want: &[String]) {
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["below_confidence"], look_alikes.len(), "{:#}", run.json());
    for secret in look_alikes {
        let (level, evidence) = evidence_of(t, secret);
        assert_eq!(level, "low");
        assert!(evidence.contains(&"provider-look-alike".to_string()), "{secret}: {evidence:?}");
    }
    for (path, text) in reported {
        t.write(path, text);
    }
    let run = t.run(&["scan", "--format", "json", "--show-secrets", "."]);
    run.assert_code(1);
    let mut shown: Vec<String> =
        findings(&run.json()).into_iter().map(|(rule, secret)| format!("{rule} {secret}")).collect();
    shown.sort();
    assert_eq!(shown, want);
}

/// A value that starts like a provider's token but fails its format (cut short, or in the wrong case) is what
/// documentation and tests write, not a key: the generic rule that still sees a secret-looking assignment reports
/// it at `low`, with the reason; the well-formed token beside it is reported as before.
#[test]
fn a_provider_look_alike_is_low_and_says_why() {
    let t = Tree::new();
    t.write("deploy/short.env", "GITHUB_TOKEN=ghp_Zx8Kq2mW9vR4tLp7\n");
    t.write("deploy/upper.env", "SLACK_BOT_TOKEN=XOXB-6966252367-484661926514-S2Y19ZPK9A59DAX0E9KQQ3KD\n");
    // A random value without a provider's prefix keeps the generic rule's confidence.
    assert_look_alikes(
        &t,
        &["ghp_Zx8Kq2mW9vR4tLp7", "XOXB-6966252367-484661926514-S2Y19ZPK9A59DAX0E9KQQ3KD"],
        &[
            ("deploy/app.env", "SESSION_SECRET=Zx8Kq2mW9vR4tLp7Yb3N\n".to_string()),
            ("deploy/gh.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n")),
        ],
        &["generic-env-file-secret Zx8Kq2mW9vR4tLp7Yb3N".to_string(), format!("github-classic-pat {GITHUB_PAT}")],
    );
}

/// A value assigned to a provider's name (`DEEPGRAM_API_KEY`) that fits none of that provider's formats (cut
/// short, a character the format never has) is a look-alike too; one that fits is the provider rule's finding.
#[test]
fn a_value_named_for_a_provider_but_in_none_of_its_formats_is_low() {
    let t = Tree::new();
    t.write("deploy/cut.env", "DEEPGRAM_API_KEY=5baa21a17b929652093a0371\n");
    t.write("deploy/odd.env", "DEEPGRAM_API_KEY=5baa21a17b929652093a03715baa21a17b92965z\n");
    // A whole key in the provider's format, and a value under a name that names no provider, are reported.
    assert_look_alikes(
        &t,
        &["5baa21a17b929652093a0371", "5baa21a17b929652093a03715baa21a17b92965z"],
        &[
            ("deploy/whole.env", "DEEPGRAM_API_KEY=5baa21a17b929652093a03715baa21a17b929652\n".to_string()),
            ("deploy/app.env", "SESSION_SECRET=5baa21a17b929652093a0371\n".to_string()),
        ],
        &[
            "deepgram-api-key 5baa21a17b929652093a03715baa21a17b929652".to_string(),
            "generic-env-file-secret 5baa21a17b929652093a0371".to_string(),
        ],
    );
}

/// A test's own constant: a value its assertion compares with, or one assigned to a name that says it is for
/// tests. One level down: a generic password drops below the default, a provider's token stays shown.
#[test]
fn a_test_constant_is_one_level_lower() {
    let t = Tree::new();
    t.write(
        "app/auth_check.py",
        "EXPECTED = \"Zq8#vW2xKp\"\nDB_PASSWORD = \"Zq8#vW2xKp\"\n\ndef check(cfg):\n    assert cfg.password == \"Zq8#vW2xKp\"\n",
    );
    t.write("app/fakes.py", "FAKE_DB_PASSWORD = \"t7#Kq2!vR9\"\n");
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(0);
    let (level, evidence) = evidence_of(&t, "Zq8#vW2xKp");
    assert_eq!((level.as_str(), evidence), ("low", vec!["test-constant".to_string()]));
    let (level, evidence) = evidence_of(&t, "t7#Kq2!vR9");
    assert_eq!((level.as_str(), evidence), ("low", vec!["test-constant".to_string()]));

    // Used twice without an assertion (a password and the URL built from it) is no test constant.
    t.write(
        "app/settings.py",
        "DB_PASSWORD = \"Wk8#nQ2xVp\"\nDB_URL = \"postgres://app:Wk8#nQ2xVp@db.internal:5432/app\"\n",
    );
    let (level, evidence) = evidence_of(&t, "Wk8#nQ2xVp");
    assert_eq!(level, "medium", "{evidence:?}");
}
