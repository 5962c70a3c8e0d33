//! The Terraform HCL parser, module resolution (variables, locals, data sources across files) and checks on
//! arbitrary bytes, linted as the `.tf` files of one folder, as a scan does: the input is split into up to four
//! files at lines that are exactly `//--file--`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_module(data));
