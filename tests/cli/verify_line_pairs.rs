//! Verifiers whose credential is a pair read from the secret's own line: Atlassian Cloud (the e-mail beside the
//! API token; the site named in [verify.endpoints]) and Docker Hub (the user name after `docker login -u`; the
//! registry's token service named there too). Each against the mock: the request sent (method, path, basic auth
//! of the pair), and live, revoked, rate-limited, malformed and slow answers.
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::support::*;
use crate::verify_mock::{Answer, Mock, Seen};

const ATLASSIAN: &str = "ATATT3xFfGF0Ib7d5SDABZ5PGSfREWEJgXLkfXQ66h40diW2UIDMhBi02SX0UmhB2qjw6KKgy6H_P6HvMWkZgQpGlTjXBoIff9PgWEEDnDTdIh9R4YhX3HX9uZIi_MB7XJ-8_1tcxh9oev5l_Hi9yZslaYrkl1X2gZeq7dVp7y36ZgpWjwKEZNs=95E4617A";
const DOCKER: &str = "dckr_pat_ij1TR_O1D9H0H2l4m0CC8iQm74U";

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// Scans `line` (in `src/a.py`) with `verifier` pointed at the mock; the finding's verification and the run.
fn verify_line(mock: &Mock, verifier: &str, line: &str, extra: &[&str]) -> (Run, Value) {
    let tree = Tree::new();
    tree.write("src/a.py", format!("{line}\n"));
    let config = format!(
        "[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\n{verifier} = \"{}/site\"\n",
        mock.url()
    );
    let run = scan_src_verified(&tree, &config, extra);
    let json = run.json();
    let v = json["findings"][0]["verification"].clone();
    (run, v)
}

fn atlassian_line() -> String {
    format!("jira = Jira(url=SITE, username='ops@corp.io', password='{ATLASSIAN}')")
}

fn myself(seen: &Seen, _: usize) -> Answer {
    let ok = seen.method == "GET"
        && seen.path == "/site/rest/api/3/myself"
        && seen.header("authorization") == Some(basic("ops@corp.io", ATLASSIAN).as_str())
        && seen.header("accept") == Some("application/json");
    if ok {
        Answer::json(
            200,
            r#"{"accountId":"5b10a2844c20165700ede21g","emailAddress":"ops@corp.io","displayName":"Ops"}"#,
        )
    } else {
        Answer::json(400, r#"{"unexpected":"request"}"#)
    }
}

#[test]
fn atlassian_sends_the_email_and_token_and_reads_the_account() {
    let mock = Mock::start(myself);
    let (run, v) = verify_line(&mock, "atlassian", &atlassian_line(), &[]);
    assert_eq!(v["status"], "live", "{v}");
    assert_eq!(v["identity"]["account_id"], "5b10a2844c20165700ede21g");
    assert_eq!(v["identity"]["email"], "ops@corp.io");
    assert_eq!(mock.requests().len(), 1);
    assert!(!run.stderr().contains(ATLASSIAN));
}

#[test]
fn atlassian_answers_revoked_rate_limited_malformed_and_slow() {
    let revoked = Mock::start(|_, _| Answer::json(401, r#"{"message":"Client must be authenticated"}"#));
    assert_eq!(verify_line(&revoked, "atlassian", &atlassian_line(), &[]).1["status"], "revoked");
    let limited = Mock::start(|_, _| Answer::json(429, "{}").with_header("Retry-After", "0"));
    let v = verify_line(&limited, "atlassian", &atlassian_line(), &[]).1;
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("rate limited (HTTP 429)")));
    assert_eq!(limited.requests().len(), 3);
    let malformed = Mock::start(|_, _| Answer::json(200, "<html>log in</html>"));
    assert_eq!(verify_line(&malformed, "atlassian", &atlassian_line(), &[]).1["status"], "unknown");
    let slow = Mock::start(|seen, n| myself(seen, n).after(Duration::from_secs(8)));
    let started = Instant::now();
    let v = verify_line(&slow, "atlassian", &atlassian_line(), &["--verify-timeout", "1"]).1;
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("timed out")));
    assert!(started.elapsed() < Duration::from_secs(6));
}

/// Without an e-mail on the token's line there is nothing to pair it with: unknown, and nothing sent.
#[test]
fn atlassian_without_an_email_sends_nothing() {
    let mock = Mock::start(myself);
    let v = verify_line(&mock, "atlassian", &format!("JIRA_API_TOKEN={ATLASSIAN}"), &[]).1;
    assert_eq!(v["status"], "unknown");
    assert!(mock.requests().is_empty());
}

fn token_service(seen: &Seen, _: usize) -> Answer {
    let ok = seen.method == "GET"
        && seen.path == "/site/token?account=jdoe"
        && seen.header("authorization") == Some(basic("jdoe", DOCKER).as_str());
    if ok {
        Answer::json(200, r#"{"token":"eyJhbGciOi.issued.token","expires_in":300}"#)
    } else {
        Answer::json(401, r#"{"details":"incorrect username or password"}"#)
    }
}

#[test]
fn docker_hub_asks_the_token_service_with_the_login_user() {
    let mock = Mock::start(token_service);
    let line = format!("docker login -u jdoe -p {DOCKER}");
    let (run, v) = verify_line(&mock, "docker-hub", &line, &[]);
    assert_eq!(v["status"], "live", "{v}");
    // The token the service issues is not an identity and is not copied into the report.
    assert!(!run.stdout().contains("issued.token"));
    let other_user = verify_line(&mock, "docker-hub", &format!("docker login --username mallory -p {DOCKER}"), &[]);
    assert_eq!(other_user.1["status"], "revoked");
    let limited = Mock::start(|_, _| Answer::json(429, "{}").with_header("Retry-After", "0"));
    assert_eq!(verify_line(&limited, "docker-hub", &line, &[]).1["status"], "unknown");
    let malformed = Mock::start(|_, _| Answer::json(502, "bad gateway"));
    assert_eq!(verify_line(&malformed, "docker-hub", &line, &[]).1["status"], "unknown");
}
