//! What a finding's path and URL host say about it: tests, fixtures, examples and docs hold sample
//! credentials far more often than live ones, and `example.com` is nobody's database.

/// Folders whose files are tests, fixtures, examples, mocks or documentation.
const TEST_OR_DOC_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "testing",
    "testdata",
    "test_data",
    "test-data",
    "spec",
    "specs",
    "fixture",
    "fixtures",
    "__fixtures__",
    "mock",
    "mocks",
    "__mocks__",
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "doc",
    "docs",
    "documentation",
    "e2e",
];

/// Whether the path (relative to what was scanned) is a test, fixture, example, mock or documentation file.
pub fn is_test_or_doc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let Some(name) = parts.pop() else { return false };
    if parts.iter().any(|d| TEST_OR_DOC_DIRS.contains(d)) {
        return true;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    if matches!(ext, "md" | "rst" | "adoc" | "asciidoc") {
        return true;
    }
    // API example files (`iam-2010-05-08.examples.json`, `examples-1.json`); the plural only: a file named
    // `example.txt` says little.
    if stem.split(['.', '-', '_']).any(|part| part == "examples") {
        return true;
    }
    // Test file naming conventions: test_x.py, x_test.go, x.test.ts, x.spec.js, XTest.java, XTests.cs, conftest.py.
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with(".test")
        || stem.ends_with(".spec")
        || stem == "conftest"
        || (matches!(ext, "java" | "kt" | "cs" | "scala" | "groovy" | "swift")
            && (stem.ends_with("test") || stem.ends_with("tests")))
}

/// Source code, where a `#` or `//` line is a comment about the code. Not config files: a commented-out
/// `# DB_PASSWORD=…` in `.env` is a secret someone kept.
pub fn is_source_code(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "py" | "pyi"
            | "js"
            | "mjs"
            | "cjs"
            | "ts"
            | "tsx"
            | "jsx"
            | "go"
            | "rs"
            | "java"
            | "kt"
            | "scala"
            | "rb"
            | "php"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "cs"
            | "swift"
            | "m"
            | "pl"
            | "pm"
            | "lua"
            | "r"
            | "jl"
            | "dart"
            | "ex"
            | "exs"
            | "erl"
            | "hs"
            | "clj"
            | "groovy"
            | "md"
            | "rst"
    )
}

/// Hosts that stand for "some server" in documentation and tests.
pub fn is_example_host(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let h = h.strip_prefix("www.").unwrap_or(&h);
    const EXACT: &[&str] = &[
        "host",
        "hostname",
        "myhost",
        "server",
        "myserver",
        "acme.com",
        "acme.org",
        "foo.com",
        "foo.bar",
        "bar.com",
        "foobar.com",
        "domain.com",
        "mydomain.com",
        "yourdomain.com",
        "company.com",
        "mycompany.com",
        "test.com",
        "testserver",
    ];
    const SUFFIX: &[&str] = &[".example", ".test", ".invalid"];
    EXACT.contains(&h)
        || ["example.com", "example.org", "example.net", "example.edu"]
            .iter()
            .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        || SUFFIX.iter().any(|s| h.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_and_doc_paths() {
        for p in [
            "tests/unit/test_url.py",
            "src/foo_test.go",
            "web/a.spec.ts",
            "docs/setup.md",
            "README.rst",
            "src/test/java/AppTest.java",
            "pkg/testdata/x.json",
            "examples/app.py",
            "conftest.py",
        ] {
            assert!(is_test_or_doc(p), "{p}");
        }
        for p in [
            "src/app.py",
            "config/settings.yml",
            "example.txt",
            "latest/app.py",
            "contest.py",
            ".env",
            "attestation.go",
        ] {
            assert!(!is_test_or_doc(p), "{p}");
        }
    }

    #[test]
    fn example_hosts() {
        for h in ["example.com", "www.acme.com", "api.example.org", "db.test"] {
            assert!(is_example_host(h), "{h}");
        }
        for h in ["db.internal.corp", "prod-db.mycorp.io", "examples.io", "dc01.corp.local"] {
            assert!(!is_example_host(h), "{h}");
        }
    }
}
