//! The decoders for spans that hide text: base64 (standard and URL-safe alphabets, padded or not), hex,
//! percent-encoding and string escapes. Each returns the decoded bytes only when the span is well formed *and*
//! decodes to text (UTF-8 without control characters other than tab, CR and LF): a secret is text, while an
//! identifier, a hash or an embedded image that merely looks encoded decodes to binary and is dropped, usually
//! within its first few bytes.

/// Base64 digit values for both alphabets (`+/` and `-_`); 0xFF for every other byte.
const B64: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// True for a base64 digit of either alphabet.
pub fn is_base64_digit(b: u8) -> bool {
    B64[b as usize] != 0xFF
}

/// Accumulates decoded bytes and gives up at the first one that cannot belong to text (a control character,
/// or a byte out of place in UTF-8), so that spans that decode to binary cost only a few bytes of work.
struct TextOut {
    bytes: Vec<u8>,
    /// Continuation bytes the current UTF-8 sequence still needs.
    pending: u8,
}

impl TextOut {
    fn with_capacity(n: usize) -> TextOut {
        TextOut { bytes: Vec::with_capacity(n), pending: 0 }
    }

    /// Appends a byte; false when it cannot be part of text. Only the shape of UTF-8 sequences is followed
    /// here; `finish` checks the rest (overlong forms, surrogates).
    #[inline]
    fn push(&mut self, b: u8) -> bool {
        let ok = match b {
            b'\t' | b'\n' | b'\r' | 0x20..=0x7E => self.pending == 0,
            0x80..=0xBF if self.pending > 0 => {
                self.pending -= 1;
                true
            }
            0xC2..=0xF4 if self.pending == 0 => {
                self.pending = 1 + u8::from(b >= 0xE0) + u8::from(b >= 0xF0);
                true
            }
            _ => false,
        };
        self.bytes.push(b);
        ok
    }

    fn finish(self) -> Option<Vec<u8>> {
        (self.pending == 0 && !self.bytes.is_empty() && std::str::from_utf8(&self.bytes).is_ok()).then_some(self.bytes)
    }
}

