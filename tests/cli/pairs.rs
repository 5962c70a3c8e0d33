//! Credential pairs and name-nearby values on the real binary: an id within a few lines of its secret is one
//! finding carrying the id; a provider's name a little before a plainly named value attributes it to the provider.
use crate::support::*;

const KEY_ID: &str = "AKIAJYIMDA5WIQW2PYPU";
const SECRET: &str = "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";

fn credentials(gap: usize) -> String {
    format!("[default]\naws_access_key_id = {KEY_ID}\n{}aws_secret_access_key = {SECRET}\n", "#\n".repeat(gap))
}

#[test]
fn an_id_beside_its_secret_is_one_finding_that_carries_it() {
    let t = Tree::new();
    t.write("home/.aws/credentials", credentials(0));
    let run = t.run(&["scan", "--format", "json", "."]);
    run.assert_code(1);
    let json = run.json();
    let found = json["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{json:#}");
    let f = &found[0];
    assert_eq!(f["rule_id"], "aws-secret-access-key");
    assert_eq!(f["start_line"], 3);
    assert_eq!(f["confidence"], "high");
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| e == "paired"), "{f:#}");
    // The id is redacted as the secret is, and named with its rule and place.
    assert_eq!(f["paired_with"]["rule_id"], "aws-access-key-id");
    assert_eq!(f["paired_with"]["value"], "AKIA*****");
    assert_eq!((f["paired_with"]["line"].as_u64(), f["paired_with"]["column"].as_u64()), (Some(2), Some(21)));
    let shown = t.run(&["scan", "--format", "json", "--show-secrets", "."]).json();
    assert_eq!(shown["findings"][0]["paired_with"]["value"], KEY_ID);

    let text = t.run(&["scan", "."]);
    assert!(text.stdout().contains("with its id: aws-access-key-id AKIA***** (line 2)"), "{}", text.stdout());
    assert!(!text.stdout().contains(KEY_ID), "{}", text.stdout());
    let sarif = t.run(&["scan", "--format", "sarif", "."]).json();
    let props = &sarif["runs"][0]["results"][0]["properties"];
    assert_eq!(props["pairedWith"]["value"], "AKIA*****", "{props:#}");
}

#[test]
fn halves_far_apart_are_two_findings_and_a_lone_id_is_still_reported() {
    let t = Tree::new();
    t.write("far/credentials", credentials(8));
    t.write("lone/config.env", format!("AWS_ACCESS_KEY_ID={KEY_ID}\n"));
    let json = t.run(&["scan", "--format", "json", "--show-secrets", "."]).json();
    let mut found: Vec<(String, String, bool)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["paired_with"].is_null(),
            )
        })
        .collect();
    found.sort();
    let want = [
        ("far/credentials", "aws-access-key-id"),
        ("far/credentials", "aws-secret-access-key"),
        ("lone/config.env", "aws-access-key-id"),
    ];
    let want: Vec<(String, String, bool)> = want.iter().map(|(p, r)| (p.to_string(), r.to_string(), true)).collect();
    assert_eq!(found, want, "{json:#}");
}

#[test]
fn a_providers_name_just_before_a_plainly_named_value_attributes_it() {
    let t = Tree::new();
    let value = "hazT9XSLxttiqRH6BPY0vaQ3gzUo2r8uZIjDI0y4";
    t.write("logs/run.log", format!("[INFO] Sending request to bitly API\n  [DEBUG] Using API_KEY={value}\n"));
    // The same name farther away, or words that make the value an identifier, attribute nothing.
    t.write("logs/far.log", format!("bitly is mentioned on this line, and much later on the next: API_KEY={value}\n"));
    t.write("ci/vars.yml", format!("bitly_commit_sha: {value}\n"));
    let json = t.run(&["scan", "--format", "json", "--show-secrets", "."]).json();
    assert_eq!(findings(&json), vec![("bitly-access-token".to_string(), value.to_string())], "{json:#}");
    assert_eq!(json["findings"][0]["path"], "logs/run.log");
}
