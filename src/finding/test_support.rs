use super::{Detail, Finding, Fingerprint, Misconfiguration, SecretMatch};
use crate::rules::Severity;

/// A real GitHub token shape (valid checksum) that must never appear in a redacted report.
pub const SECRET: &str = "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";

/// A commit whose subject is `subject` (report tests put the secret in it, to see that it is hidden there too).
pub fn commit_with_subject(subject: String) -> super::CommitInfo {
    super::CommitInfo {
        id: "6e6ee6596d337bb656496425fb98644eb62b4a82".into(),
        author_name: "dev".into(),
        author_email: "dev@example.com".into(),
        date: "2024-01-02T03:04:05Z".into(),
        subject,
        further_occurrences: 0,
        order: 0,
    }
}

pub fn secret_finding(path: &str) -> Finding {
    Finding {
        rule_id: "github-pat".into(),
        description: "GitHub personal access token".into(),
        severity: Severity::Critical,
        tags: vec!["vcs".into(), "github".into()],
        path: path.into(),
        path_bytes: None,
        start_line: 3,
        end_line: 3,
        start_column: 9,
        end_column: 48,
        line: format!("token = {SECRET}"),
        fingerprint: Fingerprint::new("github-pat", path, SECRET.as_bytes()),
        commit: None,
        detail: Detail::Secret(SecretMatch {
            secret: SECRET.into(),
            entropy: 4.8,
            validated: true,
            confidence: crate::evidence::Confidence::High,
            secret_hash: None,
            evidence: Vec::new(),
            decoded: Vec::new(),
            verification: None,
            paired: None,
            context: Default::default(),
        }),
    }
}

pub fn iac_finding() -> Finding {
    Finding {
        rule_id: "iac-s3-public-acl".into(),
        description: "S3 bucket ACL grants public access".into(),
        severity: Severity::High,
        tags: vec!["iac".into()],
        path: "infra/main.tf".into(),
        path_bytes: None,
        start_line: 4,
        end_line: 4,
        start_column: 0,
        end_column: 0,
        line: String::new(),
        fingerprint: Fingerprint::new("iac-s3-public-acl", "infra/main.tf", b"aws_s3_bucket.site"),
        commit: None,
        detail: Detail::Iac(Misconfiguration {
            resource: "aws_s3_bucket.site".into(),
            message: "acl = \"public-read\"".into(),
        }),
    }
}
