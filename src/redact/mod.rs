//! Hiding secrets in the line a finding quotes. A finding's `line` is raw text from the file, so it can hold more
//! than the finding's own secret: a second secret on the same line (found by another rule, with its own
//! finding), or only part of a secret when a long line was cut around the match (a private key written on one
//! line of JSON). Every format quotes that line, so all of it has to be masked before any writer sees it.
//!
//! Masking is linear in the findings: they are grouped by file, commit and line once, and each line's secrets
//! are indexed once (`LineMasker`) for all the excerpts that quote it.
use std::collections::HashMap;

mod line_mask;
mod rule_mask;

use line_mask::LineMasker;
use rule_mask::RuleMasker;

use crate::finding::Finding;
use crate::source::commit_message_path;

/// Shows the first characters of a secret and hides the rest: at most 4, and at most a quarter of it, so a
/// short password is not given away by its "prefix".
pub fn redact(secret: &str) -> String {
    // Already redacted (a finding read back from a report or the audit state): shown as it is, not cut again.
    if is_redacted(secret) {
        return secret.to_string();
    }
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}{REDACTED}")
}

/// Whether `secret` is what [`redact`] makes of a secret: a finding read back from a report or the audit state.
pub fn is_redacted(secret: &str) -> bool {
    secret.ends_with(REDACTED) && secret.chars().count() <= 4 + REDACTED.len()
}

/// What stands for the hidden part of a redacted secret.
const REDACTED: &str = "*****";

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

/// Masks in `line` every copy of each secret (their first lines: a multi-line secret's line is its first), and a
/// piece of one cut off at either end of the line.
pub fn mask_line(line: &str, secrets: &[&str]) -> String {
    LineMasker::new(secrets).mask(line)
}

/// A finding's file: path and commit.
fn file_key(f: &Finding) -> (&str, Option<&str>) {
    (f.path.as_str(), f.commit.as_ref().map(|c| c.id.as_str()))
}

/// The lines of one file (in one commit) that findings quote, and the secrets each holds.
#[derive(Default)]
struct FileLines<'a> {
    /// Distinct line numbers, sorted.
    numbers: Vec<usize>,
    /// For each line, the secrets of the findings that cover it, in the findings' order.
    secrets: Vec<Vec<&'a str>>,
    maskers: Vec<Option<LineMasker>>,
}

/// The findings with each one's `line` masked for every secret reported on that line (same file, same commit),
/// its own included. The secrets themselves stay as they are: each writer redacts them through `presented`.
pub fn mask_shared_lines(findings: &[Finding]) -> Vec<Finding> {
    let mut masked = mask_lines(findings);
    mask_commit_metadata(&mut masked);
    masked
}

fn mask_lines(findings: &[Finding]) -> Vec<Finding> {
    let mut files: HashMap<(&str, Option<&str>), FileLines<'_>> = HashMap::new();
    for f in findings {
        files.entry(file_key(f)).or_default().numbers.push(f.start_line);
    }
    for lines in files.values_mut() {
        lines.numbers.sort_unstable();
        lines.numbers.dedup();
        lines.secrets = vec![Vec::new(); lines.numbers.len()];
        lines.maskers = (0..lines.numbers.len()).map(|_| None).collect();
    }
    for f in findings.iter().filter(|f| !f.secret().is_empty()) {
        let lines = files.get_mut(&file_key(f)).expect("every finding's file is listed");
        // A multi-line secret is on every line it spans.
        let from = lines.numbers.partition_point(|&n| n < f.start_line);
        let to = lines.numbers.partition_point(|&n| n <= f.end_line.max(f.start_line));
        for on_line in &mut lines.secrets[from..to] {
            on_line.push(f.secret());
        }
        // The id folded into a secret's finding was a finding of its own, whose line was masked for it.
        if let Some(id) = f.paired() {
            if let Ok(i) = lines.numbers.binary_search(&id.line) {
                lines.secrets[i].push(&id.value);
            }
        }
    }
    findings
        .iter()
        .map(|raw| {
            let lines = files.get_mut(&file_key(raw)).expect("every finding's file is listed");
            let i = lines.numbers.binary_search(&raw.start_line).expect("every finding's line is listed");
            let mut f = raw.clone();
            if !lines.secrets[i].is_empty() {
                let masker = lines.maskers[i].get_or_insert_with(|| LineMasker::new(&lines.secrets[i]));
                f.line = masker.mask(&f.line);
            }
            f
        })
        .collect()
}

