//! The report-writer target's input (findings and scan stats built from fuzzed text, with real rule ids mixed
//! in so rule documentation is looked up, and a crowd of findings on the same lines of one file) and the checks
//! on each format's output: it parses as that format, carries every listed finding, counts the ones past the
//! per-file cap, and never holds a secret it was told to redact.
use std::time::Duration;

use arbitrary::Arbitrary;
use leakgate::finding::{CommitInfo, Detail, Finding, FindingKind, Fingerprint, Misconfiguration, SecretMatch};
use leakgate::report::cap::{cap_per_file, Unlisted};
use leakgate::report::{self, Format, Report, ReportOptions};
use leakgate::rules::{RuleSet, Severity};
use leakgate::stats::{ScanStats, SkipReason};
use leakgate::suppress::Suppressed;

#[derive(Debug, Arbitrary)]
pub struct Input {
    pub findings: Vec<FuzzFinding>,
    pub errors: Vec<String>,
    pub extra_errors: u8,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub skipped_binary: u8,
    pub files_scanned: u32,
    pub bytes_scanned: u64,
    pub suppressed: (u16, u16, u16),
    pub elapsed_ms: u32,
    pub show_secrets: bool,
    pub color: bool,
    pub quiet: bool,
    /// Many findings on the same lines of one file: masking them once cost time quadratic in their number.
    pub crowd: Option<Crowd>,
    /// The per-file cap applied before writing (0: none).
    pub max_per_file: u8,
}

#[derive(Debug, Arbitrary)]
pub struct Crowd {
    pub path: String,
    pub rule: u16,
    /// Up to `MAX_CROWD` findings.
    pub count: u16,
    pub per_line: u8,
    /// Each secret is the stem and its number; the line is every secret of it, joined by `glue`.
    pub stem: String,
    pub glue: String,
    pub commit: Option<FuzzCommit>,
}

/// Enough findings for quadratic work to show against `-report_slow_units=1` (1,500 on one line took seconds
/// before masking was linear), few enough that an instrumented run of all six writers stays well under it.
const MAX_CROWD: usize = 1500;
/// The longest line a finding quotes, as the engine cuts it.
const MAX_LINE: usize = 512;

impl Crowd {
    pub fn into_findings(self, rules: &RuleSet) -> Vec<Finding> {
        let rule = &rules.rules()[self.rule as usize % rules.rules().len()];
        let count = (self.count as usize) % (MAX_CROWD + 1);
        let per_line = (self.per_line as usize).max(1);
        let secrets: Vec<String> = (0..count).map(|i| format!("{}{i:x}", self.stem)).collect();
        let mut out = Vec::with_capacity(count);
        for (l, group) in secrets.chunks(per_line).enumerate() {
            let line = group.join(&self.glue);
            let mut at = 0usize;
            for secret in group {
                // The line cut around the secret, on character boundaries, as the engine quotes a long line.
                let mut from = at.saturating_sub(MAX_LINE / 4);
                while !line.is_char_boundary(from) {
                    from -= 1;
                }
                let mut to = (from + MAX_LINE).min(line.len()).max(at);
                while !line.is_char_boundary(to) {
                    to += 1;
                }
                out.push(Finding {
                    rule_id: rule.id.clone(),
                    description: rule.description.clone(),
                    severity: rule.severity,
                    tags: rule.tags.clone(),
                    path: self.path.clone(),
                    path_bytes: None,
                    start_line: 1 + l,
                    end_line: 1 + l,
                    start_column: 1 + line[..at].chars().count(),
                    end_column: 1 + line[..at].chars().count() + secret.chars().count(),
                    line: line[from..to].to_string(),
                    fingerprint: Fingerprint::new(&rule.id, &self.path, secret.as_bytes()),
                    commit: self.commit.as_ref().map(|c| c.to_commit()),
                    detail: Detail::Secret(SecretMatch {
                        secret: secret.clone(),
                        entropy: 4.0,
                        validated: false,
                        confidence: Default::default(),
                        evidence: Vec::new(),
                        decoded: Vec::new(),
                        secret_hash: None,
                        verification: None,
                        paired: None,
                        context: Default::default(),
                    }),
                });
                at += secret.len() + self.glue.len();
            }
        }
        out
    }
}

