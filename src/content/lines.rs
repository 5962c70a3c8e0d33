//! Lines and columns of offsets in stored content, for findings made in text decoded from it. Offsets are
//! usually asked for in increasing order (findings come sorted), so a cursor counts only the bytes it passes.

/// A position in `content`: its 1-based line and the offset where that line starts.
#[derive(Debug)]
pub struct LineCursor<'a> {
    content: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(content: &'a [u8]) -> Self {
        LineCursor { content, pos: 0, line: 1, line_start: 0 }
    }

    /// The 1-based line of offset `to` (clamped to the content), and the offset its line starts at.
    pub fn seek(&mut self, to: usize) -> (usize, usize) {
        let to = to.min(self.content.len());
        if to < self.pos {
            *self = LineCursor::new(self.content);
        }
        let passed = &self.content[self.pos..to];
        if let Some(i) = memchr::memrchr(b'\n', passed) {
            self.line += memchr::memchr_iter(b'\n', passed).count();
            self.line_start = self.pos + i + 1;
        }
        self.pos = to;
        (self.line, self.line_start)
    }

    /// The 1-based line and 1-based column of offset `to`, the column counted in characters (UTF-8, invalid
    /// bytes one each).
    pub fn line_column(&mut self, to: usize) -> (usize, usize) {
        let (line, start) = self.seek(to);
        let to = to.min(self.content.len());
        (line, String::from_utf8_lossy(&self.content[start..to]).chars().count() + 1)
    }

    /// The 1-based line and 1-based column of offset `to`, the column counted in bytes (binary content).
    pub fn line_byte_column(&mut self, to: usize) -> (usize, usize) {
        let (line, start) = self.seek(to);
        (line, to.min(self.content.len()) - start + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::LineCursor;

    #[test]
    fn counts_lines_forward_and_back() {
        let text = "ab\ncdé\nf".as_bytes();
        let mut c = LineCursor::new(text);
        assert_eq!(c.line_column(0), (1, 1));
        assert_eq!(c.line_column(5), (2, 3));
        assert_eq!(c.line_column(text.len() - 1), (3, 1));
        assert_eq!(c.line_column(4), (2, 2), "backwards");
        assert_eq!(c.line_byte_column(7), (2, 5));
        assert_eq!(c.line_byte_column(1000), (3, 2), "clamped");
    }
}
