//! A pack's `.idx` file: the pack's object ids, sorted, and each object's byte offset in the `.pack`. Versions 1
//! and 2 (git's `Documentation/gitformat-pack.txt`); SHA-1 object ids only, as libgit2 reads no other kind.
//!
//! Version 2: magic `\xfftOc`, version, a 256-entry fan-out table (how many ids start with a byte <= i), the ids,
//! a CRC-32 per object, a 4-byte offset per object (top bit set: an index into a table of 8-byte offsets that
//! follows, for packs over 2 GB), and two trailing checksums. Version 1: the fan-out table, then per object a
//! 4-byte offset and its id.

pub const OID_LEN: usize = 20;

pub type RawOid = [u8; OID_LEN];

/// One pack's ids and offsets, in id order.
#[derive(Debug)]
pub struct PackIndex {
    pub oids: Vec<RawOid>,
    pub offsets: Vec<u64>,
}

impl PackIndex {
    /// Parses an `.idx` file; the error says what is malformed.
    pub fn parse(data: &[u8]) -> Result<PackIndex, String> {
        if data.starts_with(b"\xfftOc") {
            let version = be32(data, 4)?;
            if version != 2 {
                return Err(format!("index version {version} is not supported"));
            }
            Self::parse_v2(data)
        } else {
            Self::parse_v1(data)
        }
    }

    fn parse_v2(data: &[u8]) -> Result<PackIndex, String> {
        let fanout = 8;
        let n = be32(data, fanout + 255 * 4)? as usize;
        let oids_at = fanout + 256 * 4;
        let offsets_at = oids_at + n * (OID_LEN + 4);
        let large_at = offsets_at + n * 4;
        if data.len() < large_at + 2 * OID_LEN {
            return Err(format!("truncated: {n} objects need at least {} bytes", large_at + 2 * OID_LEN));
        }
        let large_count = (data.len() - large_at - 2 * OID_LEN) / 8;
        let mut offsets = Vec::with_capacity(n);
        for i in 0..n {
            let small = be32(data, offsets_at + i * 4)?;
            let offset = if small & 0x8000_0000 == 0 {
                u64::from(small)
            } else {
                let k = (small & 0x7fff_ffff) as usize;
                if k >= large_count {
                    return Err(format!("object {i}: large offset {k} is past the table's {large_count}"));
                }
                u64::from_be_bytes(data[large_at + k * 8..large_at + k * 8 + 8].try_into().expect("8 bytes"))
            };
            offsets.push(offset);
        }
        let oids = read_oids(data, oids_at, OID_LEN, n);
        Self::checked(data, fanout, PackIndex { oids, offsets })
    }

    fn parse_v1(data: &[u8]) -> Result<PackIndex, String> {
        let n = be32(data, 255 * 4)? as usize;
        let entries_at = 256 * 4;
        let stride = 4 + OID_LEN;
        if data.len() < entries_at + n * stride + 2 * OID_LEN {
            return Err(format!("truncated: {n} objects need at least {} bytes", entries_at + n * stride));
        }
        let offsets = (0..n).map(|i| be32(data, entries_at + i * stride).map(u64::from)).collect::<Result<_, _>>()?;
        let oids = read_oids(data, entries_at + 4, stride, n);
        Self::checked(data, 0, PackIndex { oids, offsets })
    }

    /// The fan-out table must agree with the ids, and the ids must be sorted and distinct: lookups binary-search
    /// them.
    fn checked(data: &[u8], fanout_at: usize, index: PackIndex) -> Result<PackIndex, String> {
        let mut start = 0usize;
        for byte in 0..256 {
            let end = be32(data, fanout_at + byte * 4)? as usize;
            if end < start || end > index.oids.len() || index.oids[start..end].iter().any(|o| usize::from(o[0]) != byte)
            {
                return Err(format!("fan-out table disagrees with the object ids at byte {byte:02x}"));
            }
            start = end;
        }
        if index.oids.windows(2).any(|w| w[0] >= w[1]) {
            return Err("object ids are not sorted".into());
        }
        Ok(index)
    }

    /// The position of `oid` among this index's ids.
    pub fn find(&self, oid: &RawOid) -> Option<usize> {
        self.oids.binary_search(oid).ok()
    }
}

fn read_oids(data: &[u8], at: usize, stride: usize, n: usize) -> Vec<RawOid> {
    (0..n).map(|i| data[at + i * stride..at + i * stride + OID_LEN].try_into().expect("20 bytes")).collect()
}

fn be32(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4).map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes"))).ok_or_else(|| "truncated".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 2 index of `oids` (sorted) at `offsets`, with large offsets where they do not fit 31 bits.
    fn v2(entries: &[(RawOid, u64)]) -> Vec<u8> {
        let mut out = b"\xfftOc".to_vec();
        out.extend(2u32.to_be_bytes());
        for byte in 0..256 {
            out.extend((entries.iter().filter(|(o, _)| usize::from(o[0]) <= byte).count() as u32).to_be_bytes());
        }
        entries.iter().for_each(|(o, _)| out.extend(o));
        entries.iter().for_each(|_| out.extend(0u32.to_be_bytes()));
        let mut large = Vec::new();
        for (_, off) in entries {
            if *off < 0x8000_0000 {
                out.extend((*off as u32).to_be_bytes());
            } else {
                out.extend((0x8000_0000 | large.len() as u32).to_be_bytes());
                large.push(*off);
            }
        }
        large.iter().for_each(|o| out.extend(o.to_be_bytes()));
        out.extend([0u8; 2 * OID_LEN]);
        out
    }

    #[test]
    fn reads_a_version_2_index_with_large_offsets() {
        let (a, b) = ([1u8; 20], [0xabu8; 20]);
        let index = PackIndex::parse(&v2(&[(a, 12), (b, 5 << 32)])).unwrap();
        assert_eq!(index.oids, vec![a, b]);
        assert_eq!(index.offsets, vec![12, 5 << 32]);
        assert_eq!(index.find(&b), Some(1));
        assert_eq!(index.find(&[2u8; 20]), None);
    }

    #[test]
    fn rejects_malformed_indexes() {
        let mut unsorted = v2(&[([1u8; 20], 12), ([1u8; 20], 40)]);
        assert!(PackIndex::parse(&unsorted).unwrap_err().contains("sorted"));
        unsorted.truncate(100);
        assert!(PackIndex::parse(&unsorted).is_err());
        let mut bad_large = v2(&[([1u8; 20], 5 << 32)]);
        bad_large.truncate(bad_large.len() - 2 * OID_LEN - 8);
        bad_large.extend([0u8; 2 * OID_LEN]);
        assert!(PackIndex::parse(&bad_large).unwrap_err().contains("large offset"));
        assert!(PackIndex::parse(b"").is_err());
    }
}
