//! `leakgate report merge`: read the reports, merge them (`report::merge`), write the result.
use std::io::Write;

use anyhow::Context;
use rayon::prelude::*;

use super::exit::{outcome, Outcome};
use super::{MergeArgs, MergeFormat, ReportArgs, ReportCommand};
use crate::report::merge::{merge, write, Input, Need};
use crate::rules::{builtin_rules, RuleSet};

pub fn run(args: ReportArgs) -> anyhow::Result<Outcome> {
    match args.command {
        ReportCommand::Merge(args) => run_merge(args),
    }
}

fn run_merge(args: MergeArgs) -> anyhow::Result<Outcome> {
    // A fleet is a thousand files: read in parallel, each whole at once.
    let inputs: Vec<Input> = args
        .files
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok(Input { name: path.display().to_string(), bytes })
        })
        .collect::<anyhow::Result<_>>()?;
    let need = if args.format == MergeFormat::Json { Need::Text } else { Need::Typed };
    let merged = merge(&inputs, need)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
    };
    match args.format {
        MergeFormat::Json => write::write_json(&merged, &mut out)?,
        MergeFormat::Csv => write::write_csv(&merged, &mut out)?,
        MergeFormat::Sarif => {
            let rules = RuleSet::new(builtin_rules()?)?;
            write::write_sarif(&merged, &rules, &mut out)?;
        }
    }
    out.flush().context("cannot write the merged report")?;
    for (_, report) in &merged.incomplete {
        eprintln!("leakgate: error: {report}: its scan did not read all its input; see its summary");
    }
    let result = outcome(merged.findings.len(), !merged.incomplete.is_empty());
    // The process ends right after this: freeing a hundred thousand findings and the reports' bytes one by one
    // is time for nothing.
    std::mem::forget(merged);
    std::mem::forget(inputs);
    Ok(result)
}
