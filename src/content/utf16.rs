//! UTF-16 text: told apart by its byte-order mark, or, without one, by the NUL pattern of mostly-ASCII UTF-16
//! (every other byte NUL: what Windows tools such as PowerShell's `Out-File` and regedit write). Decoded to
//! UTF-8 for the matcher. Decoding keeps every line break (U+000A) where it was, so the decoded text's lines are
//! the file's lines; columns count the decoded characters.

/// Byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Le,
    Be,
}

impl Endian {
    /// The decoding step's name in a finding's `decoded` chain.
    pub fn step(self) -> &'static str {
        match self {
            Endian::Le => "utf-16le",
            Endian::Be => "utf-16be",
        }
    }
}

/// How many code units without a byte-order mark are looked at.
const SNIFF_UNITS: usize = 4000;

/// The byte order a UTF-16 byte-order mark at the start of `content` gives. `FF FE 00 00` is UTF-32LE's mark,
/// not UTF-16's; `FF FE` and `FE FF` never open valid UTF-8.
pub fn bom(content: &[u8]) -> Option<Endian> {
    match content {
        [0xFF, 0xFE, 0, 0, ..] => None,
        [0xFF, 0xFE, ..] => Some(Endian::Le),
        [0xFE, 0xFF, ..] => Some(Endian::Be),
        _ => None,
    }
}

/// The byte order of BOM-less UTF-16 text: at least 70 % of the first code units (up to 4000) are a printable
/// ASCII character or whitespace in one byte and NUL in the other, in the same order.
pub fn detect(content: &[u8]) -> Option<Endian> {
    let units = content.chunks_exact(2).take(SNIFF_UNITS);
    let total = units.len();
    if total == 0 {
        return None;
    }
    let (mut le, mut be) = (0usize, 0usize);
    for u in units {
        match (u[0], u[1]) {
            (c, 0) if is_texty(c) => le += 1,
            (0, c) if is_texty(c) => be += 1,
            _ => {}
        }
    }
    if le * 10 >= total * 7 {
        Some(Endian::Le)
    } else if be * 10 >= total * 7 {
        Some(Endian::Be)
    } else {
        None
    }
}

fn is_texty(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\r' | 0x20..=0x7E)
}

/// `content` (after a byte-order mark of `bom` bytes) decoded; unpaired surrogates and a trailing odd byte
/// become U+FFFD.
pub fn decode(content: &[u8], endian: Endian, bom: usize) -> String {
    let body = &content[bom.min(content.len())..];
    let units = body.chunks_exact(2).map(|u| match endian {
        Endian::Le => u16::from_le_bytes([u[0], u[1]]),
        Endian::Be => u16::from_be_bytes([u[0], u[1]]),
    });
    let mut text: String = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    if body.len() % 2 == 1 {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{bom, decode, detect, Endian};

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn decodes_both_byte_orders_and_keeps_lines() {
        let text = "a=1\r\nkey = “AKIA”\n\u{1F511}\n";
        assert_eq!(decode(&le(text), Endian::Le, 0), text);
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, Endian::Be, 0), text);
        let with_bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le(text)).collect();
        assert_eq!(bom(&with_bom), Some(Endian::Le));
        assert_eq!(decode(&with_bom, Endian::Le, 2), text);
    }

    #[test]
    fn broken_input_decodes_to_replacement_characters() {
        assert_eq!(decode(&[0x00, 0xD8, b'a', 0, b'b'], Endian::Le, 0), "\u{FFFD}a\u{FFFD}");
        assert_eq!(decode(&[0xFF], Endian::Le, 2), "");
    }

    #[test]
    fn detection_needs_the_nul_pattern() {
        assert_eq!(detect(&le("hello world")), Some(Endian::Le));
        assert_eq!(detect(b"hello world"), None);
        assert_eq!(detect(&[0, 0, 0, 0]), None);
        assert_eq!(bom(&[0xFF, 0xFE, 0, 0]), None, "UTF-32LE");
    }
}
