//! Go regular expressions (gitleaks configs are written for Go's `regexp`, RE2 syntax) rewritten into the
//! Rust `regex` crate's syntax, meaning for meaning. Most syntax is shared; what differs, per Go's
//! `regexp/syntax` documentation and the `regex` crate's syntax reference:
//!
//! - `\Q…\E` (literal text) exists only in Go: each character inside is escaped instead.
//! - `\123` is an octal escape in Go; Rust reads octal only when asked to: rewritten as `\x{53}`.
//! - `\d \s \w` (and negations) are ASCII-only in Go; Rust's are Unicode-aware when Unicode is on. They become
//!   explicit ASCII classes (`[0-9]`, `[\t\n\f\r ]`, `[0-9A-Za-z_]`), which also drops the `\v` Rust's ASCII
//!   `\s` would add. `\b` is an ASCII word boundary in Go: kept as `\b` where leakgate compiles with Unicode
//!   off (rule regexes) and written `(?-u:\b)` where it is on (path and allowlist regexes).
//! - `\<` and `\>` are escaped punctuation (literal `<`, `>`) in Go but word boundaries in Rust.
//! - A `{` that does not start a counted repetition (`{,5}`, `${VAR}`) is a literal in Go and an error in Rust.
//! - Inside a character class Rust has nested classes and set operators (`[`, `&&`, `--`, `~~`) that are
//!   plain characters in Go (`[+--]` is the range `+` to `-`): every literal inside a class is escaped.
//! - Rule regexes run with Unicode off (tokens are ASCII; see `rules::rule`), where `\p{…}` is rejected: Unicode
//!   classes are wrapped in `(?u:…)`, with a whole class wrapped when it holds one.
//!
//! Left as they are, with their small differences documented in the README: `.` and negated classes match one
//! byte in rule regexes (one character in Go), and `$` also matches at line ends (leakgate runs rule regexes in
//! multi-line mode so that `^`/`$` keep their meaning on a window cut from the middle of a file). Anything
//! else Go accepts and Rust does not (none is known) surfaces as a compile error naming the rule.

/// Which kind of leakgate regex the result is compiled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A rule regex: `regex::bytes` with Unicode off.
    Rule,
    /// A path or allowlist regex: `regex::Regex` with Unicode on.
    Text,
}

/// The translated pattern and how many capture groups it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    pub pattern: String,
    pub groups: usize,
}

/// Name of the capture group leakgate's engine takes the secret from.
const SECRET_GROUP: &str = "secret";