#[derive(Debug, Arbitrary)]
pub enum RuleId {
    /// Index into the built-in rules (a finding the rule set documents).
    Builtin(u16),
    /// Index into the IaC check registry.
    Check(u8),
    /// A rule nothing documents (one removed from the config since the finding was made).
    Other(String),
}

#[derive(Debug, Arbitrary)]
pub struct FuzzFinding {
    pub iac: bool,
    pub rule: RuleId,
    pub description: String,
    pub severity: u8,
    pub tags: Vec<String>,
    pub path: String,
    pub start_line: u16,
    pub line_span: u8,
    pub start_column: u16,
    pub width: u16,
    /// The line is `before + secret + after`, as the engine makes it.
    pub before: String,
    pub secret: String,
    pub after: String,
    pub entropy: f64,
    pub validated: bool,
    pub resource: Option<String>,
    pub message: Option<String>,
    pub commit: Option<FuzzCommit>,
}

#[derive(Debug, Arbitrary)]
pub struct FuzzCommit {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub date: String,
    pub subject: String,
    pub further_occurrences: u16,
}

const SEVERITIES: [Severity; 5] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

impl FuzzFinding {
    pub fn into_finding(self, rules: &RuleSet) -> Finding {
        let rule_id = match self.rule {
            RuleId::Builtin(i) => rules.rules()[i as usize % rules.rules().len()].id.clone(),
            RuleId::Check(i) => leakgate::iac::checks()[i as usize % leakgate::iac::checks().len()].id.to_string(),
            RuleId::Other(s) => s,
        };
        let fingerprint = Fingerprint::new(&rule_id, &self.path, self.secret.as_bytes());
        // Positions as the engine and the IaC lint make them (1-based lines; columns only for secrets, the
        // end after the start on one line); the text is what this target is about.
        let start_line = 1 + self.start_line as usize;
        let end_line = start_line + self.line_span as usize;
        let (start_column, end_column) = match (self.iac, end_line == start_line) {
            (true, _) => (0, 0),
            (false, true) => (1 + self.start_column as usize, 1 + self.start_column as usize + self.width as usize),
            (false, false) => (1 + self.start_column as usize, 1 + self.width as usize),
        };
        Finding {
            rule_id,
            description: self.description,
            severity: SEVERITIES[self.severity as usize % SEVERITIES.len()],
            tags: self.tags,
            path: self.path,
            path_bytes: None,
            start_line,
            end_line,
            start_column,
            end_column,
            line: format!("{}{}{}", self.before, self.secret, self.after),
            fingerprint,
            detail: if self.iac {
                Detail::Iac(Misconfiguration {
                    resource: self.resource.unwrap_or_default(),
                    message: self.message.unwrap_or_default(),
                })
            } else {
                Detail::Secret(SecretMatch {
                    secret: self.secret,
                    entropy: self.entropy,
                    validated: self.validated,
                    confidence: Default::default(),
                    secret_hash: None,
                    evidence: Vec::new(),
                    decoded: Vec::new(),
                    verification: None,
                    paired: None,
                    context: Default::default(),
                })
            },
            commit: self.commit.map(|c| c.to_commit()),
        }
    }
}

impl FuzzCommit {
    fn to_commit(&self) -> CommitInfo {
        CommitInfo {
            id: self.id.clone(),
            author_name: self.author_name.clone(),
            author_email: self.author_email.clone(),
            date: self.date.clone(),
            subject: self.subject.clone(),
            further_occurrences: self.further_occurrences as usize,
            order: 0,
        }
    }
}

