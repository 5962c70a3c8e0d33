//! Shannon entropy of a candidate secret, in bits per character. Random tokens score high (hex ≈ 4, base64 ≈ 6
//! for long strings); words, repeated characters and templates score low.
use statrs::distribution::Categorical;
use statrs::statistics::Distribution;

pub fn shannon_bits(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let weights: Vec<f64> = counts.iter().filter(|&&c| c > 0).map(|&c| c as f64).collect();
    if weights.len() == 1 {
        return 0.0;
    }
    // statrs normalises the weights and returns nats; convert to bits.
    Categorical::new(&weights).ok().and_then(|d| d.entropy()).map_or(0.0, |nats| nats / std::f64::consts::LN_2)
}

#[cfg(test)]
mod tests {
    use super::shannon_bits;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_bits(b""), 0.0);
        assert_eq!(shannon_bits(b"aaaaaaaa"), 0.0);
        assert!((shannon_bits(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon_bits(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }
}
