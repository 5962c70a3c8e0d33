//! A JSON Schema (draft 4) validator for the keywords the vendored SARIF 2.1.0 schema uses, so that SARIF output
//! is checked against the real schema without a general-purpose validator crate (the one used before brought
//! some 35 crates into every fresh test build and changed the features of `serde` and `serde_json`, so the
//! documentation and fuzz builds could not reuse the test build's dependencies).
//!
//! Supported: `type`, `$ref` (`#` and `#/definitions/…`), `properties`, `additionalProperties`, `required`,
//! `items` (one schema), `minItems`, `uniqueItems`, `minimum`, `maximum`, `pattern`, `enum`, `anyOf`, `oneOf`,
//! and the formats `uri`, `uri-reference` and `date-time`. Any other keyword or format fails when the schema is
//! loaded, so a schema update can never be half-checked in silence. Also compiled into the library's unit tests
//! (`src/report/sarif.rs`), by path.
use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Value};

/// Keywords that only describe (no constraint).
const ANNOTATIONS: &[&str] = &["$schema", "id", "title", "description", "default", "definitions"];
const CONSTRAINTS: &[&str] = &[
    "type",
    "$ref",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "pattern",
    "format",
    "enum",
    "anyOf",
    "oneOf",
];

pub(crate) struct Schema {
    root: Value,
    patterns: HashMap<String, Regex>,
}

impl Schema {
    /// The vendored OASIS SARIF 2.1.0 schema (`tests/fixtures/sarif-schema-2.1.0.json`).
    pub(crate) fn sarif() -> Schema {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sarif-schema-2.1.0.json");
        Schema::new(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    /// Checks that every keyword of `root` is one this validator applies, and compiles the patterns.
    pub(crate) fn new(root: Value) -> Schema {
        let mut patterns = HashMap::new();
        audit(&root, "#", &mut patterns);
        Schema { root, patterns }
    }

    /// Every violation, as "instance path: what is wrong"; empty when `doc` is valid.
    pub(crate) fn errors(&self, doc: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.check(&self.root, doc, "", &mut out);
        out
    }

    pub(crate) fn is_valid(&self, doc: &Value) -> bool {
        self.errors(doc).is_empty()
    }

    fn resolve(&self, reference: &str) -> &Value {
        let Some(name) = reference.strip_prefix("#/definitions/") else {
            assert_eq!(reference, "#", "unsupported $ref {reference}");
            return &self.root;
        };
        self.root["definitions"].get(name).unwrap_or_else(|| panic!("$ref to a missing definition: {reference}"))
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
        let Some(s) = schema.as_object() else { return };
        let mut fail = |what: String| out.push(format!("{}: {what}", if at.is_empty() { "/" } else { at }));
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            // Draft 4: a $ref replaces its whole schema object.
            return self.check(self.resolve(r), v, at, out);
        }
        if let Some(t) = s.get("type") {
            let allowed: Vec<&str> = match t {
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                t => t.as_str().into_iter().collect(),
            };
            if !allowed.iter().any(|t| has_type(v, t)) {
                fail(format!("{v} is not of type {allowed:?}"));
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.iter().any(|x| json_eq(x, v)) {
                fail(format!("{v} is not one of {}", Value::Array(e.clone())));
            }
        }
        match v {
            Value::Object(o) => self.check_object(s, o, at, out),
            Value::Array(items) => self.check_array(s, items, at, out),
            Value::String(text) => self.check_string(s, text, at, out),
            Value::Number(n) => {
                let n = n.as_f64().unwrap();
                if s.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m) {
                    out.push(format!("{at}: {n} is less than the minimum {}", s["minimum"]));
                }
                if s.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m) {
                    out.push(format!("{at}: {n} is more than the maximum {}", s["maximum"]));
                }
            }
            _ => {}
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            if !any.iter().any(|sub| self.errors_at(sub, v, at).is_empty()) {
                out.push(format!("{at}: matches none of anyOf"));
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let matching = one.iter().filter(|sub| self.errors_at(sub, v, at).is_empty()).count();
            if matching != 1 {
                out.push(format!("{at}: matches {matching} of oneOf, not exactly one"));
            }
        }
    }

    fn errors_at(&self, schema: &Value, v: &Value, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.check(schema, v, at, &mut out);
        out
    }

    fn check_object(&self, s: &Map<String, Value>, o: &Map<String, Value>, at: &str, out: &mut Vec<String>) {
        for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !o.contains_key(name) {
                out.push(format!("{at}: the required property {name:?} is missing"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (name, value) in o {
            let here = format!("{at}/{name}");
            match (props.and_then(|p| p.get(name)), s.get("additionalProperties")) {
                (Some(sub), _) => self.check(sub, value, &here, out),
                (None, Some(Value::Bool(false))) => out.push(format!("{at}: the property {name:?} is not allowed")),
                (None, Some(extra @ Value::Object(_))) => self.check(extra, value, &here, out),
                (None, _) => {}
            }
        }
    }

    fn check_array(&self, s: &Map<String, Value>, items: &[Value], at: &str, out: &mut Vec<String>) {
        if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| (items.len() as u64) < m) {
            out.push(format!("{at}: {} items, fewer than minItems {}", items.len(), s["minItems"]));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if items[..i].iter().any(|b| json_eq(a, b)) {
                    out.push(format!("{at}/{i}: repeats an earlier item (uniqueItems)"));
                }
            }
        }
        if let Some(sub) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(sub, item, &format!("{at}/{i}"), out);
            }
        }
    }

