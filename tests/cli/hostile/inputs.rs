//! Big and deep input: a 100 MB line, ten million lines, a 2 GB file, 100,000 files, 500 levels of folders.
use std::path::Path;

use super::{run_in, run_sh, write_repeated};
use crate::support::*;

/// About half a kilobyte of minified JavaScript with the words generic rules key on (`password`, `secret`,
/// `token`, `Key`, `api`) but no secret: every few hundred bytes the keyword prefilter fires and a regex runs.
const MINIFIED: &str = r#"!function(e,t){"use strict";var n=e.config||{},r=n.apiBase||"/api/v2",o=function(e){return e&&e.__esModule?e:{default:e}};function i(e,t){var o=new XMLHttpRequest;o.open("GET",r+e,!0),o.setRequestHeader("Accept","application/json"),o.onload=function(){t(null,JSON.parse(o.responseText))},o.send()}var a={get:i,tokenize:function(e){return String(e).split(/\s+/)},sessionKey:"sid",password:n.password,retries:3,secret:e.secret};t.client=a}(window,window.app=window.app||{});"#;

fn json_findings(run: &Run) -> Vec<serde_json::Value> {
    run.json()["findings"].as_array().unwrap().clone()
}

#[test]
fn a_secret_at_the_end_of_a_100_mb_line_is_found() {
    let tree = Tree::new();
    let total = 100 << 20;
    let tail = format!(r#"var deployToken="{GITHUB_PAT}";"#);
    write_repeated(&tree.path().join("bundle.min.js"), MINIFIED.as_bytes(), total, tail.as_bytes());
    // Over the default 50 MB limit: skipped and counted, not read.
    let run = run_in(tree.path(), &["scan", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["skipped"]["too_large"], 1);

    let run = run_in(tree.path(), &["scan", "--max-file-size", "200M", "--format", "json"]);
    run.assert_code(1);
    let found = json_findings(&run);
    assert_eq!(found.len(), 1, "only the planted secret: {found:?}");
    let f = &found[0];
    assert_eq!(f["rule_id"], "github-classic-pat");
    assert_eq!(f["start_line"], 1);
    let column = total + tail.find("ghp_").unwrap() + 1;
    assert_eq!(f["start_column"], column);
    // The report shows the secret's surroundings, not the 100 MB line.
    let line = f["line"].as_str().unwrap();
    assert!(line.len() <= 512 && line.contains("deployToken=\"ghp_*****\""), "{line}");
    assert_eq!(run.json()["summary"]["bytes_scanned"], total + tail.len());
}

#[test]
fn a_thousand_secrets_on_one_100_mb_line_are_located_in_linear_time() {
    // Each finding's column counts the characters before it on its line: counted from the line's start for every
    // finding, this took a thousand passes over 50 MB on average, minutes rather than seconds.
    let tree = Tree::new();
    let token = format!(r#"var k="{GITHUB_PAT}";"#);
    let chunk = [MINIFIED.repeat(200).as_str(), token.as_str()].concat();
    let count = (100 << 20) / chunk.len();
    write_repeated(&tree.path().join("bundle.min.js"), chunk.as_bytes(), count * chunk.len(), b"");
    let run = run_in(tree.path(), &["scan", "--max-file-size", "200M", "--format", "json"]);
    run.assert_code(1);
    let found = json_findings(&run);
    assert_eq!(found.len(), count);
    let offset_in_chunk = MINIFIED.len() * 200 + token.find("ghp_").unwrap();
    for (i, f) in found.iter().enumerate() {
        assert_eq!(f["start_column"], i * chunk.len() + offset_in_chunk + 1, "finding {i}");
        assert_eq!(f["end_column"], i * chunk.len() + offset_in_chunk + GITHUB_PAT.len(), "finding {i}");
    }
}

#[test]
fn ten_million_short_lines_with_a_secret_on_the_last() {
    let tree = Tree::new();
    let line = b"let x = 1;\n";
    let lines = 10_000_000;
    let tail = format!("const T = \"{GITHUB_PAT}\";\n");
    write_repeated(&tree.path().join("generated.js"), line, lines * line.len(), tail.as_bytes());
    let run = run_in(tree.path(), &["scan", "--max-file-size", "200M", "--format", "json"]);
    run.assert_code(1);
    let found = json_findings(&run);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["start_line"], lines + 1);
    assert_eq!(found[0]["start_column"], 12);
}

/// Makes a sparse file of `len` bytes: no disk space, no time.
fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn a_2_gb_sparse_file_is_skipped_by_the_size_limit_without_being_read() {
    let tree = Tree::new();
    sparse(&tree.path().join("disk.img"), 2 << 30);
    tree.write("app.env", format!("T={GITHUB_PAT}\n"));
    let run = run_in(tree.path(), &["scan", "--format", "json"]);
    run.assert_code(1);
    let summary = &run.json()["summary"];
    // Read, its zeros would have made it "binary"; unread, it is "too large".
    assert_eq!(summary["skipped"], serde_json::json!({ "too_large": 1 }));
    assert_eq!(summary["files_scanned"], 1);
    let text = run_in(tree.path(), &["scan", "--no-color"]);
    text.assert_code(1);
    assert!(
        text.stdout().contains("in 1 file (") && text.stdout().contains("; skipped: 1 too large"),
        "{}",
        text.stdout()
    );
    // Named on the command line, the same.
    let run = run_in(tree.path(), &["scan", "disk.img", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["skipped"]["too_large"], 1);
}

#[test]
fn a_hundred_thousand_tiny_files_are_all_scanned_within_64_file_descriptors() {
    // In memory where there is a tmpfs: on an ext4 disk mounted with `discard`, as CI's is, making and removing
    // 100,000 files takes minutes of file system time that says nothing about leakgate; in /dev/shm, seconds
    // (and about 400 MB of memory while the test runs).
    let shm = std::path::Path::new("/dev/shm");
    let tree = match tempfile::tempdir_in(shm) {
        Ok(dir) if shm.is_dir() => Tree { dir },
        _ => Tree::new(),
    };
    for d in 0..100 {
        let dir = tree.path().join(format!("d{d:02}"));
        std::fs::create_dir(&dir).unwrap();
        for f in 0..1000 {
            std::fs::write(dir.join(format!("f{f:03}.txt")), b"x\n").unwrap();
        }
    }
    std::fs::write(tree.path().join("d99/f999.txt"), format!("T={GITHUB_PAT}\n")).unwrap();
    // More threads than cores and a descriptor limit a leak of one per file or folder would hit at once.
    let run = run_sh(tree.path(), "ulimit -n 64", &["scan", "--threads", "8", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["summary"]["files_scanned"], 100_000);
    assert_eq!(json["summary"]["error_count"], 0, "{}", json["summary"]["errors"]);
    assert_eq!(json["findings"][0]["path"], "d99/f999.txt");
}

#[test]
fn a_file_500_folders_deep_is_found() {
    let tree = Tree::new();
    let deep: String = vec!["d"; 500].join("/");
    tree.write(&format!("{deep}/secret.env"), format!("T={GITHUB_PAT}\n"));
    let run = run_in(tree.path(), &["scan", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"][0]["path"], format!("{deep}/secret.env"));
}

#[test]
fn a_folder_deeper_than_path_max_is_unreadable_input_not_a_crash() {
    let tree = Tree::new();
    tree.write("top.env", format!("T={GITHUB_PAT}\n"));
    // 30 names of 200 bytes: 6,000 bytes of path, over Linux's 4,096. Two chains of 15, each short enough to
    // make, then one moved to the bottom of the other.
    let chain: String = vec!["n".repeat(200); 15].join("/");
    std::fs::create_dir_all(tree.path().join("a").join(&chain)).unwrap();
    tree.write(&format!("b/{chain}/deep.env"), format!("T={GITHUB_PAT}\n"));
    std::fs::rename(tree.path().join("b"), tree.path().join("a").join(&chain).join("b")).unwrap();
    let run = run_in(tree.path(), &["scan", "--format", "json"]);
    run.assert_code(2);
    let json = run.json();
    assert_eq!(json["findings"][0]["path"], "top.env");
    assert!(json["summary"]["error_count"].as_u64().unwrap() >= 1);
}
