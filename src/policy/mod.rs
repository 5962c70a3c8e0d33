//! The files that decide what a scan hides or skips besides the rules themselves — the config
//! (`.leakgate.toml`, or `.gitleaks.toml`), the ignore files (`.leakgateignore`, `.gitleaksignore`) and a
//! `--baseline` file — and which version of them a scan trusts.
//!
//! File, folder, `--staged` and `--history` scans and the pre-push hook read them from the working tree: whoever
//! runs those scans owns that tree. A PR check (`--range BASE..HEAD`) runs on the pull request's checkout, and the
//! pull request's author could disable the rule of the secret it adds, or list its fingerprint. So a range reads
//! them from BASE's tree ([`revision`]), and reports what the range changes in them that weakens detection as
//! `config-weakened` findings ([`weakened`]). The CLI decides which mode applies (`cli::range_policy`).
pub mod revision;
pub mod weakened;
