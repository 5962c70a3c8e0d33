//! The content decoders (`leakgate::content`) on arbitrary bytes: how content is classified, UTF-16 decoding,
//! the printable strings of binaries with their map back to the content, the position-keeping JSON reader
//! against `serde_json`, and notebook extraction; then the same bytes scanned as a binary, a UTF-16 file and a
//! notebook through `scan::scan_bytes`.
use leakgate::content::json_spans::{self, Value};
use leakgate::content::{classify, notebook, strings, utf16, Endian, Form};

pub fn check_decoders(data: &[u8]) {
    if let Form::Utf16 { endian, bom } = classify(data) {
        assert!(bom == 0 || utf16::bom(data) == Some(endian));
    }
    for endian in [Endian::Le, Endian::Be] {
        let text = utf16::decode(data, endian, 0);
        // One character per code unit at most: a pair makes one, a unit one, a trailing byte one.
        assert!(text.chars().count() <= data.len() / 2 + 1);
    }
    check_strings(data);
    check_json(data);
    if let Some(nb) = notebook::extract(data) {
        for i in 0..nb.text.len() {
            assert!(nb.source(data, i) <= data.len(), "notebook offset {i} maps past the file");
            assert!(nb.place(i).starts_with("notebook"));
        }
    }
    for path in ["a.ipynb", "a.bin"] {
        let out = leakgate::scan::scan_bytes(crate::default_scanner(), data, path);
        crate::check_scan(data, path, &out, true);
    }
}

/// Every byte of the strings text comes from the content (or is the newline closing a run), and offsets grow.
fn check_strings(data: &[u8]) {
    let s = strings::extract(data);
    let mut last = 0;
    for (i, &b) in s.text.iter().enumerate() {
        let src = s.source(i).expect("every byte of the text has a source");
        assert!(src.offset >= last, "offsets go back at {i}");
        last = src.offset;
        match data.get(src.offset) {
            Some(&c) if c == b => {
                // A run's closing newline maps to the byte after the run, which may happen to be a newline too.
                if src.wide && b != b'\n' {
                    assert_eq!(data.get(src.offset + 1), Some(&0), "a UTF-16LE character's second byte is NUL");
                }
            }
            _ => assert_eq!(b, b'\n', "text byte {i} ({b:#x}) is not content byte {}", src.offset),
        }
    }
    assert!(s.text.is_empty() || s.text.ends_with(b"\n"));
}

/// The JSON reader accepts what `serde_json` accepts (within its depth limit), and unescapes strings alike.
fn check_json(data: &[u8]) {
    let ours = json_spans::parse(data);
    let brackets = data.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if brackets <= json_spans::MAX_DEPTH && serde_json::from_slice::<serde_json::Value>(data).is_ok() {
        assert!(ours.is_some(), "serde_json reads it, json_spans does not");
    }
    if let Some(v) = &ours {
        check_strings_unescape(data, v);
    }
}

fn check_strings_unescape(data: &[u8], v: &Value) {
    match v {
        Value::Str(span) => {
            let raw = &data[span.start..span.end];
            let ours = json_spans::unescape(raw, false);
            // serde_json refuses lone surrogates, which the reader turns into U+FFFD.
            if let Ok(theirs) = serde_json::from_slice::<String>(&data[span.start - 1..span.end + 1]) {
                assert_eq!(ours, theirs.as_bytes(), "unescaping {:?}", String::from_utf8_lossy(raw));
            }
            for d in 0..=ours.len() {
                assert!(json_spans::raw_offset(raw, false, d) <= raw.len());
            }
        }
        Value::Array(items) => items.iter().for_each(|x| check_strings_unescape(data, x)),
        Value::Object(members) => members.iter().for_each(|(_, x)| check_strings_unescape(data, x)),
        Value::Scalar => {}
    }
}
