use crate::support::*;

#[test]
fn every_builtin_rule_example_is_found_by_the_binary() {
    // One file per rule example; the binary must report each marked secret.
    let tree = Tree::new();
    let listing = tree.run(&["rules", "--format", "json"]);
    listing.assert_code(0);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut expected = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let doc: toml::Value = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for rule in doc["rules"].as_array().into_iter().flatten() {
            let id = rule["id"].as_str().unwrap();
            for (i, ex) in rule.get("examples").and_then(|e| e.as_array()).into_iter().flatten().enumerate() {
                let rel = match ex.get("path").and_then(|p| p.as_str()) {
                    Some(path) => format!("{id}/{i}/{path}"),
                    None => format!("{id}/{i}/example.txt"),
                };
                tree.write(&rel, ex["text"].as_str().unwrap());
                expected.push((rel, ex["secret"].as_str().unwrap().to_string()));
            }
        }
    }
    assert!(expected.len() >= 300, "expected many rule examples, found {}", expected.len());
    // Each example as written: with decoding, a base64 PEM example is reported as the key it decodes to (by the
    // key's own rule; rule_examples.rs lists those overlaps).
    let run = tree.run(&["scan", "--no-ignore", "--no-decode", "--format", "json", "--show-secrets", "."]);
    run.assert_code(1);
    let json = run.json();
    let got: std::collections::HashSet<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["secret"].as_str().unwrap().to_string()))
        .collect();
    let missing: Vec<_> = expected.iter().filter(|e| !got.contains(*e)).collect();
    assert!(missing.is_empty(), "{} examples not reported by the binary: {missing:#?}", missing.len());
}

#[test]
fn reports_a_secret_with_location_and_exit_code_1() {
    let tree = Tree::new();
    tree.write("src/config.py", format!("import os\n\nTOKEN = \"{GITHUB_PAT}\"\n"));
    let run = tree.run(&["scan", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["version"], 1);
    let f = &json["findings"][0];
    assert_eq!(f["rule_id"], "github-classic-pat");
    assert_eq!(f["path"], "src/config.py");
    assert_eq!(f["start_line"], 3);
    assert_eq!(f["start_column"], 10);
    assert_eq!(f["end_column"], 49);
    assert_eq!(f["secret"], GITHUB_PAT);
    assert_eq!(f["validated"], true);
    assert!(f["fingerprint"].as_str().unwrap().starts_with("github-classic-pat:src/config.py:"));
    assert_eq!(json["summary"]["files_scanned"], 1);
}

#[test]
fn each_offline_validator_marks_what_it_accepts_and_drops_what_it_rejects() {
    // One candidate per validator that passes it, and a look-alike that fails it (checksum, JSON, base64).
    const PEM_BODY: &str =
        "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwEC\
        AwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot\
        /OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uy\
        v/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00";
    let pem = |body: &str| format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
    let jwt_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    let jwt_sig = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let tree = Tree::new();
    tree.write("good/gh.txt", format!("x = {GITHUB_PAT}\n"));
    tree.write("good/npm.txt", "x = 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\n");
    tree.write(
        "good/jwt.txt",
        format!("x = {jwt_header}.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgUm9lIn0.{jwt_sig}\n"),
    );
    tree.write("good/key.pem", pem(PEM_BODY));
    tree.write("bad/gh.txt", format!("x = {GITHUB_PAT_BAD_CHECKSUM}\n"));
    tree.write("bad/npm.txt", "x = npm_fNc5U4VRe1enU9xBc6Dwg6aqQKHQaI1Leqcx\n");
    // The payload is cut short: not base64 of a JSON object.
    tree.write(
        "bad/jwt.txt",
        format!("x = {jwt_header}.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgUm9lIn.{jwt_sig}\n"),
    );
    // One character too many: 425 base64 characters cannot be decoded.
    tree.write("bad/key.pem", pem(&format!("{PEM_BODY}A")));
    let run = tree.run(&["scan", "--format", "json", "."]);
    run.assert_code(1);
    let mut got: Vec<(String, String, bool)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("path"), s("rule_id"), f["validated"].as_bool().unwrap())
        })
        .collect();
    got.sort();
    let want = [
        ("good/gh.txt", "github-classic-pat"),
        ("good/jwt.txt", "jwt"),
        ("good/key.pem", "pem-rsa-private-key"),
        ("good/npm.txt", "npm-access-token"),
    ];
    let want: Vec<(String, String, bool)> = want.iter().map(|(p, r)| (p.to_string(), r.to_string(), true)).collect();
    assert_eq!(got, want);
}