impl Input {
    pub fn stats(&self) -> ScanStats {
        let mut s = ScanStats {
            files_scanned: self.files_scanned.into(),
            bytes_scanned: self.bytes_scanned,
            ..Default::default()
        };
        for _ in 0..self.skipped_binary.min(3) {
            s.skip(SkipReason::Binary);
        }
        for e in &self.errors {
            s.error(e.clone());
        }
        // More unread inputs than kept messages: the reports say "… and N more".
        s.error_count += u64::from(self.extra_errors);
        s.notes = self.notes.clone();
        s.warnings = self.warnings.clone();
        s
    }
}

/// Applies the input's per-file cap to `findings`, checks what it kept and counted, and writes and checks every
/// format for the rest.
pub fn cap_write_and_check(input: &Input, findings: Vec<Finding>, rules: &RuleSet) {
    let total = findings.len();
    let (kept, unlisted) = cap_per_file(findings, input.max_per_file.into());
    assert_eq!(kept.len() as u64 + unlisted.total(), total as u64, "findings lost by the cap");
    if input.max_per_file > 0 {
        let mut per_path = std::collections::HashMap::new();
        for f in &kept {
            *per_path.entry(f.path.as_str()).or_insert(0usize) += 1;
        }
        assert!(per_path.values().all(|&n| n <= input.max_per_file.into()), "a file has more than the cap");
        for (path, _) in &unlisted.by_path {
            assert_eq!(per_path.get(path.as_str()), Some(&(input.max_per_file as usize)), "{path} capped early");
        }
    }
    write_and_check(input, &kept, rules, unlisted);
}

/// Writes every format for `findings` and checks each output.
pub fn write_and_check(input: &Input, findings: &[Finding], rules: &RuleSet, unlisted: Unlisted) {
    let stats = input.stats();
    let total_unlisted = unlisted.total();
    let report = Report {
        findings,
        stats: &stats,
        suppressed: Suppressed {
            inline: input.suppressed.0.into(),
            ignore_file: input.suppressed.1.into(),
            baseline: input.suppressed.2.into(),
        },
        elapsed: Duration::from_millis(input.elapsed_ms.into()),
        rules,
        // What `--strict` would hold against these fuzzed stats (their skips and IaC warnings).
        strict_gaps: stats.strict_gaps(input.quiet),
        unlisted,
        below_confidence: input.elapsed_ms.into(),
        failed_validation: input.suppressed.0.into(),
        threshold: Default::default(),
        scope: Default::default(),
        // Some fuzzed findings are then warnings (under the threshold), some not.
        fail_on: leakgate::rules::Severity::Medium,
    };
    let opts = ReportOptions { show_secrets: input.show_secrets, color: input.color, quiet: input.quiet };
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Csv, Format::Gitlab] {
        let mut out = Vec::new();
        report::write(format, &report, &opts, &mut out).expect("writing to memory cannot fail");
        let out = String::from_utf8(out).unwrap_or_else(|e| panic!("{format:?} wrote invalid UTF-8: {e}"));
        match format {
            Format::Text => check_text(&out, findings, &opts),
            Format::Json => check_json(&out, findings, &opts, total_unlisted),
            Format::Sarif => check_sarif(&out, findings),
            Format::Junit => check_junit(&out, findings, &stats, report.strict_gaps.is_some()),
            Format::Csv => check_csv(&out, findings),
            Format::Gitlab => check_gitlab(&out, findings),
        }
        if !opts.show_secrets {
            check_redacted(format, &out, findings, &stats);
        }
    }
}

fn check_text(out: &str, findings: &[Finding], opts: &ReportOptions) {
    // Everything from scanned content is escaped; rule descriptions, rule ids and commit ids/dates are not
    // (they come from the config and from git), so only check when those hold no control characters.
    let trusted_plain = findings.iter().all(|f| {
        let c = f.commit.as_ref();
        ![f.description.as_str(), &f.rule_id, c.map_or("", |c| &c.id), c.map_or("", |c| &c.date)]
            .iter()
            .any(|s| s.chars().any(char::is_control))
    });
    if !opts.color && trusted_plain {
        let bad = out.chars().find(|&c| c.is_control() && c != '\n' && c != '\t');
        assert!(bad.is_none(), "text report holds control character {bad:?}:\n{out}");
    }
}

