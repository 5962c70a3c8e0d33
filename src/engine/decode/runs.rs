//! Finding runs of base64 digits (`A-Za-z0-9+/-_`) at least `MIN_RUN` long, fast: every byte of every file goes
//! through here. 64 bytes are classified at once into a bit mask (SSE2 on x86-64, which every x86-64 processor
//! has; a byte loop elsewhere), and shifts of the mask tell whether `MIN_RUN` consecutive digits start in the
//! block, without a branch per byte (AVX2, where the processor has it, classifies 32 bytes per instruction). Source code is mostly letters in short runs, so only blocks that hold a
//! long run are looked at byte by byte.
use super::codecs::is_base64_digit;

/// Shortest run reported.
pub const MIN_RUN: usize = 20;
/// How far the 64-byte window moves when no run starts in it: a run starting at any of these offsets lies
/// wholly inside the window.
const STEP: usize = 64 - MIN_RUN + 1;

/// Calls `each(start, end)` for every maximal run of at least `MIN_RUN` base64 digits, in order.
pub fn long_runs(content: &[u8], each: impl FnMut(usize, usize)) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        return unsafe { long_runs_avx2(content, each) };
    }
    runs_with(content, each, mask64)
}

/// [`long_runs`] with AVX2 masks: half the instructions of SSE2 for the same 64 bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn long_runs_avx2(content: &[u8], each: impl FnMut(usize, usize)) {
    runs_with(content, each, |block| {
        // SAFETY: this function only runs where AVX2 is present.
        unsafe { mask64_avx2(block) }
    })
}

#[inline(always)]
fn runs_with(content: &[u8], mut each: impl FnMut(usize, usize), mask64: impl Fn(&[u8; 64]) -> u64) {
    let block_mask = |at: usize| match content.get(at..at + 64) {
        Some(block) => mask64(block.try_into().expect("64 bytes")),
        None => tail_mask(&content[at..]),
    };
    let n = content.len();
    let mut at = 0;
    while at < n {
        let mask = block_mask(at);
        let starts = run_starts(mask);
        if starts == 0 {
            at += STEP;
            continue;
        }
        // `MIN_RUN` digits from here on: the run holding them is measured on the masks, back to `at` at most (no
        // run starts before it unseen) and forward over as many blocks as it fills.
        let off = starts.trailing_zeros() as usize;
        let below = if off == 0 { 0 } else { ((!mask) << (64 - off)).leading_zeros() as usize };
        let start = at + off - below.min(off);
        // Bits past the content are clear, so `end` never passes it.
        let mut end = at + off + (!(mask >> off)).trailing_zeros() as usize;
        if end == at + 64 {
            while end < content.len() {
                let ones = (!block_mask(end)).trailing_zeros() as usize;
                end += ones;
                if ones < 64 {
                    break;
                }
            }
        }
        each(start, end);
        at = end;
    }
}

/// Bit `i` set where bits `i..i + MIN_RUN` of `mask` are all set.
fn run_starts(mask: u64) -> u64 {
    let two = mask & (mask >> 1);
    let four = two & (two >> 2);
    let eight = four & (four >> 4);
    let sixteen = eight & (eight >> 8);
    sixteen & (four >> 16)
}

fn tail_mask(tail: &[u8]) -> u64 {
    tail.iter().take(64).enumerate().fold(0, |m, (i, &b)| m | (u64::from(is_base64_digit(b)) << i))
}

