//! `scan --verify`: every request goes to a mock on 127.0.0.1 (`verify_mock`), never to a provider. What is sent
//! (method, path, headers, AWS's signature), how each answer is read (live, revoked, 429 then live, malformed,
//! slow), one request per credential, the host allowlist, `--only-verified`, every report format, no socket
//! without `--verify`, and default endpoints in an empty network namespace.
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::git::Repo;
use crate::support::*;
use crate::verify_mock::{Answer, Mock, Seen};

pub const SLACK: &str = "xoxb-6966252367-484661926514-S2y19ZPk9A59dax0e9KQQ3KD";
pub const AWS_ID: &str = "AKIAJYIMDA5WIQW2PYPU";
pub const AWS_SECRET: &str = "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";

/// A config (given with --config) that points `verifiers` at the mock.
pub fn mock_config(tree: &Tree, mock: &Mock, verifiers: &[&str]) -> String {
    let mut text = String::from("[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\n");
    for v in verifiers {
        text.push_str(&format!("{v} = \"{}\"\n", mock.url()));
    }
    tree.write("verify.toml", text);
    "verify.toml".into()
}

/// Runs `scan --verify --format json` over the tree with the mock config, plus `extra` flags.
pub fn verify_json(tree: &Tree, mock: &Mock, verifiers: &[&str], extra: &[&str]) -> (Run, Value) {
    let config = mock_config(tree, mock, verifiers);
    let mut args = vec!["scan", "--verify", "--format", "json", "--config", config.as_str()];
    args.extend_from_slice(extra);
    args.push("src");
    let run = tree.run(&args);
    let json = if run.code() == 2 { Value::Null } else { run.json() };
    (run, json)
}

/// The verification object of the finding of `rule`.
pub fn verification<'a>(json: &'a Value, rule: &str) -> &'a Value {
    let f = json["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == rule);
    &f.unwrap_or_else(|| panic!("no {rule} finding in {json}"))["verification"]
}

