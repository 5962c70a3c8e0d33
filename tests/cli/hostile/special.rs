//! What is not a plain file: symlink loops and links out of the tree, FIFOs, sockets and devices (in a tree,
//! named on the command line, as stdin, posing as an ignore file), and files that cannot be read even by root.
use std::os::unix::fs::symlink;

use super::{last_stderr_line, run_in, run_sh};
use crate::support::*;

fn paths(run: &Run) -> Vec<String> {
    let mut p: Vec<String> =
        run.json()["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    p.sort();
    p
}

/// `tree/` with a secret, a link back up to `tree/` (a loop), a link to a folder outside with another secret,
/// and a link to a file outside.
fn linked_tree() -> Tree {
    let t = Tree::new();
    t.write("tree/sub/a.env", format!("T={GITHUB_PAT}\n"));
    t.write("outside/o.env", format!("T={GITHUB_PAT}\n"));
    symlink("..", t.path().join("tree/sub/loop")).unwrap();
    symlink("../outside", t.path().join("tree/out")).unwrap();
    symlink("../outside/o.env", t.path().join("tree/o-link.env")).unwrap();
    t
}

#[test]
fn symlinks_are_counted_not_followed_by_default() {
    let t = linked_tree();
    let run = run_in(t.path(), &["scan", "tree", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(paths(&run), ["tree/sub/a.env"]);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({ "symlink": 3 }));
    // A link the user names is what they asked to scan.
    let run = run_in(t.path(), &["scan", "tree/out", "tree/o-link.env", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(paths(&run), ["tree/o-link.env", "tree/out/o.env"]);
}

#[test]
fn follow_symlinks_leaves_the_tree_as_asked_and_stops_at_loops() {
    let t = linked_tree();
    let run = run_in(t.path(), &["scan", "tree", "--follow-symlinks", "--format", "json"]);
    // A loop leads back into what is being scanned anyway: counted as a symlink, not unreadable input.
    run.assert_code(1);
    assert_eq!(paths(&run), ["tree/o-link.env", "tree/out/o.env", "tree/sub/a.env"]);
    let summary = &run.json()["summary"];
    assert_eq!(summary["skipped"], serde_json::json!({ "symlink": 1 }));
    assert_eq!(summary["error_count"], 0);

    // Two links naming each other lead to no file at all: like a dangling link, that is input that cannot be
    // read (exit 2), and the walk still ends.
    symlink("ping", t.path().join("tree/pong")).unwrap();
    symlink("pong", t.path().join("tree/ping")).unwrap();
    let run = run_in(t.path(), &["scan", "tree", "--follow-symlinks", "--format", "json"]);
    run.assert_code(2);
    assert_eq!(run.json()["summary"]["skipped"]["unreadable"], 2);
}

/// A FIFO, a socket, a link to /dev/zero and, where mknod is allowed, a character device (/dev/zero's twin).
fn special_files(t: &Tree) -> Vec<&'static str> {
    let dir = t.path();
    let mut names = vec!["fifo", "sock", "zero"];
    assert!(std::process::Command::new("mkfifo").arg(dir.join("fifo")).status().unwrap().success());
    let listener = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    std::mem::forget(listener); // keep the socket alive (and bound) for the whole test
    symlink("/dev/zero", dir.join("zero")).unwrap();
    if std::process::Command::new("mknod")
        .arg(dir.join("chr"))
        .args(["c", "1", "5"])
        .status()
        .is_ok_and(|s| s.success())
    {
        names.push("chr");
    }
    names
}

#[test]
fn fifos_sockets_and_devices_are_skipped_never_blocked_on() {
    let t = Tree::new();
    t.write("a.env", format!("T={GITHUB_PAT}\n"));
    let names = special_files(&t);
    let specials = names.len() as u64 - 1; // all but the /dev/zero link, which is a symlink until followed
    let run = run_in(t.path(), &["scan", "--format", "json"]);
    run.assert_code(1);
    let skipped = &run.json()["summary"]["skipped"];
    assert_eq!(skipped["special"], specials);
    assert_eq!(skipped["symlink"], 1);
    let run = run_in(t.path(), &["scan", "--follow-symlinks", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["summary"]["skipped"]["special"], specials + 1);

    // Named on the command line: still never opened for reading.
    for name in names {
        let run = run_in(t.path(), &["scan", &format!("./{name}"), "--format", "json"]);
        run.assert_code(0);
        assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({ "special": 1 }), "{name}");
    }
}

#[test]
fn endless_stdin_stops_at_the_size_limit() {
    let t = Tree::new();
    let run = run_sh(t.path(), "exec < /dev/zero", &["scan", "-", "--max-file-size", "1M", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({ "too_large": 1 }));
    // Under the limit, stdin is scanned as before.
    let run =
        t.run_stdin(&["scan", "-", "--max-file-size", "1K", "--format", "json"], format!("T={GITHUB_PAT}").as_bytes());
    run.assert_code(1);
}

#[test]
fn an_ignore_file_that_is_a_device_or_fifo_is_an_error_not_a_hang() {
    for make in ["zero", "fifo", "dir"] {
        let t = Tree::new();
        t.write("a.txt", "hello\n");
        let ignore = t.path().join(".leakgateignore");
        match make {
            "zero" => symlink("/dev/zero", &ignore).unwrap(),
            "fifo" => assert!(std::process::Command::new("mkfifo").arg(&ignore).status().unwrap().success()),
            _ => std::fs::create_dir(&ignore).unwrap(),
        }
        let run = run_in(t.path(), &["scan"]);
        run.assert_code(2);
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "{make}: one line: {err}");
        assert!(err.starts_with("leakgate: error: cannot read ") && err.contains(".leakgateignore"), "{make}: {err}");
    }
}

#[test]
fn input_root_cannot_read_is_listed_and_exits_2_after_the_findings() {
    // Reading /proc/self/mem at offset 0 fails (nothing is mapped there) whoever asks, root included.
    let t = Tree::new();
    t.write("a.env", format!("T={GITHUB_PAT}\n"));
    let run = run_in(t.path(), &["scan", "a.env", "/proc/self/mem", "--format", "json"]);
    run.assert_code(2);
    let json = run.json();
    assert_eq!(paths(&run), ["a.env"]);
    assert_eq!(json["summary"]["skipped"]["unreadable"], 1);
    assert!(json["summary"]["errors"][0].as_str().unwrap().starts_with("/proc/self/mem: "), "{}", json["summary"]);

    // The same reached through a link in the tree, and said in the text summary.
    symlink("/proc/self/mem", t.path().join("mem")).unwrap();
    let run = run_in(t.path(), &["scan", "--follow-symlinks", "--no-color"]);
    run.assert_code(2);
    let out = run.stdout();
    assert!(out.contains("github-classic-pat") && out.contains("skipped: 1 unreadable"), "{out}");
    assert!(out.contains("leakgate: not scanned: mem: "), "{out}");
    assert_eq!(last_stderr_line(&run), "", "no error line: the summary says it");
}
