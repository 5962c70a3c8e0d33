//! Using leakgate as a library: scan a byte buffer with the built-in rules and print each finding with its
//! secret redacted. Run with `cargo run --example scan_buffer`.
use leakgate::pipeline::{ScanRequest, Target};
use leakgate::redact::redact;

fn main() -> Result<(), leakgate::Error> {
    // A made-up configuration file; the key is the example AWS documents for its own docs, written in two parts
    // so that this source file is not itself a finding.
    let content = format!("[default]\naws_access_key_id = {}{}\nregion = eu-west-1\n", "AKIA", "IOSFODNN7EXAMPLE");
    let mut request = ScanRequest::new(Target::Bytes { name: "credentials".into(), content: content.into_bytes() });
    // Secrets only; the config is discovered from the current folder, as for stdin (`policy.config` names one).
    request.iac = Some(false);
    let result = request.run()?;
    for f in &result.findings {
        println!("{}:{}:{} {} {}", f.path, f.start_line, f.start_column, f.rule_id, redact(f.secret()));
    }
    println!("{} finding(s) in {} bytes", result.findings.len(), result.stats.bytes_scanned);
    Ok(())
}
