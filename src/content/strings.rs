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

/// The printable ASCII runs of at least `MIN_RUN` bytes. Such a run covers a multiple of `MIN_RUN`, so only
/// those offsets are looked at first, and a run is traced out from one that is printable: on binary data
/// most of the content is never touched (about one byte in eight), which is what makes large binaries cheap.
fn ascii_runs(content: &[u8], found: &mut Vec<(usize, usize, bool)>) {
    let printable = |i: usize| PRINTABLE[content[i] as usize];
    // Nothing before `floor` can belong to a run not yet found.
    let (mut p, mut floor) = (0, 0);
    while p < content.len() {
        if !printable(p) {
            floor = p + 1;
            p += MIN_RUN;
            continue;
        }
        let mut start = p;
        while start > floor && printable(start - 1) {
            start -= 1;
        }
        let mut end = p + 1;
        while end < content.len() && printable(end) {
            end += 1;
        }
        if end - start >= MIN_RUN {
            found.push((start, end - start, false));
        }
        floor = end + 1;
        p = (end / MIN_RUN + 1) * MIN_RUN;
    }
}

/// The UTF-16LE runs (a printable ASCII byte, then NUL) of at least `MIN_RUN` characters. Such a run covers
/// `2 * MIN_RUN` bytes and so two multiples of `MIN_RUN`, at either byte of a pair: as for ASCII runs, only
/// those offsets are looked at first.
fn wide_runs(content: &[u8], found: &mut Vec<(usize, usize, bool)>) {
    let pair = |i: usize| PRINTABLE[content[i] as usize] && content.get(i + 1) == Some(&0);
    let (mut p, mut floor) = (0, 0);
    while p < content.len() {
        let at = if pair(p) {
            p
        } else if p >= 1 && content[p] == 0 && PRINTABLE[content[p - 1] as usize] {
            p - 1
        } else {
            floor = p + 1;
            p += MIN_RUN;
            continue;
        };
        let mut start = at;
        while start >= floor + 2 && pair(start - 2) {
            start -= 2;
        }
        let mut end = at;
        while end < content.len() && pair(end) {
            end += 2;
        }
        let len = (end - start) / 2;
        if len >= MIN_RUN {
            found.push((start, len, true));
        }
        floor = end;
        p = (p + MIN_RUN).max(end.div_ceil(MIN_RUN) * MIN_RUN);
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

    /// Every run, found by looking at every byte: what the sampling search must agree with.
    fn naive(content: &[u8]) -> Vec<(usize, usize, bool)> {
        let p = |b: u8| super::PRINTABLE[b as usize];
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            let mut j = i;
            while j < content.len() && p(content[j]) {
                j += 1;
            }
            if j - i >= super::MIN_RUN {
                out.push((i, j - i, false));
            }
            i = j + 1;
        }
        for parity in 0..2 {
            let mut i = parity;
            while i + 1 < content.len() {
                let mut j = i;
                while j + 1 < content.len() && p(content[j]) && content[j + 1] == 0 {
                    j += 2;
                }
                if (j - i) / 2 >= super::MIN_RUN {
                    out.push((i, (j - i) / 2, true));
                }
                i = j + 2;
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn sampling_finds_every_run() {
        let mut rng = crate::test_rng::TestRng::new(7);
        for round in 0..300 {
            let len = 1 + rng.below(400);
            let content: Vec<u8> = (0..len)
                .map(|i| match rng.below(10) {
                    // Long printable stretches, NUL-interleaved stretches and noise, in varying mixes.
                    0..=4 if round % 3 != 0 => b'a' + (i % 26) as u8,
                    5..=6 => 0,
                    7 => b'\n',
                    _ => rng.below(256) as u8,
                })
                .collect();
            let mut wide_text = content.clone();
            for (k, b) in content.iter().enumerate().filter(|(k, _)| k % 2 == 1) {
                if round % 2 == 0 && *b != 0 {
                    wide_text[k] = 0;
                }
            }
            for c in [&content, &wide_text] {
                let mut got = Vec::new();
                super::ascii_runs(c, &mut got);
                super::wide_runs(c, &mut got);
                got.sort_unstable();
                assert_eq!(got, naive(c), "{c:?}");
            }
        }
    }

    #[test]
    fn short_runs_and_empty_input_give_nothing() {
        assert!(extract(b"").text.is_empty());
        assert!(extract(b"\0abc\0defg\0").text.is_empty());
        assert!(extract(&wide("short")).text.is_empty());
        assert_eq!(extract(b"12345678").text, b"12345678\n");
    }
}
