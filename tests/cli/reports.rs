//! The report formats written by the real binary and read back by real parsers: SARIF validated against the
//! vendored OASIS SARIF 2.1.0 schema, JUnit parsed as XML, CSV parsed as CSV, the GitLab report checked for the
//! fields GitLab's schema requires. Plus the hostile case (a file name and line full of markup, quotes, commas,
//! newlines and a spreadsheet formula) and the promise that no format leaks a secret without --show-secrets.
use std::collections::HashSet;

use serde_json::Value;

use crate::git::Repo;
use crate::json_schema::Schema;
use crate::support::*;

const FORMATS: &[&str] = &["text", "json", "sarif", "junit", "csv", "gitlab"];
const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// Parses `out` as SARIF and fails with every schema violation if it is not valid SARIF 2.1.0.
pub(crate) fn valid_sarif(out: &str) -> Value {
    let doc: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("SARIF is not JSON ({e}):\n{out}"));
    let errors = Schema::sarif().errors(&doc);
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}\n{out}", errors.join("\n"));
    doc
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn two_secrets() -> Tree {
    let tree = Tree::new();
    tree.write("config/app settings.env", format!("TOKEN={GITHUB_PAT}\n"));
    tree.write("deploy.sh", format!("# keys\nexport AWS_ID={AWS_KEY}\n"));
    tree.write("README.md", "nothing to see\n");
    tree
}

#[test]
fn sarif_is_valid_and_each_result_points_at_its_rule() {
    let tree = two_secrets();
    let run = tree.run(&["scan", "--format", "sarif", "."]);
    run.assert_code(1);
    let doc = valid_sarif(&run.stdout());
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run0 = &runs[0];
    assert_eq!(run0["tool"]["driver"]["name"], "leakgate");
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(rule["help"]["text"].as_str().unwrap().len() > 10);
        assert!(rule["help"]["markdown"].as_str().is_some());
        let sev: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(r["partialFingerprints"]["leakgate/v1"].as_str().is_some());
    }
    let pat = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "config/app%20settings.env")
        .expect("the token's result, with its path percent-encoded");
    let region = &pat["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 7);
    assert_eq!(region["endLine"], 1);
    assert_eq!(region["endColumn"], 7 + GITHUB_PAT.len());
    assert_eq!(region["snippet"]["text"], "TOKEN=ghp_*****");
    assert_eq!(pat["level"], "error");
    // The rules list holds each rule once.
    let ids: HashSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len());
}

#[test]
fn sarif_for_a_clean_tree_is_valid_with_no_results() {
    let tree = Tree::new();
    tree.write("a.txt", "hello\n");
    let run = tree.run(&["scan", "--format", "sarif", "."]);
    run.assert_code(0);
    let doc = valid_sarif(&run.stdout());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 0);
}

