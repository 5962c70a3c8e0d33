//! Offline structural checks of a candidate, named by a rule's `validator`. A candidate that fails is not a
//! real credential of that kind (a typo, an invented example, truncated text) and is not reported; one that
//! passes is marked `validated`. Nothing here talks to the network.
mod bech32;
mod macaroon;

use base64::Engine as _;

use crate::rules::ValidatorKind;

pub fn validate(kind: ValidatorKind, secret: &[u8]) -> bool {
    match kind {
        ValidatorKind::GithubChecksum | ValidatorKind::NpmChecksum => crc32_base62_checksum(secret),
        ValidatorKind::Jwt => jwt(secret),
        ValidatorKind::Pem => pem(secret),
        ValidatorKind::BasicAuth => basic_auth(secret),
        ValidatorKind::PypiMacaroon => macaroon::pypi_token(secret),
        ValidatorKind::Bech32 => bech32::valid(secret),
    }
}

/// Credentials that documentation shows, base64-decoded: RFC 7617's own example and the usual stand-ins.
const EXAMPLE_CREDENTIALS: &[&str] = &[
    "aladdin:open sesame",
    "user:pass",
    "user:password",
    "username:password",
    "admin:admin",
    "admin:password",
    "login:password",
    "foo:bar",
    "test:test",
];

/// HTTP Basic credentials as Docker's `auth`, npm's `_auth` and an `Authorization: Basic` header carry them:
/// base64 of `user-id:password` (RFC 7617 §2) that decodes to text. Either part may be empty (an API key sent
/// as the user name), not both; a part that is a placeholder (`${PASSWORD}`, `<password>`) or a documentation
/// pair (`Aladdin:open sesame`) is not a credential.
/// <https://www.rfc-editor.org/rfc/rfc7617#section-2>
fn basic_auth(encoded: &[u8]) -> bool {
    let Some(text) = crate::engine::decode::codecs::base64(encoded) else {
        return false;
    };
    let Ok(text) = String::from_utf8(text) else { return false };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    if text.contains(['\n', '\r']) || (user.is_empty() && password.is_empty()) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if EXAMPLE_CREDENTIALS.contains(&lower.as_str()) {
        return false;
    }
    [user, password].iter().filter(|p| !p.is_empty()).all(|p| super::placeholder::placeholder_reason(p).is_none())
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub's token format (and npm's, which copies it): `prefix_` + random base62 + 6 characters that are the
/// CRC32 of the random part, base62-encoded and left-padded with `0`.
/// <https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/>
fn crc32_base62_checksum(token: &[u8]) -> bool {
    let Some(sep) = token.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let body = &token[sep + 1..];
    if body.len() < 7 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32fast::hash(random)) == check
}

fn base62_6(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// A JWT is `header.payload.signature`; header and payload are base64url JSON objects and the header names an
/// algorithm (RFC 7519 §7.2, RFC 7515 §4.1.1).
fn jwt(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let header = decode_json_object(header);
    let payload_ok = decode_json_object(payload).is_some();
    matches!(header, Some(h) if h.contains_key("alg")) && payload_ok
}

fn decode_json_object(part: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let trimmed: Vec<u8> = part.iter().copied().filter(|&b| b != b'=').collect();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&trimmed).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The body of a PEM block must be base64 of a plausible key (RFC 7468). Accepts the block as written in files,
/// inside JSON/YAML strings with `\n` escapes, and with RFC 1421 headers (`Proc-Type:`, `DEK-Info:`).
fn pem(block: &[u8]) -> bool {
    let text = String::from_utf8_lossy(block).replace("\\r", "\n").replace("\\n", "\n");
    let mut body = String::new();
    let mut in_body = false;
    for line in text.lines() {
        let line = unquote_line(line);
        if line.starts_with("-----BEGIN") {
            in_body = true;
            // A one-line block ("-----BEGIN X-----MIIE...-----END X-----") keeps its body on this line.
            if let Some(rest) = line.splitn(3, "-----").nth(2) {
                body.push_str(rest.split("-----END").next().unwrap_or(""));
            }
            continue;
        }
        if line.starts_with("-----END") {
            break;
        }
        if in_body && !line.contains(':') {
            body.push_str(line);
        }
    }
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(body.trim_end_matches('=').as_bytes()));
    matches!(decoded, Ok(bytes) if bytes.len() >= 32)
}

/// Strips what surrounds a PEM line inside source code: quotes, commas, and `+` only where it joins quoted
/// strings (`"…" +`, `+ "…"`). A bare `+` at either end belongs to the base64 and stays.
fn unquote_line(line: &str) -> &str {
    let mut l = line.trim();
    if let Some(rest) = l.strip_prefix('+') {
        if rest.trim_start().starts_with(['"', '\'']) {
            l = rest.trim_start();
        }
    }
    if let Some(rest) = l.strip_suffix('+') {
        if rest.trim_end().ends_with(['"', '\'']) {
            l = rest.trim_end();
        }
    }
    l.trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum() {
        assert!(validate(ValidatorKind::GithubChecksum, b"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"));
        assert!(!validate(ValidatorKind::GithubChecksum, b"ghp_ZJDeVREhkptGF7Wvep0NwJWlPEQP7a0t2nxM"));
        assert!(!validate(ValidatorKind::GithubChecksum, b"ghp_short"));
    }

    #[test]
    fn jwt_structure() {
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
        assert!(validate(ValidatorKind::Jwt, good));
        assert!(!validate(ValidatorKind::Jwt, b"eyJub3Rqc29u.eyJzdWIiOiIxIn0.sig"));
        assert!(!validate(ValidatorKind::Jwt, b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.sig"), "no alg");
    }

    #[test]
    fn basic_auth_credentials() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        for good in ["deploy:Hn4rT8wQz2Lm6Kp9Vx3B", "sk_live_4eC39HqLyjWDarjtT1zdp7dc:", "ci-bot:zHDXu0mxYfNKTkluiO"] {
            assert!(validate(ValidatorKind::BasicAuth, b64(good).as_bytes()), "{good}");
        }
        let no_pad = b64("deploy:Hn4rT8wQz2Lm6Kp9Vx3B").trim_end_matches('=').to_string();
        assert!(validate(ValidatorKind::BasicAuth, no_pad.as_bytes()));
        for bad in [
            "Aladdin:open sesame",
            "user:password",
            "deploy:${REGISTRY_PASSWORD}",
            "no colon here",
            ":",
            "a:<password>",
        ] {
            assert!(!validate(ValidatorKind::BasicAuth, b64(bad).as_bytes()), "{bad}");
        }
        assert!(!validate(ValidatorKind::BasicAuth, b"not base64!"));
    }

    #[test]
    fn pem_body() {
        let body = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uyv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00";
        let block = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert!(validate(ValidatorKind::Pem, block.as_bytes()));
        let escaped = block.replace('\n', "\\n");
        assert!(validate(ValidatorKind::Pem, escaped.as_bytes()));
        assert!(!validate(
            ValidatorKind::Pem,
            b"-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!\n-----END RSA PRIVATE KEY-----"
        ));
        // Base64 lines may start or end with `+`; Java-style concatenation wraps lines in `"…" +`.
        let plus =
            format!("-----BEGIN PRIVATE KEY-----\n+{}\n{}+\n-----END PRIVATE KEY-----", &body[..63], &body[64..127]);
        assert!(validate(ValidatorKind::Pem, plus.as_bytes()));
        let java: String = block.lines().map(|l| format!("\"{l}\\n\" +\n")).collect();
        assert!(validate(ValidatorKind::Pem, java.as_bytes()));
    }
}
