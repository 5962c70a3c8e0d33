//! Dockerfiles / Containerfiles lowered to build [`Stage`]s of [`Instruction`]s.
//!
//! The reader follows the Dockerfile reference: parser directives (`# escape=`), line continuations with the
//! escape character (comment and blank lines inside a continuation are dropped), BuildKit heredocs
//! (`RUN <<EOF … EOF`, whose bodies are not instructions), `FROM [--platform=…] image [AS name]`, and
//! `$VAR`/`${VAR}`/`${VAR:-default}` substitution from `ARG`/`ENV` defaults where Docker performs it (`FROM`
//! from global `ARG`s, `USER` from the stage's `ARG`s and `ENV`s). Every instruction keeps the line each of its
//! words came from, so a finding on the second line of a continued `ENV` points at that line.
use std::collections::HashMap;

/// Bytes that variable substitution may produce for one Dockerfile. Values are stored expanded, so without a
/// bound `ENV B=$A$A` repeated forty times doubles its way to a terabyte from a 700-byte file. Real
/// Dockerfiles substitute a few hundred bytes; past the bound values count as unknown, as an unset variable
/// does.
const SUBSTITUTION_BUDGET: usize = 1 << 20;

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

pub struct Instruction {
    pub keyword: String,
    pub line: usize,
    pub args: String,
    /// (offset in `args`, physical line) for each continued piece, in order.
    pieces: Vec<(usize, usize)>,
    pub escape: char,
}

impl Instruction {
    /// The physical line holding byte `offset` of `args`.
    pub fn line_at(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|(o, _)| *o <= offset);
        i.checked_sub(1).and_then(|i| self.pieces.get(i)).map_or(self.line, |(_, l)| *l)
    }

    /// Shell-style words with their offsets: whitespace splits outside quotes, quotes are removed, the
    /// escape character protects the next character (except inside single quotes).
    pub fn words(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut cur: Option<(usize, String)> = None;
        let mut quote: Option<char> = None;
        let mut chars = self.args.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if quote.is_none() && c.is_whitespace() {
                out.extend(cur.take());
                continue;
            }
            let word = &mut cur.get_or_insert_with(|| (i, String::new())).1;
            match (quote, c) {
                (Some('\''), '\'') | (Some('"'), '"') => quote = None,
                (None, '\'' | '"') => quote = Some(c),
                (q, e) if e == self.escape && q != Some('\'') => {
                    if let Some((_, n)) = chars.next() {
                        word.push(n);
                    }
                }
                _ => word.push(c),
            }
        }
        out.extend(cur);
        out
    }
}

pub enum Base {
    /// `FROM builder`: an earlier stage, by index.
    Stage(usize),
    Scratch,
    /// An image reference after `ARG` substitution.
    Image(String),
    /// Holds a variable without a known value.
    Unknown,
}

pub enum User {
    Unset,
    /// The last `USER` of the stage; `value` is `None` when it holds an unresolvable variable.
    Set {
        line: usize,
        value: Option<String>,
    },
}

pub struct Stage {
    pub from_line: usize,
    pub base: Base,
    pub name: Option<String>,
    pub user: User,
    pub instructions: Vec<Instruction>,
}

pub struct Dockerfile {
    /// `ARG`s before the first `FROM`.
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.global_args.iter().chain(self.stages.iter().flat_map(|s| s.instructions.iter()))
    }
}

pub fn parse(text: &str) -> Result<Dockerfile, (usize, String)> {
    let instructions = read_instructions(text)?;
    let mut global_args = Vec::new();
    let mut globals: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    // Variables visible to USER in the current stage: its ARGs (a redeclared global ARG takes the global
    // default) and ENVs.
    let mut vars: HashMap<String, Option<String>> = HashMap::new();
    let mut budget = SUBSTITUTION_BUDGET;
    for ins in instructions {
        match ins.keyword.as_str() {
            "FROM" => {
                let words = ins.words();
                let mut rest = words.iter().map(|(_, w)| w.as_str()).skip_while(|w| w.starts_with("--"));
                let image = rest.next().unwrap_or("").to_string();
                let name = match (rest.next(), rest.next()) {
                    (Some(a), Some(n)) if a.eq_ignore_ascii_case("as") => Some(n.to_ascii_lowercase()),
                    _ => None,
                };
                let base = match substitute(&image, &globals, &mut budget) {
                    None => Base::Unknown,
                    Some(img) if img.eq_ignore_ascii_case("scratch") => Base::Scratch,
                    Some(img) => {
                        match stages.iter().position(|s| s.name.as_deref() == Some(img.to_ascii_lowercase().as_str())) {
                            Some(i) => Base::Stage(i),
                            None => Base::Image(img),
                        }
                    }
                };
                vars.clear();
                stages.push(Stage { from_line: ins.line, base, name, user: User::Unset, instructions: vec![ins] });
            }
            keyword => {
                let Some(stage) = stages.last_mut() else {
                    if keyword != "ARG" {
                        return Err((ins.line, format!("{keyword} before the first FROM")));
                    }
                    for a in assignments(&ins) {
                        globals.insert(a.name, a.value);
                    }
                    global_args.push(ins);
                    continue;
                };
                match keyword {
                    "ARG" => {
                        for a in assignments(&ins) {
                            let v = match a.value {
                                Some(v) => substitute(&v, &vars, &mut budget),
                                None => globals.get(&a.name).cloned().flatten(),
                            };
                            vars.insert(a.name, v);
                        }
                    }
                    "ENV" => {
                        for a in assignments(&ins) {
                            let v = a.value.and_then(|v| substitute(&v, &vars, &mut budget));
                            vars.insert(a.name, v);
                        }
                    }
                    "USER" => {
                        let raw = ins.words().into_iter().next().map(|(_, w)| w).unwrap_or_default();
                        stage.user = User::Set { line: ins.line, value: substitute(&raw, &vars, &mut budget) };
                    }
                    _ => {}
                }
                stage.instructions.push(ins);
            }
        }
    }
    if stages.is_empty() && !global_args.is_empty() {
        return Err((global_args[0].line, "no FROM instruction".to_string()));
    }
    Ok(Dockerfile { global_args, stages })
}