/// A repository whose history holds a secret, and one blob deleted from the object store so that the history
/// scan cannot read everything (exit 2).
fn history_with_unreadable_blob() -> (Repo, String) {
    let repo = Repo::new();
    let commit = repo.commit_file("app.env", format!("T={GITHUB_PAT}\n"), "add config");
    repo.commit_file("notes.txt", "a note\n", "add notes");
    let blob = repo.git(&["rev-parse", "HEAD:notes.txt"]).trim().to_string();
    std::fs::remove_file(repo.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    (repo, commit)
}

#[test]
fn sarif_history_results_carry_the_commit_and_unread_input_fails_the_invocation() {
    let (repo, commit) = history_with_unreadable_blob();
    let run = repo.run(&["scan", "--history", "--format", "sarif"]);
    run.assert_code(2);
    let doc = valid_sarif(&run.stdout());
    let run0 = &doc["runs"][0];
    let c = &run0["results"][0]["properties"]["commit"];
    assert_eq!(c["id"], commit.as_str());
    assert_eq!(c["author"], "Dev Eloper");
    assert_eq!(c["email"], "dev@example.com");
    assert_eq!(c["subject"], "add config");
    assert!(c["date"].as_str().unwrap().len() >= 20);
    let inv = &run0["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    // One error per unread input (notes about the scan may follow at level `note`).
    let errors: Vec<&Value> =
        inv["toolExecutionNotifications"].as_array().unwrap().iter().filter(|n| n["level"] == "error").collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["message"]["text"].as_str().unwrap().contains("notes.txt"));
}

#[test]
fn junit_is_xml_with_one_failing_test_case_per_finding() {
    let tree = two_secrets();
    let run = tree.run(&["scan", "--format", "junit", "."]);
    run.assert_code(1);
    let out = run.stdout();
    let xml = roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("not XML ({e}):\n{out}"));
    let suites: Vec<_> = xml.descendants().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.attribute("name"), Some("leakgate"));
    assert_eq!(suite.attribute("tests"), Some("2"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2);
    let classnames: HashSet<&str> = cases.iter().map(|c| c.attribute("classname").unwrap()).collect();
    assert_eq!(classnames, HashSet::from(["config/app settings.env", "deploy.sh"]));
    for c in &cases {
        let failure = c.children().find(|n| n.has_tag_name("failure")).expect("a failure per finding");
        let rule = failure.attribute("type").unwrap();
        assert!(c.attribute("name").unwrap().starts_with(&format!("{rule}:")));
        assert!(!failure.attribute("message").unwrap().is_empty());
        assert!(failure.text().unwrap().contains("fix: "));
    }
}

#[test]
fn junit_for_a_clean_scan_shows_one_passing_test_case() {
    let tree = Tree::new();
    tree.write("a.txt", "hello\n");
    let run = tree.run(&["scan", "--format", "junit", "."]);
    run.assert_code(0);
    let out = run.stdout();
    let xml = roxmltree::Document::parse(&out).unwrap();
    let cases: Vec<_> = xml.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attribute("classname"), Some("leakgate"));
    assert!(cases[0].children().all(|n| !n.is_element()));
}

#[test]
fn junit_marks_unread_input_as_an_error() {
    let (repo, _) = history_with_unreadable_blob();
    let run = repo.run(&["scan", "--history", "--format", "junit"]);
    run.assert_code(2);
    let out = run.stdout();
    let xml = roxmltree::Document::parse(&out).unwrap();
    let suite = xml.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("errors"), Some("1"));
    let error = xml.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert!(error.text().unwrap().contains("notes.txt"));
}

fn csv_rows(out: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(out.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

#[test]
fn csv_has_a_header_and_one_row_per_finding() {
    let tree = two_secrets();
    let run = tree.run(&["scan", "--format", "csv", "."]);
    run.assert_code(1);
    let (header, rows) = csv_rows(&run.stdout());
    assert_eq!(
        header,
        [
            "kind",
            "rule_id",
            "severity",
            "path",
            "start_line",
            "start_column",
            "end_line",
            "end_column",
            "secret",
            "fingerprint",
            "commit",
            "author",
            "date",
            "message",
            "verification",
            "verified_identity"
        ]
    );
    assert_eq!(rows.len(), 2);
    let pat = rows.iter().find(|r| r[3] == "config/app settings.env").unwrap();
    assert_eq!(pat[0], "secret");
    assert_eq!(pat[4], "1");
    assert_eq!(pat[5], "7");
    assert_eq!(pat[8], "ghp_*****");
    assert!(pat[9].starts_with(&format!("{}:config/app settings.env:", pat[1])));
    let aws = rows.iter().find(|r| r[3] == "deploy.sh").unwrap();
    assert_eq!(aws[4], "2");
}

#[test]
fn csv_history_rows_name_the_commit() {
    let (repo, commit) = history_with_unreadable_blob();
    let run = repo.run(&["scan", "--history", "--format", "csv"]);
    run.assert_code(2);
    let (_, rows) = csv_rows(&run.stdout());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][10], commit);
    assert_eq!(rows[0][11], "Dev Eloper <dev@example.com>");
}