/// Rewrites a Go pattern. With `secret_group = Some(n)`, capture group `n` becomes the named group `secret`
/// (how leakgate says which group holds the secret); a group already called `secret` elsewhere is renamed so
/// that it cannot take over.
pub fn translate(go: &str, mode: Mode, secret_group: Option<usize>) -> Result<Translated, String> {
    let mut t = Translator {
        src: go.chars().collect(),
        i: 0,
        out: String::with_capacity(go.len() + 16),
        mode,
        groups: 0,
        secret_group,
    };
    t.run()?;
    if let Some(n) = secret_group {
        if n > t.groups {
            return Err(format!(
                "secretGroup = {n}, but the regex has {} capture group{}",
                t.groups,
                if t.groups == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(Translated { pattern: t.out, groups: t.groups })
}

struct Translator {
    src: Vec<char>,
    i: usize,
    out: String,
    mode: Mode,
    groups: usize,
    secret_group: Option<usize>,
}

/// One element of a character class.
enum ClassItem {
    /// A single character, already written in Rust syntax (can be a range end).
    Char(String),
    /// A class of its own (`[0-9]`, `\p{Greek}`, `[:alpha:]`).
    Set { text: String, unicode: bool },
}

impl Translator {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.src.get(self.i + ahead).copied()
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group()?,
                '{' => self.brace(),
                '}' | ']' => {
                    self.out.push('\\');
                    self.out.push(c);
                    self.i += 1;
                }
                _ => {
                    self.out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(())
    }

    /// An escape outside a character class; `self.i` is at the backslash.
    fn escape(&mut self) -> Result<(), String> {
        let Some(n) = self.peek(1) else {
            return Err("the regex ends with a lone backslash".into());
        };
        match n {
            'Q' => {
                self.i += 2;
                while let Some(c) = self.peek(0) {
                    if c == '\\' && self.peek(1) == Some('E') {
                        self.i += 2;
                        return Ok(());
                    }
                    self.out.push_str(&escape_char(c));
                    self.i += 1;
                }
                Ok(())
            }
            'd' | 'D' | 's' | 'S' | 'w' | 'W' => {
                self.out.push_str(perl_class(n));
                self.i += 2;
                Ok(())
            }
            'b' | 'B' => {
                match self.mode {
                    Mode::Rule => {
                        self.out.push('\\');
                        self.out.push(n);
                    }
                    Mode::Text => {
                        self.out.push_str("(?-u:\\");
                        self.out.push(n);
                        self.out.push(')');
                    }
                }
                self.i += 2;
                Ok(())
            }
            'p' | 'P' => {
                let class = self.unicode_class()?;
                match self.mode {
                    Mode::Rule => {
                        self.out.push_str("(?u:");
                        self.out.push_str(&class);
                        self.out.push(')');
                    }
                    Mode::Text => self.out.push_str(&class),
                }
                Ok(())
            }
            _ => {
                let c = self.char_escape()?;
                self.out.push_str(&c);
                Ok(())
            }
        }
    }

    /// An escape that stands for one character (octal, hex, control, punctuation), in Rust syntax.
    /// `self.i` is at the backslash; it ends after the escape.
    fn char_escape(&mut self) -> Result<String, String> {
        let n = self.peek(1).ok_or("the regex ends with a lone backslash")?;
        match n {
            '0'..='7' => {
                // Go: `\0`, `\12`, `\123` are octal; a lone `\1`..`\7` would be a backreference (rejected).
                let digits: String =
                    self.src[self.i + 1..].iter().take(3).take_while(|d| ('0'..='7').contains(*d)).collect();
                if n != '0' && digits.len() == 1 {
                    return Err(format!("`\\{n}` is a backreference, which neither Go nor leakgate supports"));
                }
                let value = u32::from_str_radix(&digits, 8).map_err(|e| e.to_string())?;
                self.i += 1 + digits.len();
                Ok(format!("\\x{{{value:X}}}"))
            }
            'x' => {
                let start = self.i;
                self.i += 2;
                if self.peek(0) == Some('{') {
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == '}' {
                            break;
                        }
                    }
                } else {
                    self.i = (self.i + 2).min(self.src.len());
                }
                Ok(self.src[start..self.i].iter().collect())
            }
            // Literal `<` and `>` in Go; word boundaries in Rust.
            '<' | '>' => {
                self.i += 2;
                Ok(n.to_string())
            }
            _ if n.is_ascii_punctuation() => {
                self.i += 2;
                Ok(escape_char(n))
            }
            // `\a \f \t \n \r \v \A \z` mean the same in both; anything else is invalid in Go too, and Rust's
            // error says which escape.
            _ => {
                self.i += 2;
                Ok(format!("\\{n}"))
            }
        }
    }

    /// `\pL`, `\p{Greek}`, `\PL`, `\P{Greek}`, copied; `self.i` is at the backslash.
    fn unicode_class(&mut self) -> Result<String, String> {
        let start = self.i;
        self.i += 2;
        match self.peek(0) {
            Some('{') => {
                while let Some(c) = self.peek(0) {
                    self.i += 1;
                    if c == '}' {
                        return Ok(self.src[start..self.i].iter().collect());
                    }
                }
                Err("unclosed `\\p{…}` class".into())
            }
            Some(_) => {
                self.i += 1;
                Ok(self.src[start..self.i].iter().collect())
            }
            None => Err("the regex ends inside a `\\p` class".into()),
        }
    }

    /// `(`: counts capture groups and names the secret group.
    fn group(&mut self) -> Result<(), String> {
        if self.peek(1) != Some('?') {
            self.groups += 1;
            self.i += 1;
            if self.secret_group == Some(self.groups) {
                self.out.push_str(&format!("(?P<{SECRET_GROUP}>"));
            } else {
                self.out.push('(');
            }
            return Ok(());
        }
        let name_at = match (self.peek(2), self.peek(3)) {
            (Some('P'), Some('<')) => Some(4),
            (Some('<'), Some(c)) if c != '=' && c != '!' => Some(3),
            _ => None,
        };
        let Some(name_at) = name_at else {
            // Flags or a non-capturing group: copied as they are.
            self.out.push_str("(?");
            self.i += 2;
            return Ok(());
        };
        let rest = &self.src[self.i + name_at..];
        let len = rest.iter().position(|&c| c == '>').ok_or("unclosed capture group name")?;
        let name: String = rest[..len].iter().collect();
        self.groups += 1;
        self.i += name_at + len + 1;
        let name = if self.secret_group == Some(self.groups) {
            SECRET_GROUP.to_string()
        } else if name == SECRET_GROUP {
            "gitleaks_secret".to_string()
        } else {
            name
        };
        self.out.push_str(&format!("(?P<{name}>"));
        Ok(())
    }

    /// `{` outside a class: a counted repetition (`{n}`, `{n,}`, `{n,m}`) is copied, anything else is a literal.
    fn brace(&mut self) {
        let rest = &self.src[self.i + 1..];
        let close = rest.iter().position(|&c| c == '}');
        let is_repeat = close.is_some_and(|end| {
            let body: String = rest[..end].iter().collect();
            let (min, max) = match body.split_once(',') {
                Some((a, b)) => (a, Some(b)),
                None => (body.as_str(), None),
            };
            !min.is_empty()
                && min.bytes().all(|b| b.is_ascii_digit())
                && max.is_none_or(|m| m.bytes().all(|b| b.is_ascii_digit()))
        });
        match close {
            Some(end) if is_repeat => {
                let n = end + 2;
                self.out.extend(&self.src[self.i..self.i + n]);
                self.i += n;
            }
            _ => {
                self.out.push_str("\\{");
                self.i += 1;
            }
        }
    }

    /// A bracketed class; `self.i` is at `[`.
    fn class(&mut self) -> Result<(), String> {
        self.i += 1;
        let negated = self.peek(0) == Some('^');
        if negated {
            self.i += 1;
        }
        let mut body = String::new();
        let mut unicode = false;
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err("unclosed character class `[`".into());
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            let lo = self.class_item()?;
            let ranged = self.peek(0) == Some('-') && self.peek(1).is_some_and(|n| n != ']');
            match lo {
                ClassItem::Char(lo) if ranged => {
                    self.i += 1;
                    match self.class_item()? {
                        ClassItem::Char(hi) => {
                            body.push_str(&lo);
                            body.push('-');
                            body.push_str(&hi);
                        }
                        ClassItem::Set { .. } => return Err("a character class range ends in a class".into()),
                    }
                }
                ClassItem::Char(c) => body.push_str(&c),
                ClassItem::Set { text, unicode: u } => {
                    unicode |= u;
                    body.push_str(&text);
                }
            }
        }
        let class = format!("[{}{body}]", if negated { "^" } else { "" });
        if unicode && self.mode == Mode::Rule {
            self.out.push_str(&format!("(?u:{class})"));
        } else {
            self.out.push_str(&class);
        }
        Ok(())
    }

    fn class_item(&mut self) -> Result<ClassItem, String> {
        let c = self.peek(0).ok_or("unclosed character class `[`")?;
        if c == '[' && self.peek(1) == Some(':') {
            let rest = &self.src[self.i + 2..];
            if let Some(end) = rest.windows(2).position(|w| w == [':', ']']) {
                let text: String = self.src[self.i..self.i + 2 + end + 2].iter().collect();
                self.i += end + 4;
                // `[x[:alpha:]]` is a nested class in Rust, the same ASCII set as Go's `[x[:alpha:]]`.
                return Ok(ClassItem::Set { text: format!("[{text}]"), unicode: false });
            }
        }
        if c != '\\' {
            self.i += 1;
            return Ok(ClassItem::Char(escape_char(c)));
        }
        match self.peek(1) {
            Some(n @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) => {
                self.i += 2;
                Ok(ClassItem::Set { text: perl_class(n).to_string(), unicode: false })
            }
            Some('p' | 'P') => Ok(ClassItem::Set { text: self.unicode_class()?, unicode: true }),
            Some('Q') => Err("`\\Q…\\E` inside a character class".into()),
            _ => Ok(ClassItem::Char(self.char_escape()?)),
        }
    }
}

/// Go's ASCII-only Perl classes as explicit classes (valid inside a class too, as nested classes).
fn perl_class(c: char) -> &'static str {
    match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => "[\\t\\n\\f\\r ]",
        'S' => "[^\\t\\n\\f\\r ]",
        'w' => "[0-9A-Za-z_]",
        _ => "[^0-9A-Za-z_]",
    }
}