    fn check_string(&self, s: &Map<String, Value>, text: &str, at: &str, out: &mut Vec<String>) {
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            if !self.patterns[p].is_match(text) {
                out.push(format!("{at}: {text:?} does not match the pattern {p:?}"));
            }
        }
        let ok = match s.get("format").and_then(Value::as_str) {
            None => true,
            Some("date-time") => is_date_time(text),
            Some("uri") => is_uri(text, true),
            Some("uri-reference") => is_uri(text, false),
            Some(other) => unreachable!("format {other} passed the audit"),
        };
        if !ok {
            out.push(format!("{at}: {text:?} is not a valid {}", s["format"]));
        }
    }
}

/// Walks every schema object (the values of `properties` and `definitions` are schemas, not keywords), refusing
/// what `check` would not apply.
fn audit(schema: &Value, at: &str, patterns: &mut HashMap<String, Regex>) {
    let Some(s) = schema.as_object() else { panic!("{at}: a schema must be an object") };
    for (key, value) in s {
        let here = format!("{at}/{key}");
        assert!(ANNOTATIONS.contains(&key.as_str()) || CONSTRAINTS.contains(&key.as_str()), "{here}: unsupported");
        match key.as_str() {
            "properties" | "definitions" => {
                for (name, sub) in value.as_object().unwrap() {
                    audit(sub, &format!("{here}/{name}"), patterns);
                }
            }
            "additionalProperties" if value.is_boolean() => {}
            "items" | "additionalProperties" => audit(value, &here, patterns),
            "anyOf" | "oneOf" => {
                for (i, sub) in value.as_array().unwrap().iter().enumerate() {
                    audit(sub, &format!("{here}/{i}"), patterns);
                }
            }
            "pattern" => {
                let p = value.as_str().unwrap();
                patterns.insert(p.to_owned(), Regex::new(p).unwrap_or_else(|e| panic!("{here}: {e}")));
            }
            "format" => {
                assert!(matches!(value.as_str(), Some("uri" | "uri-reference" | "date-time")), "{here}: {value}")
            }
            _ => {}
        }
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// JSON equality: numbers by value (1 and 1.0 are equal), objects regardless of key order.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

/// RFC 3339 `date-time`, with the ranges of its fields checked (a leap second allowed).
fn is_date_time(s: &str) -> bool {
    let re = Regex::new(r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-](\d\d):(\d\d))$").unwrap();
    let Some(c) = re.captures(s) else { return false };
    let n = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse::<u32>().unwrap());
    let (year, month, day) = (n(1), n(2), n(3));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&month)
        && (1..=days[month as usize - 1]).contains(&day)
        && n(4) < 24
        && n(5) < 60
        && n(6) <= 60
        && n(9) < 24
        && n(10) < 60
}

/// RFC 3986: a URI (`absolute`: a scheme is required) or a URI reference. Every character must be one a URI
/// may hold, `%` must start a two-digit escape, and a colon before the first `/`, `?` or `#` must end a scheme.
fn is_uri(s: &str, absolute: bool) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    let escapes_ok = s
        .match_indices('%')
        .all(|(i, _)| s.as_bytes().get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
    let head = &s[..s.find(['/', '?', '#']).unwrap_or(s.len())];
    let scheme_ok = match head.find(':') {
        Some(end) => {
            let scheme = &head[..end];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => !absolute,
    };
    s.chars().all(allowed) && escapes_ok && scheme_ok
}

#[test]
fn the_validator_refuses_what_it_should() {
    let schema = Schema::new(serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["a"],
        "properties": {
            "a": { "type": "array", "minItems": 1, "uniqueItems": true, "items": { "$ref": "#/definitions/n" } },
            "u": { "type": "string", "format": "uri" },
            "r": { "type": "string", "format": "uri-reference" },
            "d": { "type": "string", "format": "date-time" },
            "p": { "type": "string", "pattern": "^[a-z]{2}$" },
            "e": { "enum": ["x", "y"] },
            "o": { "oneOf": [{ "type": "string" }, { "type": "integer" }] }
        },
        "definitions": { "n": { "type": "integer", "minimum": 1, "maximum": 9 } }
    }));
    let ok = serde_json::json!({"a": [1, 2], "u": "file:///a%20b", "r": "src/a.rs", "d": "2024-02-29T23:59:60.5Z",
        "p": "en", "e": "y", "o": 3});
    assert_eq!(schema.errors(&ok), Vec::<String>::new());
    for (key, bad) in [
        ("a", serde_json::json!([])),
        ("a", serde_json::json!([1, 1.0])),
        ("a", serde_json::json!([0])),
        ("a", serde_json::json!([10])),
        ("a", serde_json::json!([1.5])),
        ("u", serde_json::json!("src/a.rs")),
        ("u", serde_json::json!("file:///a b")),
        ("r", serde_json::json!("a%2")),
        ("r", serde_json::json!("1x:y")),
        ("d", serde_json::json!("2023-02-29T00:00:00Z")),
        ("d", serde_json::json!("2024-01-01 00:00:00Z")),
        ("p", serde_json::json!("eng")),
        ("e", serde_json::json!("z")),
        ("o", serde_json::json!(true)),
        ("zz", serde_json::json!(1)),
    ] {
        let mut doc = ok.clone();
        doc[key] = bad.clone();
        assert!(!schema.is_valid(&doc), "{key}: {bad} passed");
    }
    let mut doc = ok.clone();
    doc.as_object_mut().unwrap().remove("a");
    assert!(!schema.is_valid(&doc), "a missing required property passed");
    assert!(std::panic::catch_unwind(|| Schema::new(serde_json::json!({"maxLength": 3}))).is_err());
}
