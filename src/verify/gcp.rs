//! Google service-account keys (only with the `verify` feature): the key file's private key signs a JWT
//! (RS256; RFC 7523's JWT bearer grant, as Google's "OAuth 2.0 for server to server applications" describes it)
//! that asks for a read-only scope, and the token endpoint exchanges it for an access token. Issuing a token
//! creates nothing in the project and changes nothing; the token is read for its presence only, never kept.
//! The private key is not sent: only the signed JWT.
//!
//! Where it goes: the key file's `token_uri` when on the verifier's allowlist (`oauth2.googleapis.com`), else
//! nowhere; an endpoint the user's config names replaces it.
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use super::request::{HttpAnswer, HttpRequest};
use super::spec::{Judgement, USER_AGENT};
use crate::verdict::VerifyStatus;

/// Read-only, and enough for the token endpoint to accept the grant.
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform.read-only";
const HEADER: &str = r#"{"alg":"RS256","typ":"JWT"}"#;
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Google accepts assertions that live at most an hour; five minutes is plenty for one exchange.
const LIFETIME_SECS: u64 = 300;

/// The token endpoint to post to: the endpoint the user's config names (`overridden`), else the key file's
/// `token_uri` (the allowlist decides whether it may be sent there), else the default endpoint.
pub fn token_url(endpoint: &str, path: &str, overridden: bool, token_uri: Option<&str>) -> String {
    match token_uri {
        Some(uri) if !overridden => uri.to_string(),
        _ => format!("{}{path}", endpoint.trim_end_matches('/')),
    }
}

/// The signed exchange for the key `pem` of `client_email`, posted to `url` (also the JWT's audience), at `now`.
/// Err: the key does not parse or cannot sign, so nothing is sent.
pub fn request(
    url: &str,
    allowed_hosts: &[String],
    client_email: &str,
    pem: &str,
    now: SystemTime,
) -> Result<HttpRequest, String> {
    let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let assertion = jwt(pem, &claims(client_email, url, iat))?;
    let body = format!("grant_type={}&assertion={assertion}", super::request::percent_encode(GRANT_TYPE));
    Ok(HttpRequest {
        method: "POST",
        url: url.to_string(),
        headers: vec![
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("User-Agent".into(), USER_AGENT.into()),
        ],
        body: Some(body.into_bytes()),
        allowed_hosts: allowed_hosts.to_vec(),
    })
}

/// The JWT's claims: issued by the service account, for the token endpoint, read-only, five minutes long.
pub fn claims(client_email: &str, audience: &str, iat: u64) -> String {
    serde_json::json!({
        "iss": client_email,
        "scope": SCOPE,
        "aud": audience,
        "iat": iat,
        "exp": iat + LIFETIME_SECS,
    })
    .to_string()
}

/// `header.claims.signature`, each base64url without padding, signed RS256 with the PEM key.
pub fn jwt(pem: &str, claims: &str) -> Result<String, String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let der = der_from_pem(pem).ok_or("the private key is not PEM")?;
    let key = RsaKeyPair::from_pkcs8(&der)
        .or_else(|_| RsaKeyPair::from_der(&der))
        .map_err(|_| "the private key does not parse as an RSA key")?;
    let signing_input = format!("{}.{}", b64.encode(HEADER), b64.encode(claims));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| "the private key could not sign")?;
    Ok(format!("{signing_input}.{}", b64.encode(signature)))
}

