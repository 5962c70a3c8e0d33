//! The archive layer of a scan: a piece that is an archive (`crate::archive`) is not scanned as bytes but opened,
//! and each member scanned as a piece of its own, its findings naming it (`dist.zip!/app.jar!/app.properties`,
//! lines and columns within the member). Members a limit stopped, or that could not be read, are counted.
//!
//! An archive is judged whole. Its members have no lines in the archive's blob, so a staged change or a range
//! that adds or changes an archive counts every finding in its members (which member changed is not worked
//! out); a finding already known is for the baseline or `.leakgateignore`, as for any file.
use crate::archive::{self, Entry, Skip};
use crate::engine::Scanner;
use crate::finding::Finding;
use crate::source::{Origin, Piece};
use crate::stats::{ScanStats, SkipReason};

/// The findings in the members of `piece` when it is an archive and archives are opened; `None` when it is not
/// one (or only looks like one: magic bytes, then nothing that format can read), so the caller scans it as
/// content.
pub(super) fn scan(scanner: &Scanner, piece: &Piece<'_>, stats: &mut ScanStats) -> Option<Vec<Finding>> {
    let limits = scanner.archives()?;
    let kind = archive::detect(piece.content)?;
    let mut found = Vec::new();
    let find_keywords = &mut |content: &[u8], hits: &mut Vec<_>| scanner.rules().keyword_hits(content, hits);
    let opened = archive::expand(piece.path, piece.content, kind, limits, &mut |entry| match entry {
        Entry::Member { path, content } => {
            let member = Piece { path, content, origin: Origin::ArchiveMember };
            found.extend(super::scan_content(scanner, &member, None, stats, find_keywords));
        }
        Entry::Skipped { path, count, why: Skip::Limit(limit) } => {
            stats.skip_archive_members(path, count, SkipReason::ArchiveLimit, limit.describe().to_string())
        }
        Entry::Skipped { path, count, why: Skip::Unreadable(e) } => {
            stats.skip_archive_members(path, count, SkipReason::ArchiveUnreadable, e)
        }
    });
    opened.then_some(found)
}
