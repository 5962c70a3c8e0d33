//! A small deterministic random source (xorshift64) for unit tests that check a fast path against a plain one
//! on many generated inputs: the same seed gives the same inputs on every run.
pub struct TestRng(u64);

impl TestRng {
    /// `seed` must not be zero (xorshift would stay at zero).
    pub fn new(seed: u64) -> TestRng {
        TestRng(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
