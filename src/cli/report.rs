//! `leakgate report merge`: read the reports, merge them (`report::merge`), write the result.
use std::io::Write;

use anyhow::Context;

use super::exit::{outcome, Outcome};
use super::{MergeArgs, MergeFormat, ReportArgs, ReportCommand};
use crate::report::merge::{merge, Input};
use crate::report::merge_write;
use crate::rules::{builtin_rules, RuleSet};

pub fn run(args: ReportArgs) -> anyhow::Result<Outcome> {
    match args.command {
        ReportCommand::Merge(args) => run_merge(args),
    }
}

fn run_merge(args: MergeArgs) -> anyhow::Result<Outcome> {
    let mut inputs = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        inputs.push(Input { name: path.display().to_string(), bytes });
    }
    let merged = merge(inputs)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        MergeFormat::Json => merge_write::write_json(&merged, &mut out)?,
        MergeFormat::Csv => merge_write::write_csv(&merged, &mut out)?,
        MergeFormat::Sarif => {
            let rules = RuleSet::new(builtin_rules()?)?;
            merge_write::write_sarif(&merged, &rules, &mut out)?;
        }
    }
    out.flush().context("cannot write the merged report")?;
    for (_, report) in &merged.incomplete {
        eprintln!("leakgate: error: {report}: its scan did not read all its input; see its summary");
    }
    let result = outcome(merged.findings.len(), !merged.incomplete.is_empty());
    // The process ends right after this: freeing a hundred thousand parsed findings one by one is time for nothing.
    std::mem::forget(merged);
    Ok(result)
}
