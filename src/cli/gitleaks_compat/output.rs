//! Running a planned gitleaks command and writing what gitleaks would: the report to `-r` in `-f`'s format
//! (json and csv in gitleaks' shapes), the findings on stdout with `-v`, a one-line summary on stderr (where
//! gitleaks logs `leaks found: N`), and `--exit-code` when there are leaks.
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::plan::{OutputPlan, Plan};
use super::GitleaksFormat;
use crate::cli::exit::Outcome;
use crate::cli::scan::{finish, FailOn};
use crate::report::gitleaks::{self, Redaction};
use crate::report::sanitize::for_terminal;
use crate::report::{self, Format, Report, ReportOptions};
use crate::rules::Severity;

pub(super) fn run(plan: Plan, started: Instant) -> anyhow::Result<Outcome> {
    let Plan { request, gate, output } = plan;
    let result = request.run()?;
    // gitleaks fails on every leak; a config's `fail_on` still applies.
    let fail_on = FailOn { given: None, default: Severity::Info };
    let outcome = finish(result, started, false, fail_on, gate, |report| write(&output, report))?;
    Ok(match outcome {
        Outcome::Findings => Outcome::Leaks { exit_code: output.exit_code },
        other => other,
    })
}

fn write(out: &OutputPlan, report: &Report<'_>) -> anyhow::Result<()> {
    let show_secrets = out.shape.redaction == Redaction::None;
    if out.verbose {
        let stdout = std::io::stdout();
        let color = out.color && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let opts = ReportOptions { show_secrets, color, quiet: false };
        let mut w = std::io::BufWriter::new(stdout.lock());
        report::write(Format::Text, report, &opts, &mut w)?;
        w.flush()?;
    }
    let mut written_to = None;
    match out.report_path.as_deref() {
        None => {}
        Some(path) if path == Path::new("-") => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write_format(out, show_secrets, report, &mut w)?;
            w.flush()?;
        }
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            write_format(out, show_secrets, report, &mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
            written_to = Some(path);
        }
    }
    // The verbose text report ends with the summary already.
    if !out.verbose {
        let summary = report::text::summary_line(report);
        match written_to {
            Some(path) => {
                let (first, rest) = summary.split_once('\n').map_or((summary.as_str(), None), |(a, b)| (a, Some(b)));
                eprintln!("{first}; report written to {}", for_terminal(&path.display().to_string()));
                if let Some(rest) = rest {
                    eprintln!("{rest}");
                }
            }
            None => eprintln!("{summary}"),
        }
    }
    Ok(())
}

fn write_format(out: &OutputPlan, show_secrets: bool, report: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let opts = ReportOptions { show_secrets, color: false, quiet: false };
    match out.format {
        GitleaksFormat::Json => gitleaks::write_json(report, out.shape, w),
        GitleaksFormat::Csv => gitleaks::write_csv(report, out.shape, w),
        GitleaksFormat::Sarif => report::write(Format::Sarif, report, &opts, w),
        GitleaksFormat::Junit => report::write(Format::Junit, report, &opts, w),
    }
}