fn parse_json(format: &str, out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{format} output is not JSON: {e}\n{out}"))
}

fn check_json(out: &str, findings: &[Finding], opts: &ReportOptions, unlisted: u64) {
    let v = parse_json("json", out);
    let got = v["findings"].as_array().expect("findings array");
    assert_eq!(got.len(), findings.len());
    // What the writers quote: lines, subjects and authors masked for every secret on them.
    let displayed = if opts.show_secrets { findings.to_vec() } else { leakgate::redact::for_display(findings) };
    for ((g, f), d) in got.iter().zip(findings).zip(&displayed) {
        let shown = report::presented(d, opts.show_secrets);
        assert_eq!(g["path"].as_str(), Some(f.path.as_str()), "path did not round-trip");
        assert_eq!(g["rule_id"].as_str(), Some(f.rule_id.as_str()));
        assert_eq!(g["secret"].as_str(), Some(shown.secret()));
        assert_eq!(g["line"].as_str(), Some(shown.line.as_str()));
        if let Some(c) = &shown.commit {
            assert_eq!(g["commit"]["subject"].as_str(), Some(c.subject.as_str()));
        }
    }
    assert_eq!(v["summary"]["findings"].as_u64(), Some(findings.len() as u64));
    assert_eq!(v["summary"]["unlisted"].as_u64().unwrap_or(0), unlisted);
}

fn check_sarif(out: &str, findings: &[Finding]) {
    let v = parse_json("sarif", out);
    let run = &v["runs"][0];
    let results = run["results"].as_array().expect("results array");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules array");
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"].as_str(), Some(f.rule_id.as_str()));
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"].as_str(), Some(f.rule_id.as_str()), "ruleIndex points at another rule");
        let region = &r["locations"][0]["physicalLocation"]["region"];
        let start = region["startLine"].as_u64().expect("startLine");
        assert!(start >= 1 && region["endLine"].as_u64().expect("endLine") >= start);
        if let (Some(sc), Some(ec)) = (region["startColumn"].as_u64(), region["endColumn"].as_u64()) {
            assert!(sc >= 1 && (region["endLine"].as_u64() > Some(start) || ec > sc), "empty or reversed region");
        }
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri");
        check_uri(uri, &f.path);
    }
}

/// A URI reference holds only unreserved characters, `/`, `:` and percent escapes, and decodes back to the path
/// (with `\` read as `/` and leading `./` dropped).
fn check_uri(uri: &str, path: &str) {
    let bad = uri.chars().find(|&c| !(c.is_ascii_alphanumeric() || "-._~/:%".contains(c)));
    assert!(bad.is_none(), "uri {uri:?} holds {bad:?}");
    let bytes = uri.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            decoded.push(u8::from_str_radix(hex, 16).expect("percent escape"));
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).expect("uri decodes to UTF-8");
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    assert!(decoded.ends_with(&p), "uri {uri:?} decodes to {decoded:?}, not the path {p:?}");
}

fn check_gitlab(out: &str, findings: &[Finding]) {
    let v = parse_json("gitlab", out);
    let vulns = v["vulnerabilities"].as_array().expect("vulnerabilities array");
    let secrets: Vec<&Finding> = findings.iter().filter(|f| f.kind() == FindingKind::Secret).collect();
    assert_eq!(vulns.len(), secrets.len());
    let mut ids = std::collections::HashSet::new();
    for (g, f) in vulns.iter().zip(secrets) {
        assert_eq!(g["location"]["file"].as_str(), Some(f.path.as_str()));
        let id = g["id"].as_str().expect("id");
        assert!(ids.insert(id.to_string()), "two vulnerabilities share id {id}");
        assert!(g["name"].as_str().expect("name").chars().count() <= 255);
    }
}