fn is_gitlab_time(s: &str) -> bool {
    // The schema's pattern: ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

pub(crate) fn assert_gitlab_shape(doc: &Value) {
    assert!(doc["version"].as_str().unwrap().starts_with("15."));
    let scan = &doc["scan"];
    for tool in [&scan["analyzer"], &scan["scanner"]] {
        for key in ["id", "name", "version"] {
            assert!(!tool[key].as_str().unwrap().is_empty(), "scan tool {key}");
        }
        assert!(!tool["vendor"]["name"].as_str().unwrap().is_empty());
    }
    assert_eq!(scan["type"], "secret_detection");
    assert!(matches!(scan["status"].as_str(), Some("success" | "failure")));
    assert!(is_gitlab_time(scan["start_time"].as_str().unwrap()));
    assert!(is_gitlab_time(scan["end_time"].as_str().unwrap()));
    let mut ids = HashSet::new();
    for v in doc["vulnerabilities"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        assert_eq!(id.len(), 36, "UUID-shaped id: {id}");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert_eq!(v["category"], "secret_detection");
        assert!(!v["name"].as_str().unwrap().is_empty());
        assert!(v["name"].as_str().unwrap().chars().count() <= 255);
        assert!(!v["description"].as_str().unwrap().is_empty());
        assert!(matches!(v["severity"].as_str(), Some("Critical" | "High" | "Medium" | "Low" | "Info" | "Unknown")));
        let idents = v["identifiers"].as_array().unwrap();
        assert!(!idents.is_empty());
        for i in idents {
            for key in ["type", "name", "value"] {
                assert!(!i[key].as_str().unwrap().is_empty(), "identifier {key}");
            }
        }
        let loc = &v["location"];
        assert!(!loc["file"].as_str().unwrap().is_empty());
        assert!(loc["start_line"].as_u64().unwrap() >= 1);
        assert!(loc["end_line"].as_u64().unwrap() >= loc["start_line"].as_u64().unwrap());
        assert!(!loc["commit"]["sha"].as_str().unwrap().is_empty());
    }
}

#[test]
fn gitlab_report_has_the_fields_gitlab_requires() {
    let tree = two_secrets();
    let run = tree.run(&["scan", "--format", "gitlab", "."]);
    run.assert_code(1);
    let doc = run.json();
    assert_gitlab_shape(&doc);
    assert_eq!(doc["scan"]["status"], "success");
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2);
    let pat = vulns.iter().find(|v| v["location"]["file"] == "config/app settings.env").unwrap();
    assert_eq!(pat["location"]["commit"]["sha"], "0000000");
    assert_eq!(pat["location"]["start_line"], 1);
    // The id is derived from the fingerprint: the same finding keeps it from one pipeline to the next.
    let again = tree.run(&["scan", "--format", "gitlab", "."]).json();
    let ids = |d: &Value| -> Vec<String> {
        d["vulnerabilities"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&doc), ids(&again));
}

#[test]
fn gitlab_history_report_names_the_commit_and_fails_on_unread_input() {
    let (repo, commit) = history_with_unreadable_blob();
    let run = repo.run(&["scan", "--history", "--format", "gitlab"]);
    run.assert_code(2);
    let doc = run.json();
    assert_gitlab_shape(&doc);
    assert_eq!(doc["scan"]["status"], "failure");
    assert_eq!(doc["vulnerabilities"][0]["location"]["commit"]["sha"], commit.as_str());
    assert!(doc["scan"]["messages"][0]["value"].as_str().unwrap().contains("notes.txt"));
}

