//! The rule files under `rules/`, embedded at build time by `build.rs` (as JSON, without their examples), and
//! the keyword DFA over their keywords.
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