/// Bit `i` set where byte `i` of the block is a base64 digit.
#[cfg(target_arch = "x86_64")]
fn mask64(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let mut mask = 0u64;
    for k in 0..4 {
        // SAFETY: SSE2 is part of the x86-64 baseline, and the load reads 16 bytes inside `block`.
        let bits = unsafe {
            let x = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let set = |b: u8| _mm_set1_epi8(b as i8);
            // Signed comparisons: bytes from 0x80 up are negative and fall outside both ranges.
            let digit = _mm_and_si128(_mm_cmpgt_epi8(x, set(b'0' - 1)), _mm_cmpgt_epi8(set(b'9' + 1), x));
            let folded = _mm_or_si128(x, set(0x20));
            let letter = _mm_and_si128(_mm_cmpgt_epi8(folded, set(b'a' - 1)), _mm_cmpgt_epi8(set(b'z' + 1), folded));
            let sign = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, set(b'+')), _mm_cmpeq_epi8(x, set(b'/'))),
                _mm_or_si128(_mm_cmpeq_epi8(x, set(b'-')), _mm_cmpeq_epi8(x, set(b'_'))),
            );
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, letter), sign)) as u32 as u64
        };
        mask |= bits << (16 * k);
    }
    mask
}

/// [`mask64`] 32 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn mask64_avx2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let mut mask = 0u64;
    for k in 0..2 {
        // SAFETY: the caller has AVX2, and the load reads 32 bytes inside `block`.
        let bits = unsafe {
            let x = _mm256_loadu_si256(block.as_ptr().add(32 * k).cast::<__m256i>());
            let set = |b: u8| _mm256_set1_epi8(b as i8);
            let digit = _mm256_and_si256(_mm256_cmpgt_epi8(x, set(b'0' - 1)), _mm256_cmpgt_epi8(set(b'9' + 1), x));
            let folded = _mm256_or_si256(x, set(0x20));
            let letter =
                _mm256_and_si256(_mm256_cmpgt_epi8(folded, set(b'a' - 1)), _mm256_cmpgt_epi8(set(b'z' + 1), folded));
            let sign = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(x, set(b'+')), _mm256_cmpeq_epi8(x, set(b'/'))),
                _mm256_or_si256(_mm256_cmpeq_epi8(x, set(b'-')), _mm256_cmpeq_epi8(x, set(b'_'))),
            );
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(digit, letter), sign)) as u32 as u64
        };
        mask |= bits << (32 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
fn mask64(block: &[u8; 64]) -> u64 {
    tail_mask(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block masks and shifts must find exactly the runs a byte-by-byte pass finds.
    #[test]
    fn block_masks_find_what_a_byte_loop_finds() {
        let mut rng = crate::test_rng::TestRng::new(0x51_7cc1_b727_220a);
        let alphabet = b"aZ09+/-_=:. \n\x80\xff";
        for round in 0..400 {
            let len = rng.below(600);
            let sparse = 2 + rng.below(if round % 2 == 0 { 30 } else { 300 });
            let mut content = Vec::with_capacity(len);
            for _ in 0..len {
                let b = if rng.below(sparse) == 0 {
                    alphabet[rng.below(alphabet.len())]
                } else {
                    b'A' + rng.below(6) as u8
                };
                content.push(if rng.below(sparse) == 0 { b' ' } else { b });
            }
            let mut want = Vec::new();
            let mut i = 0;
            while i < content.len() {
                let start = i;
                while i < content.len() && is_base64_digit(content[i]) {
                    i += 1;
                }
                if i - start >= MIN_RUN {
                    want.push((start, i));
                }
                i = i.max(start + 1);
            }
            let mut got = Vec::new();
            long_runs(&content, |s, e| got.push((s, e)));
            assert_eq!(got, want, "round {round}: {:?}", String::from_utf8_lossy(&content));
        }
        assert_eq!(mask64(&[b'A'; 64]), u64::MAX);
        assert_eq!(mask64(&[b'='; 64]), 0);
        // Every byte value through both masks.
        let all: Vec<u8> = (0..=255).collect();
        for block in all.chunks_exact(64) {
            let block: &[u8; 64] = block.try_into().unwrap();
            let want = tail_mask(block);
            assert_eq!(mask64(block), want);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present.
                assert_eq!(unsafe { mask64_avx2(block) }, want);
            }
        }
    }
}
