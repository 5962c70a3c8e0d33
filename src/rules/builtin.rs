//! The rule files under `rules/`, embedded at build time by `build.rs` (as JSON, without their examples).
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
