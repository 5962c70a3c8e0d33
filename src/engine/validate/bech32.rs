//! Bech32 strings (BIP-173) end in a 6-character checksum over their human-readable part and data: age's
//! secret keys (`AGE-SECRET-KEY-1…`) are Bech32, so a key with a typo or made up by hand fails.
//! <https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki>, <https://age-encryption.org/v1>
const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATORS: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/// Whether `text` is a Bech32 string whose checksum holds (either letter case, not mixed).
pub fn valid(text: &[u8]) -> bool {
    if text.iter().any(u8::is_ascii_lowercase) && text.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let Some(sep) = lower.iter().rposition(|&b| b == b'1') else { return false };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 || !hrp.iter().all(|b| (33..=126).contains(b)) {
        return false;
    }
    let Some(values) =
        data.iter().map(|c| CHARSET.iter().position(|x| x == c).map(|v| v as u8)).collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut expanded: Vec<u8> = hrp.iter().map(|b| b >> 5).collect();
    expanded.push(0);
    expanded.extend(hrp.iter().map(|b| b & 31));
    expanded.extend(values);
    polymod(&expanded) == 1
}

fn polymod(values: &[u8]) -> u32 {
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GENERATORS.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn bip173_vectors_and_a_typo() {
        // Valid test vectors from BIP-173.
        assert!(valid(b"A12UEL5L"));
        assert!(valid(b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
        assert!(valid(b"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w"));
        // A changed character, mixed case, no separator.
        assert!(!valid(b"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3q"));
        assert!(!valid(b"A12uEL5L"));
        assert!(!valid(b"qpzry9x8gf2tvdw0s3jn54khce6mua7l"));
    }
}