pub fn github_user(seen: &Seen, _: usize) -> Answer {
    if seen.header("authorization") == Some(&format!("Bearer {GITHUB_PAT}")) {
        Answer::json(200, r#"{"login":"octocat","id":583231}"#).with_header("X-OAuth-Scopes", "repo, gist")
    } else {
        Answer::json(401, r#"{"message":"Bad credentials"}"#)
    }
}

#[test]
fn github_live_sends_the_documented_request_and_reads_the_identity() {
    let mock = Mock::start(github_user);
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    let v = verification(&json, "github-classic-pat");
    assert_eq!(v["status"], "live");
    assert_eq!(v["verifier"], "github");
    assert_eq!(v["identity"]["login"], "octocat");
    assert_eq!(v["identity"]["id"], "583231");
    assert_eq!(v["identity"]["scopes"], "repo, gist");
    assert!(v["checked_at"].as_str().unwrap().ends_with('Z'));
    let seen = mock.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/user"));
    assert_eq!(r.header("authorization"), Some(format!("Bearer {GITHUB_PAT}").as_str()));
    assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
    assert!(r.header("user-agent").unwrap().starts_with("leakgate/"));
    // The summary counts what was verified; the secret is in no message.
    assert!(json["summary"]["notes"].to_string().contains("1 live, 0 revoked, 0 unknown"), "{json}");
    assert!(!run.stderr().contains(GITHUB_PAT));
}

#[test]
fn github_revoked_on_401() {
    let mock = Mock::start(|_, _| Answer::json(401, r#"{"message":"Bad credentials"}"#));
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    let v = verification(&json, "github-classic-pat");
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("revoked"), Some("HTTP 401")));
    assert!(v.get("identity").is_none());
}

/// A 429 pauses the provider for its Retry-After, then the credential is asked again.
#[test]
fn rate_limited_then_live_waits_for_retry_after() {
    let mock = Mock::start(|seen, n| match n {
        0 => Answer::json(429, "{}").with_header("Retry-After", "1"),
        _ => github_user(seen, n),
    });
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let started = Instant::now();
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    assert_eq!(verification(&json, "github-classic-pat")["status"], "live");
    assert_eq!(mock.requests().len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn a_malformed_answer_is_unknown() {
    let mock = Mock::start(|_, _| Answer::json(200, "<html>sign in to the wifi</html>"));
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    let v = verification(&json, "github-classic-pat");
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().contains("not JSON"), "{v}");
}

#[test]
fn a_slow_provider_times_out_as_unknown() {
    let mock = Mock::start(|seen, n| github_user(seen, n).after(Duration::from_secs(8)));
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let started = Instant::now();
    let (run, json) = verify_json(&tree, &mock, &["github"], &["--verify-timeout", "1"]);
    run.assert_code(1);
    let v = verification(&json, "github-classic-pat");
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("timed out")));
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
}

/// Slack answers 200 either way; the body's `ok` and `error` decide. auth.test is a POST that changes nothing.
#[test]
fn slack_reads_ok_and_error_from_the_body() {
    let mock = Mock::start(|seen, _| {
        assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/api/auth.test"));
        assert_eq!(seen.header("authorization"), Some(format!("Bearer {SLACK}").as_str()));
        Answer::json(
            200,
            r#"{"ok":true,"team":"Acme","user":"deploybot","team_id":"T0001","url":"https://acme.slack.com/"}"#,
        )
    });
    let tree = Tree::new();
    tree.write("src/a.env", format!("SLACK_API_TOKEN={SLACK}\n"));
    let (run, json) = verify_json(&tree, &mock, &["slack"], &[]);
    run.assert_code(1);
    let v = verification(&json, "slack-bot-token");
    assert_eq!((v["status"].as_str(), v["identity"]["team"].as_str()), (Some("live"), Some("Acme")));

    let mock = Mock::start(|_, _| Answer::json(200, r#"{"ok":false,"error":"invalid_auth"}"#));
    let (_, json) = verify_json(&tree, &mock, &["slack"], &[]);
    assert_eq!(verification(&json, "slack-bot-token")["status"], "revoked");
    let mock = Mock::start(|_, _| Answer::json(200, r#"{"ok":false,"error":"ratelimited"}"#));
    let (_, json) = verify_json(&tree, &mock, &["slack"], &[]);
    assert_eq!(verification(&json, "slack-bot-token")["status"], "unknown");
}

/// The pair is verified together, and the mock checks the signature as STS would: over the request it got.
#[test]
fn aws_pair_is_signed_with_sigv4_over_what_was_sent() {
    let mock = Mock::start(|seen, _| {
        let auth = seen.header("authorization").unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = ["content-type", "host", "x-amz-date"]
            .iter()
            .map(|h| (h.to_string(), seen.header(h).unwrap_or_default().to_string()))
            .collect();
        let amz_date = seen.header("x-amz-date").unwrap_or_default().to_string();
        let input = leakgate::verify::sigv4::SigningInput {
            method: &seen.method,
            path: &seen.path,
            query: "",
            headers: &headers,
            payload: &seen.body,
            region: "us-east-1",
            service: "sts",
            amz_date: &amz_date,
        };
        let expected = leakgate::verify::sigv4::authorization(&input, AWS_ID, AWS_SECRET);
        if auth == expected && seen.body == b"Action=GetCallerIdentity&Version=2011-06-15" {
            Answer::json(
                200,
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>\
                 <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
                 </GetCallerIdentityResponse>",
            )
        } else {
            Answer::json(403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>")
        }
    });
    let tree = Tree::new();
    tree.write(
        "src/credentials",
        format!("[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
    );
    let (run, json) = verify_json(&tree, &mock, &["aws"], &[]);
    run.assert_code(1);
    let v = verification(&json, "aws-secret-access-key");
    assert_eq!(v["status"], "live", "{v}");
    assert_eq!(v["identity"]["account"], "123456789012");
    let r = &mock.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert!(r.header("authorization").unwrap().starts_with(&format!(
        "AWS4-HMAC-SHA256 Credential={AWS_ID}/{}/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=",
        &r.header("x-amz-date").unwrap()[..8]
    )));

    // A secret with no key id in its file is not sent anywhere.
    let lonely = Tree::new();
    lonely.write("src/credentials", format!("aws_secret_access_key = {AWS_SECRET}\n"));
    let mock = Mock::start(|_, _| Answer::json(500, ""));
    let (_, json) = verify_json(&lonely, &mock, &["aws"], &[]);
    let v = verification(&json, "aws-secret-access-key");
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().contains("aws-access-key-id"), "{v}");
    assert!(mock.requests().is_empty());
}

/// One secret committed in many commits and files is asked about once; every finding gets the result.
#[test]
fn one_request_per_credential_across_a_history() {
    let mock = Mock::start(github_user);
    let repo = Repo::new();
    for i in 0..12 {
        repo.commit_file(&format!("src/f{i}.env"), format!("token = {GITHUB_PAT}\n# {i}\n"), &format!("c{i}"));
    }
    let config = mock_config(&repo.tree, &mock, &["github"]);
    let run = repo.tree.run(&["scan", "--history", "--verify", "--format", "json", "--config", config.as_str()]);
    run.assert_code(1);
    let json = run.json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 12);
    assert!(findings.iter().all(|f| f["verification"]["status"] == "live"));
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn only_verified_reports_only_live_findings() {
    let mock = Mock::start(|seen, n| {
        if seen.path == "/user" {
            github_user(seen, n)
        } else {
            Answer::json(200, r#"{"ok":false,"error":"invalid_auth"}"#)
        }
    });
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\nSLACK_API_TOKEN={SLACK}\n"));
    let (run, json) = verify_json(&tree, &mock, &["github", "slack"], &["--only-verified"]);
    run.assert_code(1);
    let rules: Vec<&str> =
        json["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["github-classic-pat"]);

    // Nothing live: nothing reported, exit 0.
    let mock = Mock::start(|_, _| Answer::json(401, "{}"));
    let (run, json) = verify_json(&tree, &mock, &["github", "slack"], &["--only-verified"]);
    run.assert_code(0);
    assert!(json["findings"].as_array().unwrap().is_empty());
}

#[test]
fn every_report_format_carries_the_result() {
    let mock = Mock::start(github_user);
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let config = mock_config(&tree, &mock, &["github"]);
    let run = |format: &str| {
        let run = tree.run(&["scan", "--verify", "--config", config.as_str(), "--format", format, "src"]);
        run.assert_code(1);
        run.stdout()
    };
    let text = run("text");
    assert!(text.contains("verified: live (id=583231, login=octocat, scopes=repo, gist) via github"), "{text}");
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["verification"]["status"], "live");
    assert!(result["message"]["text"].as_str().unwrap().contains("[verification: live"));
    let csv = run("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(col("verification"), "live");
    assert_eq!(col("verified_identity"), "id=583231;login=octocat;scopes=repo, gist");
    assert!(run("junit").contains("[verification: live"));
    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert!(gitlab["vulnerabilities"][0]["description"].as_str().unwrap().contains("[verification: live"));
    // The fingerprint does not change with verification.
    let plain = tree.run(&["scan", "--format", "json", "src"]);
    let verified = tree.run(&["scan", "--verify", "--config", config.as_str(), "--format", "json", "src"]);
    assert_eq!(plain.json()["findings"][0]["fingerprint"], verified.json()["findings"][0]["fingerprint"]);
    assert!(plain.json()["findings"][0].get("verification").is_none());
}

/// A provider that answers 429 every time is asked three times, then the result is unknown.
#[test]
fn a_provider_that_keeps_rate_limiting_is_unknown_after_three_tries() {
    let mock = Mock::start(|_, _| Answer::json(429, "{}").with_header("Retry-After", "0"));
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    let v = verification(&json, "github-classic-pat");
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("rate limited (HTTP 429)")));
    assert_eq!(mock.requests().len(), 3);
}

/// Telegram puts the token in the URL's path: when the connection fails, neither the result nor stderr shows it.
#[test]
fn a_network_error_never_shows_the_secret() {
    const TELEGRAM: &str = "5544593501:AAXKeAYckkm9KpYY89uJ2N0-OhVn8M7lhEZ";
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tree = Tree::new();
    tree.write("src/a.env", format!("TELEGRAM_BOT_TOKEN={TELEGRAM}\n"));
    tree.write(
        "verify.toml",
        format!(
            "[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\ntelegram = \"http://127.0.0.1:{closed}\"\n"
        ),
    );
    let run = tree.run(&["scan", "--verify", "--show-secrets", "--format", "json", "--config", "verify.toml", "src"]);
    run.assert_code(1);
    let json = run.json();
    let v = verification(&json, "telegram-bot-token");
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().starts_with("network error"), "{v}");
    let secret_part = &TELEGRAM[11..];
    assert!(!v.to_string().contains(secret_part), "{v}");
    assert!(!json["summary"].to_string().contains(secret_part));
    assert!(!run.stderr().contains(secret_part));
}

/// A custom rule's verifier from a config given with --config: the request it describes, the answer it reads.
#[test]
fn a_custom_verifier_checks_a_custom_rules_secret() {
    let mock = Mock::start(|seen, _| {
        if seen.header("x-acme-key") == Some("acme_q8w7e6r5t4y3u2i1o0p9l8k7") && seen.path == "/v1/whoami" {
            Answer::json(200, r#"{"active":true,"user":{"name":"build-bot"}}"#)
        } else {
            Answer::json(401, "{}")
        }
    });
    let tree = Tree::new();
    tree.write("src/a.env", "ACME=acme_q8w7e6r5t4y3u2i1o0p9l8k7\n");
    tree.write(
        "acme.toml",
        format!(
            r#"[[rules]]
id = "acme-internal-token"
description = "ACME internal service token"
regex = '''\b(acme_[a-z0-9]{{24}})\b'''
keywords = ["acme_"]
severity = "high"

[verify]
allowed_hosts = ["127.0.0.1"]

[[verify.custom]]
id = "acme"
rules = ["acme-internal-token"]
hosts = ["127.0.0.1"]
endpoint = "{}"
path = "/v1/whoami"
headers = {{ "X-Acme-Key" = "{{secret}}" }}
live_when = {{ pointer = "/active", equals = true }}
identity = {{ user = "/user/name" }}
"#,
            mock.url()
        ),
    );
    let run = tree.run(&["scan", "--verify", "--format", "json", "--config", "acme.toml", "src"]);
    run.assert_code(1);
    let json = run.json();
    let v = verification(&json, "acme-internal-token");
    assert_eq!((v["status"].as_str(), v["verifier"].as_str()), (Some("live"), Some("acme")));
    assert_eq!(v["identity"]["user"], "build-bot");

    // The same config found in the scanned folder may not add a verifier.
    std::fs::copy(tree.path().join("acme.toml"), tree.path().join("src/.leakgate.toml")).unwrap();
    let run = tree.run(&["scan", "--verify", "src"]);
    run.assert_code(2);
    assert!(run.stderr().contains("--config"), "{}", run.stderr());
    assert_eq!(mock.requests().len(), 1);
}
