//! Every report writer (text, json, sarif, junit, csv, gitlab) on findings built from fuzzed text: paths,
//! lines, secrets, commit authors and subjects with any Unicode and control characters. Each output must parse
//! as its format, carry every listed finding, and (unless secrets are shown) hold no secret. A crowd of findings
//! on the same lines of one file, and the per-file cap, are part of the input.
#![no_main]
use std::sync::OnceLock;

use leakgate::rules::RuleSet;
use leakgate_fuzz::report::{cap_write_and_check, Input};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::new(leakgate::rules::builtin_rules().expect("built-in rules")).expect("rule set"))
}

fuzz_target!(|input: Input| {
    let mut input = input;
    let mut findings: Vec<_> =
        std::mem::take(&mut input.findings).into_iter().map(|f| f.into_finding(rules())).collect();
    if let Some(crowd) = input.crowd.take() {
        findings.extend(crowd.into_findings(rules()));
    }
    cap_write_and_check(&input, findings, rules());
});
