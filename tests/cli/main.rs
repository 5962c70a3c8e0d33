//! Integration tests: the real `leakgate` binary on real trees built in temp dirs. Exit codes are checked on
//! every run.
mod support;

mod archives;
mod audits;
mod baseline;
mod ci_files;
mod commit_text;
mod confidence;
mod config;
mod decode;
mod fleet_examples;
mod framework;
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
mod merge_reports;
mod pairs;
mod pr_config;
mod reports;
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
