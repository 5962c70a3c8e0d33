//! The Terraform JSON (`.tf.json`) parser and checks on arbitrary bytes, through `iac::lint` with the file name `main.tf.json`.
#![no_main]
use leakgate::iac::IacFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_as("main.tf.json", IacFormat::TerraformJson, data));
