//! ARM parameter files and the template they deploy: the input is split at lines that are exactly `//--file--`
//! into `d/azuredeploy.json` and up to two parameter files beside it (`azuredeploy.parameters.json`,
//! `azuredeploy.parameters.dev.json`), linted together through `iac::lint_arm_deployments`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_arm_deployment(data));
