//! Secrets in encoded spans (base64, hex, percent-encoding, string escapes) and in credential files that are
//! encoded by nature, in every mode: folder, stdin, staged, history, range.
use base64::Engine as _;

use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A Kubernetes Secret whose `data:` holds the AWS key, base64 as the API requires, on line 7.
fn k8s_secret() -> (String, String) {
    let encoded = b64(AWS_KEY);
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: {encoded}\n  region: {}\n",
        b64("eu-west-1")
    );
    (manifest, encoded)
}

/// (rule, secret, decoding chain, line, first column, last column) of each finding.
fn decoded_findings(json: &serde_json::Value) -> Vec<(String, String, Vec<String>, u64, u64, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let chain = f["decoded"]
                .as_array()
                .map_or_else(Vec::new, |a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect());
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                chain,
                f["start_line"].as_u64().unwrap(),
                f["start_column"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn aws_in_secret(line: u64, encoded: &str) -> (String, String, Vec<String>, u64, u64, u64) {
    let start = "  AWS_ACCESS_KEY_ID: ".len() as u64 + 1;
    ("aws-access-key-id".into(), AWS_KEY.into(), vec!["base64".into()], line, start, start + encoded.len() as u64 - 1)
}

#[test]
fn aws_key_base64_in_a_kubernetes_secret_is_found_at_its_encoded_span_once() {
    let tree = Tree::new();
    let (manifest, encoded) = k8s_secret();
    tree.write("k8s/secret.yaml", &manifest);
    let run = tree.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    // The manifest rule would report the base64 value; the decoded key says what it is, and only it is listed.
    assert_eq!(decoded_findings(&run.json()), vec![aws_in_secret(7, &encoded)]);
    let text = tree.run(&["scan", "."]);
    text.assert_code(1);
    assert!(text.stdout().contains("base64"), "the text report names the decoding:\n{}", text.stdout());
    assert!(!text.stdout().contains(&encoded), "the encoded secret is masked in the quoted line:\n{}", text.stdout());
    let sarif = tree.run(&["scan", ".", "--format", "sarif"]);
    assert!(sarif.stdout().contains("\"decoded\""), "SARIF properties carry the chain");

    // Stdin too.
    let stdin = tree.run_stdin(&["scan", "-", "--format", "json", "--show-secrets"], manifest.as_bytes());
    stdin.assert_code(1);
    assert_eq!(decoded_findings(&stdin.json()), vec![aws_in_secret(7, &encoded)]);

    // Turned off: the manifest rule reports the value as it is.
    let off = tree.run(&["scan", ".", "--no-decode", "--format", "json", "--show-secrets"]);
    off.assert_code(1);
    assert_eq!(findings(&off.json()), vec![("kubernetes-secret-manifest".to_string(), encoded.clone())]);
}

#[test]
fn aws_key_base64_in_a_kubernetes_secret_is_found_staged_in_history_and_in_a_range() {
    let repo = Repo::new();
    let base = repo.commit_file("README.md", "hello\n", "init");
    let (manifest, encoded) = k8s_secret();
    repo.write("deploy/secret.yaml", &manifest);
    repo.git(&["add", "deploy/secret.yaml"]);
    let staged = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    staged.assert_code(1);
    assert_eq!(decoded_findings(&staged.json()), vec![aws_in_secret(7, &encoded)]);
    repo.git(&["commit", "-q", "-m", "add secret"]);
    let history = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    history.assert_code(1);
    assert_eq!(decoded_findings(&history.json()), vec![aws_in_secret(7, &encoded)]);
    let range = repo.run(&["scan", "--range", &format!("{base}..HEAD"), "--format", "json", "--show-secrets"]);
    range.assert_code(1);
    assert_eq!(decoded_findings(&range.json()), vec![aws_in_secret(7, &encoded)]);
}

#[test]
fn hex_percent_and_unicode_escaped_tokens_are_found_with_their_decoding() {
    let tree = Tree::new();
    let hex: String = GITHUB_PAT.bytes().map(|b| format!("{b:02x}")).collect();
    tree.write("a.js", format!("const t = \"{hex}\";\n"));
    let percent: String = GITHUB_PAT.bytes().map(|b| format!("%{b:02X}")).collect();
    tree.write("b.txt", format!("callback: https://ci.example.net/hook?token={percent}&x=1\n"));
    let escaped: String = GITHUB_PAT.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    tree.write("c.json", format!("{{\n  \"token\": \"{escaped}\"\n}}\n"));
    let run = tree.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let pat = |chain: &str, line: u64, start: usize, len: usize| {
        (
            "github-classic-pat".to_string(),
            GITHUB_PAT.to_string(),
            vec![chain.to_string()],
            line,
            start as u64,
            (start + len - 1) as u64,
        )
    };
    let query = "callback: https://ci.example.net/hook?token=".len();
    assert_eq!(
        decoded_findings(&run.json()),
        vec![
            pat("hex", 1, 12, hex.len()),
            // The percent-encoded span is the whole URL (its `%XX` run has no break).
            pat("percent", 1, 11, query - 10 + percent.len() + 4),
            pat("escape", 2, 13, escaped.len()),
        ]
    );
}

#[test]
fn nested_base64_is_found_at_depth_two_not_at_depth_one() {
    let tree = Tree::new();
    let inner = b64(&format!("aws_access_key_id={AWS_KEY}"));
    let outer = b64(&inner);
    tree.write("blob.txt", format!("payload = {outer}\n"));
    let run = tree.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let want = (
        "aws-access-key-id".to_string(),
        AWS_KEY.to_string(),
        vec!["base64".to_string(), "base64".to_string()],
        1,
        11,
        10 + outer.len() as u64,
    );
    assert_eq!(decoded_findings(&run.json()), vec![want]);
    tree.run(&["scan", ".", "--decode-depth", "1"]).assert_code(0);
    tree.write(".leakgate.toml", "decode_depth = 1\n");
    tree.run(&["scan", "."]).assert_code(0);
    tree.run(&["scan", ".", "--decode-depth", "2"]).assert_code(1);
    tree.write(".leakgate.toml", "decode = false\n");
    tree.run(&["scan", "."]).assert_code(0);
    tree.write(".leakgate.toml", "decode_depth = 9\n");
    let bad = tree.run(&["scan", "."]);
    bad.assert_code(2);
    assert!(bad.stderr().contains("decode_depth = 9: must be 1 to 4"), "{}", bad.stderr());
    let flag = tree.run(&["scan", ".", "--decode-depth", "0"]);
    flag.assert_code(2);
}

#[test]
fn a_secret_written_plain_and_encoded_is_reported_once_plain() {
    let tree = Tree::new();
    tree.write("both.env", format!("AWS_ACCESS_KEY_ID={AWS_KEY}\nAWS_ACCESS_KEY_ID_B64={}\n", b64(AWS_KEY)));
    let run = tree.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let found = decoded_findings(&run.json());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].2.len(), found[0].3), ("aws-access-key-id", 0, 1));
}