/// Decodes base64 in either alphabet, with or without `=` padding.
pub fn base64(span: &[u8]) -> Option<Vec<u8>> {
    let body = match span {
        [rest @ .., b'=', b'='] | [rest @ .., b'='] => rest,
        _ => span,
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = TextOut::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let v = B64[c as usize];
        if v == 0xFF {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if !out.push((acc >> bits) as u8) {
                return None;
            }
            acc &= (1 << bits) - 1;
        }
    }
    out.finish()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex_pair(hi: u8, lo: u8) -> Option<u8> {
    Some(hex_value(hi)? << 4 | hex_value(lo)?)
}

/// Decodes an even number of hex digits.
pub fn hex(span: &[u8]) -> Option<Vec<u8>> {
    if !span.len().is_multiple_of(2) {
        return None;
    }
    let mut out = TextOut::with_capacity(span.len() / 2);
    for pair in span.chunks_exact(2) {
        if !out.push(hex_pair(pair[0], pair[1])?) {
            return None;
        }
    }
    out.finish()
}

/// Decodes `%XX` sequences (RFC 3986 §2.1); other bytes, `+` included, stay as they are. At least one
/// sequence must be there.
pub fn percent(span: &[u8]) -> Option<Vec<u8>> {
    let mut out = TextOut::with_capacity(span.len());
    let (mut i, mut decoded) = (0, false);
    while i < span.len() {
        let b = match span[i] {
            b'%' if i + 2 < span.len() => match hex_pair(span[i + 1], span[i + 2]) {
                Some(v) => {
                    decoded = true;
                    i += 2;
                    v
                }
                None => b'%',
            },
            other => other,
        };
        if !out.push(b) {
            return None;
        }
        i += 1;
    }
    if decoded {
        out.finish()
    } else {
        None
    }
}

/// Decodes the string escapes of JSON, JavaScript and Python: `\uXXXX` (with UTF-16 surrogate pairs),
/// `\xNN`, `\/`, `\"`, `\'`, `\\`, `\n`, `\r`, `\t`; any other backslash stays as written. At least one `\u`,
/// `\x` or `\/` must be there: the others alone are ordinary strings, which the plain scan reads well.
pub fn escapes(span: &[u8]) -> Option<Vec<u8>> {
    let mut out = TextOut::with_capacity(span.len());
    let (mut i, mut decoded) = (0, false);
    let push_char = |out: &mut TextOut, c: char| {
        let mut buf = [0u8; 4];
        c.encode_utf8(&mut buf).bytes().all(|b| out.push(b))
    };
    while i < span.len() {
        if span[i] != b'\\' || i + 1 == span.len() {
            if !out.push(span[i]) {
                return None;
            }
            i += 1;
            continue;
        }
        let next = span[i + 1];
        let ok = match next {
            b'u' => {
                let (c, used) = unicode_escape(&span[i..])?;
                i += used;
                decoded = true;
                push_char(&mut out, c)
            }
            b'x' => {
                let v = hex_pair(*span.get(i + 2)?, *span.get(i + 3)?)?;
                i += 4;
                decoded = true;
                // `\xNN` is a code point in Python and JavaScript strings, not a raw byte.
                push_char(&mut out, char::from(v))
            }
            b'/' | b'"' | b'\'' | b'\\' | b'n' | b'r' | b't' => {
                decoded |= next == b'/';
                i += 2;
                out.push(match next {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    other => other,
                })
            }
            _ => {
                i += 1;
                out.push(b'\\')
            }
        };
        if !ok {
            return None;
        }
    }
    if decoded {
        out.finish()
    } else {
        None
    }
}

/// One `\uXXXX` escape at the start of `s`, or a surrogate pair `\uD8xx\uDCxx`: the character and the bytes
/// it took. A lone surrogate is not text.
fn unicode_escape(s: &[u8]) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u32> {
        let d = s.get(at..at + 6)?;
        if d[0] != b'\\' || d[1] != b'u' {
            return None;
        }
        Some(u32::from(hex_pair(d[2], d[3])?) << 8 | u32::from(hex_pair(d[4], d[5])?))
    };
    let first = unit(0)?;
    if (0xD800..0xDC00).contains(&first) {
        let second = unit(6).filter(|u| (0xDC00..0xE000).contains(u))?;
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return Some((char::from_u32(c)?, 12));
    }
    Some((char::from_u32(first)?, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_both_alphabets_padded_or_not() {
        assert_eq!(base64(b"aGVsbG8gd29ybGQ=").as_deref(), Some(&b"hello world"[..]));
        assert_eq!(base64(b"aGVsbG8gd29ybGQ").as_deref(), Some(&b"hello world"[..]));
        // "??>?" is `Pz8-Pw` URL-safe and `Pz8+Pw` standard.
        assert_eq!(base64(b"Pz8-Pw").as_deref(), Some(&b"??>?"[..]));
        assert_eq!(base64(b"Pz8+Pw==").as_deref(), Some(&b"??>?"[..]));
        assert_eq!(base64(b"abcde"), None, "a length of 4n+1 is not base64");
        assert_eq!(base64(b"AAAAAAAA"), None, "NUL bytes are not text");
        assert_eq!(base64(b"ThisIsJustSomeCamelCaseIdentifier"), None);
    }

    #[test]
    fn hex_and_percent() {
        assert_eq!(hex(b"68656c6c6f").as_deref(), Some(&b"hello"[..]));
        assert_eq!(hex(b"e3b0c44298fc1c149afbf4c8996fb924"), None, "a hash is binary");
        assert_eq!(hex(b"686"), None);
        assert_eq!(percent(b"a%2Fb%3dc+d").as_deref(), Some(&b"a/b=c+d"[..]));
        assert_eq!(percent(b"100%"), None);
        assert_eq!(percent(b"%zz%4"), None, "no valid sequence");
        assert_eq!(percent(b"x%00"), None);
    }

    #[test]
    fn string_escapes() {
        assert_eq!(escapes(br"\u0041B\x43\/\u00e9").as_deref(), Some("ABC/é".as_bytes()));
        assert_eq!(escapes(br"\ud83d\udd11key").as_deref(), Some("🔑key".as_bytes()));
        assert_eq!(escapes(br"\ud83dkey"), None, "lone surrogate");
        assert_eq!(escapes(br"plain \n only"), None, "nothing a plain scan misses");
        assert_eq!(escapes(br"\u00"), None);
        assert_eq!(escapes(br"a\qb\/").as_deref(), Some(&br"a\qb/"[..]));
    }

    #[test]
    fn long_binary_is_refused_early_and_utf8_checked() {
        let mut invalid = b"ok ".repeat(30);
        invalid.extend_from_slice(&[0xE2, 0x28, 0xA1]);
        let hexed: String = invalid.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(hexed.as_bytes()), None);
        let valid = "é".repeat(40);
        let hexed: String = valid.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(hexed.as_bytes()).as_deref(), Some(valid.as_bytes()));
    }
}
