//! Archives: a key in a member is found in every mode and named by the member's path; each format is read; the
//! classic bombs (nested zips, a million tar members, a 10 GB gzip of zeros) and a member named `../../etc/passwd`
//! end in bounded time with a count, and nothing is ever written to disk. Every archive is built here.
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// A properties file with the key on line 3.
fn properties() -> String {
    format!("# app\nregion = eu-west-1\naws_access_key_id = {AWS_KEY}\n")
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(false);
    for (name, content) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, content) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, *content).unwrap();
    }
    tar.into_inner().unwrap()
}

fn gzip(content: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(content).unwrap();
    gz.finish().unwrap()
}

/// `dist/outer.zip` holding `app.jar` holding `config/app.properties` with the key on line 3.
fn jar_in_zip() -> Vec<u8> {
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config/app.properties", properties().as_bytes()),
    ]);
    zip_of(&[("README.txt", b"release\n"), ("app.jar", &jar)])
}

const MEMBER: &str = "dist/outer.zip!/app.jar!/config/app.properties";

/// (path, line) of each finding.
fn located(json: &Value) -> Vec<(String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["start_line"].as_u64().unwrap()))
        .collect()
}

fn skipped(json: &Value, reason: &str) -> u64 {
    json["summary"]["skipped"][reason].as_u64().unwrap_or(0)
}

#[test]
fn a_key_in_a_jar_inside_a_zip_is_found_in_a_folder_and_on_stdin() {
    let tree = Tree::new();
    tree.write("dist/outer.zip", jar_in_zip());
    let run = tree.run(&["scan", ".", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(located(&run.json()), vec![(MEMBER.to_string(), 3)]);
    assert_eq!(run.json()["findings"][0]["start_column"], 21);
    // Three members read: README.txt, the manifest and the properties.
    assert_eq!(run.json()["summary"]["files_scanned"], 3);
    let text = tree.run(&["scan", "."]);
    assert!(text.stdout().contains(&format!("{MEMBER}:3:21")), "{}", text.stdout());

    let stdin = tree.run_stdin(&["scan", "-", "--format", "json"], &jar_in_zip());
    stdin.assert_code(1);
    assert_eq!(located(&stdin.json()), vec![("-!/app.jar!/config/app.properties".to_string(), 3)]);

    // Turned off, the archive is one binary file (its compressed bytes' strings scanned), by flag or by config.
    let off = tree.run(&["scan", ".", "--no-archives", "--format", "json"]);
    off.assert_code(0);
    assert_eq!(off.json()["summary"]["binary_strings_scanned"], 1);
    tree.write(".leakgate.toml", "[archives]\nenabled = false\n");
    tree.run(&["scan", "."]).assert_code(0);
}

#[test]
fn a_key_in_a_jar_inside_a_zip_is_found_staged_in_history_and_in_a_range() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["tag", "v1"]);
    repo.write("dist/outer.zip", jar_in_zip());
    repo.git(&["add", "dist/outer.zip"]);
    let staged = repo.run(&["scan", "--staged", "--format", "json"]);
    staged.assert_code(1);
    assert_eq!(located(&staged.json()), vec![(MEMBER.to_string(), 3)]);
    repo.git(&["commit", "-q", "-m", "ship the build"]);
    for args in [&["scan", "--history"][..], &["scan", "--range", "v1..HEAD"][..]] {
        let run = repo.run(&[args, &["--format", "json"]].concat());
        run.assert_code(1);
        assert_eq!(located(&run.json()), vec![(MEMBER.to_string(), 3)], "{args:?}");
        assert!(run.json()["findings"][0]["commit"].is_object(), "{args:?}: attributed to its commit");
    }
    // A range that does not touch the archive does not count what is in it.
    repo.commit_file("notes.txt", "nothing\n", "notes");
    repo.run(&["scan", "--range", "HEAD~1..HEAD"]).assert_code(0);
}