/// One literal character, escaped if it is ASCII punctuation (Rust accepts escaping any of it except `<`, `>`,
/// which are word boundaries when escaped).
fn escape_char(c: char) -> String {
    if c.is_ascii_punctuation() && c != '<' && c != '>' {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{translate, Mode};

    fn rule(go: &str) -> String {
        translate(go, Mode::Rule, None).unwrap().pattern
    }

    fn compiles_as_rule(p: &str) -> regex::bytes::Regex {
        regex::bytes::RegexBuilder::new(p)
            .unicode(false)
            .multi_line(true)
            .build()
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn shared_syntax_is_kept() {
        let go = r"(?i)\b(ghp_[0-9a-zA-Z]{36})(?:['|\n|\r|\s|\x60;]|$)";
        let t = rule(go);
        assert_eq!(t, r"(?i)\b(ghp_[0-9a-zA-Z]{36})(?:[\'\|\n\|\r\|[\t\n\f\r ]\|\x60\;]|$)");
        let re = compiles_as_rule(&t);
        assert!(re.is_match(b"token=GHP_ZJDeVREhkptGF7Wvep0NwJWlPEQP7a0t2nxL'"));
    }

    #[test]
    fn quoted_literals_octal_and_angle_brackets() {
        let re = compiles_as_rule(&rule(r"\Qa.b*c\E+\101\<x\>"));
        assert!(re.is_match(b"a.b*cccA<x>"));
        assert!(!re.is_match(b"axbbcA<x>"));
        assert!(translate(r"(a)\1", Mode::Rule, None).unwrap_err().contains("backreference"));
    }

    #[test]
    fn literal_braces_and_class_operators() {
        let re = compiles_as_rule(&rule(r"\${[A-Z]{2,}}x{,3}"));
        assert!(re.is_match(b"${AB}x{,3}"));
        // Go reads `[+--]` as the range `+` to `-`; `[a&&b]` and `[[x]` hold plain characters.
        let re = compiles_as_rule(&rule(r"^[+--]+[a&&b]+[[x]$"));
        assert!(re.is_match(b"+,-&b[") && re.is_match(b"+,-ax"));
        assert!(compiles_as_rule(&rule(r"[]a]")).is_match(b"]"));
        assert!(compiles_as_rule(&rule(r"[[:alpha:]_]+")).is_match(b"ab_"));
    }

    #[test]
    fn perl_classes_stay_ascii_and_unicode_classes_work_with_unicode_off() {
        let re = compiles_as_rule(&rule(r"^\p{Greek}+[\pL\d]+\w$"));
        assert!(re.is_match("αβγλ9x".as_bytes()));
        // Non-ASCII literals are matched as their UTF-8 bytes.
        assert!(compiles_as_rule(&rule("(?i)clé=(x+)")).is_match("CLé=xx".as_bytes()));
        let text = translate(r"\d+\b", Mode::Text, None).unwrap().pattern;
        let re = regex::Regex::new(&text).unwrap();
        assert!(re.is_match("12"));
        assert!(!re.is_match("١٢")); // Arabic-Indic digits: Unicode \d, not Go's \d
    }

    #[test]
    fn secret_group_is_named() {
        let t = translate(r"(key)=(?:x)(?P<v>[a-z]+)(?<secret>\d)", Mode::Rule, Some(2)).unwrap();
        assert_eq!(t.groups, 3);
        assert_eq!(t.pattern, r"(key)=(?:x)(?P<secret>[a-z]+)(?P<gitleaks_secret>[0-9])");
        assert!(translate(r"(a)", Mode::Rule, Some(2)).unwrap_err().contains("1 capture group"));
    }
}
