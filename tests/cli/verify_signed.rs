//! Verifiers that sign with the secret instead of sending it, against the mock: Google service-account keys (an
//! RS256 JWT exchanged at the token endpoint; the mock checks the signature with the key's public half) and
//! Azure storage account keys (Shared Key; the mock recomputes the signature from what it received, with its own
//! string-to-sign written here). Live, revoked, rate-limited, malformed and slow answers, and nothing sent
//! without the pair's other half or to a host off the allowlist.
use std::time::{Duration, Instant};

use base64::Engine;
use ring::signature::{KeyPair, RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;

use crate::support::*;
use crate::verify_mock::{Answer, Mock, Seen};

/// A throwaway RSA key generated for the tests (`openssl genpkey`); it belongs to nothing.
const TEST_KEY: &str = include_str!("../../src/verify/gcp_test_key.pem");
const EMAIL: &str = "deployer@billing-test-574903.iam.gserviceaccount.com";
const AZURE_KEY: &str = "lMUgh6m5djtNMyfuTeXVscJj5RDTgKiPNfJIxiLEjPTO5z0SdbKhPZWJfweN1vhVdsdP3quZGcDcn57gCDA6BQ==";

/// A service-account key file as Google's console writes it, with `token_uri`.
fn key_file(token_uri: &str) -> String {
    let key = TEST_KEY.trim_end().replace('\n', "\\n");
    format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"billing-test-574903\",\n  \"private_key_id\": \
         \"fe1f59f85d23da30adda573aa543bd186ce0ef19\",\n  \"private_key\": \"{key}\\n\",\n  \"client_email\": \
         \"{EMAIL}\",\n  \"client_id\": \"827692655518985546507\",\n  \"token_uri\": \"{token_uri}\"\n}}\n"
    )
}

/// Scans `file` at `src/PATH` with `verifier` pointed at `endpoint` (`None`: its default); the first finding's
/// verification.
fn verify_file(path: &str, file: &str, verifier: &str, endpoint: Option<&str>, extra: &[&str]) -> Value {
    let tree = Tree::new();
    tree.write(&format!("src/{path}"), file);
    let mut config = String::from("[verify]\nallowed_hosts = [\"127.0.0.1\"]\n");
    if let Some(e) = endpoint {
        config.push_str(&format!("[verify.endpoints]\n{verifier} = \"{e}\"\n"));
    }
    let run = scan_src_verified(&tree, &config, extra);
    assert!(!run.stderr().contains("PRIVATE KEY") && !run.stderr().contains(AZURE_KEY));
    run.json()["findings"][0]["verification"].clone()
}

/// What a problem with the token request is, checked as Google would: form fields, claims, RS256 signature.
fn token_request_problem(seen: &Seen, audience: &str) -> Option<String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if (seen.method.as_str(), seen.path.as_str()) != ("POST", "/token") {
        return Some(format!("{} {}", seen.method, seen.path));
    }
    if seen.header("content-type") != Some("application/x-www-form-urlencoded") {
        return Some("content type".into());
    }
    let body = String::from_utf8_lossy(&seen.body).to_string();
    let assertion = body
        .strip_prefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=")
        .ok_or("grant type")
        .ok()?;
    let parts: Vec<&str> = assertion.split('.').collect();
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).ok()?).ok()?;
    let claims: Value = serde_json::from_slice(&b64.decode(parts[1]).ok()?).ok()?;
    if header != serde_json::json!({"alg": "RS256", "typ": "JWT"}) {
        return Some(format!("header {header}"));
    }
    let (iat, exp) = (claims["iat"].as_u64()?, claims["exp"].as_u64()?);
    let read_only = claims["scope"] == "https://www.googleapis.com/auth/cloud-platform.read-only";
    if claims["iss"] != EMAIL || claims["aud"] != audience || !read_only || exp != iat + 300 {
        return Some(format!("claims {claims}"));
    }
    let pem: String = TEST_KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(pem).unwrap();
    let public = RsaKeyPair::from_pkcs8(&der).unwrap().public_key().as_ref().to_vec();
    let signed = format!("{}.{}", parts[0], parts[1]);
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public)
        .verify(signed.as_bytes(), &b64.decode(parts[2]).ok()?)
        .err()
        .map(|_| "bad signature".to_string())
}