#[test]
fn every_format_is_read_and_names_its_member() {
    let props = properties();
    let tar = tar_of(&[("docs/readme.md", b"hi\n"), ("config/app.properties", props.as_bytes())]);
    let bz2 = {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let xz = {
        let mut e = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let zst = ruzstd::encoding::compress_to_vec(&tar[..], ruzstd::encoding::CompressionLevel::Fastest);
    let plain_zst = ruzstd::encoding::compress_to_vec(props.as_bytes(), ruzstd::encoding::CompressionLevel::Fastest);
    let tree = Tree::new();
    tree.write("a/release.tar", &tar);
    tree.write("b/release.tgz", gzip(&tar));
    tree.write("c/release.tar.bz2", bz2);
    tree.write("d/release.tar.xz", xz);
    tree.write("e/release.tar.zst", zst);
    tree.write("f/app.properties.gz", gzip(props.as_bytes()));
    tree.write("g/app.properties.zst", plain_zst);
    // Recognised by content, whatever the name.
    tree.write("h/build-output.bin", zip_of(&[("config/app.properties", props.as_bytes())]));
    let run = tree.run(&["scan", ".", "--format", "json"]);
    run.assert_code(1);
    let mut got = located(&run.json());
    got.sort();
    let want: Vec<(String, u64)> = [
        "a/release.tar!/config/app.properties",
        "b/release.tgz!/config/app.properties",
        "c/release.tar.bz2!/config/app.properties",
        "d/release.tar.xz!/config/app.properties",
        "e/release.tar.zst!/config/app.properties",
        "f/app.properties.gz!/app.properties",
        "g/app.properties.zst!/app.properties",
        "h/build-output.bin!/config/app.properties",
    ]
    .iter()
    .map(|p| (p.to_string(), 3))
    .collect();
    assert_eq!(got, want);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({}));
}

/// `levels` zips each holding `fan` copies of the level below; the bottom holds `fan` members of `leaf` zeros.
fn nested_bomb(levels: usize, fan: usize, leaf: usize) -> Vec<u8> {
    let zeros = vec![0u8; leaf];
    let names: Vec<String> = (0..fan).map(|i| format!("{i}.bin")).collect();
    let mut level = zip_of(&names.iter().map(|n| (n.as_str(), &zeros[..])).collect::<Vec<_>>());
    for _ in 1..levels {
        let names: Vec<String> = (0..fan).map(|i| format!("{i}.zip")).collect();
        level = zip_of(&names.iter().map(|n| (n.as_str(), &level[..])).collect::<Vec<_>>());
    }
    level
}

/// Runs a scan and checks it ended in bounded time (a debug build, on a busy machine).
fn timed(tree: &Tree, args: &[&str]) -> Run {
    let start = Instant::now();
    let run = tree.run(args);
    assert!(start.elapsed() < Duration::from_secs(60), "{args:?} took {:?}", start.elapsed());
    run
}

#[test]
fn a_nested_zip_bomb_ends_with_a_count() {
    // 4 levels of 16: 65,536 leaves of 4 MiB, 256 GiB decompressed, from a file of a few hundred KB.
    let bomb = nested_bomb(4, 16, 4 << 20);
    assert!(bomb.len() < 2 << 20, "{} bytes on disk", bomb.len());
    let tree = Tree::new();
    // The key comes first: what was read before the limits stopped the rest is still reported.
    let outer = zip_of(&[("config/app.properties", properties().as_bytes()), ("42.zip", &bomb)]);
    tree.write("release.zip", &outer);
    let run = timed(&tree, &["scan", ".", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(located(&run.json()), vec![("release.zip!/config/app.properties".to_string(), 3)]);
    assert!(skipped(&run.json(), "archive_limit") > 0, "{}", run.stdout());
    // Depth stops it by default (a fifth level); opened all the way, the ratio and the total do.
    let deep = timed(
        &tree,
        &["scan", ".", "--archive-max-depth", "10", "--archive-max-total-size", "16M", "--format", "json"],
    );
    deep.assert_code(1);
    let whys = deep.json()["summary"]["archive_skips"].to_string();
    assert!(whys.contains("compression ratio") && whys.contains("decompresses to more than"), "{whys}");
    assert!(!whys.contains("nested deeper"), "{whys}");
    let text = timed(&tree, &["scan", "."]);
    assert!(text.stdout().contains("over an archive limit"), "{}", text.stdout());
    // --strict holds the skipped members against the scan.
    timed(&tree, &["scan", ".", "--strict"]).assert_code(2);
    // Nothing was extracted: the folder holds what it held.
    let entries: Vec<_> = std::fs::read_dir(tree.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("release.zip")]);
}

#[test]
fn a_tar_with_a_million_empty_members_ends_with_a_count() {
    let mut header = tar::Header::new_gnu();
    header.set_path("empty.txt").unwrap();
    header.set_size(0);
    header.set_mode(0o644);
    header.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..1_000_000 {
        gz.write_all(header.as_bytes()).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    let tgz = gz.finish().unwrap();
    let tree = Tree::new();
    tree.write("many.tgz", &tgz);
    let run = timed(&tree, &["scan", ".", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["summary"]["files_scanned"], 100_000, "the default member limit");
    assert_eq!(skipped(&json, "archive_limit"), 1, "the rest of the archive");
    let run = timed(&tree, &["scan", ".", "--archive-max-members", "10", "--format", "json"]);
    assert_eq!(run.json()["summary"]["files_scanned"], 10);
}

#[test]
fn a_gzip_of_ten_gigabytes_of_zeros_ends_with_a_count() {
    // 640 gzip members of 16 MiB of zeros each, concatenated: 10 GiB decompressed from about 10 MB.
    let one = gzip(&vec![0u8; 16 << 20]);
    let bomb: Vec<u8> = std::iter::repeat_n(&one[..], 640).flatten().copied().collect();
    assert!(bomb.len() < 20 << 20, "{} bytes on disk", bomb.len());
    let tree = Tree::new();
    tree.write("zeros.gz", &bomb);
    let run = timed(&tree, &["scan", ".", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(skipped(&run.json(), "archive_limit"), 1);
    assert!(run.stdout().contains("compression ratio"), "{}", run.stdout());
    // With the ratio allowed, the member size stops it; with that raised too, the archive's total does.
    let run = timed(&tree, &["scan", ".", "--archive-max-ratio", "100000", "--format", "json"]);
    assert!(run.stdout().contains("member larger than"), "{}", run.stdout());
    let run = timed(
        &tree,
        &[
            "scan",
            ".",
            "--archive-max-ratio",
            "100000",
            "--archive-max-member-size",
            "20G",
            "--archive-max-total-size",
            "64M",
            "--format",
            "json",
        ],
    );
    assert!(run.stdout().contains("decompresses to more than"), "{}", run.stdout());
    assert_eq!(skipped(&run.json(), "archive_limit"), 1);
}

#[test]
fn member_paths_are_shown_safely_and_nothing_is_written() {
    let props = properties();
    let evil = zip_of(&[("../../etc/passwd", props.as_bytes()), ("/etc/shadow", props.as_bytes())]);
    let tree = Tree::new();
    tree.write("evil.zip", &evil);
    let run = tree.run(&["scan", "evil.zip", "--format", "json"]);
    run.assert_code(1);
    let mut got = located(&run.json());
    got.sort();
    assert_eq!(
        got,
        vec![("evil.zip!/%2E%2E/%2E%2E/etc/passwd".to_string(), 3), ("evil.zip!/%2Fetc/shadow".to_string(), 3)]
    );
    let entries: Vec<_> = std::fs::read_dir(tree.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("evil.zip")]);
}

#[test]
fn a_gate_fails_on_archive_content_it_could_not_scan() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["tag", "v1"]);
    // A member over the limit, and a member that is a zip only by its magic bytes.
    repo.write("dist/big.zip", zip_of(&[("big.txt", &vec![b'a'; 4096])]));
    repo.write("dist/broken.zip", zip_of(&[("inner.zip", b"PK\x03\x04 this is not a zip at all")]));
    repo.git(&["add", "."]);
    let limit = ["--archive-max-member-size", "1K", "--format", "json"];
    let staged = repo.run(&[&["scan", "--staged"][..], &limit].concat());
    staged.assert_code(2);
    let json = staged.json();
    assert_eq!(skipped(&json, "archive_limit"), 1);
    assert_eq!(skipped(&json, "archive_unreadable"), 1);
    let errors = json["summary"]["errors"].to_string();
    assert!(errors.contains("dist/big.zip!/big.txt") && errors.contains("dist/broken.zip!/inner.zip"), "{errors}");
    repo.git(&["commit", "-q", "-m", "archives"]);
    repo.run(&[&["scan", "--range", "v1..HEAD"][..], &limit].concat()).assert_code(2);
    // An audit only counts them.
    repo.run(&[&["scan", "--history"][..], &limit].concat()).assert_code(0);
}

#[test]
fn a_file_that_only_starts_like_an_archive_is_scanned_as_what_it_is() {
    let tree = Tree::new();
    tree.write("notes.txt", format!("PK\x03\x04 not a zip\n{}", properties()));
    tree.write("fake.gz", [&b"\x1f\x8b\x08 not gzip\n"[..], properties().as_bytes()].concat());
    let run = tree.run(&["scan", ".", "--format", "json", "--strict"]);
    run.assert_code(1);
    let mut got = located(&run.json());
    got.sort();
    assert_eq!(got, vec![("fake.gz".to_string(), 4), ("notes.txt".to_string(), 4)]);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({}));
}
