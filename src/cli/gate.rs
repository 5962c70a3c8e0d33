//! The git hook a scan gates, and the "how to proceed" text a blocked commit or push prints.

/// The git hook a scan gates; chooses the advice printed when findings block it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Commit,
    Push,
}

impl Gate {
    /// Printed on stderr after the report when findings block the commit or push.
    pub fn how_to_proceed(self, findings: usize) -> String {
        let (n, it) =
            if findings == 1 { ("1 secret".to_string(), "it") } else { (format!("{findings} secrets"), "them") };
        match self {
            Gate::Commit => format!(
                "\nleakgate: commit blocked: the staged change adds {n} (listed above). To proceed, do one of:\n\
                 \x20 - remove {it} from the file and stage the file again; if {it} was ever pushed or shared, also \
                 revoke and replace (rotate) {it}\n\
                 \x20 - if it is not a secret (a false positive): put `leakgate:allow` in a comment on its line, or add its \
                 `fingerprint:` (shown above) as a line in .leakgateignore at the repository root\n\
                 \x20 - skip this check for this one commit: git commit --no-verify\n"
            ),
            Gate::Push => format!(
                "\nleakgate: push blocked: the commits being pushed add {n} (listed above). To proceed, do one of:\n\
                 \x20 - remove {it} from those commits (`git commit --amend` for the last commit, `git rebase -i` for an \
                 older one) and push again; if {it} was ever pushed or shared elsewhere, also revoke and replace (rotate) {it}\n\
                 \x20 - if it is not a secret (a false positive): add its `fingerprint:` (shown above) as a line in \
                 .leakgateignore at the repository root (`leakgate:allow` only counts in the commit that adds the line)\n\
                 \x20 - skip this check for this one push: git push --no-verify\n"
            ),
        }
    }
}