#[test]
fn gcp_key_file_is_exchanged_with_a_jwt_the_key_signed() {
    let mock = Mock::start(|_, _| Answer::json(200, r#"{"access_token":"ya29.c.secret-token","expires_in":3599}"#));
    let file = key_file("https://oauth2.googleapis.com/token");
    let v = verify_file("sa.json", &file, "gcp-service-account", Some(&mock.url()), &[]);
    assert_eq!(v["status"], "live", "{v}");
    assert_eq!(v["identity"]["client_email"], EMAIL);
    assert_eq!(v["identity"]["project_id"], "billing-test-574903");
    assert!(!v.to_string().contains("ya29"), "the access token is not kept: {v}");
    let seen = mock.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(token_request_problem(&seen[0], &format!("{}/token", mock.url())), None);
}

#[test]
fn gcp_answers_revoked_rate_limited_malformed_and_slow() {
    let file = key_file("https://oauth2.googleapis.com/token");
    let ask =
        |mock: &Mock, extra: &[&str]| verify_file("sa.json", &file, "gcp-service-account", Some(&mock.url()), extra);
    let revoked = Mock::start(|_, _| {
        Answer::json(400, r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
    });
    let v = ask(&revoked, &[]);
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("revoked"), Some("HTTP 400, invalid_grant")));
    let limited = Mock::start(|_, n| match n {
        0 => Answer::json(429, "{}").with_header("Retry-After", "1"),
        _ => Answer::json(200, r#"{"access_token":"t"}"#),
    });
    assert_eq!(ask(&limited, &[])["status"], "live");
    assert_eq!(limited.requests().len(), 2);
    let malformed = Mock::start(|_, _| Answer::json(200, "<html>portal</html>"));
    assert_eq!(ask(&malformed, &[])["status"], "unknown");
    let slow = Mock::start(|_, _| Answer::json(200, r#"{"access_token":"t"}"#).after(Duration::from_secs(8)));
    let started = Instant::now();
    let v = ask(&slow, &["--verify-timeout", "1"]);
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("timed out")));
    assert!(started.elapsed() < Duration::from_secs(6));
}

/// A key file whose `token_uri` names a host off the allowlist sends nothing there; one without a
/// `client_email` sends nothing at all.
#[test]
fn gcp_token_uri_off_the_allowlist_and_missing_email_send_nothing() {
    let mock = Mock::start(|_, _| Answer::json(200, r#"{"access_token":"t"}"#));
    let file = key_file(&format!("{}/token", mock.url()));
    // No endpoint configured: the file's token_uri would be used, and 127.0.0.1 is not Google's.
    let v = verify_file("sa.json", &file, "gcp-service-account", None, &[]);
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().contains("not on this verifier's allowlist"), "{v}");
    let no_email = file.replace(&format!("\"client_email\": \"{EMAIL}\","), "");
    let v = verify_file("sa.json", &no_email, "gcp-service-account", Some(&mock.url()), &[]);
    assert!(v["detail"].as_str().unwrap().contains("no client_email"), "{v}");
    assert!(mock.requests().is_empty());
}

/// Shared Key recomputed from the request as received, with this test's own string-to-sign.
fn shared_key_problem(seen: &Seen, account: &str, path: &str) -> Option<String> {
    if (seen.method.as_str(), seen.path.as_str()) != ("GET", &format!("{path}?comp=list")[..]) {
        return Some(format!("{} {}", seen.method, seen.path));
    }
    let date = seen.header("x-ms-date")?;
    let version = seen.header("x-ms-version")?;
    let text = format!("GET{}x-ms-date:{date}\nx-ms-version:{version}\n/{account}{path}\ncomp:list", "\n".repeat(12));
    let key = base64::engine::general_purpose::STANDARD.decode(AZURE_KEY).unwrap();
    let mac = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key), text.as_bytes());
    let want = format!("SharedKey {account}:{}", base64::engine::general_purpose::STANDARD.encode(mac));
    (seen.header("authorization") != Some(want.as_str()) || !date.ends_with(" GMT"))
        .then(|| format!("authorization {:?} date {date}", seen.header("authorization")))
}

#[test]
fn azure_key_lists_containers_signed_with_shared_key() {
    let mock = Mock::start(|seen, _| match shared_key_problem(seen, "stg4cnfpgg2t", "/stg4cnfpgg2t/") {
        None => Answer::json(200, "<?xml version=\"1.0\"?><EnumerationResults><Containers/></EnumerationResults>"),
        Some(p) => Answer::json(400, &p),
    });
    let line = format!("DefaultEndpointsProtocol=https;AccountName=stg4cnfpgg2t;AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net\n");
    let v = verify_file("app.env", &line, "azure-storage", Some(&mock.url()), &[]);
    assert_eq!(v["status"], "live", "{v} {:?}", mock.requests());
    assert_eq!(v["identity"]["account"], "stg4cnfpgg2t");
    assert_eq!(mock.requests()[0].header("x-ms-version"), Some("2021-12-02"));
    // The account name from a nearby assignment, for a key assigned on its own line.
    let nearby = format!("AZURE_STORAGE_ACCOUNT=stg4cnfpgg2t\nAZURE_STORAGE_KEY={AZURE_KEY}\n");
    assert_eq!(verify_file("app.env", &nearby, "azure-storage", Some(&mock.url()), &[])["status"], "live");
}

#[test]
fn azure_answers_revoked_rate_limited_malformed_and_slow() {
    let line = format!("AccountName=stg4cnfpgg2t;AccountKey={AZURE_KEY};\n");
    let ask = |mock: &Mock, extra: &[&str]| verify_file("app.env", &line, "azure-storage", Some(&mock.url()), extra);
    let revoked = Mock::start(|_, _| {
        Answer::json(403, "<Error><Code>AuthenticationFailed</Code></Error>")
            .with_header("x-ms-error-code", "AuthenticationFailed")
    });
    let v = ask(&revoked, &[]);
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("revoked"), Some("HTTP 403, AuthenticationFailed")));
    let firewall = Mock::start(|_, _| Answer::json(403, "<Error><Code>AuthorizationFailure</Code></Error>"));
    assert_eq!(ask(&firewall, &[])["status"], "unknown");
    let limited = Mock::start(|_, n| match n {
        0 => Answer::json(429, "").with_header("Retry-After", "1"),
        _ => Answer::json(200, "<EnumerationResults/>"),
    });
    assert_eq!(ask(&limited, &[])["status"], "live");
    assert_eq!(limited.requests().len(), 2);
    let malformed = Mock::start(|_, _| Answer::json(200, "{}"));
    assert_eq!(ask(&malformed, &[])["status"], "unknown");
    let slow = Mock::start(|_, _| Answer::json(200, "<EnumerationResults/>").after(Duration::from_secs(8)));
    let v = ask(&slow, &["--verify-timeout", "1"]);
    assert_eq!((v["status"].as_str(), v["detail"].as_str()), (Some("unknown"), Some("timed out")));
}

/// No account name beside the key, or one that is not a storage account name: nothing is sent.
#[test]
fn azure_without_a_valid_account_name_sends_nothing() {
    let mock = Mock::start(|_, _| Answer::json(200, "<EnumerationResults/>"));
    let v =
        verify_file("app.env", &format!("AZURE_STORAGE_KEY={AZURE_KEY}\n"), "azure-storage", Some(&mock.url()), &[]);
    assert!(v["detail"].as_str().unwrap().contains("no account_name"), "{v}");
    let bad = format!("AccountName=Evil.Example;AccountKey={AZURE_KEY};\n");
    let v = verify_file("app.env", &bad, "azure-storage", Some(&mock.url()), &[]);
    assert_eq!(v["status"], "unknown");
    assert!(mock.requests().is_empty());
}