#[test]
fn hostile_file_names_and_lines_survive_every_format() {
    // Quotes, markup, ampersands, commas, a newline and a leading `=` in the name; the same in the line.
    let name = "=cmd|'x' \"q\" <a&b>, c\nd.env";
    let line = format!("<v a=\"1\" b='2'> & x,y = {GITHUB_PAT}; </v>");
    let tree = Tree::new();
    tree.write(name, format!("{line}\n"));
    let redacted_line = line.replace(GITHUB_PAT, "ghp_*****");

    // SARIF: valid, and the URI decodes back to the name.
    let run = tree.run(&["scan", "--format", "sarif", "."]);
    run.assert_code(1);
    let doc = valid_sarif(&run.stdout());
    let result = &doc["runs"][0]["results"][0];
    let loc = &result["locations"][0]["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)), "unescaped character in {uri}");
    assert_eq!(percent_decode(uri), name);
    assert_eq!(loc["region"]["snippet"]["text"], redacted_line.as_str());

    // JUnit: well-formed, and the attributes and text read back exactly.
    let run = tree.run(&["scan", "--format", "junit", "."]);
    run.assert_code(1);
    let out = run.stdout();
    let xml = roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("not XML ({e}):\n{out}"));
    let case = xml.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(case.attribute("classname"), Some(name));
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure.text().unwrap().contains(&redacted_line));

    // CSV: one record whose path cell is the name behind a formula guard.
    let run = tree.run(&["scan", "--format", "csv", "."]);
    run.assert_code(1);
    let (_, rows) = csv_rows(&run.stdout());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][3], format!("'{name}"));
    assert!(rows.iter().flatten().all(|cell| !cell.starts_with(['=', '+', '-', '@'])));

    // GitLab and JSON: plain JSON strings.
    let run = tree.run(&["scan", "--format", "gitlab", "."]);
    run.assert_code(1);
    assert_eq!(run.json()["vulnerabilities"][0]["location"]["file"], name);
}

#[test]
fn no_format_writes_a_secret_without_show_secrets() {
    let tree = two_secrets();
    for format in FORMATS {
        let run = tree.run(&["scan", "--no-color", "--format", format, "."]);
        run.assert_code(1);
        let out = run.stdout();
        for secret in [GITHUB_PAT, AWS_KEY] {
            assert!(!out.contains(secret), "--format {format} wrote {secret}:\n{out}");
        }
        let shown = tree.run(&["scan", "--format", format, "--show-secrets", "."]);
        shown.assert_code(1);
        assert!(shown.stdout().contains(GITHUB_PAT), "--format {format} --show-secrets hid the secret");
    }
}

/// Each finding quotes its line, which was once redacted for that finding's own secret only: a second secret
/// on the line, or a one-line private key longer than the quoted excerpt, went into every format in full.
#[test]
fn no_format_writes_a_neighbour_or_cut_off_secret_from_the_quoted_line() {
    const NPM: &str = "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";
    // A PEM body that decodes as base64 (any base64 characters, a multiple of 4), written as a JSON string.
    let mut seed = 7u64;
    let body: String = (0..960)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(seed >> 58) as usize] as char
        })
        .collect();
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let key = format!("-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----", lines.join("\\n"));
    let tree = Tree::new();
    tree.write("two.env", format!("A={GITHUB_PAT} B={NPM}\n"));
    tree.write("key.json", format!("{{\"private_key\": \"{key}\"}}\n"));
    let found = findings(&tree.run(&["scan", "--format", "json", "--show-secrets", "."]).json());
    assert_eq!(found.len(), 3, "{found:?}");
    for format in FORMATS {
        let run = tree.run(&["scan", "--no-color", "--format", format, "."]);
        run.assert_code(1);
        let out = run.stdout();
        for secret in [GITHUB_PAT, NPM, &lines[1][..16], &lines[lines.len() - 1][..16]] {
            assert!(!out.contains(secret), "--format {format} wrote {secret}:\n{out}");
        }
    }
}

