//! Sizes as users write them, in the config (`max_file_size = "10M"` or `10485760`) and on the command line
//! (`--max-file-size 10M`): one parser for both, so the two always accept the same.

/// Parses `1048576`, `512K`, `10M`, `2G` (powers of 1024; the suffix in either case).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let not_a_size = || format!("`{s}` is not a size (e.g. 1048576, 512K, 10M)");
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let digits = s[..i].trim();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(not_a_size());
            }
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix `{c}` (use K, M or G)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num.trim().parse().map_err(|_| not_a_size())?;
    n.checked_mul(mult).ok_or_else(|| format!("`{s}` is too large"))
}

/// Reads an optional size written as a number of bytes or as a [`parse_size`] string.
pub fn deserialize_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match <Size as serde::Deserialize>::deserialize(d) {
        Ok(Size::Bytes(n)) => Ok(Some(n)),
        Ok(Size::Text(s)) => parse_size(&s).map(Some).map_err(serde::de::Error::custom),
        Err(_) => Err(serde::de::Error::custom("expected a size: a number of bytes, or a string such as \"10M\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("5"), Ok(5));
        assert!(parse_size("K").is_err() && parse_size("").is_err());
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("10m"), Ok(10 << 20));
        assert!(parse_size("10X").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
