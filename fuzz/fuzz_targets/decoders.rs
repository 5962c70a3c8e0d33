//! The decoders of encoded spans (`engine::decode`): the span finder and each codec on arbitrary bytes, then a
//! round trip through each encoding of the input. What must hold: spans lie inside the content and are long
//! enough; every decoded output is UTF-8 text without control characters other than tab, CR and LF; text that
//! the decoders accept comes back unchanged from its base64 (both alphabets, padded or not), hex,
//! percent-encoding and `\u` escapes.
#![no_main]
use leakgate::engine::decode::{codecs, encoded_spans, Encoding};
use libfuzzer_sys::fuzz_target;

/// What the decoders promise: UTF-8 without ASCII control characters other than tab, LF and CR.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes.iter().all(|&b| !(b < 0x20 || b == 0x7F) || matches!(b, b'\t' | b'\n' | b'\r'))
}

fn check_output(encoding: &str, input: &[u8], out: Option<Vec<u8>>) {
    if let Some(o) = &out {
        assert!(!o.is_empty() && is_text(o), "{encoding} gave non-text for {input:?}: {o:?}");
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(data: &[u8], url_safe: bool, pad: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..chunk.len() + 1 {
            let mut c = B64[(n >> (18 - 6 * i) & 63) as usize];
            if url_safe {
                c = match c {
                    b'+' => b'-',
                    b'/' => b'_',
                    c => c,
                };
            }
            out.push(c);
        }
        if pad {
            out.extend(std::iter::repeat_n(b'=', 3 - chunk.len()));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    for (span, encoding) in encoded_spans(data) {
        assert!(span.start < span.end && span.end <= data.len(), "{span:?} outside {} bytes", data.len());
        assert!(span.len() >= 16, "{span:?} too short for {encoding:?}");
        check_output(encoding.name(), &data[span.clone()], encoding.decode(&data[span]));
    }
    check_output("base64", data, codecs::base64(data));
    check_output("hex", data, codecs::hex(data));
    check_output("percent", data, codecs::percent(data));
    check_output("escape", data, codecs::escapes(data));
    // Round trips of text the decoders accept.
    if !is_text(data) || data.is_empty() {
        return;
    }
    for (url_safe, pad) in [(false, true), (true, false), (false, false), (true, true)] {
        assert_eq!(Encoding::Base64.decode(&base64(data, url_safe, pad)).as_deref(), Some(data), "base64");
    }
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(Encoding::Hex.decode(hex.as_bytes()).as_deref(), Some(data), "hex");
    let percent: String = data.iter().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(Encoding::Percent.decode(percent.as_bytes()).as_deref(), Some(data), "percent");
    let text = std::str::from_utf8(data).expect("checked");
    let escaped: String = text.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
    assert_eq!(Encoding::Escapes.decode(escaped.as_bytes()).as_deref(), Some(data), "escape");
});
