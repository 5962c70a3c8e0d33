//! The keyed hash that names a secret across reports (`secret_hash` in the JSON report): HMAC-SHA-256 (RFC 2104)
//! over the secret alone, keyed with `LEAKGATE_SECRET_HASH_KEY`. `leakgate report merge` uses it to see that
//! repositories share a secret without any report holding the secret. Keyed, because a plain hash of a short or
//! guessable secret (a password) can be reversed by trying candidates; without the key nobody can. Reports made
//! with the same key can be compared; `secret_hash_key_id` (a hash of the key, not the key) tells which key made
//! a report's hashes, so hashes from different keys are never taken for different secrets or the same one.
use sha2::{Digest, Sha256};

/// SHA-256's block size, which HMAC pads the key to.
const BLOCK: usize = 64;

/// A key for [`SecretHashKey::hash`].
#[derive(Clone)]
pub struct SecretHashKey {
    /// The key padded to one block (a longer key is hashed first, as HMAC specifies).
    block: [u8; BLOCK],
}

impl SecretHashKey {
    /// `None` for an empty key: an empty key would make the hash as guessable as a plain one.
    pub fn new(key: &[u8]) -> Option<SecretHashKey> {
        if key.is_empty() {
            return None;
        }
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        Some(SecretHashKey { block })
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let pad = |byte: u8| self.block.map(|b| b ^ byte);
        let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
        Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
    }

    /// The secret's keyed hash, 64 hex digits.
    pub fn hash(&self, secret: &str) -> String {
        hex(&self.mac(secret.as_bytes()))
    }

    /// Names the key without revealing it: 16 hex digits of the key's hash over a fixed label.
    pub fn id(&self) -> String {
        hex(&self.mac(b"leakgate secret hash key id")[..8])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::SecretHashKey;

    #[test]
    fn matches_the_rfc_4231_test_vectors() {
        // RFC 4231, test cases 2 and 6 (a key longer than a block).
        let key = SecretHashKey::new(b"Jefe").unwrap();
        assert_eq!(
            key.hash("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long = SecretHashKey::new(&[0xaa; 131]).unwrap();
        assert_eq!(
            long.hash("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_key_changes_the_hash_and_an_empty_key_is_refused() {
        let (a, b) = (SecretHashKey::new(b"one").unwrap(), SecretHashKey::new(b"two").unwrap());
        assert_ne!(a.hash("s3cr3t"), b.hash("s3cr3t"));
        assert_ne!(a.id(), b.id());
        assert!(SecretHashKey::new(b"").is_none());
    }
}
