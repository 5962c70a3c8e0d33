//! Every report writer (text, json, sarif, junit, csv, gitlab) on findings built from fuzzed text: paths,
//! lines, secrets, commit authors and subjects with any Unicode and control characters. Each output must parse
//! as its format, carry every finding, and (unless secrets are shown) hold no secret.
#![no_main]
use std::sync::OnceLock;

use leakgate::rules::RuleSet;
use leakgate_fuzz::report::{write_and_check, Input};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::new(leakgate::rules::builtin_rules().expect("built-in rules")).expect("rule set"))
}

fuzz_target!(|input: Input| {
    let mut input = input;
    let findings: Vec<_> = std::mem::take(&mut input.findings).into_iter().map(|f| f.into_finding(rules())).collect();
    write_and_check(&input, &findings, rules());
});
