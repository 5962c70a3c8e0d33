//! Content that is not plain UTF-8 text (issue 18, and the one-byte bypass of issue 15): text with a NUL byte,
//! UTF-16, the printable strings of binary files and Jupyter notebooks, in every mode. Before, the first two were
//! skipped as binary with exit 0 even under `--strict`, binaries were never looked into, and a notebook's cell
//! text was only seen as escaped JSON.
use serde_json::Value;

use crate::git::Repo;
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// `{ printf '\0\n'; echo "k=$AWS_KEY"; }`: the issue's one-byte bypass.
fn nul_prefixed() -> Vec<u8> {
    [b"\0\n".as_slice(), format!("k={AWS_KEY}\n").as_bytes()].concat()
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// UTF-16BE with its byte-order mark, as some editors save.
fn utf16be_bom(text: &str) -> Vec<u8> {
    [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect()
}

/// An executable-like binary (an ELF header, then runs of control and high bytes, no newline byte) with `parts`
/// embedded between the runs.
fn binary_with(parts: &[&[u8]]) -> Vec<u8> {
    const FILL: [u8; 8] = [0x00, 0x01, 0x02, 0x03, 0x90, 0xFF, 0x7F, 0x05];
    let filler = |out: &mut Vec<u8>| out.extend((0..512).map(|i| FILL[i % FILL.len()]));
    let mut out = b"\x7fELF\x02\x01\x01\0".to_vec();
    for p in parts {
        filler(&mut out);
        out.extend_from_slice(p);
    }
    filler(&mut out);
    out
}

/// (path, secret, decoded steps, start line) of each finding.
fn found(json: &Value) -> Vec<(String, String, Vec<String>, u64)> {
    let mut out: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let decoded = f["decoded"]
                .as_array()
                .map_or_else(Vec::new, |d| d.iter().map(|s| s.as_str().unwrap().to_string()).collect());
            (
                f["path"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                decoded,
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn steps(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

/// The NUL-prefixed file, a UTF-16LE file without a BOM and a UTF-16BE one with a BOM, each with a key on line 2.
fn write_hidden_text(write: impl Fn(&str, Vec<u8>)) {
    write("nul.txt", nul_prefixed());
    write("ps.ps1", utf16le(&format!("$a = 1\r\n$k = \"{GITHUB_PAT}\"\r\n")));
    write("be.txt", utf16be_bom(&format!("x\nkey={AWS_KEY}\n")));
}

fn expected_hidden_text() -> Vec<(String, String, Vec<String>, u64)> {
    vec![
        ("be.txt".into(), AWS_KEY.into(), steps(&["utf-16be"]), 2),
        ("nul.txt".into(), AWS_KEY.into(), vec![], 2),
        ("ps.ps1".into(), GITHUB_PAT.into(), steps(&["utf-16le"]), 2),
    ]
}

#[test]
fn nul_prefixed_and_utf16_text_fail_a_range_check() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["tag", "base"]);
    write_hidden_text(|p, c| repo.write(p, c));
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "hidden"]);
    let run = repo.run(&["scan", "--range", "base..HEAD", "--strict", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(found(&json), expected_hidden_text());
    assert!(json["summary"]["skipped"].as_object().unwrap().is_empty(), "{}", json["summary"]);
    // The text report says how the secret was read.
    let text = repo.run(&["scan", "--range", "base..HEAD", "--strict"]);
    assert!(text.assert_code(1).stdout().contains("decoded: utf-16le"), "{}", text.stdout());
}

#[test]
fn nul_prefixed_and_utf16_text_are_found_in_every_mode() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    write_hidden_text(|p, c| repo.write(p, c));
    let check = |args: &[&str]| {
        let args = [args, &["--strict", "--format", "json", "--show-secrets"][..]].concat();
        let run = repo.run(&args);
        run.assert_code(1);
        assert_eq!(found(&run.json()), expected_hidden_text(), "{args:?}");
    };
    check(&["scan", "nul.txt", "ps.ps1", "be.txt"]);
    repo.git(&["add", "."]);
    check(&["scan", "--staged"]);
    repo.git(&["commit", "-q", "-m", "hidden"]);
    check(&["scan", "--history"]);
    repo.git(&["gc", "-q"]);
    check(&["scan", "--history"]);
    for (content, decoded, line) in
        [(nul_prefixed(), vec![], 2), (utf16le(&format!("k={AWS_KEY}\n")), steps(&["utf-16le"]), 1)]
    {
        let run = repo.tree.run_stdin(&["scan", "-", "--strict", "--format", "json", "--show-secrets"], &content);
        run.assert_code(1);
        assert_eq!(found(&run.json()), vec![("-".to_string(), AWS_KEY.to_string(), decoded, line)]);
    }
}

#[test]
fn a_staged_utf16_change_reports_only_the_lines_it_adds() {
    let repo = Repo::new();
    repo.commit_file("old.ps1", utf16le(&format!("$old = \"{GITHUB_PAT}\"\r\n")), "init");
    repo.write("old.ps1", utf16le(&format!("$old = \"{GITHUB_PAT}\"\r\n$new = \"{AWS_KEY}\"\r\n")));
    repo.git(&["add", "."]);
    let run = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(found(&run.json()), vec![("old.ps1".into(), AWS_KEY.into(), steps(&["utf-16le"]), 2)]);
}

#[test]
fn binary_strings_are_scanned_with_the_specific_rules_only() {
    let tree = Tree::new();
    // A key after two newline bytes (line 3), a generic `password=` that the strings scan leaves alone, and a
    // token in a UTF-16LE string table.
    let bin = binary_with(&[
        format!("\n\naws_key={AWS_KEY}").as_bytes(),
        b"password=Sup3rS3cretValue99",
        &utf16le(&format!("token {GITHUB_PAT}")),
    ]);
    tree.write("app.exe", &bin);
    tree.write("clean.bin", binary_with(&[b"nothing to see here"]));
    let run = tree.run(&["scan", "--strict", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(
        found(&json),
        vec![
            ("app.exe".into(), AWS_KEY.into(), steps(&["strings"]), 3),
            ("app.exe".into(), GITHUB_PAT.into(), steps(&["strings", "utf-16le"]), 3),
        ]
    );
    let aws = json["findings"].as_array().unwrap().iter().find(|f| f["secret"] == AWS_KEY).unwrap();
    // Columns count bytes from the last newline byte.
    assert_eq!(aws["start_column"], 9);
    assert_eq!(json["summary"]["binary_strings_scanned"], 2);
    assert_eq!(json["summary"]["files_scanned"], 2);
    assert!(json["summary"]["skipped"].as_object().unwrap().is_empty(), "{}", json["summary"]);
    let text = tree.run(&["scan"]);
    assert!(text.assert_code(1).stdout().contains("; 2 binary, strings scanned"), "{}", text.stdout());

    // Off, by flag or config: binaries are skipped and counted, and `--strict` does not hold that against the scan.
    let off = tree.run(&["scan", "--strict", "--no-binary-strings", "--format", "json"]);
    off.assert_code(0);
    assert_eq!(off.json()["summary"]["skipped"]["binary"], 2);
    assert_eq!(off.json()["summary"]["binary_strings_scanned"], 0);
    tree.write(".leakgate.toml", "binary_strings = false\n");
    let off = tree.run(&["scan", "--format", "json"]);
    off.assert_code(0);
    assert_eq!(off.json()["summary"]["skipped"]["binary"], 2);
}

#[test]
fn binary_strings_are_scanned_in_git_modes() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["tag", "base"]);
    repo.write("lib.so", binary_with(&[format!("key={AWS_KEY}").as_bytes()]));
    let check = |args: &[&str]| {
        let args = [args, &["--strict", "--format", "json", "--show-secrets"][..]].concat();
        let run = repo.run(&args);
        run.assert_code(1);
        let json = run.json();
        assert_eq!(found(&json), vec![("lib.so".into(), AWS_KEY.into(), steps(&["strings"]), 1)], "{args:?}");
        assert_eq!(json["summary"]["binary_strings_scanned"], 1, "{args:?}");
    };
    repo.git(&["add", "."]);
    check(&["scan", "--staged"]);
    repo.git(&["commit", "-q", "-m", "lib"]);
    check(&["scan", "--range", "base..HEAD"]);
    check(&["scan", "--history"]);
    repo.git(&["gc", "-q"]);
    check(&["scan", "--history"]);
    repo.run(&["scan", "--history", "--no-binary-strings"]).assert_code(0);
}

/// A notebook whose second cell prints a key (stream output, file line 13), raises an error whose coloured
/// traceback holds a token (line 16), and sets a password in its source (line 20).
const NOTEBOOK: &str = r##"{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Setup"]},
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "key: AKIAZ3MSJV4WWNKWW5FG\n"
     ]
    },
    {"output_type": "error", "ename": "KeyError", "evalue": "x", "traceback": ["\u001b[0;31mKeyError\u001b[0m: 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"]}
   ],
   "source": [
    "import os\n",
    "db_password = \"Sup3rS3cretValue99\"\n"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"##;

#[test]
fn a_notebook_finding_names_the_cell_and_points_at_the_file_line() {
    let tree = Tree::new();
    tree.write("analysis.ipynb", NOTEBOOK);
    let run = tree.run(&["scan", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(
        found(&json),
        vec![
            ("analysis.ipynb".into(), AWS_KEY.into(), steps(&["notebook cell 2 output 1, line 1"]), 13),
            ("analysis.ipynb".into(), "Sup3rS3cretValue99".into(), steps(&["notebook cell 2 source, line 2"]), 20),
            ("analysis.ipynb".into(), GITHUB_PAT.into(), steps(&["notebook cell 2 output 2, line 1"]), 16),
        ]
    );
    let aws = json["findings"].as_array().unwrap().iter().find(|f| f["secret"] == AWS_KEY).unwrap();
    assert_eq!(
        (aws["start_column"].as_u64(), aws["line"].as_str()),
        (Some(13), Some(format!("key: {AWS_KEY}").as_str()))
    );

    // In history too.
    let repo = Repo::new();
    repo.commit_file("nb.ipynb", NOTEBOOK, "notebook");
    let run = repo.run(&["scan", "--history", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(found(&run.json()).len(), 3);
}

/// A private key split over a cell's source lines: one finding, from the cell, spanning the key's file lines.
#[test]
fn a_private_key_across_a_cells_lines_is_one_finding() {
    // The built-in rule's own example key.
    let pem = "-----BEGIN RSA PRIVATE KEY-----\n\
        MIIBOwIBAAJBALtW4UWtaQvwxCGPfQa/iYJcVCINxXnCfT33aMJzWpPWvtDfbEfb\n\
        8jYVnO25FiFioDEgM4dx//8qlH04i6eNcxECAwEAAQJBALpuLEKN3sL+OAB57d8A\n\
        T1TGkwdMkx+nl8FJ7BvOde42CZQuNVT9gGldiJ5AwohWzosRqUvXtU1MCiBIJNRU\n\
        y20CIQDyWJ8Gu1ZblJLsXlNZGRFhWYkxaU3A8uxLNkd3qom93wIhAMXk5CLKqLK0\n\
        aCS0bje/LFVAdqq0ZUx013eI5nvCCQ0PAiBMYQ/lwD9MZ7wSkPv11ce7hcuObiDa\n\
        UfWVEstddLsqwwIgIx+tHj+6EX3TvjAIH/zecYMvjLzX/en/FEhIIE8gLCECIQDC\n\
        khoJ5Uvrj/cEvX8mm5tWhjB9IgzJLg5zyAgihJq10Q==\n\
        -----END RSA PRIVATE KEY-----\n";
    let lines: Vec<String> = pem.lines().map(|l| format!("    {:?}", format!("{l}\n"))).collect();
    let nb = format!(
        "{{\n \"cells\": [\n  {{\"cell_type\": \"code\", \"metadata\": {{}}, \"outputs\": [],\n   \"source\": [\n{}\n   ]}}\n ],\n \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5\n}}\n",
        lines.join(",\n")
    );
    let tree = Tree::new();
    tree.write("keys.ipynb", nb);
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    let f = json["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "pem-rsa-private-key");
    assert_eq!((f[0]["start_line"].as_u64(), f[0]["end_line"].as_u64()), (Some(5), Some(13)));
    assert_eq!(f[0]["decoded"], serde_json::json!(["notebook cell 1 source, line 1"]));
}

#[test]
fn a_malformed_notebook_is_scanned_as_text() {
    let tree = Tree::new();
    let broken = &NOTEBOOK[..NOTEBOOK.rfind("\"source\"").unwrap()];
    tree.write("broken.ipynb", broken);
    let run = tree.run(&["scan", "--strict", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    let got = found(&run.json());
    assert!(got.iter().any(|f| f.1 == AWS_KEY && f.2.is_empty() && f.3 == 13), "{got:?}");
}
