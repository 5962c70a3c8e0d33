//! Hiding secrets: a secret shown by its first characters ([`redact`]), and in the line a finding quotes. A finding's `line` is raw text from the file, so it can hold more
//! than the finding's own secret: a second secret on the same line (found by another rule, with its own
//! finding), or only part of a secret when a long line was cut around the match (a private key written on one
//! line of JSON). Every format quotes that line, so all of it has to be masked before any writer sees it.
use std::collections::HashMap;

use crate::finding::Finding;
use crate::source::commit_message_path;

/// Shows the first characters of a secret and hides the rest: at most 4, and at most a quarter of it, so a
/// short password is not given away by its "prefix".
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}*****")
}

/// A cut-off piece of a secret shorter than this stays as it is: [`redact`] itself shows up to 4 characters.
const MIN_PIECE: usize = 5;

/// Masks in `line` every copy of each secret (their first lines: a multi-line secret's line is its first), and a
/// piece of one cut off at either end of the line.
pub fn mask_line(line: &str, secrets: &[&str]) -> String {
    let mut line = line.to_string();
    // Longest first, so that a secret inside a longer one does not leave the longer one's rest in the clear.
    let mut secrets: Vec<&str> =
        secrets.iter().map(|s| s.lines().next().unwrap_or("")).filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    for s in secrets {
        let masked = redact(s);
        if line.contains(s) {
            line = line.replace(s, &masked);
            continue;
        }
        // The line was cut inside the secret: it ends with the secret's start, or starts with its end.
        if let Some(at) = (0..line.len()).find(|&i| line.is_char_boundary(i) && s.starts_with(&line[i..])) {
            if line.len() - at >= MIN_PIECE {
                line.replace_range(at.., &masked);
            }
        }
        if let Some(end) = (1..=line.len()).rev().find(|&i| line.is_char_boundary(i) && s.ends_with(&line[..i])) {
            if end >= MIN_PIECE {
                line.replace_range(..end, "*****");
            }
        }
    }
    line
}

/// Masks, in the commit metadata every finding carries (author, e-mail, subject), the secrets found in that
/// commit's own text: a token used as an author's e-mail is shown with every finding of that commit.
pub fn mask_commit_metadata(findings: &mut [Finding]) {
    let mut by_commit: HashMap<String, Vec<String>> = HashMap::new();
    for f in findings.iter() {
        if let Some(c) = f.commit.as_ref().filter(|c| f.path == commit_message_path(&c.id)) {
            if !f.secret().is_empty() {
                by_commit.entry(c.id.clone()).or_default().push(f.secret().to_string());
            }
        }
    }
    if by_commit.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let Some(c) = f.commit.as_mut() else { continue };
        let Some(secrets) = by_commit.get(&c.id) else { continue };
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        for field in [&mut c.author_name, &mut c.author_email, &mut c.subject] {
            *field = mask_line(field, &secrets);
        }
    }
}

/// The findings with each one's `line` masked for every secret reported on that line (same file, same commit),
/// its own included. The secrets themselves stay as they are: each writer redacts them through `presented`.
pub fn mask_shared_lines(findings: &[Finding]) -> Vec<Finding> {
    let mut masked = mask_lines(findings);
    mask_commit_metadata(&mut masked);
    masked
}

fn mask_lines(findings: &[Finding]) -> Vec<Finding> {
    let mut by_file: HashMap<(&str, Option<&str>), Vec<&Finding>> = HashMap::new();
    for f in findings.iter().filter(|f| !f.secret().is_empty()) {
        by_file.entry((f.path.as_str(), f.commit.as_ref().map(|c| c.id.as_str()))).or_default().push(f);
    }
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(same_file) = by_file.get(&(f.path.as_str(), f.commit.as_ref().map(|c| c.id.as_str()))) {
                let on_line: Vec<&str> = same_file
                    .iter()
                    .filter(|o| (o.start_line..=o.end_line.max(o.start_line)).contains(&f.start_line))
                    .map(|o| o.secret())
                    .collect();
                f.line = mask_line(&f.line, &on_line);
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask_line;

    const A: &str = "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";
    const B: &str = "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";

    #[test]
    fn every_secret_on_the_line_is_masked() {
        let line = format!("A={A} B={B} A2={A}");
        assert_eq!(mask_line(&line, &[A, B]), "A=ghp_***** B=npm_***** A2=ghp_*****");
    }

    #[test]
    fn a_secret_cut_off_by_the_end_or_start_of_the_line_is_masked() {
        assert_eq!(mask_line(&format!("key: {}", &A[..20]), &[A]), "key: ghp_*****");
        assert_eq!(mask_line(&format!("{} = 1", &A[25..]), &[A]), "***** = 1");
        // A few characters that happen to match the secret's start are left alone.
        assert_eq!(mask_line("a gh", &[A]), "a gh");
    }

    #[test]
    fn multi_line_secrets_are_matched_by_their_first_line() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQ";
        assert_eq!(mask_line("-----BEGIN PRIVATE KEY-----", &[key]), "----*****");
    }
}
