//! Tar (ustar, GNU and pax, with long names), read as a stream: from memory, or as a compressed stream
//! decompresses (`stream`), so a `.tar.gz` is never held whole. Only regular files are members; directories,
//! links and devices have no content.
use std::io::Read;

use tar::{Archive, EntryType};

use super::budget::read_member;
use super::{join, Limit, Skip, Walker};

/// The size of a tar block and header.
pub(super) const BLOCK: usize = 512;

/// True when `content` starts with a tar header: a name, and a checksum field (octal) that matches the header's
/// bytes, as every tar format since v7 has. Checked first on the field's characters, so text is turned away
/// without summing anything.
pub(super) fn is_header(content: &[u8]) -> bool {
    let Some(header) = content.get(..BLOCK) else { return false };
    if header[0] == 0 {
        return false;
    }
    let field = &header[148..156];
    let digits = field.iter().skip_while(|b| **b == b' ').take_while(|b| (b'0'..=b'7').contains(b));
    let mut stored = 0u32;
    let mut count = 0;
    for d in digits {
        stored = stored * 8 + u32::from(d - b'0');
        count += 1;
    }
    let tail_ok = field.iter().skip_while(|b| **b == b' ').skip(count).all(|b| *b == 0 || *b == b' ');
    if count == 0 || count > 7 || !tail_ok {
        return false;
    }
    let sum: u32 =
        header.iter().enumerate().map(|(i, b)| if (148..156).contains(&i) { 32 } else { u32::from(*b) }).sum();
    stored == sum
}

/// A tar held in memory.
pub(super) fn read(w: &mut Walker<'_>, path: &str, content: &[u8], depth: u32) {
    entries(w, path, content, depth);
}

/// Every regular file of the tar `reader` yields, shown under `path`, its members at `depth + 1`.
pub(super) fn entries(w: &mut Walker<'_>, path: &str, reader: impl Read, depth: u32) {
    let mut archive = Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return w.skipped(path, 1, Skip::Unreadable(e.to_string())),
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            // Past a corrupt header (or a stream a limit stopped) nothing more can be found: the rest is one skip.
            Err(e) => return w.skipped(path, 1, w.budget.failure(e)),
        };
        let kind = entry.header().entry_type();
        if !matches!(kind, EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse) {
            continue;
        }
        if !w.take_member() {
            return w.skipped(path, 1, Skip::Limit(Limit::Members));
        }
        let name = join(path, &String::from_utf8_lossy(&entry.path_bytes()));
        let size = entry.size();
        if size > w.budget.max_member() {
            // Its data is passed over by the next step, metered like any other read of the stream.
            w.skipped(&name, 1, Skip::Limit(Limit::MemberSize));
            continue;
        }
        match read_member(&mut entry, w.budget, size) {
            Ok(buf) => w.member(&name, &buf, depth + 1),
            Err(Skip::Limit(Limit::MemberSize)) => w.skipped(&name, 1, Skip::Limit(Limit::MemberSize)),
            // The stream behind is spent or broken: this member and whatever follows are one skip.
            Err(why) => return w.skipped(&name, 1, why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_header;

    #[test]
    fn a_tar_header_is_told_by_its_checksum() {
        let mut header = tar::Header::new_gnu();
        header.set_path("config/app.properties").unwrap();
        header.set_size(3);
        header.set_cksum();
        assert!(is_header(header.as_bytes()));
        let mut broken = *header.as_bytes();
        broken[0] ^= 1;
        assert!(!is_header(&broken));
        assert!(!is_header(&[b' '; 512]));
        assert!(!is_header(&header.as_bytes()[..511]));
    }
}