#[test]
fn generic_rules_do_not_run_on_decoded_text() {
    let tree = Tree::new();
    // `password = Zq8vN3kLp2Xw7RtY` hidden in base64: a generic rule's match, not a provider format.
    tree.write("x.txt", format!("blob: {}\n", b64("password = Zq8vN3kLp2Xw7RtY9mBc")));
    tree.run(&["scan", "."]).assert_code(0);
}

#[test]
fn decoding_stops_at_its_size_cap_and_says_so() {
    let tree = Tree::new();
    let (manifest, _) = k8s_secret();
    tree.write("secret.yaml", &manifest);
    tree.write(".leakgate.toml", "decode_max_bytes = 8\n");
    let run = tree.run(&["scan", ".", "--format", "json"]);
    let json = run.json();
    assert_eq!(json["summary"]["skipped"]["decode_limit"], 1, "{json}");
    tree.run(&["scan", ".", "--strict"]).assert_code(2);
}

#[test]
fn docker_auth_and_basic_headers_are_decoded_to_check_they_hold_credentials() {
    let tree = Tree::new();
    let auth = b64("deploy:Hn4rT8wQz2Lm6Kp9Vx3B");
    tree.write("deploy/config.json", format!("{{\"auths\":{{\"registry.acme-corp.net\":{{\"auth\":\"{auth}\"}}}}}}\n"));
    // The RFC 7617 example and a stand-in pair are documentation, not credentials.
    let aladdin = b64("Aladdin:open sesame");
    let stand_in = b64("username:password");
    tree.write("docs/api.md", format!("Authorization: Basic {aladdin}\n\n    Authorization: Basic {stand_in}\n"));
    tree.write("call.sh", format!("curl -H \"Authorization: Basic {auth}\" https://api.acme-corp.net\n"));
    // A dockerconfigjson Secret: the config is base64 inside the manifest, the auth base64 inside the config.
    let config = format!("{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{auth}\"}}}}}}");
    tree.write(
        "k8s/pull-secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(&config)
        ),
    );
    let run = tree.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let mut found: Vec<(String, String, Vec<String>)> =
        decoded_findings(&run.json()).into_iter().map(|f| (f.0, f.1, f.2)).collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("docker-config-auth".into(), auth.clone(), vec![]),
            ("docker-config-auth".into(), auth.clone(), vec!["base64".into()]),
            ("http-basic-auth-header".into(), auth.clone(), vec![]),
        ]
    );
}
