//! Git's delta format (`Documentation/gitformat-pack.txt`, "Deltified representation"): the base's size and the
//! result's size as little-endian base-128 numbers, then instructions that either copy a range of the base or
//! insert the bytes that follow them.

/// Why a delta cannot be applied. The object is then read the slow way, which reports what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub enum DeltaError {
    /// The delta is malformed or does not fit its base.
    Corrupt(&'static str),
    /// The result would be larger than the caller's limit (its size is given).
    TooLarge(u64),
}

/// A range of a delta's result that is a copy of its base: `len` bytes at `to`, taken from `from` in the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub to: usize,
    pub from: usize,
    pub len: usize,
}

/// Applies `delta` to `base`, refusing results larger than `limit` bytes before allocating them. `copied` is
/// replaced with the ranges copied from the base, in the result's order (a copy that continues the one before it
/// in both the result and the base extends it: git splits long copies into 64 KiB instructions).
pub fn apply(base: &[u8], delta: &[u8], limit: u64, copied: &mut Vec<Copied>) -> Result<Vec<u8>, DeltaError> {
    copied.clear();
    let mut at = 0;
    if read_size(delta, &mut at)? != base.len() as u64 {
        return Err(DeltaError::Corrupt("its base has another size"));
    }
    let size = read_size(delta, &mut at)?;
    if size > limit {
        return Err(DeltaError::TooLarge(size));
    }
    let size = size as usize;
    let mut out = Vec::with_capacity(size);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..7 {
                if op & (1 << bit) != 0 {
                    let byte = *delta.get(at).ok_or(DeltaError::Corrupt("truncated copy"))? as usize;
                    at += 1;
                    if bit < 4 {
                        offset |= byte << (8 * bit);
                    } else {
                        len |= byte << (8 * (bit - 4));
                    }
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let src =
                base.get(offset..offset.saturating_add(len)).ok_or(DeltaError::Corrupt("copy outside its base"))?;
            if out.len() + len > size {
                return Err(DeltaError::Corrupt("result longer than declared"));
            }
            match copied.last_mut() {
                Some(last) if last.to + last.len == out.len() && last.from + last.len == offset => last.len += len,
                _ => copied.push(Copied { to: out.len(), from: offset, len }),
            }
            out.extend_from_slice(src);
        } else if op != 0 {
            let len = usize::from(op);
            let src = delta.get(at..at + len).ok_or(DeltaError::Corrupt("truncated insert"))?;
            if out.len() + len > size {
                return Err(DeltaError::Corrupt("result longer than declared"));
            }
            out.extend_from_slice(src);
            at += len;
        } else {
            return Err(DeltaError::Corrupt("reserved instruction 0"));
        }
    }
    if out.len() != size {
        return Err(DeltaError::Corrupt("result shorter than declared"));
    }
    Ok(out)
}

fn read_size(delta: &[u8], at: &mut usize) -> Result<u64, DeltaError> {
    let mut size = 0u64;
    let mut shift = 0;
    loop {
        let byte = *delta.get(*at).ok_or(DeltaError::Corrupt("truncated header"))?;
        *at += 1;
        if shift > 63 {
            return Err(DeltaError::Corrupt("size too long"));
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_inserts() {
        let base = b"hello, world";
        // base size 12, result size 13; copy 5 bytes at 0, insert "!!", copy 6 bytes at offset 6.
        let delta = [12, 13, 0x90, 5, 2, b'!', b'!', 0x91, 6, 6];
        let mut copied = vec![Copied { to: 9, from: 9, len: 9 }];
        assert_eq!(apply(base, &delta, 100, &mut copied).unwrap(), b"hello!! world");
        assert_eq!(copied, [Copied { to: 0, from: 0, len: 5 }, Copied { to: 7, from: 6, len: 6 }]);
    }

    #[test]
    fn a_copy_of_size_zero_copies_64_kib() {
        let base: Vec<u8> = (0..0x20000u32).map(|i| (i % 251) as u8).collect();
        // Base and result 128 KiB (0x80 0x80 0x08): a copy with no size bytes (64 KiB from offset 0), then
        // 64 KiB from offset 64 KiB (offset byte 2 and size byte 2 set: 0xc4, 1, 1). The two become one range.
        let delta = [0x80, 0x80, 0x08, 0x80, 0x80, 0x08, 0x80, 0xc4, 1, 1];
        let mut copied = Vec::new();
        assert_eq!(apply(&base, &delta, u64::MAX, &mut copied).unwrap(), base);
        assert_eq!(copied, [Copied { to: 0, from: 0, len: 0x20000 }]);
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let apply_to_abc = |delta: &[u8]| apply(b"abc", delta, 100, &mut Vec::new());
        assert_eq!(apply_to_abc(&[4, 3, 0x90, 3]), Err(DeltaError::Corrupt("its base has another size")));
        assert_eq!(apply_to_abc(&[3, 3, 0x91, 2, 3]), Err(DeltaError::Corrupt("copy outside its base")));
        assert_eq!(apply_to_abc(&[3, 2, 0x90, 3]), Err(DeltaError::Corrupt("result longer than declared")));
        assert_eq!(apply_to_abc(&[3, 4, 0x90, 3]), Err(DeltaError::Corrupt("result shorter than declared")));
        assert_eq!(apply_to_abc(&[3, 3, 0]), Err(DeltaError::Corrupt("reserved instruction 0")));
        assert_eq!(apply_to_abc(&[3, 3, 5, b'x']), Err(DeltaError::Corrupt("truncated insert")));
        assert_eq!(apply_to_abc(&[3, 0x80]), Err(DeltaError::Corrupt("truncated header")));
        assert_eq!(apply_to_abc(&[3, 0xff, 0x7f]), Err(DeltaError::TooLarge(0x3fff)));
    }
}