/// The DER inside a PEM block as a key file holds it: lines broken by real newlines or by JSON's `\n`.
pub fn der_from_pem(pem: &str) -> Option<Vec<u8>> {
    let pem = pem.replace("\\n", "\n");
    let after_begin = &pem[pem.find("-----BEGIN ")? + 11..];
    let body = &after_begin[after_begin.find("-----")? + 5..];
    let body = &body[..body.find("-----END ")?];
    let text: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Reads the token endpoint's answer. Live: 200 with an access token (only its presence is looked at). Revoked:
/// the grant or the client refused (a deleted key, a deleted or disabled account). A refusal for the clock
/// (`iat`/`exp` out of range) says nothing of the key: unknown.
pub fn judge(answer: &HttpAnswer, client_email: &str, project_id: Option<&str>) -> Judgement {
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let text = |k: &str| json.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    if answer.status == 200 {
        if text("access_token").is_empty() {
            return Judgement::unknown("unexpected answer (HTTP 200, no access token)");
        }
        let mut identity = BTreeMap::new();
        identity.insert("client_email".to_string(), client_email.chars().take(200).collect());
        if let Some(p) = project_id {
            identity.insert("project_id".to_string(), p.chars().take(200).collect());
        }
        return Judgement { status: VerifyStatus::Live, identity, detail: None };
    }
    let error = text("error");
    let clock = text("error_description").to_ascii_lowercase();
    let refused = matches!(error, "invalid_grant" | "invalid_client" | "unauthorized_client");
    if matches!(answer.status, 400 | 401) && refused && !(clock.contains("timeframe") || clock.contains("clock")) {
        return Judgement {
            status: VerifyStatus::Revoked,
            identity: BTreeMap::new(),
            detail: Some(format!("HTTP {}, {error}", answer.status)),
        };
    }
    match error {
        "" => Judgement::unknown(format!("unexpected answer (HTTP {})", answer.status)),
        e => Judgement::unknown(format!("HTTP {}, {}", answer.status, e.chars().take(40).collect::<String>())),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use base64::Engine;
    use ring::signature::{KeyPair, RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};

    use super::{claims, der_from_pem, judge, jwt, request, token_url, SCOPE};
    use crate::verdict::VerifyStatus;
    use crate::verify::request::HttpAnswer;

    /// A throwaway RSA key generated for this test (`openssl genpkey -algorithm RSA`); it belongs to nothing.
    pub const TEST_KEY: &str = include_str!("gcp_test_key.pem");

    #[test]
    fn the_jwt_is_rs256_over_header_and_claims_and_verifies_with_the_public_key() {
        let token = jwt(TEST_KEY, &claims("ci@p.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token", 1000))
            .unwrap();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(b64.decode(parts[0]).unwrap(), br#"{"alg":"RS256","typ":"JWT"}"#);
        let c: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(c["iss"], "ci@p.iam.gserviceaccount.com");
        assert_eq!(c["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(c["scope"], SCOPE);
        assert_eq!((c["iat"].as_u64(), c["exp"].as_u64()), (Some(1000), Some(1300)));
        let der = der_from_pem(TEST_KEY).unwrap();
        let public = RsaKeyPair::from_pkcs8(&der).unwrap().public_key().as_ref().to_vec();
        let signed = format!("{}.{}", parts[0], parts[1]);
        let signature = b64.decode(parts[2]).unwrap();
        let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public);
        assert!(verifier.verify(signed.as_bytes(), &signature).is_ok());
        assert!(verifier.verify(b"something else", &signature).is_err());
    }

    #[test]
    fn a_key_written_with_json_escapes_parses_and_a_fake_one_is_refused() {
        let escaped = TEST_KEY.trim_end().replace('\n', "\\n");
        assert_eq!(der_from_pem(&escaped), der_from_pem(TEST_KEY));
        let fake = "-----BEGIN PRIVATE KEY-----\\nWZ6Eqj5zKJzbtFRN3Ublvc0xhf7dkk5x\\n-----END PRIVATE KEY-----";
        assert!(jwt(fake, "{}").unwrap_err().contains("does not parse"));
        assert!(jwt("-----BEGIN PRIVATE KEY-----\\n!!\\n-----END PRIVATE KEY-----", "{}").is_err());
    }

    #[test]
    fn the_request_posts_the_jwt_bearer_grant_to_the_token_url() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let url =
            token_url("https://oauth2.googleapis.com", "/token", false, Some("https://oauth2.googleapis.com/token"));
        let r = request(&url, &["oauth2.googleapis.com".into()], "ci@p.iam.gserviceaccount.com", TEST_KEY, at).unwrap();
        assert_eq!((r.method, r.url.as_str()), ("POST", "https://oauth2.googleapis.com/token"));
        let body = String::from_utf8(r.body.unwrap()).unwrap();
        assert!(body.starts_with("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"));
        assert!(!body.contains("PRIVATE KEY"));
        // The user's endpoint replaces the key file's token_uri.
        assert_eq!(
            token_url("http://127.0.0.1:9", "/token", true, Some("https://x/token")),
            "http://127.0.0.1:9/token"
        );
        assert_eq!(
            token_url("https://oauth2.googleapis.com", "/token", false, None),
            "https://oauth2.googleapis.com/token"
        );
    }

    #[test]
    fn token_endpoint_answers_are_read() {
        let answer = |status, body: &str| HttpAnswer { status, headers: vec![], body: body.as_bytes().to_vec() };
        let live = judge(&answer(200, r#"{"access_token":"ya29.x","expires_in":3599}"#), "ci@p", Some("p"));
        assert_eq!(live.status, VerifyStatus::Live);
        assert_eq!((live.identity["client_email"].as_str(), live.identity["project_id"].as_str()), ("ci@p", "p"));
        assert!(!format!("{live:?}").contains("ya29"));
        let revoked =
            judge(&answer(400, r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#), "c", None);
        assert_eq!(
            (revoked.status, revoked.detail.as_deref()),
            (VerifyStatus::Revoked, Some("HTTP 400, invalid_grant"))
        );
        assert_eq!(judge(&answer(401, r#"{"error":"invalid_client"}"#), "c", None).status, VerifyStatus::Revoked);
        let clock = r#"{"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."}"#;
        assert_eq!(judge(&answer(400, clock), "c", None).status, VerifyStatus::Unknown);
        assert_eq!(judge(&answer(200, "<html/>"), "c", None).status, VerifyStatus::Unknown);
        assert_eq!(judge(&answer(500, "{}"), "c", None).status, VerifyStatus::Unknown);
    }
}
