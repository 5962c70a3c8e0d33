//! JSON → [`Node`] with line numbers, for CloudFormation JSON templates, `*.tf.json`, Kubernetes JSON
//! manifests, ARM templates and JSON policies inside Terraform heredocs.
//!
//! A small strict RFC 8259 parser of our own, because `serde_json` keeps no positions and every finding
//! must name its line. Recursion is capped at [`super::yaml::MAX_DEPTH`] so hostile nesting is a parse
//! error, never a stack overflow.
use super::node::{Key, Node, Val};
use super::yaml::MAX_DEPTH;

#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub line: usize,
    pub message: String,
}

/// Parses one JSON value; `first_line` is the line the text starts on in its file.
pub fn parse(text: &str, first_line: usize) -> Result<Node, JsonError> {
    parse_inner(text, first_line, false)
}

/// As [`parse`], but `//` line comments and `/* */` block comments count as whitespace: ARM templates may
/// carry them (Azure's deployment tools strip them before parsing).
pub fn parse_with_comments(text: &str) -> Result<Node, JsonError> {
    parse_inner(text, 1, true)
}

fn parse_inner(text: &str, first_line: usize, comments: bool) -> Result<Node, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = P { s: text.as_bytes(), i: 0, line: first_line.max(1), comments, unterminated: false };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.unterminated {
        return Err(p.err("unterminated comment"));
    }
    if p.i < p.s.len() {
        return Err(p.err("unexpected content after the JSON value"));
    }
    Ok(node)
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    comments: bool,
    /// A `/*` without its `*/`: the rest of the input was skipped, and the parse must fail.
    unterminated: bool,
}

impl P<'_> {
    fn err(&self, message: &str) -> JsonError {
        JsonError { line: self.line, message: message.to_string() }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b'/' if self.comments => {
                    if !self.comment() {
                        break;
                    }
                    continue;
                }
                _ => break,
            }
            self.i += 1;
        }
    }

    /// Skips a comment starting at `self.i` (a `/`); `false` if none starts there.
    fn comment(&mut self) -> bool {
        match self.s.get(self.i + 1) {
            Some(b'/') => {
                let rest = &self.s[self.i..];
                self.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                true
            }
            Some(b'*') => {
                let body = &self.s[self.i + 2..];
                let len = memchr::memmem::find(body, b"*/").map_or_else(
                    || {
                        self.unterminated = true;
                        body.len()
                    },
                    |end| end + 2,
                );
                self.line += memchr::memchr_iter(b'\n', &body[..len.min(body.len())]).count();
                self.i += 2 + len;
                true
            }
            _ => false,
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.ws();
        let line = self.line;
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let key_line = self.line;
                        if self.peek() != Some(b'"') {
                            return Err(self.err("expected a string key"));
                        }
                        let name = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.err("expected ':' after key"));
                        }
                        let v = self.value(depth + 1)?;
                        entries.push((Key { name, line: key_line }, v));
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return Err(self.err("expected ',' or '}' in object"));
                    }
                }
                Ok(Node::new(line, self.line, Val::Map(entries)))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return Err(self.err("expected ',' or ']' in array"));
                    }
                }
                Ok(Node::new(line, self.line, Val::Seq(items)))
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(line, line, Val::Str(s)))
            }
            Some(b't') => self.word("true", Val::Bool(true), line),
            Some(b'f') => self.word("false", Val::Bool(false), line),
            Some(b'n') => self.word("null", Val::Null, line),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(n) => Ok(Node::new(line, line, Val::Num(n))),
                    Err(_) => Err(self.err("invalid number")),
                }
            }
            Some(_) => Err(self.err("unexpected character")),
            None => Err(self.err("unexpected end of input")),
        }
    }

    fn word(&mut self, w: &str, val: Val, line: usize) -> Result<Node, JsonError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(Node::new(line, line, val))
        } else {
            Err(self.err("unexpected word"))
        }
    }

    /// A string starting at the opening quote. Invalid escapes are errors; lone surrogates become U+FFFD.
    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.err("invalid escape in string")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                b'\n' => return Err(self.err("newline inside string")),
                _ => out.push(b),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(digits)
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_values() {
        let n = parse("{\n  \"a\": [1, \"x\\u00e9\"],\n  \"b\":\n    true\n}", 10).unwrap();
        assert_eq!(n.line, 10);
        assert_eq!(n.entry("a").unwrap().0.line, 11);
        assert_eq!(n.get("b").unwrap().line, 13);
        assert_eq!(n.get("b").unwrap().as_bool(), Some(true));
        let a: Vec<_> = n.get("a").unwrap().items().collect();
        assert_eq!(a[1].as_str(), Some("xé"));
    }

    #[test]
    fn errors_carry_lines() {
        assert_eq!(parse("{\n\"a\": 1,\n}", 1).unwrap_err().line, 3);
        assert!(parse(&"[".repeat(100_000), 1).is_err());
        assert!(parse("\"\\ud800", 1).is_err());
        assert!(parse("[1] x", 1).is_err());
    }

    #[test]
    fn comments_only_where_asked_for() {
        let text = "// lead\n{\n  /* a\n  b */ \"a\": 1, // tail\n  \"b\": \"//not a comment\"\n}";
        assert!(parse(text, 1).is_err());
        let n = parse_with_comments(text).unwrap();
        assert_eq!(n.entry("a").unwrap().0.line, 4);
        assert_eq!(n.get("b").unwrap().as_str(), Some("//not a comment"));
        assert!(parse_with_comments("{} /* open").is_err());
        assert!(parse_with_comments("{\"a\": 1 /* open").is_err());
        assert!(parse_with_comments("/").is_err());
    }
}
