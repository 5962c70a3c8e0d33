//! The docker-compose parser and checks on arbitrary bytes, through `iac::lint` with the file name `docker-compose.yml`.
#![no_main]
use leakgate::iac::IacFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakgate_fuzz::lint_as("docker-compose.yml", IacFormat::Compose, data));
