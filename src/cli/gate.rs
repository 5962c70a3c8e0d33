//! The git hook a scan gates, and the "how to proceed" text printed when findings block it. Only a run as a hook
//! (`leakgate hook ...`, which the installed scripts call) says the commit is blocked: `scan --staged` run by
//! hand blocks nothing, so it says what the staged change holds and what to do before committing.

/// What a scan with findings stops; chooses the advice printed on stderr after the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// `scan --staged` run by hand: nothing is blocked yet.
    Staged,
    /// The pre-commit hook.
    Commit,
    /// The pre-merge-commit hook (`git merge` creating a merge commit).
    Merge,
    /// The pre-push hook.
    Push,
}

impl Gate {
    /// Printed on stderr after the report when findings block the commit, merge or push.
    pub fn how_to_proceed(self, findings: usize) -> String {
        let (n, it) =
            if findings == 1 { ("1 secret".to_string(), "it") } else { (format!("{findings} secrets"), "them") };
        let false_positive =
            "\x20 - if it is not a secret (a false positive): put `leakgate:allow` in a comment on its \
             line, or add its `fingerprint:` (shown above) as a line in .leakgateignore at the repository root\n";
        let remove = format!(
            "\x20 - remove {it} from the file and stage the file again; if {it} was ever pushed or shared, also \
             revoke and replace (rotate) {it}\n"
        );
        match self {
            Gate::Staged => format!(
                "\nleakgate: the staged change adds {n} (listed above). Before committing, do one of:\n{remove}{false_positive}"
            ),
            Gate::Commit => format!(
                "\nleakgate: commit blocked: the staged change adds {n} (listed above). To proceed, do one of:\n\
                 {remove}{false_positive}\
                 \x20 - skip this check for this one commit: git commit --no-verify\n"
            ),
            Gate::Merge => format!(
                "\nleakgate: merge blocked: the merge brings in {n} (listed above). To proceed, do one of:\n\
                 \x20 - remove {it} on the branch being merged and merge again (or `git merge --no-commit`, remove \
                 {it}, stage the file and `git commit`); if {it} was ever pushed or shared, also revoke and replace \
                 (rotate) {it}\n\
                 {false_positive}\
                 \x20 - skip this check for this one merge: git merge --no-verify\n"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_names_the_escape_hatch_only_for_hooks() {
        assert!(Gate::Commit.how_to_proceed(1).contains("git commit --no-verify"));
        assert!(Gate::Merge.how_to_proceed(1).contains("git merge --no-verify"));
        assert!(Gate::Push.how_to_proceed(2).contains("git push --no-verify"));
        assert!(Gate::Commit.how_to_proceed(2).contains("2 secrets"));
        let by_hand = Gate::Staged.how_to_proceed(1);
        assert!(!by_hand.contains("blocked") && !by_hand.contains("--no-verify"), "{by_hand}");
    }
}
