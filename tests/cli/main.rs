//! Integration tests: the real `leakgate` binary on real trees built in temp dirs. Exit codes are checked on
//! every run. Also the library's data-driven checks (`corpus`, `rule_examples`, `iac_fixtures`,
//! `fuzz_regressions`, `module_graph`): every test binary links all of leakgate and its dependencies, so they
//! share this one rather than each being linked on its own (`cargo test --test cli -- rule_examples::`).
mod support;

mod archives;
mod audits;
mod baseline;
mod ci_files;
mod commit_text;
mod confidence;
mod config;
mod corpus;
mod decode;
mod fleet_examples;
mod framework;
mod fuzz_regressions;
mod gate_words;
mod git;
mod git_gate;
mod git_hostile;
mod git_packs;
mod git_probe;
mod gitleaks;
mod gitleaks_compat;
mod hidden_text;
mod hook_gates;
mod hook_setups;
mod hooks;
mod hostile;
mod iac;
mod iac_fixtures;
mod json_schema;
mod merge_reports;
mod module_graph;
mod pairs;
mod pr_config;
mod reports;
mod rule_examples;
mod rules_cmd;
mod scan;
mod snapshots;
mod verify;
mod verify_alongside;
mod verify_catalogue;
mod verify_isolation;
mod verify_line_pairs;
mod verify_mock;
#[cfg(feature = "verify")]
mod verify_signed;
