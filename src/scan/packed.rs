//! Scanning a history's packed blobs in bulk: each delta chain that holds a planned blob is decoded once from its
//! root, in parallel on the rayon pool, and every planned blob is scanned as it is decoded. Blobs this leaves
//! undecoded (under a corrupt or oversized base, or in a chain that does not resolve) are handed back, for the
//! libgit2 workers to read one by one and report.
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::git::{record_blob, Progress};
use crate::engine::Scanner;
use crate::finding::Finding;
use crate::source::history::BlobEntry;
use crate::source::pack::{raw_oid, Decoded, Kind, ObjectId, PackSet, Reader};
use crate::stats::{ScanStats, SkipReason};

/// What the pass found (each finding with its blob's commit index), what it counted, and the blobs it left.
pub struct PackedScan {
    pub found: Vec<(Finding, usize)>,
    pub stats: ScanStats,
    pub left: Vec<BlobEntry>,
}

pub fn scan_packed(
    scanner: &Scanner,
    set: &PackSet,
    blobs: Vec<BlobEntry>,
    max_size: u64,
    progress: Option<&dyn Progress>,
) -> PackedScan {
    const NOT_PLANNED: u32 = u32::MAX;
    // Which planned blob each object is, and which objects must be decoded: the planned blobs and their bases.
    let mut planned = vec![NOT_PLANNED; set.len()];
    let mut needed = vec![false; set.len()];
    for (i, blob) in blobs.iter().enumerate() {
        let Some(id) = set.find(&raw_oid(blob.oid)) else { continue };
        if set.kind(id) != Kind::Blob {
            continue;
        }
        planned[id as usize] = i as u32;
        let mut at = Some(id);
        while let Some(x) = at.filter(|&x| !needed[x as usize]) {
            needed[x as usize] = true;
            at = set.base(x);
        }
    }
    let roots: Vec<ObjectId> = set.roots(Kind::Blob).into_iter().filter(|&r| needed[r as usize]).collect();
    let done: Vec<AtomicBool> = blobs.iter().map(|_| AtomicBool::new(false)).collect();
    let (found, stats) = roots
        .into_par_iter()
        .fold(
            || (Reader::new(set), Vec::new(), ScanStats::default()),
            |(mut reader, mut found, mut stats), root| {
                reader.decode_chain(root, max_size, &|id| needed[id as usize], &mut |id, decoded, _| {
                    let i = planned[id as usize];
                    if i == NOT_PLANNED {
                        return;
                    }
                    done[i as usize].store(true, Ordering::Relaxed);
                    let bytes = match decoded {
                        Decoded::Data(content) => {
                            record_blob(scanner, &blobs[i as usize], content, &mut found, &mut stats);
                            content.len() as u64
                        }
                        Decoded::TooLarge(_) => {
                            stats.skip(SkipReason::TooLarge);
                            0
                        }
                    };
                    if let Some(p) = progress {
                        p.advance(1, bytes);
                    }
                });
                (reader, found, stats)
            },
        )
        .map(|(_, found, stats)| (found, stats))
        .reduce(
            || (Vec::new(), ScanStats::default()),
            |(mut found, mut stats), (f, s)| {
                found.extend(f);
                stats.merge(s);
                (found, stats)
            },
        );
    let left = blobs.into_iter().zip(done).filter_map(|(b, d)| (!d.into_inner()).then_some(b)).collect();
    PackedScan { found, stats, left }
}
