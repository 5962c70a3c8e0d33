//! How many findings a report lists per file. A file with thousands of secrets (a key dump, a fixture, a
//! minified bundle) would bury every other finding and make each report format megabytes long; past the cap a
//! file's findings are counted, and every format says how many were left out. The run still fails on them.
use std::collections::BTreeMap;

use crate::finding::Finding;

/// Findings listed per file unless asked otherwise: a file past it is a dump, and its first findings say so.
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 2000;

/// What [`cap_per_file`] left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unlisted {
    /// The cap that applied.
    pub max_per_file: usize,
    /// Each file over the cap with how many of its findings were left out, by path.
    pub by_path: Vec<(String, u64)>,
}

impl Unlisted {
    pub fn total(&self) -> u64 {
        self.by_path.iter().map(|(_, n)| n).sum()
    }

    /// `98000 more findings in keys.txt`, one line per file, at most `max` lines and then how many files more.
    pub fn lines(&self, max: usize) -> Vec<String> {
        let mut out: Vec<String> =
            self.by_path.iter().take(max).map(|(path, n)| format!("{n} more findings in {path}")).collect();
        if self.by_path.len() > max {
            out.push(format!(
                "… and {} more files with more than {} findings",
                self.by_path.len() - max,
                self.max_per_file
            ));
        }
        out
    }
}

/// Keeps the first `max` findings of each path, in the order given; `max` 0 keeps all.
pub fn cap_per_file(findings: Vec<Finding>, max: usize) -> (Vec<Finding>, Unlisted) {
    let mut unlisted = Unlisted { max_per_file: max, by_path: Vec::new() };
    if max == 0 {
        return (findings, unlisted);
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut over: BTreeMap<String, u64> = BTreeMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    for f in findings {
        let n = match seen.get_mut(f.path.as_str()) {
            Some(n) => n,
            None => seen.entry(f.path.clone()).or_default(),
        };
        *n += 1;
        if *n > max {
            *over.entry(f.path).or_default() += 1;
        } else {
            kept.push(f);
        }
    }
    unlisted.by_path = over.into_iter().collect();
    (kept, unlisted)
}

#[cfg(test)]
mod tests {
    use super::cap_per_file;
    use crate::report::test_support::secret_finding;

    #[test]
    fn each_file_keeps_its_first_findings_and_counts_the_rest() {
        let mut findings = Vec::new();
        for i in 0..7 {
            let mut f = secret_finding(if i % 2 == 0 { "a.env" } else { "b.env" });
            f.start_line = i;
            findings.push(f);
        }
        let (kept, unlisted) = cap_per_file(findings.clone(), 2);
        let lines: Vec<(&str, usize)> = kept.iter().map(|f| (f.path.as_str(), f.start_line)).collect();
        assert_eq!(lines, vec![("a.env", 0), ("b.env", 1), ("a.env", 2), ("b.env", 3)]);
        assert_eq!(unlisted.by_path, vec![("a.env".to_string(), 2), ("b.env".to_string(), 1)]);
        assert_eq!(unlisted.total(), 3);
        assert_eq!(unlisted.lines(1), vec!["2 more findings in a.env", "… and 1 more files with more than 2 findings"]);
        let (all, none) = cap_per_file(findings.clone(), 0);
        assert_eq!((all, none.total()), (findings, 0));
    }
}
