//! The content decoders on arbitrary bytes: classification, UTF-16, the strings of binaries, the JSON reader and
//! notebook extraction, then scans of the same bytes as a binary and as a notebook (see `src/content.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::content::check_decoders(data));
