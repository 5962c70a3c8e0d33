//! Embeds every `rules/*.toml` into the binary. The list is generated, so a rule file on disk can never be left
//! out of the build. Each file is converted here to JSON without its `examples`/`negative_examples` (the tests
//! read those from `rules/` directly): the pre-commit hook loads the rules on every commit, and parsing compact
//! JSON costs a fraction of parsing the TOML with its examples.
//!
//! It also builds the keyword DFA over the built-in rules' keywords (`src/rules/keyword_dfa.rs`, shared with the
//! library), so that a run with the built-in rules builds no automaton at all.
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
}