/// One `name=value` of an `ENV` or `ARG`; `offset` is where the name starts in the instruction's arguments.
pub struct Assignment {
    pub name: String,
    pub offset: usize,
    /// `None` for an `ARG` without a default.
    pub value: Option<String>,
}

/// `ENV`/`ARG` assignments, both `ENV a=1 b=2` and the legacy `ENV a 1 2` (the value is the rest of the line).
pub fn assignments(ins: &Instruction) -> Vec<Assignment> {
    let words = ins.words();
    let legacy = ins.keyword == "ENV" && words.first().is_some_and(|(_, w)| !w.contains('='));
    if legacy {
        let Some((offset, name)) = words.first() else {
            return Vec::new();
        };
        let value: Vec<&str> = words.iter().skip(1).map(|(_, w)| w.as_str()).collect();
        return vec![Assignment { name: name.clone(), offset: *offset, value: Some(value.join(" ")) }];
    }
    words
        .into_iter()
        .map(|(offset, w)| match w.split_once('=') {
            Some((k, v)) => Assignment { name: k.to_string(), offset, value: Some(v.to_string()) },
            None => Assignment { name: w, offset, value: None },
        })
        .collect()
}

/// An image reference split into (name, tag, digest): `gcr.io/distroless/static:nonroot@sha256:…`.
/// The tag is looked for after the last `/`, so a registry port (`localhost:5000/app`) is not a tag.
pub fn image_parts(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(c) => (&rest[..slash + c], Some(&rest[slash + c + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// Docker's variable substitution. `None` when a variable has no known value, or when the result would take
/// more than is left of `budget` (which it then uses up): the caller must not guess.
pub fn substitute(s: &str, vars: &HashMap<String, Option<String>>, budget: &mut usize) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        if out.len() > *budget {
            *budget = 0;
            return None;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, consumed) = if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-").or_else(|| inner.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            (name, default, end + 2)
        } else {
            let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            (&after[..len], None, len)
        };
        match (vars.get(name).cloned().flatten(), default) {
            (Some(v), _) if !v.is_empty() || default.is_none() => out.push_str(&v),
            (_, Some(d)) => out.push_str(d),
            _ => return None,
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    if out.len() > *budget {
        *budget = 0;
        return None;
    }
    *budget -= out.len();
    Some(out)
}

fn read_instructions(text: &str) -> Result<Vec<Instruction>, (usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: `# key=value` lines at the very top, before anything else.
    while let Some(l) = lines.get(i) {
        let Some(d) = l.trim().strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || k.contains(char::is_whitespace) {
            break;
        }
        if k == "escape" && v.trim() == "`" {
            escape = '`';
        }
        i += 1;
    }
    let mut out = Vec::new();
    while let Some(&first) = lines.get(i) {
        let line_no = i + 1;
        i += 1;
        let t = first.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut args = String::new();
        let mut pieces = Vec::new();
        let mut piece = t;
        let mut piece_line = line_no;
        loop {
            let trimmed = piece.trim_end();
            let continued = trimmed.ends_with(escape);
            pieces.push((args.len(), piece_line));
            args.push_str(if continued { &trimmed[..trimmed.len() - escape.len_utf8()] } else { trimmed });
            if !continued {
                break;
            }
            args.push(' ');
            // Comment and blank lines inside a continuation are removed before the instruction is read.
            loop {
                match lines.get(i) {
                    Some(l) if l.trim().is_empty() || l.trim_start().starts_with('#') => i += 1,
                    _ => break,
                }
            }
            match lines.get(i) {
                Some(l) => {
                    piece = l.trim_start();
                    piece_line = i + 1;
                    i += 1;
                }
                None => break,
            }
        }
        let split = args.find(char::is_whitespace).unwrap_or(args.len());
        let keyword = args[..split].to_ascii_uppercase();
        if !INSTRUCTIONS.contains(&keyword.as_str()) {
            return Err((line_no, format!("unknown instruction {}", &args[..split])));
        }
        let rest_at = args[split..].find(|c: char| !c.is_whitespace()).map_or(args.len(), |o| split + o);
        let ins = Instruction {
            keyword,
            line: line_no,
            args: args[rest_at..].to_string(),
            pieces: pieces.into_iter().map(|(o, l)| (o.saturating_sub(rest_at), l)).collect(),
            escape,
        };
        for delim in heredoc_delimiters(&ins) {
            let strip_tabs = delim.0;
            loop {
                let Some(l) = lines.get(i) else {
                    return Err((ins.line, format!("heredoc <<{} is never closed", delim.1)));
                };
                i += 1;
                let candidate = if strip_tabs { l.trim_start_matches('\t') } else { l };
                if candidate.trim_end() == delim.1 {
                    break;
                }
            }
        }
        out.push(ins);
    }
    Ok(out)
}

/// BuildKit heredocs opened by `RUN`, `COPY` or `ADD`: `(strip leading tabs, delimiter)` in order.
fn heredoc_delimiters(ins: &Instruction) -> Vec<(bool, String)> {
    if !matches!(ins.keyword.as_str(), "RUN" | "COPY" | "ADD") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = ins.args.as_str();
    while let Some(i) = rest.find("<<") {
        rest = &rest[i + 2..];
        if rest.starts_with('<') {
            rest = rest.trim_start_matches('<'); // `<<<` is a shell here-string, not a heredoc
            continue;
        }
        let strip = rest.starts_with('-');
        let r = rest.trim_start_matches('-');
        let r = r.trim_start_matches(['"', '\'']);
        let len = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
        if len > 0 {
            out.push((strip, r[..len].to_string()));
        }
        rest = r;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_users_and_continuations() {
        let df = parse(
            "# syntax=docker/dockerfile:1\nARG BASE=node:20\nFROM ${BASE} AS build\nRUN <<EOF\nUSER root\nEOF\nENV A=1 \\\n  # note\n  TOKEN=abc\nFROM build\nARG UID=10001\nUSER ${UID}\n",
        )
        .unwrap();
        assert_eq!(df.stages.len(), 2);
        assert!(matches!(&df.stages[0].base, Base::Image(i) if i == "node:20"));
        assert!(matches!(df.stages[0].user, User::Unset));
        assert!(matches!(df.stages[1].base, Base::Stage(0)));
        assert!(matches!(&df.stages[1].user, User::Set { line: 12, value: Some(v) } if v == "10001"));
        let env = df.stages[0].instructions.iter().find(|i| i.keyword == "ENV").unwrap();
        let a = assignments(env);
        assert_eq!(a[1].name, "TOKEN");
        assert_eq!(env.line_at(a[1].offset), 9);
    }

    #[test]
    fn legacy_env_and_substitution() {
        let df = parse("FROM alpine\nENV API_KEY some value\nUSER $NOPE\n").unwrap();
        let env = &df.stages[0].instructions[1];
        assert_eq!(assignments(env)[0].value.as_deref(), Some("some value"));
        assert!(matches!(df.stages[0].user, User::Set { value: None, .. }));
        let vars = HashMap::from([("A".to_string(), Some("x".to_string()))]);
        let mut budget = 100;
        assert_eq!(substitute("${A}-${B:-d}-$A", &vars, &mut budget).as_deref(), Some("x-d-x"));
        assert_eq!(budget, 95);
        assert_eq!(substitute("${B", &vars, &mut budget), None);
        assert_eq!(substitute("$A$A$A$A$A$A", &vars, &mut 5), None);
    }

    /// Found while probing the `iac_dockerfile` fuzz target: each `ENV` doubling the last one made a 700-byte
    /// file need a terabyte. Past the substitution budget the value is unknown, like an unset variable.
    #[test]
    fn doubling_env_values_stop_at_the_budget() {
        let mut text = String::from("FROM alpine\nENV A0=aaaaaaaaaaaaaaaa\n");
        for i in 1..40 {
            text.push_str(&format!("ENV A{i}=$A{p}$A{p}\n", p = i - 1));
        }
        text.push_str("USER $A39\n");
        let df = parse(&text).unwrap();
        assert!(matches!(df.stages[0].user, User::Set { value: None, .. }));
        let df = parse("FROM alpine\nENV A=ab\nENV B=$A$A\nUSER $B\n").unwrap();
        assert!(matches!(&df.stages[0].user, User::Set { value: Some(v), .. } if v == "abab"));
    }

    #[test]
    fn image_references() {
        assert_eq!(image_parts("node"), ("node", None, None));
        assert_eq!(image_parts("localhost:5000/app"), ("localhost:5000/app", None, None));
        assert_eq!(
            image_parts("gcr.io/distroless/static:nonroot@sha256:ab"),
            ("gcr.io/distroless/static", Some("nonroot"), Some("sha256:ab"))
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse("RUN x\n").err().map(|e| e.0), Some(1));
        assert_eq!(parse("FROM a\nFOO b\n").err().map(|e| e.0), Some(2));
        assert_eq!(parse("FROM a\nRUN <<EOF\nx\n").err().map(|e| e.0), Some(2));
        assert!(parse("").unwrap().stages.is_empty());
    }
}
