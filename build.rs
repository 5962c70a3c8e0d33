//! Embeds every `rules/*.toml` into the binary. The list is generated, so a rule file on disk can never be left
//! out of the build. Each file is converted here to JSON without its `examples`/`negative_examples` (the tests
//! read those from `rules/` directly): the pre-commit hook loads the rules on every commit, and parsing compact
//! JSON costs a fraction of parsing the TOML with its examples.
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let out_dir = Path::new(&env::var("OUT_DIR").unwrap()).to_path_buf();
    println!("cargo:rerun-if-changed={}", dir.display());
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
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        let mut doc: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        if let Some(rules) = doc.get_mut("rules").and_then(|r| r.as_array_mut()) {
            for rule in rules.iter_mut().filter_map(|r| r.as_table_mut()) {
                rule.remove("examples");
                rule.remove("negative_examples");
            }
        }
        let json_path = out_dir.join(format!("{name}.json"));
        fs::write(&json_path, serde_json::to_string(&doc).unwrap()).unwrap();
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", json_path.display().to_string()));
    }
    out.push_str("];\n");
    fs::write(out_dir.join("builtin_rules.rs"), out).unwrap();
}
