//! Scanning a history's packed blobs in bulk: each delta chain that holds a planned blob is decoded once from its
//! root, in parallel on the rayon pool, and every planned blob is scanned as it is decoded. Blobs this leaves
//! undecoded (under a corrupt or oversized base, or in a chain that does not resolve) are handed back, for the
//! libgit2 workers to read one by one and report.
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::{record_blob, Gathered, Progress};
use crate::engine::Scanner;
use crate::finding::Finding;
use crate::rules::{KeywordHit, RuleSet};
use crate::source::blob_list::BlobList;
use crate::source::pack::{raw_oid, Decoded, DeltaBase, Kind, ObjectId, PackSet, Reader};
use crate::source::BlobEntry;
use crate::stats::ScanStats;

/// What the pass found (each finding with its blob's commit index), what it counted, and the blobs it left.
pub struct PackedScan {
    pub found: Vec<(Finding, usize)>,
    pub stats: ScanStats,
    pub left: Vec<BlobEntry>,
}

pub fn scan_packed(
    scanner: &Scanner,
    set: &PackSet,
    blobs: BlobList,
    max_size: u64,
    progress: Option<&dyn Progress>,
) -> PackedScan {
    const NOT_PLANNED: u32 = u32::MAX;
    // Which planned blob each object is, and which objects must be decoded: the planned blobs and their bases.
    let mut planned = vec![NOT_PLANNED; set.len()];
    let mut needed = vec![false; set.len()];
    for i in 0..blobs.len() {
        let Some(id) = set.find(&raw_oid(blobs.oid(i))) else { continue };
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
    let mut roots: Vec<ObjectId> = set.roots(Kind::Blob).into_iter().filter(|&r| needed[r as usize]).collect();
    // Longest chains first: one left for last made a core wait up to a second for the other at the end. A chain's
    // work is about its root's size for each object decoded in it.
    let mut chain_len = vec![0u32; set.len()];
    for id in (0..set.len() as ObjectId).filter(|&id| needed[id as usize]) {
        let mut root = id;
        while let Some(base) = set.base(root) {
            root = base;
        }
        chain_len[root as usize] += 1;
    }
    roots.sort_unstable_by_key(|&r| std::cmp::Reverse(set.size(r).saturating_mul(u64::from(chain_len[r as usize]))));
    let done: Vec<AtomicBool> = (0..blobs.len()).map(|_| AtomicBool::new(false)).collect();
    let rules = scanner.rules();
    let gathered = roots
        .into_par_iter()
        .fold(
            || (Reader::new(set), ChainHits::default(), Gathered::new(progress)),
            |(mut reader, mut chain, mut out), root| {
                reader.decode_chain(root, max_size, &|id| needed[id as usize], &mut |id, decoded, base| {
                    chain.down_to(base.map(|b| b.id));
                    let i = planned[id as usize];
                    let is_base = set.is_base(id);
                    let mut own_hits = None;
                    if i != NOT_PLANNED {
                        done[i as usize].store(true, Ordering::Relaxed);
                        let bytes = match decoded {
                            Decoded::Data(content) => {
                                let find_keywords = &mut |content: &[u8], hits: &mut Vec<KeywordHit>| {
                                    chain.find(rules, content, base, hits);
                                    if is_base {
                                        own_hits = Some(hits.clone());
                                    }
                                };
                                let blob = blobs.entry(i as usize);
                                record_blob(scanner, &blob, content, &mut out, find_keywords);
                                content.len() as u64
                            }
                            Decoded::TooLarge(size) => {
                                out.stats.skip_too_large(blobs.path(i as usize), size);
                                0
                            }
                        };
                        if let Some(p) = progress {
                            p.advance(1, bytes);
                        }
                    }
                    if is_base {
                        chain.path.push((id, own_hits));
                    }
                });
                (reader, chain, out)
            },
        )
        .map(|(_, _, out)| out)
        .reduce(
            || Gathered::new(progress),
            |mut all, out| {
                all.merge(out);
                all
            },
        );
    let left =
        done.into_iter().enumerate().filter(|(_, d)| !d.load(Ordering::Relaxed)).map(|(i, _)| blobs.entry(i)).collect();
    PackedScan { found: gathered.found, stats: gathered.stats, left }
}

/// The keyword occurrences of the objects on a chain's decoding path (the bases of what is decoded next), so that
/// a delta's are rebuilt from its base's rather than searched for again (`RuleSet::keyword_hits_from_base`).
#[derive(Default)]
struct ChainHits {
    /// From the chain's root down: each base's id, and its occurrences once known.
    path: Vec<(ObjectId, Option<Vec<KeywordHit>>)>,
}

impl ChainHits {
    /// Leaves the path ending at `base` (the object about to be visited is decoded from it), or empty for a root.
    fn down_to(&mut self, base: Option<ObjectId>) {
        while self.path.last().is_some_and(|&(top, _)| Some(top) != base) {
            self.path.pop();
        }
    }

    /// The keyword occurrences of `content`, decoded from `base`: rebuilt from the base's (searched for now if
    /// the base was not scanned), or searched for when the base is not on the path.
    fn find(&mut self, rules: &RuleSet, content: &[u8], base: Option<DeltaBase<'_>>, hits: &mut Vec<KeywordHit>) {
        match (base, self.path.last_mut()) {
            (Some(base), Some((top, known))) if *top == base.id => {
                let base_hits = known.get_or_insert_with(|| {
                    let mut hits = Vec::new();
                    rules.keyword_hits(base.data, &mut hits);
                    hits
                });
                let copied = base.copied.iter().map(|c| (c.to, c.from, c.len));
                rules.keyword_hits_from_base(content, base.data.len(), base_hits, copied, hits);
            }
            _ => rules.keyword_hits(content, hits),
        }
    }
}
