//! Content pieces: the text a piece of stored content is scanned as. Most content is scanned as its own bytes;
//! this stage recognises what is not plain UTF-8 text and turns it into text the matcher can read, keeping a map
//! back to offsets in the stored bytes so that a finding points into the file:
//! - UTF-16 (LE or BE, by byte-order mark or by the NUL pattern of mostly-ASCII UTF-16) is decoded (`utf16`);
//! - text with a few embedded NUL or control bytes is still text ([`classify`]): one NUL byte must not turn a
//!   file into something that is not scanned;
//! - anything else is binary: its printable runs are extracted, as `strings` does (`strings`);
//! - a Jupyter notebook's cell sources and outputs are pulled out of its JSON and unescaped (`notebook`, over
//!   the position-keeping JSON reader `json_spans`).
//!
//! This stage knows nothing of rules or findings: `crate::scan` scans what it produces.
pub mod json_spans;
pub mod lines;
pub mod notebook;
pub mod strings;
pub mod utf16;

pub use utf16::Endian;

/// How a piece of content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Text as stored (UTF-8, Latin-1, ... with perhaps a few NUL or control bytes).
    Text,
    /// UTF-16 text; `bom`: the byte-order mark's length (0 or 2).
    Utf16 { endian: Endian, bom: usize },
    /// Not text: only its printable runs are read.
    Binary,
}

/// How much of the content is looked at for a NUL byte (git's heuristic: the first 8000 bytes).
const NUL_SNIFF_LEN: usize = 8000;
/// How much of content with a NUL byte is looked at to tell text from binary.
const TEXT_SNIFF_LEN: usize = 64 * 1024;

/// How `content` is to be read. Content with no NUL byte in its first 8000 bytes is text (the fast path, taken
/// by nearly every source file, costs one `memchr`), unless it opens with a UTF-16 byte-order mark. Otherwise it
/// is UTF-16 when [`utf16::detect`] says so, text when at most one byte in 50 of its first 64 KiB is a control
/// byte or invalid UTF-8 (plus a few for short files: `\0\n` before a key is text), and binary otherwise.
pub fn classify(content: &[u8]) -> Form {
    if let Some(endian) = utf16::bom(content) {
        return Form::Utf16 { endian, bom: 2 };
    }
    if memchr::memchr(0, &content[..content.len().min(NUL_SNIFF_LEN)]).is_none() {
        return Form::Text;
    }
    if let Some(endian) = utf16::detect(content) {
        return Form::Utf16 { endian, bom: 0 };
    }
    if mostly_text(&content[..content.len().min(TEXT_SNIFF_LEN)]) {
        Form::Text
    } else {
        Form::Binary
    }
}

/// True when few of `sample`'s bytes are neither text nor whitespace: C0 controls other than tab, newline,
/// vertical tab, form feed, carriage return and escape (colour codes in logs), DEL, and bytes that are not valid
/// UTF-8. Images, archives and executables run to a third or more such bytes; text with a stray NUL has a few.
fn mostly_text(sample: &[u8]) -> bool {
    let mut bad = 0usize;
    for chunk in sample.utf8_chunks() {
        bad += chunk.valid().bytes().filter(|&b| is_control(b)).count();
        bad += chunk.invalid().len();
    }
    // The last character may have been cut by the sample's end.
    bad = bad.saturating_sub(3);
    bad <= 8 + sample.len() / 50
}

fn is_control(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F)
}

#[cfg(test)]
mod tests {
    use super::{classify, Endian, Form};

    #[test]
    fn text_with_a_nul_byte_is_still_text() {
        assert_eq!(classify(b"plain text\n"), Form::Text);
        assert_eq!(classify(b"\0\nk=AKIAHEZIKBQH36EMN2OS\n"), Form::Text);
        let mut long = vec![0u8; 2];
        long.extend(b"line of text\n".repeat(1000));
        assert_eq!(classify(&long), Form::Text);
    }

    #[test]
    fn utf16_is_found_with_or_without_a_bom() {
        let le: Vec<u8> = "key = value\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "key = value\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(classify(&le), Form::Utf16 { endian: Endian::Le, bom: 0 });
        assert_eq!(classify(&be), Form::Utf16 { endian: Endian::Be, bom: 0 });
        let with_bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le).collect();
        assert_eq!(classify(&with_bom), Form::Utf16 { endian: Endian::Le, bom: 2 });
    }

    #[test]
    fn binary_is_binary() {
        // An ELF header and some code-like bytes.
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".to_vec();
        elf.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
        assert_eq!(classify(&elf), Form::Binary);
        assert_eq!(classify(&[0u8; 100]), Form::Binary);
    }
}
