//! File names, matched lines and commit messages are written by whoever made the repository. Before any of it
//! reaches a terminal, control characters, ANSI escapes and bidirectional overrides are shown as visible
//! escapes, so scanned content cannot repaint the screen or hide a finding.

pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            // C1 controls, bidirectional embeddings, overrides, isolates and marks, and the line and paragraph
            // separators some terminals and editors break lines at.
            '\u{80}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}' => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(for_terminal("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(for_terminal("x\ny\r"), "x\\x0ay\\x0d");
        assert_eq!(for_terminal("ok\u{202e}txt"), "ok\\u{202e}txt");
        assert_eq!(for_terminal("a\u{2028}b\u{061c}c\u{9b}2J"), "a\\u{2028}b\\u{061c}c\\u{009b}2J");
        assert_eq!(for_terminal("tab\there é"), "tab\there é");
    }
}