/// XML 1.0 characters (what the JUnit writer keeps).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn check_junit(out: &str, findings: &[Finding], stats: &ScanStats, strict_failed: bool) {
    let doc = roxmltree::Document::parse(out).unwrap_or_else(|e| panic!("junit output is not XML: {e}\n{out}"));
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    // One error case for unread input and one for a `--strict` failure, as the writer adds them.
    let errors = usize::from(stats.has_unread_input()) + usize::from(strict_failed);
    assert_eq!(cases.len(), (findings.len() + errors).max(1));
    for (case, f) in cases.iter().zip(findings) {
        let kept: String = f.path.chars().filter(|&c| xml_char(c)).collect();
        assert_eq!(case.attribute("classname"), Some(kept.as_str()), "path did not round-trip through XML");
        let failure = case.children().find(|n| n.has_tag_name("failure")).expect("failure element");
        assert_eq!(
            failure.attribute("type").map(str::to_string),
            Some(f.rule_id.chars().filter(|&c| xml_char(c)).collect())
        );
    }
}

fn check_csv(out: &str, findings: &[Finding]) {
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("csv output does not parse: {e}\n{out:?}"));
    assert_eq!(rows.len(), findings.len() + 1, "one header row and one row per finding");
    let width = report::csv::HEADER.len();
    assert!(rows.iter().all(|r| r.len() == width), "rows of different widths");
    for (row, f) in rows[1..].iter().zip(findings) {
        assert_eq!(&row[3], report::csv::cell(&f.path), "path did not round-trip through CSV");
        for cell in row.iter().skip(1) {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula cell {cell:?}");
        }
    }
}

/// With secrets hidden, no output holds a secret. Checked for secrets this can be decided for without false
/// alarms: letters and digits only, ending in one Cyrillic letter found nowhere else in the input (escapes
/// that formats write — `\u001b`, `&#10;`, `%2F` — are ASCII, so they cannot make up such a secret, and no
/// built-in text holds Cyrillic).
fn check_redacted(format: Format, out: &str, findings: &[Finding], stats: &ScanStats) {
    for (i, f) in findings.iter().enumerate() {
        let Some(last) = f.secret().chars().last() else { continue };
        if !('\u{400}'..='\u{4ff}').contains(&last)
            || f.secret().len() < 4
            || !f.secret().chars().all(char::is_alphanumeric)
            || f.secret().matches(last).count() != 1
        {
            continue;
        }
        let elsewhere = findings.iter().enumerate().any(|(j, g)| {
            let mut texts: Vec<String> =
                vec![g.rule_id.clone(), g.description.clone(), g.path.clone(), g.fingerprint.0.clone()];
            texts.extend(g.tags.iter().cloned());
            texts.extend(g.resource().map(str::to_string));
            texts.extend(g.message().map(str::to_string));
            if let Some(c) = &g.commit {
                texts.extend([c.id.clone(), c.author_name.clone(), c.author_email.clone(), c.date.clone()]);
            }
            if i == j {
                // The writers redact the secret in its own line and in the commit subject.
                texts.push(g.line.replace(f.secret(), ""));
                texts.extend(g.commit.iter().map(|c| c.subject.replace(f.secret(), "")));
            } else {
                texts.extend([g.secret().to_string(), g.line.clone()]);
                texts.extend(g.commit.iter().map(|c| c.subject.clone()));
            }
            texts.iter().any(|t| t.contains(last))
        });
        let in_stats = stats.errors.iter().chain(&stats.notes).chain(&stats.warnings).any(|t| t.contains(last));
        if !elsewhere && !in_stats {
            assert!(!out.contains(f.secret()), "{format:?} report shows the secret {:?}:\n{out}", f.secret());
        }
    }
}
