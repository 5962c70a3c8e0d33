//! A gitleaks config (`.gitleaks.toml`) on arbitrary text: imported (Go regexes translated, ids normalised,
//! allowlists converted), turned into the scanner a scan would use, and that scanner run over the file's text.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::config(Path::new(".gitleaks.toml"), data));
