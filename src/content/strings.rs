//! The printable runs of binary content, as `strings` finds them: runs of at least [`MIN_RUN`] printable ASCII
//! characters (with tab, carriage return and newline, so a PEM key compiled into a binary keeps its lines), and
//! the same as UTF-16LE (each character followed by a NUL byte: Windows resources, .NET string tables). The runs
//! are joined into one text, one run a line, with a map from each run back to its bytes in the content.
//!
//! One pass over the content for each kind, a table lookup per byte: a 50 MB binary costs tens of milliseconds.

/// Shortest run kept, in characters: `strings`' default is 4, which in a binary yields mostly noise; the shortest
/// credential the strings scan looks for is longer than 8.
pub const MIN_RUN: usize = 8;

/// One run: where its text starts in [`Strings::text`], where it starts in the content, its length in
/// characters, and whether it is UTF-16LE (two bytes a character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    text_start: usize,
    start: usize,
    len: usize,
    wide: bool,
}

/// The runs of one piece of binary content.
#[derive(Debug, Default)]
pub struct Strings {
    /// The runs in content order, each followed by `\n`.
    pub text: Vec<u8>,
    runs: Vec<Run>,
}

/// Where a byte of [`Strings::text`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Its offset in the content.
    pub offset: usize,
    /// It came from a UTF-16LE run.
    pub wide: bool,
}

const fn printable_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7F {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
}

static PRINTABLE: [bool; 256] = printable_table();

/// The printable runs of `content`.
pub fn extract(content: &[u8]) -> Strings {
    let mut found: Vec<(usize, usize, bool)> = Vec::new();
    ascii_runs(content, &mut found);
    wide_runs(content, &mut found);
    found.sort_unstable_by_key(|&(start, _, _)| start);
    let mut out = Strings::default();
    let mut end = 0;
    for (mut start, mut len, wide) in found {
        let step = if wide { 2 } else { 1 };
        // A run that begins inside the last one (an ASCII run's last character opening a UTF-16 run) loses
        // the characters it shares with it.
        while start < end && len > 0 {
            start += step;
            len -= 1;
        }
        if len < MIN_RUN {
            continue;
        }
        out.runs.push(Run { text_start: out.text.len(), start, len, wide });
        if wide {
            out.text.extend(content[start..start + 2 * len].iter().step_by(2));
        } else {
            out.text.extend_from_slice(&content[start..start + len]);
        }
        out.text.push(b'\n');
        end = start + step * len;
    }
    out
}

fn ascii_runs(content: &[u8], found: &mut Vec<(usize, usize, bool)>) {
    let mut start = 0;
    for (i, &b) in content.iter().enumerate() {
        if !PRINTABLE[b as usize] {
            if i - start >= MIN_RUN {
                found.push((start, i - start, false));
            }
            start = i + 1;
        }
    }
    if content.len() - start >= MIN_RUN {
        found.push((start, content.len() - start, false));
    }
}

fn wide_runs(content: &[u8], found: &mut Vec<(usize, usize, bool)>) {
    let mut i = 0;
    while i + 1 < content.len() {
        // A UTF-16LE run needs a NUL after its first character: skip to the next NUL byte.
        let Some(nul) = memchr::memchr(0, &content[i + 1..]) else { break };
        let start = i + 1 + nul - 1;
        if !PRINTABLE[content[start] as usize] {
            i = start + 1;
            continue;
        }
        let mut end = start;
        while end + 1 < content.len() && PRINTABLE[content[end] as usize] && content[end + 1] == 0 {
            end += 2;
        }
        let len = (end - start) / 2;
        if len >= MIN_RUN {
            found.push((start, len, true));
        }
        i = end.max(start + 1);
    }
}

impl Strings {
    /// Where byte `text_offset` of [`text`](Self::text) came from; a run's closing newline maps to just after
    /// the run.
    pub fn source(&self, text_offset: usize) -> Option<Source> {
        let i = self.runs.partition_point(|r| r.text_start <= text_offset).checked_sub(1)?;
        let run = self.runs[i];
        let within = (text_offset - run.text_start).min(run.len);
        let step = if run.wide { 2 } else { 1 };
        Some(Source { offset: run.start + step * within, wide: run.wide })
    }

    /// How many runs were found.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{extract, Source};

    fn wide(s: &str) -> Vec<u8> {
        s.bytes().flat_map(|b| [b, 0]).collect()
    }

    #[test]
    fn finds_ascii_and_utf16_runs_in_order() {
        let mut bin = b"\x7fELF\x01\x02short\x00\x00".to_vec();
        let ascii_at = bin.len();
        bin.extend_from_slice(b"AKIAHEZIKBQH36EMN2OS\n-----END-----");
        bin.extend_from_slice(&[0xFF, 0x01, 0x00]);
        let wide_at = bin.len();
        bin.extend(wide("ghp_wideTokenHere"));
        bin.extend_from_slice(&[0x00, 0x90]);
        let s = extract(&bin);
        assert_eq!(s.text, b"AKIAHEZIKBQH36EMN2OS\n-----END-----\nghp_wideTokenHere\n".to_vec());
        assert_eq!(s.run_count(), 2);
        assert_eq!(s.source(0), Some(Source { offset: ascii_at, wide: false }));
        assert_eq!(s.source(4), Some(Source { offset: ascii_at + 4, wide: false }));
        let w = 35;
        assert_eq!(s.source(w), Some(Source { offset: wide_at, wide: true }));
        assert_eq!(s.source(w + 3), Some(Source { offset: wide_at + 6, wide: true }));
    }

    #[test]
    fn short_runs_and_empty_input_give_nothing() {
        assert!(extract(b"").text.is_empty());
        assert!(extract(b"\0abc\0defg\0").text.is_empty());
        assert!(extract(&wide("short")).text.is_empty());
        assert_eq!(extract(b"12345678").text, b"12345678\n");
    }
}