/// A secret hidden by the ignore file, a baseline or a marker is still a secret: when it shares a line with a
/// reported one, the reported finding's quoted line must not show it.
#[test]
fn a_suppressed_secret_on_a_reported_line_is_masked_too() {
    const NPM: &str = "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";
    let tree = Tree::new();
    tree.write("two.env", format!("A={GITHUB_PAT} B={NPM}\n"));
    let all = tree.run(&["scan", "--format", "json", "."]).json();
    let github = all["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "github-classic-pat").unwrap();
    tree.write(".leakgateignore", format!("{}\n", github["fingerprint"].as_str().unwrap()));
    for format in FORMATS {
        let run = tree.run(&["scan", "--no-color", "--format", format, "."]);
        run.assert_code(1);
        let out = run.stdout();
        assert!(!out.contains(GITHUB_PAT) && !out.contains(NPM), "--format {format}:\n{out}");
    }
    let run = tree.run(&["scan", "--format", "json", "."]);
    assert_eq!(findings(&run.json()).len(), 1);
    assert_eq!(run.json()["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn reports_are_deterministic_and_can_go_to_a_file() {
    let tree = two_secrets();
    for format in ["sarif", "junit", "csv", "json"] {
        let a = tree.run(&["scan", "--format", format, "."]);
        let b = tree.run(&["scan", "--format", format, "."]);
        a.assert_code(1);
        let strip = |s: String| -> String {
            // JSON carries the elapsed time in its summary; nothing else may differ.
            s.lines().filter(|l| !l.contains("elapsed_ms")).collect::<Vec<_>>().join("\n")
        };
        assert_eq!(strip(a.stdout()), strip(b.stdout()), "--format {format}");
    }
    let run = tree.run(&["scan", "--format", "sarif", "--output", "out.sarif", "."]);
    run.assert_code(1);
    assert!(run.stdout().is_empty());
    valid_sarif(&std::fs::read_to_string(tree.path().join("out.sarif")).unwrap());
}

#[test]
fn the_sarif_schema_check_is_not_vacuous() {
    let tree = two_secrets();
    let run = tree.run(&["scan", "--format", "sarif", "."]);
    run.assert_code(1);
    let good = valid_sarif(&run.stdout());
    let validator = Schema::sarif();
    let broken: [fn(&mut Value); 4] = [
        |d| d["runs"][0]["results"][0]["level"] = "critical".into(),
        |d| {
            d["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
        },
        |d| d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into(),
        |d| d["runs"][0]["tool"]["driver"]["rules"][0]["unknownKey"] = true.into(),
    ];
    for (i, breakit) in broken.iter().enumerate() {
        let mut bad = good.clone();
        breakit(&mut bad);
        assert!(!validator.is_valid(&bad), "broken document {i} passed the schema");
    }
}

#[test]
fn a_report_written_to_a_file_still_says_its_summary_on_stderr() {
    let tree = Tree::new();
    tree.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    for format in ["json", "sarif", "text"] {
        let run = tree.run(&["scan", "--format", format, "-o", "out.report", "app.env"]);
        run.assert_code(1);
        assert_eq!(run.stdout(), "", "the report is in the file");
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("leakgate: 1 finding in 1 file") && err.contains("; report written to out.report"),
            "{err}"
        );
        assert!(!err.contains(GITHUB_PAT), "{err}");
        assert!(std::fs::read_to_string(tree.path().join("out.report")).unwrap().contains("github-classic-pat"));
    }
    let run = tree.run(&["scan", "--format", "json", "-o", "out.json", "-q", "app.env"]);
    run.assert_code(1);
    assert_eq!((run.stdout(), run.stderr()), (String::new(), String::new()), "-q: nothing on the terminal");
    tree.write("app.env", "nothing\n");
    let run = tree.run(&["scan", "--format", "json", "-o", "out.json", "app.env"]);
    run.assert_code(0);
    assert!(run.stderr().starts_with("leakgate: 0 findings in "), "{}", run.stderr());
}
