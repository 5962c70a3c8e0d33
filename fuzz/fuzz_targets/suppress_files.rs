//! `.leakgateignore`, `.gitleaksignore` and baseline files on arbitrary text, then the suppressors applied to
//! findings on every line of that text: each finding is kept or counted once, and a baseline written for
//! findings reads back with all their fingerprints.
#![no_main]
use leakgate::finding::Finding;
use leakgate::suppress::{self, baseline::Baseline, ignore_file::IgnoreList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut ignore = IgnoreList::parse(text);
    ignore.add_gitleaks(text);
    let parsed = Baseline::parse("fuzz.json", text).ok();

    let findings: Vec<Finding> =
        text.lines().take(64).enumerate().map(|(i, l)| leakgate_fuzz::finding(l, i + 1, l)).collect();
    let (kept, counts) = suppress::apply(findings.clone(), &ignore, parsed.as_ref());
    assert_eq!(kept.len() as u64 + counts.total(), findings.len() as u64, "a finding lost or counted twice");

    let written = suppress::baseline::render(&findings);
    let back = Baseline::parse("written.json", &written).expect("a written baseline reads back");
    assert!(findings.iter().all(|f| back.contains(&f.fingerprint)), "fingerprint lost in the baseline");
    let (kept, counts) = suppress::apply(findings.clone(), &IgnoreList::default(), Some(&back));
    assert_eq!(kept.len() as u64 + counts.total(), findings.len() as u64);
    assert!(kept.is_empty(), "a baselined finding was reported");
});
