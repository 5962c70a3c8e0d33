//! PyPI API tokens are `pypi-` and a macaroon in its version 2 binary form, base64url without padding: a version
//! byte 2, a section of fields (location `pypi.org` or `test.pypi.org`, an identifier), caveat sections, an end
//! marker, and a 32-byte signature that ends the token. A token cut short, or text made up after the well-known
//! `pypi-AgEIcHlwaS5vcmc` opening, does not parse.
//! <https://github.com/rescrv/libmacaroons/blob/master/doc/format.txt> (format v2),
//! <https://pypi.org/help/#apitoken>
use base64::Engine as _;

/// Field types of the v2 format.
const END: u64 = 0;
const SIGNATURE: u64 = 6;
const SIGNATURE_LEN: u64 = 32;
/// More caveat sections than any real token carries: a bound on the work done for hostile input.
const MAX_SECTIONS: usize = 256;

/// Whether `token` (with its `pypi-` prefix) is a whole v2 macaroon.
pub fn pypi_token(token: &[u8]) -> bool {
    let Some(dash) = token.iter().position(|&b| b == b'-') else { return false };
    let body: Vec<u8> = token[dash + 1..].iter().copied().filter(|&b| b != b'=').collect();
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body) else { return false };
    parse(&bytes).is_some()
}

fn parse(bytes: &[u8]) -> Option<()> {
    let mut r = Reader { bytes, at: 0 };
    (r.byte()? == 2).then_some(())?;
    // The header section must carry an identifier (field 2).
    (r.section()?.contains(&2)).then_some(())?;
    let mut sections = 0;
    while r.peek()? != END as u8 {
        r.section()?;
        sections += 1;
        (sections <= MAX_SECTIONS).then_some(())?;
    }
    r.byte()?;
    let (kind, len) = (r.varint()?, r.varint()?);
    (kind == SIGNATURE && len == SIGNATURE_LEN && r.skip(len)? == bytes.len()).then_some(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// Skips `len` bytes; the position after them.
    fn skip(&mut self, len: u64) -> Option<usize> {
        let end = self.at.checked_add(usize::try_from(len).ok()?)?;
        (end <= self.bytes.len()).then(|| {
            self.at = end;
            end
        })
    }

    /// One section: fields in rising type order up to the end marker. Returns the field types.
    fn section(&mut self) -> Option<Vec<u64>> {
        let mut kinds = Vec::new();
        loop {
            let kind = self.varint()?;
            if kind == END {
                return Some(kinds);
            }
            if kinds.last().is_some_and(|&last| last >= kind) {
                return None;
            }
            let len = self.varint()?;
            self.skip(len)?;
            kinds.push(kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v2 macaroon: location, identifier, one caveat, signature.
    fn token(location: &str) -> String {
        let mut b = vec![2u8, 1, location.len() as u8];
        b.extend(location.as_bytes());
        b.extend([2u8, 12]);
        b.extend(b"0123456789ab");
        b.push(0);
        b.extend([2u8, 5]);
        b.extend(b"v=1:x");
        b.push(0);
        b.push(0);
        b.extend([6u8, 32]);
        b.extend([7u8; 32]);
        format!("pypi-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
    }

    #[test]
    fn a_whole_macaroon_passes_and_a_cut_or_made_up_one_fails() {
        let good = token("pypi.org");
        assert!(good.starts_with("pypi-AgEIcHlwaS5vcmc"), "{good}");
        assert!(pypi_token(good.as_bytes()));
        assert!(pypi_token(token("test.pypi.org").as_bytes()));
        assert!(!pypi_token(&good.as_bytes()[..good.len() - 4]), "cut short");
        assert!(!pypi_token(format!("{good}AAAA").as_bytes()), "bytes after the signature");
        assert!(!pypi_token(b"pypi-AgEIcHlwaS5vcmcAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstuvwxyz"));
        assert!(!pypi_token(b"pypi-not base64!"));
    }
}
