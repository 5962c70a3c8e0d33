//! Every example and negative example of every built-in rule, run through the full engine. Rule files are read
//! from `rules/` at run time (set LEAKGATE_RULES_FILE=rules/x.toml to check one file).
use std::path::Path;

use leakgate::engine::examples::check_rules;
use leakgate::rules::{parse_rule_file, Rule, RuleSet};

fn rules_on_disk() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    if let Ok(one) = std::env::var("LEAKGATE_RULES_FILE") {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(&one);
        return vec![(one, std::fs::read_to_string(p).expect("LEAKGATE_RULES_FILE readable"))];
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

fn load() -> Vec<Rule> {
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in rules_on_disk() {
        match parse_rule_file(&name, &text) {
            Ok(r) => all.extend(r),
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert!(errors.is_empty(), "rule files failed to load:\n{}", errors.join("\n"));
    all
}

#[test]
fn every_rule_example_is_found_and_every_negative_is_not() {
    let failures = check_rules(load(), true);
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} rule example failures (listed above)", failures.len());
}

#[test]
fn rule_ids_are_unique_and_every_example_is_found_by_the_full_rule_set() {
    let rules = load();
    let examples: Vec<_> =
        rules.iter().flat_map(|r| r.examples.iter().map(move |e| (r.id.clone(), e.clone()))).collect();
    let set = RuleSet::new(rules).expect("rule ids are unique");
    let scanner = leakgate::engine::Scanner::new(std::sync::Arc::new(set), Default::default());
    let mut missing = Vec::new();
    for (id, ex) in examples {
        let found = scanner.scan(ex.text.as_bytes(), ex.path.as_deref().unwrap_or("example.txt"));
        if !found.iter().any(|c| ex.text.as_bytes()[c.secret_start..c.secret_end] == *ex.secret.as_bytes()) {
            missing.push(format!("{id}: {:?}", ex.text));
        }
    }
    assert!(missing.is_empty(), "examples lost when all rules run together:\n{}", missing.join("\n"));
}

/// The engine keeps one finding per secret, so two specific rules for the same format would not give two
/// findings: one of them would silently never be reported. Each example of a specific rule, scanned with every
/// rule, must be reported by that rule. (A generic rule's example may go to a specific rule: that is the point.)
#[test]
fn every_specific_rule_example_is_reported_by_its_own_rule_when_all_rules_run() {
    let rules = load();
    let examples: Vec<_> = rules
        .iter()
        .filter(|r| !r.generic)
        .flat_map(|r| r.examples.iter().map(move |e| (r.id.clone(), e.clone())))
        .collect();
    let set = std::sync::Arc::new(RuleSet::new(rules).expect("rule ids are unique"));
    let scanner = leakgate::engine::Scanner::new(set.clone(), Default::default());
    // Overlaps that are meant: the wider match carries the narrower one (a service-account JSON holds a PEM key,
    // an htpasswd line holds a hash, a Kubernetes Secret manifest holds a token, base64 holds a PEM key); each is
    // (rule, reported as).
    const MEANT: &[(&str, &str)] = &[
        ("azure-cosmosdb-identifiable-key", "azure-account-key-assignment"),
        ("azure-storage-account-identifiable-key", "azure-account-key-assignment"),
        ("gcp-service-account-key-sorted", "pem-pkcs8-private-key"),
        ("gcp-service-account-key", "pem-pkcs8-private-key"),
        ("gitlab-agent-token", "kubernetes-secret-manifest"),
        ("new-relic-agent-config-license-key", "new-relic-license-key-unsuffixed"),
        ("password-hash-bcrypt", "htpasswd-entry"),
        // Decoding reads the key inside the base64 and names its kind (the base64 rule still serves --no-decode).
        ("pem-private-key-base64", "pem-openssh-private-key"),
        ("pem-private-key-base64", "pem-pkcs8-private-key"),
        ("password-hash-md5crypt", "htpasswd-entry"),
        ("truenas-websocket-api-key", "truenas-api-key"),
        ("yandex-cloud-static-access-key-secret", "aws-secret-access-key"),
    ];
    let mut shadowed = Vec::new();
    for (id, ex) in examples {
        let found = scanner.scan(ex.text.as_bytes(), ex.path.as_deref().unwrap_or("example.txt"));
        let at = |c: &&leakgate::engine::Candidate| {
            ex.text.as_bytes()[c.secret_start..c.secret_end] == *ex.secret.as_bytes()
        };
        if let Some(c) = found.iter().find(at) {
            let by = &set.rules()[c.rule].id;
            if *by != id && !MEANT.contains(&(id.as_str(), by.as_str())) {
                shadowed.push(format!("{id}: {:?} is reported as {by}", ex.text));
            }
        }
    }
    shadowed.sort();
    assert!(shadowed.is_empty(), "examples reported by another rule:\n{}", shadowed.join("\n"));
}

/// Every pre-commit run compiles the regex of each rule whose keyword occurs, so a rule's automaton size is paid
/// at the keyboard. Counted repetitions are the usual culprit: `[A-Za-z0-9+/]{100,4096}` is four thousand NFA
/// states, `{100,}` is a hundred and matches the same keys (the engine's window bounds the match anyway).
#[test]
fn every_rule_regex_stays_small() {
    use regex_automata::{nfa::thompson, util::syntax};
    const MAX_STATES: usize = 1500;
    let mut too_big = Vec::new();
    for rule in load() {
        let config = syntax::Config::new().unicode(false).utf8(false).multi_line(true);
        let nfa = thompson::Compiler::new().syntax(config).build(&rule.regex_source).expect("rule regex compiles");
        if nfa.states().len() > MAX_STATES {
            too_big.push(format!("{} ({} states)", rule.id, nfa.states().len()));
        }
    }
    assert!(too_big.is_empty(), "rules over {MAX_STATES} NFA states (write `{{m,}}` for a guard bound): {too_big:?}");
}

/// Every built-in rule names the public documentation of its format (issue 17), as the embedded rule set carries
/// it: the provider's page, or the standard or CWE entry for format and heuristic rules.
#[test]
fn every_builtin_rule_has_a_documentation_reference() {
    let rules = leakgate::rules::builtin_rules().expect("built-in rules load");
    assert_eq!(rules.len(), load().len(), "the embedded rules are the rule files");
    let bad: Vec<String> = rules
        .iter()
        .filter_map(|r| match r.reference.as_deref() {
            None => Some(format!("{}: no reference", r.id)),
            Some(url) if !url.starts_with("https://") || url.len() <= "https://".len() + 3 => {
                Some(format!("{}: {url} is not an https URL", r.id))
            }
            Some(_) => None,
        })
        .collect();
    assert!(bad.is_empty(), "{} rules without a usable reference:\n{}", bad.len(), bad.join("\n"));
}
