//! `--shard K/N`: one worker's share of a history audit, so that N machines audit one repository together. Every
//! worker walks the whole history (the walk is what tells each blob its first commit), then scans only the
//! distinct blobs, and the commit messages, whose ids fall in its share. The share depends on the object id
//! alone, so it is the same on every machine and every run, and the N shares cover every object exactly once:
//! merged (`leakgate report merge`), N shards report what one run reports.
use std::fmt;

use git2::Oid;

/// Share `index` (0-based) of `count`. Shown and parsed 1-based, as `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `k` of `n`, `k` counted from 1.
    pub fn new(k: u32, n: u32) -> Result<Shard, String> {
        if n == 0 {
            return Err(format!("shard {k}/{n}: the count N must be at least 1"));
        }
        if k == 0 || k > n {
            return Err(format!("shard {k}/{n}: K must be between 1 and {n}"));
        }
        Ok(Shard { index: k - 1, count: n })
    }

    /// `K/N`, as `--shard` takes it.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard (expected K/N, e.g. 2/4, with 1 <= K <= N)");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n)
    }

    /// 1-based, as shown.
    pub fn number(&self) -> u32 {
        self.index + 1
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether this share holds the object: its id's first eight bytes, read as a number, modulo N. Object ids
    /// are hashes, so the shares are even.
    pub fn takes(&self, oid: Oid) -> bool {
        let mut first = [0u8; 8];
        first.copy_from_slice(&oid.as_bytes()[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.number(), self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn parses_k_of_n_and_rejects_the_rest() {
        assert_eq!(Shard::parse("2/4").unwrap().to_string(), "2/4");
        assert_eq!(Shard::parse("1/1").unwrap().number(), 1);
        for bad in ["0/3", "4/3", "x", "1/0", "/3", "1/", "-1/3", "1/3/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_object_is_in_exactly_one_share() {
        for n in 1..=5 {
            for i in 0..200u32 {
                let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &i.to_le_bytes()).unwrap();
                let holders = (1..=n).filter(|&k| Shard::new(k, n).unwrap().takes(oid)).count();
                assert_eq!(holders, 1, "object {oid} in {n} shares");
            }
        }
    }
}
