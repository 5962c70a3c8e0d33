use super::{compare, View};
use crate::policy::revision::{PolicyFiles, TreeFile};

fn files(config: Option<&str>, ignore: Option<&str>) -> PolicyFiles {
    let f = |path: &str, text: Option<&str>| Ok(text.map(|t| TreeFile { path: path.into(), text: t.into() }));
    PolicyFiles {
        commit: git2::Oid::zero(),
        config: f(".leakgate.toml", config),
        ignore: f(".leakgateignore", ignore),
        gitleaks_ignore: Ok(None),
        baseline: Ok(None),
    }
}

fn whats(before: PolicyFiles, after: PolicyFiles) -> Vec<(String, usize)> {
    let (b, a) = (View::of(&before, true), View::of(&after, true));
    compare(&b, &a, &after, false).into_iter().map(|w| (w.what, w.line)).collect()
}

const RULE: &str =
    "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n";

#[test]
fn turning_off_binary_strings_is_a_weakening() {
    let w = whats(files(Some("confidence = \"low\"\n"), None), files(Some("binary_strings = false\n"), None));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].0.contains("binary_strings") && w[0].1 == 1, "{w:?}");
    let w = whats(files(Some("binary_strings = false\n"), None), files(Some("binary_strings = false\n"), None));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn weakenings_are_found_at_their_line() {
    let after = "max_file_size = 1000\ndisable = [\"github-classic-pat\"]\n[allowlist]\npaths = ['''^src/''']\n";
    let w = whats(files(None, None), files(Some(after), Some("# reviewed\nr:a.env:0123\n")));
    assert_eq!(w.len(), 4, "{w:?}");
    assert!(w[0].0.contains("github-classic-pat") && w[0].1 == 2, "{w:?}");
    assert!(w[1].0.contains("max_file_size") && w[1].1 == 1, "{w:?}");
    assert!(w[2].0.contains("^src/") && w[2].1 == 4, "{w:?}");
    assert!(w[3].0.contains("r:a.env:0123") && w[3].1 == 2, "{w:?}");
}

#[test]
fn turning_archives_off_is_a_weakening_and_lowering_their_limits_is_not() {
    let off = "# build\n[archives]\nenabled = false\n";
    let w = whats(files(None, None), files(Some(off), None));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].0.contains("archives") && w[0].1 == 3, "{w:?}");
    let lowered = "[archives]\nmax_depth = 1\nmax_members = 10\n";
    assert_eq!(whats(files(None, None), files(Some(lowered), None)), vec![]);
}

#[test]
fn turning_decoding_off_or_shallower_is_a_weakening() {
    let w = whats(files(None, None), files(Some("# ok\ndecode = false\n"), None));
    assert!(w.len() == 1 && w[0].0.contains("from depth 2 (1048576 bytes per file) to off") && w[0].1 == 2, "{w:?}");
    let w = whats(files(Some("decode_depth = 3\n"), None), files(Some("decode_max_bytes = 100\n"), None));
    assert!(w.len() == 1 && w[0].0.contains("to depth 2 (100 bytes per file)"), "{w:?}");
    assert_eq!(whats(files(Some("decode_depth = 1\n"), None), files(None, None)), vec![]);
}

#[test]
fn raising_fail_on_is_a_weakening_and_lowering_it_is_not() {
    let w = whats(files(Some("fail_on = \"low\"\n"), None), files(Some("\nfail_on = \"high\"\n"), None));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].0.contains("raises fail_on from low to high") && w[0].1 == 2, "{w:?}");
    assert_eq!(whats(files(Some("fail_on = \"high\"\n"), None), files(Some("fail_on = \"low\"\n"), None)), vec![]);
}

#[test]
fn tightening_is_not_a_weakening() {
    let before = "disable = [\"github-classic-pat\"]\nmax_file_size = 1000\n[allowlist]\nstopwords = [\"x\"]\n";
    let after = format!("max_file_size = 2000\n{RULE}");
    assert_eq!(whats(files(Some(before), Some("a\nb\n")), files(Some(&after), Some("a\n"))), vec![]);
}

#[test]
fn custom_rules_removed_loosened_or_allowlisted() {
    let before = files(Some(RULE), None);
    assert!(whats(before.clone(), files(Some(""), None))[0].0.contains("removes custom rule `acme-token`"));
    let loose =
        RULE.replace("{24}", "{30}").replace("keywords = [\"acme_\"]", "keywords = [\"acme_x\"]\nentropy = 3.0");
    let w = whats(before.clone(), files(Some(&loose), None));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].0.contains("regex changed, keywords removed, entropy minimum raised"), "{w:?}");
    let allow = format!("{RULE}allowlist = {{ stopwords = [\"test\"] }}\n");
    let w = whats(before, files(Some(&allow), None));
    assert!(w.len() == 1 && w[0].0.contains("allowlist of rule `acme-token`") && w[0].1 == 6, "{w:?}");
}

#[test]
fn a_config_leakgate_cannot_use_is_reported() {
    let w = whats(files(None, None), files(Some("disable = [\n"), None));
    assert!(w.len() == 1 && w[0].0.contains("cannot use this config"), "{w:?}");
    let w = whats(files(None, None), files(Some("disable = [\"no-such-rule\"]\n"), None));
    assert!(w.len() == 1 && w[0].0.contains("no-such-rule"), "{w:?}");
}

#[test]
fn replacing_a_builtin_rule_is_a_weakening() {
    let custom = RULE.replace("acme-token", "github-classic-pat");
    let w = whats(files(None, None), files(Some(&custom), None));
    assert!(w.len() == 1 && w[0].0.contains("replaces built-in rule `github-classic-pat`"), "{w:?}");
}
