//! The secret engine as `leakgate scan` runs it — every built-in rule, keyword prefilter, regexes, filters,
//! finding location, and the IaC lint for infrastructure file names — on arbitrary bytes. An input starting
//! with `//path:NAME\n` is scanned as the file NAME (path-restricted rules, path allowlists, IaC detection).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (path, content) = leakgate_fuzz::split_path(data);
    let out = leakgate::scan::scan_bytes(leakgate_fuzz::default_scanner(), content, &path);
    leakgate_fuzz::check_scan(content, &path, &out, true);
});