/// A token whose checksum fails is a fake its own rule saw through: the generic assignment rules, which would
/// otherwise match `token = "..."` or `GITHUB_TOKEN=...` around it, must not report it either.
#[test]
fn a_token_its_validator_rejects_is_not_reported_by_a_generic_rule_instead() {
    let tree = Tree::new();
    tree.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT_BAD_CHECKSUM}\n"));
    tree.write("app.py", format!("token = \"{GITHUB_PAT_BAD_CHECKSUM}\"\n"));
    tree.write("npm.txt", "NPM_TOKEN=npm_fNc5U4VRe1enU9xBc6Dwg6aqQKHQaI1Leqcx\n");
    let run = tree.run(&["scan", "--format", "json", "."]);
    run.assert_code(0);
    assert_eq!(run.json()["findings"], serde_json::json!([]));
    // The real token in the same places is reported once, by its own rule, as validated.
    tree.write("app.py", format!("token = \"{GITHUB_PAT}\"\n"));
    let run = tree.run(&["scan", "--format", "json", "."]);
    run.assert_code(1);
    let found = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0]["rule_id"].as_str(), found[0]["validated"].as_bool()),
        (Some("github-classic-pat"), Some(true))
    );
}

#[test]
fn quiet_prints_nothing_without_findings_and_the_findings_with_them() {
    let tree = Tree::new();
    tree.write("a.txt", "nothing here\n");
    let run = tree.run(&["scan", "--quiet", "."]);
    run.assert_code(0);
    assert_eq!((run.stdout(), run.stderr()), (String::new(), String::new()));
    tree.write("b.py", format!("TOKEN = \"{GITHUB_PAT}\"\n"));
    let run = tree.run(&["scan", "-q", "."]);
    run.assert_code(1);
    assert!(run.stdout().contains("b.py:1:10  github-classic-pat"), "{}", run.stdout());
}

#[test]
fn clean_tree_exits_0() {
    let tree = Tree::new();
    tree.write("main.rs", "fn main() { println!(\"hello\"); }\n");
    let run = tree.run(&["scan"]);
    run.assert_code(0);
    assert!(run.stdout().contains("leakgate: 0 findings in 1 file"), "{}", run.stdout());
}

#[test]
fn secrets_are_redacted_unless_show_secrets() {
    let tree = Tree::new();
    tree.write(".env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    for format in ["text", "json"] {
        let run = tree.run(&["scan", "--format", format]);
        run.assert_code(1);
        assert!(!run.stdout().contains(GITHUB_PAT), "{format} leaked the secret:\n{}", run.stdout());
        assert!(run.stdout().contains("ghp_*****"), "{format}: {}", run.stdout());
        let shown = tree.run(&["scan", "--format", format, "--show-secrets"]);
        assert!(shown.assert_code(1).stdout().contains(GITHUB_PAT));
    }
}

#[test]
fn failed_checksum_placeholders_and_inline_allows_are_not_reported() {
    let tree = Tree::new();
    tree.write(
        "a.txt",
        format!(
            "bad = {GITHUB_PAT_BAD_CHECKSUM}\n\
             masked = ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
             templ = \"${{GITHUB_TOKEN}}\"\n\
             allowed = {GITHUB_PAT} # leakgate:allow\n\
             migrated = {GITHUB_PAT} // gitleaks:allow\n\
             ds = {GITHUB_PAT}  # pragma: allowlist secret\n"
        ),
    );
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(findings(&json), vec![]);
    assert_eq!(json["summary"]["suppressed"]["inline"], 3);
}

