//! AWS Signature Version 4, written out from AWS's published description of the algorithm (canonical request →
//! string to sign → HMAC chain over date, region, service), for the one request leakgate signs: STS
//! GetCallerIdentity. Only what that needs: headers signed are the ones given, the payload is hashed, query
//! parameters are sorted. Tested against the SigV4 test suite's published signatures.
use sha2::{Digest, Sha256};

/// What one signature covers.
pub struct SigningInput<'a> {
    pub method: &'a str,
    /// The URL path, already percent-encoded (`/`).
    pub path: &'a str,
    /// The query string, unsorted, already percent-encoded (`Param2=value2&Param1=value1`), or empty.
    pub query: &'a str,
    /// Header names and values to sign; `host` and `x-amz-date` must be among them.
    pub headers: &'a [(String, String)],
    pub payload: &'a [u8],
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, the value of `x-amz-date`.
    pub amz_date: &'a str,
}

/// The `Authorization` header's value for `input`, signed with the key pair.
pub fn authorization(input: &SigningInput<'_>, access_key_id: &str, secret_access_key: &str) -> String {
    let mut headers: Vec<(String, String)> =
        input.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), collapse_spaces(v.trim()))).collect();
    headers.sort();
    let signed_headers: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed_headers = signed_headers.join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let mut query: Vec<&str> = input.query.split('&').filter(|p| !p.is_empty()).collect();
    query.sort();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method,
        input.path,
        query.join("&"),
        canonical_headers,
        signed_headers,
        hex(&Sha256::digest(input.payload))
    );
    let date = &input.amz_date[..8.min(input.amz_date.len())];
    let scope = format!("{date}/{}/{}/aws4_request", input.region, input.service);
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{}\n{scope}\n{}", input.amz_date, hex(&Sha256::digest(canonical_request)));
    let mut key = hmac_sha256(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    for part in [input.region, input.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// HMAC-SHA256 (RFC 2104): a key longer than a block is hashed first, then padded to SHA-256's 64-byte block.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sequential spaces in a header value count as one in the canonical form.
fn collapse_spaces(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for w in v.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{authorization, hex, hmac_sha256, SigningInput};

    /// The SigV4 test suite's example credentials and request (facts from AWS's published suite).
    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn sign(method: &str, query: &str) -> String {
        let headers = vec![
            ("Host".to_string(), "example.amazonaws.com".to_string()),
            ("X-Amz-Date".into(), "20150830T123600Z".into()),
        ];
        let input = SigningInput {
            method,
            path: "/",
            query,
            headers: &headers,
            payload: b"",
            region: "us-east-1",
            service: "service",
            amz_date: "20150830T123600Z",
        };
        authorization(&input, KEY_ID, SECRET)
    }

    fn expected(signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={signature}"
        )
    }

    #[test]
    fn sigv4_test_suite_get_vanilla() {
        assert_eq!(sign("GET", ""), expected("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    #[test]
    fn sigv4_test_suite_get_vanilla_query_order_key_case() {
        assert_eq!(
            sign("GET", "Param2=value2&Param1=value1"),
            expected("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        );
    }

    #[test]
    fn sigv4_test_suite_post_vanilla() {
        assert_eq!(sign("POST", ""), expected("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
    }

    /// RFC 4231 test case 2 (a short key) and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
