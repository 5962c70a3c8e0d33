//! Embeds every `rules/*.toml` into the binary. The list is generated, so a rule file on disk can never be left
//! out of the build. Each file is converted here to JSON without its `examples`/`negative_examples` (the tests
//! read those from `rules/` directly): the pre-commit hook loads the rules on every commit, and parsing compact
//! JSON costs a fraction of parsing the TOML with its examples.
//!
//! It also builds the keyword DFA over the built-in rules' keywords (`src/rules/keyword_dfa.rs`, shared with the
//! library), so that a run with the built-in rules builds no automaton at all.
//!
//! And it registers the IaC checks: every file in `src/iac/checks/` (but `mod.rs`) becomes a module of
//! `iac::checks` and an entry of its registry, so adding a check is adding its file.
use std::{env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/rules/keyword_dfa.rs"]
mod keyword_dfa;

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let out_dir = Path::new(&env::var("OUT_DIR").unwrap()).to_path_buf();
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=src/rules/keyword_dfa.rs");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Built-in rule files: (file name, the rules as JSON without their examples).\n\
         pub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    // The automaton patterns as `RuleSet::new` derives them: every rule's keywords in file order, lower-cased,
    // cut to the automaton's prefix length, first occurrence kept.
    let mut patterns: Vec<String> = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        let mut doc: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        if let Some(rules) = doc.get_mut("rules").and_then(|r| r.as_array_mut()) {
            for rule in rules.iter_mut().filter_map(|r| r.as_table_mut()) {
                for k in rule.get("keywords").and_then(|k| k.as_array()).into_iter().flatten() {
                    let k = keyword_dfa::automaton_prefix(&k.as_str().unwrap_or_default().to_lowercase());
                    if !patterns.contains(&k) {
                        patterns.push(k);
                    }
                }
                rule.remove("examples");
                rule.remove("negative_examples");
            }
        }
        let json_path = out_dir.join(format!("{name}.json"));
        fs::write(&json_path, serde_json::to_string(&doc).unwrap()).unwrap();
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", json_path.display().to_string()));
    }
    out.push_str("];\n");
    // An empty table (the keywords no longer fit the compact form) is refused at run time, which then builds
    // its automaton as for custom rules.
    let table = keyword_dfa::KeywordDfa::new(&patterns).map(|d| d.to_bytes()).unwrap_or_default();
    let table_path = out_dir.join("keyword_dfa.bin");
    fs::write(&table_path, table).unwrap();
    out.push_str(&format!(
        "/// The automaton patterns of the built-in rules, in `RuleSet::new`'s order.\n\
         pub static BUILTIN_KEYWORD_PATTERNS: &[&str] = &{patterns:?};\n\
         /// Aligned so that `KeywordDfa::from_static` can use its transitions in place.\n\
         #[repr(C, align(8))]\n\
         pub struct Aligned<B: ?Sized>(pub B);\n\
         static BUILTIN_KEYWORD_DFA_ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!({:?}));\n\
         /// `KeywordDfa::to_bytes` of the DFA over `BUILTIN_KEYWORD_PATTERNS`.\n\
         pub static BUILTIN_KEYWORD_DFA: &[u8] = &BUILTIN_KEYWORD_DFA_ALIGNED.0;\n",
        table_path.display().to_string()
    ));
    fs::write(out_dir.join("builtin_rules.rs"), out).unwrap();
    iac_checks(&out_dir);
}

/// `iac_checks.rs`, included by `src/iac/checks/mod.rs`: a `mod` per check file (by absolute path, since the
/// text is included from OUT_DIR), the file names, and every file's `CHECK` in file-name order (the registry
/// puts them in their declared order).
fn iac_checks(out_dir: &Path) {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/iac/checks");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("src/iac/checks/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|n| n != "mod")
        .collect();
    names.sort();
    let mut out = String::from("// Generated by build.rs from the files in src/iac/checks/.\n");
    for n in &names {
        assert!(
            n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "src/iac/checks/{n}.rs: a check file's name must be a snake_case module name"
        );
        out.push_str(&format!("#[path = {:?}]\npub mod {n};\n", dir.join(format!("{n}.rs")).display().to_string()));
    }
    out.push_str(&format!(
        "/// The check files (module names), sorted.\n#[cfg(test)]\npub(crate) const FILES: [&str; {}] = {names:?};\n",
        names.len()
    ));
    let checks: Vec<String> = names.iter().map(|n| format!("&{n}::CHECK")).collect();
    out.push_str(&format!(
        "/// Every file's check, in `FILES` order.\nconst BY_FILE: [&Check; {}] = [{}];\n",
        names.len(),
        checks.join(", ")
    ));
    fs::write(out_dir.join("iac_checks.rs"), out).unwrap();
}
