//! The Kubernetes YAML parser and checks on arbitrary bytes, through `iac::lint` with the file name `deployment.yaml`.
#![no_main]
use leakgate::iac::IacFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_as("deployment.yaml", IacFormat::Kubernetes, data));
