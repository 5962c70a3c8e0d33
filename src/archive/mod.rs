//! Archives read in memory: zip and its families (jar, war, ear, whl, apk, aar, nupkg, vsix, ipa, office
//! documents), tar, and the gzip, bzip2, xz and zstd streams (a compressed tar, `.tgz`, is one archive). Each is
//! recognised by its magic bytes, whatever its name, and [`expand`] hands every member to the caller with a
//! display path of `outer.zip!/inner.jar!/config/app.properties`. Archives inside archives are opened up to
//! [`ArchiveLimits::max_depth`] levels.
//!
//! Nothing is ever written to disk: members are decompressed into memory, one at a time, each bounded. An archive
//! bomb meets the limits in [`ArchiveLimits`] (decompressed bytes for the whole archive, bytes per member, the
//! compression ratio, the member count, the nesting depth); what a limit stops is reported as
//! [`Entry::Skipped`], as is what cannot be read (a corrupt or encrypted archive, an unsupported compression
//! method). A member's name is only shown, never used as a path: [`display_name`] makes `../` and absolute
//! names harmless and unambiguous.
mod budget;
mod stream;
mod tar;
mod zip;

use budget::Budget;

/// The limits that keep an archive bomb from costing unbounded time or memory. Each holds for one archive
/// scanned as a file or blob, including every archive nested in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Archive levels opened, the scanned file being the first: 3 opens `a.zip!/b.jar!/c.tar.gz` and scans its
    /// members; an archive inside `c.tar.gz` is counted as skipped.
    pub max_depth: u32,
    /// Bytes decompressed in all, members and nested archives together (skipping a member of a compressed tar
    /// means decompressing it, so that counts too).
    pub max_total_bytes: u64,
    /// Bytes of one member (larger members are counted as skipped, not scanned in part).
    pub max_member_size: u64,
    /// Decompressed bytes per compressed byte, checked once a member or stream has produced more than
    /// [`RATIO_FLOOR`] bytes: ordinary text compresses 3-20 to 1, a bomb's zeros about 1000 to 1.
    pub max_ratio: u64,
    /// Members read in all (directories and links not counted).
    pub max_members: u64,
}

/// Output below this many bytes is never held to the ratio: a small, very repetitive file is not a bomb.
pub const RATIO_FLOOR: u64 = 1024 * 1024;

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 3,
            max_total_bytes: 512 * 1024 * 1024,
            max_member_size: 50 * 1024 * 1024,
            max_ratio: 200,
            max_members: 100_000,
        }
    }
}

/// The formats [`detect`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// The archive format `content` is in, from its magic bytes; `None` for anything else. A zip must start with a
/// local file header (or be an empty archive): a self-extracting zip, with code in front, is not opened.
pub fn detect(content: &[u8]) -> Option<Kind> {
    let starts = |magic: &[u8]| content.starts_with(magic);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if starts(b"\x1f\x8b\x08") {
        Some(Kind::Gzip)
    } else if starts(b"BZh") && content.len() >= 10 && (b'1'..=b'9').contains(&content[3]) {
        // A block (pi) or, for an empty stream, the end-of-stream marker (sqrt pi) follows the level digit.
        let next = &content[4..10];
        (next == b"\x31\x41\x59\x26\x53\x59" || next == b"\x17\x72\x45\x38\x50\x90").then_some(Kind::Bzip2)
    } else if starts(b"\xfd7zXZ\x00") {
        Some(Kind::Xz)
    } else if starts(b"\x28\xb5\x2f\xfd") {
        Some(Kind::Zstd)
    } else if tar::is_header(content) {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// What [`expand`] hands on.
#[derive(Debug)]
pub enum Entry<'a> {
    /// A member to scan, with its display path (`outer.zip!/config/app.properties`).
    Member { path: &'a str, content: &'a [u8] },
    /// `count` members not scanned (one for the rest of an archive whose size is unknown), and why.
    Skipped { path: &'a str, count: u64, why: Skip },
}

/// Why members were not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A limit of [`ArchiveLimits`] stopped them.
    Limit(Limit),
    /// The archive could not be read from there on (corrupt, truncated, encrypted, an unsupported method).
    Unreadable(String),
}

/// The limit that stopped a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Depth,
    TotalBytes,
    MemberSize,
    Ratio,
    Members,
}

impl Limit {
    /// What the limit is and the flag that raises it.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::Depth => "nested deeper than --archive-max-depth",
            Limit::TotalBytes => "archive decompresses to more than --archive-max-total-size",
            Limit::MemberSize => "member larger than --archive-max-member-size",
            Limit::Ratio => "compression ratio above --archive-max-ratio",
            Limit::Members => "more members than --archive-max-members",
        }
    }
}