/// The findings as every format shows them (secrets hidden): each line masked for the secrets reported on it
/// ([`mask_shared_lines`]), then each line, commit subject and author masked for what any built-in rule
/// matches (`rule_mask`). The findings' own secrets stay for the writers to redact.
pub fn for_display(findings: &[Finding]) -> Vec<Finding> {
    let mut shown = mask_shared_lines(findings);
    let mut masker = RuleMasker::default();
    for (f, raw) in shown.iter_mut().zip(findings) {
        let path = raw.path.as_str();
        f.line = masker.mask(&f.line, path);
        if let Some(c) = &mut f.commit {
            for field in [&mut c.subject, &mut c.author_name, &mut c.author_email] {
                *field = masker.mask(field, path);
            }
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::{mask_line, mask_shared_lines, redact};
    use crate::finding::Finding;
    use crate::test_rng::TestRng;

    /// Masking as it was done before [`LineMasker`]: one secret after the other over the whole line, longest
    /// first. Quadratic, and the reference the linear masking is checked against.
    fn mask_line_one_by_one(line: &str, secrets: &[&str]) -> String {
        const MIN_PIECE: usize = 5;
        let mut line = line.to_string();
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

    /// A random string of `len` characters from `chars`.
    fn pick(rng: &mut TestRng, chars: &[char], len: usize) -> String {
        (0..len).map(|_| chars[rng.below(chars.len())]).collect()
    }

    /// Secrets for one random line: random ones, pieces of earlier ones (a secret inside another), and ones
    /// sharing an earlier one's start (the same first bytes). At least 5 characters, as the engine's are, from
    /// enough different characters that one secret rarely ends with another's start by chance: masking one
    /// secret after the other could then match the few characters a redacted secret keeps, and mask those too.
    fn random_secrets(rng: &mut TestRng) -> Vec<String> {
        const CHARS: &[char] = &[
            'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'Z', '0', '1', '2', '3', '7',
            '8', '_', '-', '+', '/', 'é', 'ж', 'ß', 'λ',
        ];
        let mut secrets: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(6) {
            let s = match (secrets.is_empty(), rng.below(3)) {
                (false, 0) => {
                    let base: Vec<char> = secrets[rng.below(secrets.len())].chars().collect();
                    let from = rng.below(base.len() - 4);
                    base[from..from + 5 + rng.below(base.len() - from - 4)].iter().collect()
                }
                (false, 1) => {
                    let base: Vec<char> = secrets[rng.below(secrets.len())].chars().collect();
                    let keep = rng.below(base.len() + 1);
                    let len = 5 + rng.below(30);
                    base[..keep].iter().collect::<String>() + &pick(rng, CHARS, len)
                }
                _ => {
                    let len = 5 + rng.below(40);
                    pick(rng, CHARS, len)
                }
            };
            secrets.push(s);
        }
        secrets
    }

    /// A line of filler and whole secrets, maybe starting with the end of a secret and ending with the start of
    /// one (as an excerpt cut out of a long line does).
    fn random_line(rng: &mut TestRng, secrets: &[String]) -> String {
        const FILLER: &[char] = &[' ', '=', ':', ';', ',', '"', 'a', 'K', '0', 'é', '🔑'];
        let piece = |rng: &mut TestRng, from_end: bool| {
            let s: Vec<char> = secrets[rng.below(secrets.len())].chars().collect();
            let n = 1 + rng.below(s.len());
            let kept = if from_end { &s[s.len() - n..] } else { &s[..n] };
            kept.iter().collect::<String>()
        };
        let mut line = String::new();
        if rng.below(3) == 0 {
            line.push_str(&piece(rng, true));
        }
        for _ in 0..rng.below(6) {
            let len = rng.below(8);
            line.push_str(&pick(rng, FILLER, len));
            if rng.below(3) > 0 {
                line.push_str(&secrets[rng.below(secrets.len())]);
            }
        }
        if rng.below(3) == 0 {
            line.push_str(&piece(rng, false));
        }
        line
    }

    /// Where each secret is on the line, whole or cut off at an end (at least 5 bytes), as (secret, start, end).
    fn spans(line: &str, secrets: &[String]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (k, s) in secrets.iter().enumerate() {
            for i in (0..line.len()).filter(|&i| line.is_char_boundary(i)) {
                if line[i..].starts_with(s.as_str()) {
                    out.push((k, i, i + s.len()));
                } else if line.len() - i >= 5 && s.starts_with(&line[i..]) {
                    out.push((k, i, line.len()));
                }
                if i >= 5 && s.ends_with(&line[..i]) {
                    out.push((k, 0, i));
                }
            }
        }
        out
    }

    /// Where the two ways of masking differ on purpose or by chance, so that the test compares the rest:
    /// - a secret on the line whole and also cut off at one end: the linear masking masks the piece too (see
    ///   `line_mask`);
    /// - a secret's place overlapping the characters another's redacted form keeps: masking one secret after
    ///   the other could find a secret in what it had just written and mask those characters as well.
    fn differ(line: &str, secrets: &[String]) -> bool {
        let spans = spans(line, secrets);
        let whole_and_cut = spans.iter().any(|a| {
            spans.iter().any(|b| a.0 == b.0 && a.2 - a.1 == secrets[a.0].len() && b.2 - b.1 != secrets[b.0].len())
        });
        let overlaps_kept = spans.iter().any(|a| {
            let kept = redact(&secrets[a.0]).trim_end_matches('*').len();
            spans.iter().any(|b| b != a && b.1 < a.1 + kept && a.1 < b.2)
        });
        whole_and_cut || overlaps_kept
    }

    #[test]
    fn linear_masking_masks_as_one_secret_after_the_other_did() {
        let mut rng = TestRng::new(0x5eed15);
        let mut compared = 0;
        for case in 0..12_000 {
            let secrets = random_secrets(&mut rng);
            let line = random_line(&mut rng, &secrets);
            if differ(&line, &secrets) {
                continue;
            }
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            assert_eq!(
                mask_line(&line, &refs),
                mask_line_one_by_one(&line, &refs),
                "case {case}: line {line:?}, secrets {secrets:?}"
            );
            compared += 1;
        }
        assert!(compared > 6_000, "only {compared} cases compared");
    }

    #[test]
    fn a_cut_off_copy_is_masked_even_when_a_whole_copy_is_on_the_line() {
        let line = format!("a={A} b={}", &A[..20]);
        assert_eq!(mask_line_one_by_one(&line, &[A]), format!("a=ghp_***** b={}", &A[..20]));
        assert_eq!(mask_line(&line, &[A]), "a=ghp_***** b=ghp_*****");
        let line = format!("{} = 1; a={A}", &A[25..]);
        assert_eq!(mask_line(&line, &[A]), "***** = 1; a=ghp_*****");
    }

    /// Findings in two files and two commits, each quoting a random line, secrets spanning a few lines.
    fn random_findings(rng: &mut TestRng) -> Vec<Finding> {
        let mut findings = Vec::new();
        for _ in 0..rng.below(12) {
            let mut f = crate::finding::test_support::secret_finding(["a.env", "b.env"][rng.below(2)]);
            let secrets = random_secrets(rng);
            let secret = if rng.below(5) == 0 { String::new() } else { secrets[0].clone() };
            f.detail = crate::finding::Detail::Secret(crate::finding::SecretMatch {
                secret,
                entropy: 4.8,
                validated: true,
                confidence: Default::default(),
                evidence: Vec::new(),
                decoded: Vec::new(),
                secret_hash: None,
                verification: None,
                paired: None,
                context: Default::default(),
            });
            f.line = random_line(rng, &secrets);
            f.start_line = 1 + rng.below(4);
            f.end_line = f.start_line + rng.below(2) * rng.below(3);
            if rng.below(2) == 0 {
                f.commit = Some(crate::finding::CommitInfo {
                    id: ["c1", "c2"][rng.below(2)].into(),
                    author_name: "dev".into(),
                    author_email: "dev@example.com".into(),
                    date: "2024-01-02T03:04:05Z".into(),
                    subject: "add".into(),
                    further_occurrences: 0,
                    order: 0,
                });
            }
            findings.push(f);
        }
        findings
    }

    #[test]
    fn grouping_by_line_masks_each_line_for_the_findings_that_cover_it() {
        let mut rng = TestRng::new(0x11e5);
        for case in 0..3000 {
            let findings = random_findings(&mut rng);
            let expected: Vec<Finding> = findings
                .iter()
                .map(|f| {
                    let on_line: Vec<&str> = findings
                        .iter()
                        .filter(|o| !o.secret().is_empty())
                        .filter(|o| {
                            o.path == f.path && o.commit.as_ref().map(|c| &c.id) == f.commit.as_ref().map(|c| &c.id)
                        })
                        .filter(|o| (o.start_line..=o.end_line.max(o.start_line)).contains(&f.start_line))
                        .map(|o| o.secret())
                        .collect();
                    Finding { line: mask_line(&f.line, &on_line), ..f.clone() }
                })
                .collect();
            assert_eq!(mask_shared_lines(&findings), expected, "case {case}");
        }
    }

    #[test]
    fn built_in_rules_matches_are_masked_in_lines_subjects_and_authors() {
        let stripe = "sk_live_9fKq2ZbW7xRt4LmP3vNc8HdJ"; // leakgate:allow (made up)
        let mut f = crate::finding::test_support::secret_finding("a.env");
        f.line.push_str(&format!(" s={stripe}"));
        f.commit = Some(crate::finding::CommitInfo {
            id: "c1".into(),
            author_name: stripe.into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: format!("add {stripe}"),
            further_occurrences: 0,
            order: 0,
        });
        let shown = super::for_display(&[f]).remove(0);
        let c = shown.commit.as_ref().unwrap();
        for text in [&shown.line, &c.subject, &c.author_name] {
            assert!(!text.contains(&stripe[8..]), "{text}");
        }
        assert_eq!(c.subject, "add sk_l*****");
        assert_eq!(c.author_email, "dev@example.com");
    }

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
