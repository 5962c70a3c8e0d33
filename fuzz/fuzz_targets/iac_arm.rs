//! The ARM template reader (JSON with comments, nested and symbolic-name resources, expressions) and the Azure
//! checks on arbitrary bytes, through `iac::lint` with the file name `azuredeploy.json`.
#![no_main]
use leakgate::iac::IacFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_as("azuredeploy.json", IacFormat::Arm, data));
