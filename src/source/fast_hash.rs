//! A cheap hasher for the history walk's keys: tree entry names (short and many) and object ids (already uniformly
//! random). SipHash's strength against chosen keys buys nothing here: the worst a crafted history can do is slow
//! its own audit.

/// FxHash's step over 8-byte words.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

pub type FastBuild = std::hash::BuildHasherDefault<FastHasher>;
