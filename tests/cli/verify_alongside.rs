//! Verification alongside a history audit: credentials are checked while the blobs are still being scanned, only
//! those of findings the report keeps (never one hidden by a marker, an ignore entry or a baseline), and a
//! secret's version that the report would hide does not hide a later version that it keeps.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leakgate::pipeline::verification::VerifyRequest;
use leakgate::pipeline::{ScanRequest, Target};
use leakgate::scan::Progress;
use leakgate::source::history::HistorySpec;

use crate::git::Repo;
use crate::verify_mock::{Answer, Mock, Seen};

const PAT_ALLOWED: &str = "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";
const PAT_IGNORED: &str = "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";
const PAT_REPORTED: &str = "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";

fn live(_: &Seen, _: usize) -> Answer {
    Answer::json(200, r#"{"login":"octocat","id":1}"#)
}

fn config(repo: &Repo, mock: &Mock) -> String {
    let text = format!("[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\ngithub = \"{}\"\n", mock.url());
    repo.write("verify.toml", text);
    "verify.toml".into()
}

fn bearer(seen: &[Seen]) -> Vec<String> {
    let mut tokens: Vec<String> =
        seen.iter().filter_map(|s| s.header("authorization").map(|a| a.replace("Bearer ", ""))).collect();
    tokens.sort();
    tokens
}

/// Hidden by an inline marker, hidden by a fingerprint in `.leakgateignore`: neither is sent, during the scan or
/// after it; the reported one is.
#[test]
fn hidden_findings_of_a_history_audit_are_never_sent() {
    let mock = Mock::start(live);
    let repo = Repo::new();
    repo.commit_file("src/a.env", format!("token = {PAT_ALLOWED} # leakgate:allow\n"), "a");
    repo.commit_file("src/b.env", format!("token = {PAT_IGNORED}\n"), "b");
    repo.commit_file("src/c.env", format!("token = {PAT_REPORTED}\n"), "c");
    let first = repo.run(&["scan", "--history", "--format", "json"]);
    first.assert_code(1);
    let json = first.json();
    let ignored = json["findings"].as_array().unwrap().iter().find(|f| f["path"] == "src/b.env").unwrap();
    repo.write(".leakgateignore", format!("{}\n", ignored["fingerprint"].as_str().unwrap()));
    let config = config(&repo, &mock);
    let run = repo.run(&["scan", "--history", "--verify", "--format", "json", "--config", config.as_str()]);
    run.assert_code(1);
    let json = run.json();
    let paths: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["src/c.env"]);
    assert_eq!(json["findings"][0]["verification"]["status"], "live");
    assert_eq!(bearer(&mock.requests()), [PAT_REPORTED]);
}

/// A secret first committed on an allowed line and later without the marker is reported at the later commit
/// (before, the first version stood for all of them and hid the secret), and verified once.
#[test]
fn a_hidden_first_version_does_not_hide_a_later_reported_one() {
    let mock = Mock::start(live);
    let repo = Repo::new();
    repo.commit_file("src/a.env", format!("token = {PAT_ALLOWED} # leakgate:allow\n"), "allowed");
    let later = repo.commit_file("src/a.env", format!("token = {PAT_ALLOWED}\n"), "for real");
    let plain = repo.run(&["scan", "--history", "--format", "json"]);
    plain.assert_code(1);
    let json = plain.json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["findings"][0]["commit"]["id"], later.as_str());
    assert_eq!(json["findings"][0]["commit"]["further_occurrences"], 1);
    let config = config(&repo, &mock);
    let run = repo.run(&["scan", "--history", "--verify", "--format", "json", "--config", config.as_str()]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"][0]["verification"]["status"], "live");
    assert_eq!(bearer(&mock.requests()), [PAT_ALLOWED]);
}

/// Told when the blob pass ends: it waits there (up to a limit) for the mock's first request, and says whether
/// it came. Verification after the scan would make it wait in vain.
struct WaitsForARequest {
    mock_seen: Box<dyn Fn() -> usize + Send + Sync>,
    came_during_scan: Arc<Mutex<Option<bool>>>,
}

impl Progress for WaitsForARequest {
    fn found(&self, _: u64) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self) {
        let until = Instant::now() + Duration::from_secs(20);
        while (self.mock_seen)() == 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        *self.came_during_scan.lock().unwrap() = Some((self.mock_seen)() > 0);
    }
}

/// Through the library: the credential is checked before the scan of the blobs is over.
#[test]
fn credentials_are_checked_while_the_blobs_are_scanned() {
    let mock = Arc::new(Mock::start(live));
    let repo = Repo::new();
    repo.commit_file("src/c.env", format!("token = {PAT_REPORTED}\n"), "c");
    let config = config(&repo, &mock);
    let came = Arc::new(Mutex::new(None));
    let mut request = ScanRequest::new(Target::History(HistorySpec::AllRefs));
    request.repo = Some(repo.path().to_path_buf());
    request.policy.config = Some(repo.path().join(config));
    let seen = mock.clone();
    request.progress = Some(Box::new(WaitsForARequest {
        mock_seen: Box::new(move || seen.requests().len()),
        came_during_scan: came.clone(),
    }));
    request.verify = Some(VerifyRequest { requested: true, ..VerifyRequest::default() });
    let result = request.run().unwrap();
    assert_eq!(*came.lock().unwrap(), Some(true), "no request reached the provider before the scan ended");
    assert_eq!(result.findings.len(), 1);
    assert_eq!(mock.requests().len(), 1, "checked again after the scan");
    assert!(result.stats.notes.iter().any(|n| n.contains("1 live")), "{:?}", result.stats.notes);
}
