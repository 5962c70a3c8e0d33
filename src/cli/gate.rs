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
    /// The pre-commit framework's hook (`leakgate hook files`): the files being committed, whole.
    Files,
    /// The pre-merge-commit hook (`git merge` creating a merge commit).
    Merge,
    /// The pre-push hook.
    Push,
}

/// The findings that block a gate, by kind: the advice differs (only a secret needs rotating).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blocking {
    pub secrets: usize,
    /// Infrastructure-as-code findings and any other finding that is not a secret.
    pub infrastructure: usize,
}

impl Blocking {
    /// Counts `findings` by kind.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a crate::finding::Finding>) -> Blocking {
        let mut b = Blocking::default();
        for f in findings {
            match f.kind() {
                crate::finding::FindingKind::Secret => b.secrets += 1,
                _ => b.infrastructure += 1,
            }
        }
        b
    }

    pub fn total(self) -> usize {
        self.secrets + self.infrastructure
    }

    /// `1 secret and 2 infrastructure findings`, `3 secrets`, `1 infrastructure finding`.
    fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.secrets > 0 {
            parts.push(plural(self.secrets, "secret", "secrets"));
        }
        if self.infrastructure > 0 {
            parts.push(plural(self.infrastructure, "infrastructure finding", "infrastructure findings"));
        }
        parts.join(" and ")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Gate {
    /// The severity from which findings fail a scan when neither `--fail-on` nor the config's `fail_on` says:
    /// `medium` for the hooks and `scan --staged` (what the hook would do), so a low-severity finding (an unpinned
    /// base image, a sandbox or test key) is shown as a warning without stopping the commit; `info` (every
    /// finding fails) for every other scan, as CI checks and audits expect.
    pub fn default_fail_on(gate: Option<Gate>) -> crate::rules::Severity {
        match gate {
            Some(_) => crate::rules::Severity::Medium,
            None => crate::rules::Severity::Info,
        }
    }

    /// Printed on stderr after the report when findings block the commit, merge or push.
    pub fn how_to_proceed(self, blocking: Blocking) -> String {
        let what = blocking.describe();
        let it = if blocking.total() == 1 { "it" } else { "them" };
        // Rotation is advice about credentials: a misconfigured Dockerfile was never "pushed or shared".
        let rotate = if blocking.secrets == 0 {
            String::new()
        } else {
            let secret_it = if blocking.secrets == 1 { "the secret" } else { "the secrets" };
            let elsewhere = if self == Gate::Push { " elsewhere" } else { "" };
            format!(
                "; if {secret_it} was ever pushed or shared{elsewhere}, also revoke and replace (rotate) {}",
                pronoun(blocking.secrets)
            )
        };
        let fix_infra = if blocking.infrastructure == 0 {
            ""
        } else {
            " (for an infrastructure finding, change the setting as its `fix:` line says)"
        };
        let false_positive =
            "\x20 - if it is not a real problem (a false positive): put `leakgate:allow` in a comment on its \
             line, or add its `fingerprint:` (shown above) as a line in .leakgateignore at the repository root\n";
        let remove = format!("\x20 - remove {it} from the file{fix_infra} and stage the file again{rotate}\n");
        match self {
            Gate::Staged => format!(
                "\nleakgate: the staged change adds {what} (listed above). Before committing, do one of:\n{remove}{false_positive}"
            ),
            Gate::Commit | Gate::Files => format!(
                "\nleakgate: commit blocked: {} {what} (listed above). To proceed, do one of:\n\
                 {remove}{false_positive}\
                 \x20 - skip this check for this one commit: git commit --no-verify\n",
                if self == Gate::Files { "the files being committed hold" } else { "the staged change adds" }
            ),
            Gate::Merge => format!(
                "\nleakgate: merge blocked: the merge brings in {what} (listed above). To proceed, do one of:\n\
                 \x20 - remove {it} on the branch being merged{fix_infra} and merge again (or `git merge --no-commit`, \
                 remove {it}, stage the file and `git commit`){rotate}\n\
                 {false_positive}\
                 \x20 - skip this check for this one merge: git merge --no-verify\n"
            ),
            Gate::Push => format!(
                "\nleakgate: push blocked: the commits being pushed add {what} (listed above). To proceed, do one of:\n\
                 \x20 - remove {it} from those commits{fix_infra} (`git commit --amend` for the last commit, `git rebase -i` \
                 for an older one) and push again{rotate}\n\
                 \x20 - if it is not a real problem (a false positive): add its `fingerprint:` (shown above) as a line in \
                 .leakgateignore at the repository root (`leakgate:allow` only counts in the commit that adds the line)\n\
                 \x20 - skip this check for this one push: git push --no-verify\n"
            ),
        }
    }
}

fn pronoun(n: usize) -> &'static str {
    if n == 1 {
        "it"
    } else {
        "them"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_SECRET: Blocking = Blocking { secrets: 1, infrastructure: 0 };

    #[test]
    fn advice_names_the_escape_hatch_only_for_hooks() {
        assert!(Gate::Commit.how_to_proceed(ONE_SECRET).contains("git commit --no-verify"));
        assert!(Gate::Merge.how_to_proceed(ONE_SECRET).contains("git merge --no-verify"));
        assert!(Gate::Push.how_to_proceed(Blocking { secrets: 2, infrastructure: 0 }).contains("git push --no-verify"));
        let by_hand = Gate::Staged.how_to_proceed(ONE_SECRET);
        assert!(!by_hand.contains("blocked") && !by_hand.contains("--no-verify"), "{by_hand}");
    }

    #[test]
    fn findings_are_named_by_kind_and_number() {
        let words = |secrets, infrastructure| {
            Gate::Commit.how_to_proceed(Blocking { secrets, infrastructure }).lines().nth(1).unwrap().to_string()
        };
        assert!(words(1, 2).contains("adds 1 secret and 2 infrastructure findings (listed"), "{}", words(1, 2));
        assert!(words(2, 0).contains("adds 2 secrets (listed"));
        assert!(words(0, 1).contains("adds 1 infrastructure finding (listed"));
        for gate in [Gate::Staged, Gate::Commit, Gate::Merge, Gate::Push] {
            let infra = gate.how_to_proceed(Blocking { secrets: 0, infrastructure: 2 });
            assert!(!infra.contains("rotate") && !infra.contains("secret"), "{infra}");
            assert!(infra.contains("`fix:`"), "{infra}");
            assert!(gate.how_to_proceed(Blocking { secrets: 2, infrastructure: 1 }).contains("rotate) them"));
        }
    }
}
