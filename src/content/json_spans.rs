//! A JSON reader that keeps where each string sits: `serde_json` gives values without positions, and a finding
//! in a notebook cell must point at the line of the `.ipynb` file where the cell's text is. Strings are kept as
//! the byte range of their escaped text and unescaped on demand ([`walk`]), which also maps an offset in the
//! unescaped text back to the file. Nesting is limited to [`MAX_DEPTH`]; anything that is not JSON is `None`.

/// Deepest nesting read: a notebook is five levels deep.
pub const MAX_DEPTH: usize = 64;

/// The escaped text of a string, between its quotes: `start..end` in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, PartialEq)]
pub enum Value {
    /// `null`, `true`, `false` or a number.
    Scalar,
    Str(Span),
    Array(Vec<Value>),
    /// Members in document order, keys unescaped.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The document `text` read as one JSON value (surrounding whitespace allowed), or `None` if it is not JSON.
pub fn parse(text: &[u8]) -> Option<Value> {
    let mut p = Parser { text, pos: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.pos == text.len()).then_some(v)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let hit = self.text.get(self.pos) == Some(&b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.text.get(self.pos)? {
            b'"' => self.string().map(Value::Str),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(Value::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Some(Value::Object(members));
                }
                loop {
                    self.ws();
                    if self.text.get(self.pos) != Some(&b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    let key = String::from_utf8_lossy(&unescape(&self.text[key.start..key.end], false)).into_owned();
                    if !self.eat(b':') {
                        return None;
                    }
                    members.push((key, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Some(Value::Object(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                while matches!(self.text.get(self.pos), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
                    self.pos += 1;
                }
                std::str::from_utf8(&self.text[start..self.pos]).ok()?.parse::<f64>().ok().map(|_| Value::Scalar)
            }
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<Value> {
        self.text[self.pos..].starts_with(w).then(|| {
            self.pos += w.len();
            Value::Scalar
        })
    }

    /// A string starting at the opening quote under `pos`: its escaped text's span, checked for valid escapes
    /// and no raw control characters.
    fn string(&mut self) -> Option<Span> {
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match *self.text.get(i)? {
                b'"' => break,
                b'\\' => match *self.text.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = self.text.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                },
                0..=0x1F => return None,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        Some(Span { start, end: i })
    }
}

/// Calls `emit(raw_offset, bytes)` for each piece of the unescaped text of `raw` (a string's escaped text, as
/// [`parse`] checked it), with the offset in `raw` of the escape or character it came from; stops when `emit`
/// returns false. `strip_ansi`: terminal escape sequences (`ESC [ … m`, as in Jupyter tracebacks) are dropped,
/// so colour codes do not run into the text they colour.
pub fn walk(raw: &[u8], strip_ansi: bool, mut emit: impl FnMut(usize, &[u8]) -> bool) {
    let mut ansi = Ansi::Text;
    let mut i = 0;
    while i < raw.len() {
        let at = i;
        let mut buf = [0u8; 4];
        let piece: &[u8] = if raw[i] == b'\\' && i + 1 < raw.len() {
            let (c, used) = escape(raw, i);
            i += used;
            c.encode_utf8(&mut buf).as_bytes()
        } else {
            i += 1;
            &raw[at..at + 1]
        };
        if strip_ansi && !ansi.keeps(piece) {
            continue;
        }
        if !emit(at, piece) {
            return;
        }
    }
}

/// The character of the escape at `raw[i]` (a backslash) and how many bytes it takes, surrogate pairs joined.
fn escape(raw: &[u8], i: usize) -> (char, usize) {
    let hex = |at: usize| {
        raw.get(at..at + 4).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let simple = match raw[i + 1] {
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let Some(u) = hex(i + 2) else { return (char::REPLACEMENT_CHARACTER, 2) };
            if (0xD800..0xDC00).contains(&u) && raw.get(i + 6..i + 8) == Some(b"\\u") {
                if let Some(lo) = hex(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                    let c = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    return (char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER), 12);
                }
            }
            return (char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER), 6);
        }
        other => other as char,
    };
    (simple, 2)
}

/// Where a terminal escape sequence stands: in text, after ESC, or inside `ESC [` before its final byte.
#[derive(Clone, Copy)]
enum Ansi {
    Text,
    Esc,
    Csi,
}

impl Ansi {
    /// Whether `piece` (one character) is text rather than part of an escape sequence.
    fn keeps(&mut self, piece: &[u8]) -> bool {
        let b = piece[0];
        match *self {
            Ansi::Text if b == 0x1B => *self = Ansi::Esc,
            Ansi::Text => return true,
            Ansi::Esc if b == b'[' => *self = Ansi::Csi,
            // Other two-byte escapes (`ESC c`, `ESC 7`) end here.
            Ansi::Esc => *self = Ansi::Text,
            Ansi::Csi if (0x40..=0x7E).contains(&b) => *self = Ansi::Text,
            Ansi::Csi if (0x20..=0x3F).contains(&b) => {}
            // A sequence cut short: what follows is text.
            Ansi::Csi => {
                *self = Ansi::Text;
                return true;
            }
        }
        false
    }
}

/// The unescaped text of `raw` (see [`walk`]).
pub fn unescape(raw: &[u8], strip_ansi: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    walk(raw, strip_ansi, |_, piece| {
        out.extend_from_slice(piece);
        true
    });
    out
}

/// The offset in `raw` of byte `decoded` of its unescaped text (see [`walk`]); `raw.len()` past the end.
pub fn raw_offset(raw: &[u8], strip_ansi: bool, decoded: usize) -> usize {
    let (mut seen, mut found) = (0usize, raw.len());
    walk(raw, strip_ansi, |at, piece| {
        if seen + piece.len() > decoded {
            found = at;
            return false;
        }
        seen += piece.len();
        true
    });
    found
}

#[cfg(test)]
mod tests {
    use super::{parse, raw_offset, unescape, Span, Value};

    #[test]
    fn keeps_string_positions() {
        let doc = br#" {"a": ["x\ny", 1.5e3, true, null], "b\u0041": {"c": "\u00e9"}} "#;
        let v = parse(doc).unwrap();
        let Some(Value::Array(items)) = v.get("a") else { panic!("{v:?}") };
        assert_eq!(items[0], Value::Str(Span { start: 9, end: 13 }));
        assert!(v.get("bA").and_then(|b| b.get("c")).is_some());
        for bad in [&b"{"[..], b"[1,]", b"{\"a\" 1}", b"\"\\q\"", b"\"a\nb\"", b"[1] x", b"tru"] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse(&b"[".repeat(100)), None, "too deep");
    }

    #[test]
    fn unescapes_and_maps_back() {
        let raw = br#"k=\"A\u00e9\ud83d\udd11\/B\n"#;
        assert_eq!(unescape(raw, false), "k=\"Aé\u{1F511}/B\n".as_bytes());
        // "k", "=", "\"" (2 raw bytes), "A", "é" (2 decoded bytes, 6 raw), the key (4 decoded, 12 raw), "/", "B".
        assert_eq!(raw_offset(raw, false, 3), 4);
        assert_eq!(raw_offset(raw, false, 5), 5, "inside é: the escape's start");
        assert_eq!(raw_offset(raw, false, 10), 23);
        assert_eq!(raw_offset(raw, false, 11), 25);
        assert_eq!(raw_offset(raw, false, 100), raw.len());
    }

    #[test]
    fn strips_terminal_colours() {
        let raw = br"\u001b[0;31mAKIAHEZIKBQH36EMN2OS\u001b[0m!";
        assert_eq!(unescape(raw, true), b"AKIAHEZIKBQH36EMN2OS!");
        assert_eq!(raw_offset(raw, true, 0), 12);
        assert_eq!(unescape(raw, false)[0], 0x1B);
    }
}
