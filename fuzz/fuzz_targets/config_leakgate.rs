//! `.leakgate.toml` on arbitrary text: parsed, turned into the scanner a scan would use (custom rules compiled
//! and their examples run, allowlists compiled), and that scanner run over the config's own text.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::config(Path::new(".leakgate.toml"), data));