/// Hands every member of the archive `content` (a [`Kind`] by [`detect`]), shown as `path`, to `visit`, opening
/// nested archives, within `limits`. Members come in archive order; nothing is kept after `visit` returns.
/// Returns false, having handed nothing on, when `content` has the magic bytes but cannot be opened as that format
/// at all (no zip directory, no valid stream header): it is then ordinary content for the caller to scan, as it
/// was before it was taken for an archive. A member a nested archive cannot be opened is counted as unreadable.
pub fn expand(
    path: &str,
    content: &[u8],
    kind: Kind,
    limits: &ArchiveLimits,
    visit: &mut dyn FnMut(Entry<'_>),
) -> bool {
    let budget = Budget::new(limits);
    let mut walker = Walker { limits, budget: &budget, visit, unopened: false };
    walker.open(path, content, kind, 0);
    !walker.unopened
}

/// One archive tree's walk: the limits, what is left of its budget, and where members go.
struct Walker<'w> {
    limits: &'w ArchiveLimits,
    budget: &'w Budget,
    visit: &'w mut dyn FnMut(Entry<'_>),
    /// The scanned file itself could not be opened (see [`expand`]).
    unopened: bool,
}

impl Walker<'_> {
    /// Opens the archive `content` at nesting `depth` (0 for the scanned file).
    fn open(&mut self, path: &str, content: &[u8], kind: Kind, depth: u32) {
        match kind {
            Kind::Zip => zip::read(self, path, content, depth),
            Kind::Tar => tar::read(self, path, content, depth),
            Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => stream::read(self, path, content, kind, depth),
        }
    }

    /// A member read whole (`path` already joined to its archive's): opened when it is an archive itself and the
    /// depth allows, else handed on.
    fn member(&mut self, path: &str, content: &[u8], depth: u32) {
        match detect(content) {
            Some(_) if depth >= self.limits.max_depth => self.skipped(path, 1, Skip::Limit(Limit::Depth)),
            Some(kind) => self.open(path, content, kind, depth),
            None => (self.visit)(Entry::Member { path, content }),
        }
    }

    fn skipped(&mut self, path: &str, count: u64, why: Skip) {
        (self.visit)(Entry::Skipped { path, count, why });
    }

    /// An archive at `depth` that cannot be opened at all: the scanned file is left to the caller, a member is
    /// counted as unreadable.
    fn unopenable(&mut self, path: &str, depth: u32, why: String) {
        if depth == 0 {
            self.unopened = true;
        } else {
            self.skipped(path, 1, Skip::Unreadable(why));
        }
    }

    /// Counts one member against [`ArchiveLimits::max_members`]; false when it is over.
    fn take_member(&mut self) -> bool {
        self.budget.take_member()
    }
}

/// `archive!/member`, the member's name made safe to show by [`display_name`].
fn join(archive: &str, member: &str) -> String {
    format!("{archive}!/{}", display_name(member))
}

/// A member's stored name as a display path that stays inside its archive and says exactly what was stored:
/// `\` becomes `/`, `.` and empty components are dropped, and `%`, `!`, a `..` component and a leading `/`
/// are percent-encoded (`../../etc/passwd` shows as `%2E%2E/%2E%2E/etc/passwd`, `/etc/passwd` as
/// `%2Fetc/passwd`), so a name cannot climb out of `outer.zip!/` nor fake a nested archive. Control characters
/// are left to the reports, which neutralise them everywhere.
pub fn display_name(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut out = String::with_capacity(name.len() + 8);
    if name.starts_with('/') {
        out.push_str("%2F");
    }
    for part in name.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if !out.is_empty() && !out.ends_with("%2F") {
            out.push('/');
        }
        if part == ".." {
            out.push_str("%2E%2E");
            continue;
        }
        for c in part.chars() {
            match c {
                '%' => out.push_str("%25"),
                '!' => out.push_str("%21"),
                c => out.push(c),
            }
        }
    }
    if out.is_empty() || out == "%2F" {
        out.push_str("(unnamed)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_cannot_climb_out_or_fake_nesting() {
        assert_eq!(display_name("../../etc/passwd"), "%2E%2E/%2E%2E/etc/passwd");
        assert_eq!(display_name("/etc/passwd"), "%2Fetc/passwd");
        assert_eq!(display_name("a\\..\\b"), "a/%2E%2E/b");
        assert_eq!(display_name("./a//b"), "a/b");
        assert_eq!(display_name("x.zip!/y"), "x.zip%21/y");
        assert_eq!(display_name("50%"), "50%25");
        assert_eq!(display_name(""), "(unnamed)");
        assert_eq!(display_name("/"), "%2F(unnamed)");
    }

    #[test]
    fn formats_are_told_by_their_magic_bytes() {
        assert_eq!(detect(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(detect(b"\x1f\x8b\x08\0"), Some(Kind::Gzip));
        assert_eq!(detect(b"BZh91AY&SY...."), Some(Kind::Bzip2));
        assert_eq!(detect(b"BZh9 not bzip2"), None);
        assert_eq!(detect(b"\xfd7zXZ\0\0"), Some(Kind::Xz));
        assert_eq!(detect(b"\x28\xb5\x2f\xfd\0"), Some(Kind::Zstd));
        assert_eq!(detect(b"PK is a prefix of text"), None);
        assert_eq!(detect(&[b'a'; 1024]), None);
    }
}