#[test]
fn binary_files_when_told_and_oversized_files_are_skipped_and_counted() {
    let tree = Tree::new();
    tree.write("image.bin", [b"PNG\0\0".as_slice(), &[0; 64], GITHUB_PAT.as_bytes()].concat());
    tree.write("big.txt", format!("{}\n{GITHUB_PAT}\n", "a".repeat(2000)));
    tree.write("small.txt", "nothing here\n");
    let run = tree.run(&["scan", "--format", "json", "--max-file-size", "1K", "--no-binary-strings"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["summary"]["skipped"]["binary"], 1);
    assert_eq!(json["summary"]["skipped"]["too_large"], 1);
    assert_eq!(json["summary"]["files_scanned"], 1);
    let text = tree.run(&["scan", "--max-file-size", "1K", "--no-binary-strings"]);
    assert!(text.assert_code(0).stdout().contains("skipped: 1 binary, 1 too large"), "{}", text.stdout());
}

#[test]
fn invalid_utf8_is_scanned_as_bytes() {
    let tree = Tree::new();
    tree.write("latin1.txt", [b"caf\xe9 \xff\xfe token=".as_slice(), GITHUB_PAT.as_bytes(), b"\n"].concat());
    let run = tree.run(&["scan", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(findings(&run.json()), vec![("github-classic-pat".to_string(), GITHUB_PAT.to_string())]);
}

#[test]
fn stdin_is_scanned_with_dash() {
    let tree = Tree::new();
    let run =
        tree.run_stdin(&["scan", "-", "--format", "json", "--show-secrets"], format!("x={GITHUB_PAT}").as_bytes());
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"][0]["path"], "-");
    let clean = tree.run_stdin(&["scan", "-"], b"nothing to see");
    clean.assert_code(0);
}

#[test]
fn gitignored_files_are_skipped_unless_no_ignore() {
    let tree = Tree::new();
    tree.write(".gitignore", "secrets.env\n");
    tree.write("secrets.env", format!("T={GITHUB_PAT}\n"));
    tree.run(&["scan"]).assert_code(0);
    tree.run(&["scan", "--no-ignore"]).assert_code(1);
    // A file named explicitly is scanned even when ignored.
    tree.run(&["scan", "secrets.env"]).assert_code(1);
}

#[test]
fn dot_git_is_never_scanned() {
    let tree = Tree::new();
    tree.write(".git/config", format!("token = {GITHUB_PAT}\n"));
    tree.run(&["scan", "--no-ignore"]).assert_code(0);
}

#[test]
fn missing_path_is_a_one_line_error_with_exit_2() {
    let tree = Tree::new();
    let run = tree.run(&["scan", "does-not-exist"]);
    run.assert_code(2);
    assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
    assert!(run.stderr().starts_with("leakgate: error: cannot scan does-not-exist"), "{}", run.stderr());
}

#[test]
fn usage_mistakes_are_one_line_errors_with_exit_2() {
    let tree = Tree::new();
    for (args, says) in [
        (&["scan", "--format", "bogus"][..], "invalid value 'bogus' for '--format <FORMAT>'"),
        (&["scan", "--no-such-flag"][..], "unexpected argument '--no-such-flag'"),
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
    ] {
        let run = tree.run(args);
        run.assert_code(2);
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("leakgate: error: ") && err.contains(says) && err.ends_with("(see --help)\n"), "{err}");
    }
    let run = tree.run(&["scan", "--format", "bogus"]);
    assert!(run.stderr().contains("possible values: text, json"), "clap's hint is kept: {}", run.stderr());
    // Help and version are not errors.
    tree.run(&["--help"]).assert_code(0);
    tree.run(&["--version"]).assert_code(0);
}

#[test]
fn unreadable_input_is_reported_and_exits_2() {
    let tree = Tree::new();
    tree.write("ok.txt", format!("T={GITHUB_PAT}\n"));
    std::os::unix::fs::symlink(tree.path().join("gone.txt"), tree.path().join("dangling.txt")).unwrap();
    // Not followed by default: counted as a symlink, not an error.
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["summary"]["skipped"]["symlink"], 1);
    // Followed: the dangling link cannot be read; the finding is still reported but the run is not "clean".
    let run = tree.run(&["scan", "--follow-symlinks", "--format", "json"]);
    run.assert_code(2);
    let json = run.json();
    assert_eq!(json["summary"]["skipped"]["unreadable"], 1);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert!(json["summary"]["errors"][0].as_str().unwrap().contains("dangling.txt"));
}

#[test]
fn report_goes_to_output_file() {
    let tree = Tree::new();
    tree.write("a.txt", format!("T={GITHUB_PAT}\n"));
    let run = tree.run(&["scan", "a.txt", "--format", "json", "--output", "report.json"]);
    run.assert_code(1);
    assert_eq!(run.stdout(), "");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["findings"], 1);
}

#[test]
fn ignore_file_fingerprints_suppress_and_are_counted() {
    let tree = Tree::new();
    tree.write("a.txt", format!("T={GITHUB_PAT}\n"));
    let fp = tree.run(&["scan", "--format", "json"]).json()["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    tree.write(".leakgateignore", format!("# reviewed: revoked on 2026-11-01\n{fp}\n"));
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["ignore_file"], 1);
    // The fingerprint does not depend on the line: moving the secret down keeps it suppressed.
    tree.write("a.txt", format!("\n\n\nT={GITHUB_PAT}\n"));
    tree.run(&["scan"]).assert_code(0);
}

#[test]
fn control_characters_in_file_names_and_lines_are_neutralised() {
    let tree = Tree::new();
    tree.write("evil\x1b[2Jname.txt", format!("T={GITHUB_PAT} \x1b[8mhidden\n"));
    let run = tree.run(&["scan", "--no-color"]);
    run.assert_code(1);
    assert!(!run.stdout().contains('\x1b'), "raw escape reached the terminal: {:?}", run.stdout());
    assert!(run.stdout().contains("evil\\x1b[2Jname.txt"), "{}", run.stdout());
}
