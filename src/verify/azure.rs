//! Azure storage account keys: the account's Blob service is asked to list its containers (`GET /?comp=list`,
//! "List Containers": read-only, it creates and changes nothing), signed with Shared Key as Microsoft documents
//! it for version 2009-09-19 and later — an HMAC-SHA256, keyed with the base64-decoded account key, over the
//! request's string-to-sign. The key itself is not sent. The account name comes from beside the key (the
//! connection string's `AccountName`, a `storage_account_name`); the host is `ACCOUNT.blob.core.windows.net`.
//!
//! Endpoints: `https://{account}.blob.core.windows.net` by default; a sovereign cloud names its own suffix in
//! the same form. An endpoint without `{account}` addresses the account path-style, as the storage emulator
//! does (`http://127.0.0.1:10000/ACCOUNT/`), and signs the path as sent.
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

use super::request::{HttpAnswer, HttpRequest};
use super::sigv4::hmac_sha256;
use super::spec::{Judgement, ACCOUNT_PLACEHOLDER, USER_AGENT};
use crate::verdict::VerifyStatus;

/// A version that takes an empty Content-Length for a request without a body.
pub const VERSION: &str = "2021-12-02";
const QUERY: &str = "comp=list";

/// The signed List Containers request for `account` with its base64 `key`, to `endpoint`, at `now`.
/// Err: the account name or the key is malformed, so nothing is sent.
pub fn request(
    endpoint: &str,
    allowed_hosts: &[String],
    account: &str,
    key: &str,
    now: SystemTime,
) -> Result<HttpRequest, String> {
    if !is_account_name(account) {
        return Err("the account name beside the key is not a storage account name".into());
    }
    let key = base64::engine::general_purpose::STANDARD.decode(key).map_err(|_| "the account key is not base64")?;
    let base = endpoint.trim_end_matches('/');
    let base = match base.contains(ACCOUNT_PLACEHOLDER) {
        true => base.replace(ACCOUNT_PLACEHOLDER, account),
        false => format!("{base}/{account}"),
    };
    let url = format!("{base}/?{QUERY}");
    let path = url_path(&base) + "/";
    let date = http_date(now);
    let ms_headers = [("x-ms-date".to_string(), date), ("x-ms-version".to_string(), VERSION.to_string())];
    let signature = sign(&key, &string_to_sign("GET", &ms_headers, account, &path, QUERY));
    let mut headers: Vec<(String, String)> = ms_headers.to_vec();
    headers.push(("Authorization".into(), format!("SharedKey {account}:{signature}")));
    headers.push(("User-Agent".into(), USER_AGENT.into()));
    Ok(HttpRequest { method: "GET", url, headers, body: None, allowed_hosts: allowed_hosts.to_vec() })
}

/// The Blob service's string-to-sign (Shared Key, 2009-09-19 and later) for a request without a body or any
/// standard header: the verb, eleven empty header lines (Content-Encoding … Range; `Date` is empty because
/// `x-ms-date` is sent), the `x-ms-` headers lowercased and sorted, then the canonicalized resource —
/// `/ACCOUNT` + the URL path, and each query parameter as `\nname:value`, names lowercased and sorted.
pub fn string_to_sign(verb: &str, ms_headers: &[(String, String)], account: &str, path: &str, query: &str) -> String {
    let mut out = format!("{verb}\n{}", "\n".repeat(11));
    let mut headers: Vec<(String, String)> =
        ms_headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.sort();
    for (k, v) in headers {
        out.push_str(&format!("{k}:{v}\n"));
    }
    out.push_str(&format!("/{account}{path}"));
    let mut params: Vec<(String, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map_or((p.to_ascii_lowercase(), ""), |(k, v)| (k.to_ascii_lowercase(), v)))
        .collect();
    params.sort();
    for (k, v) in params {
        out.push_str(&format!("\n{k}:{v}"));
    }
    out
}

/// Base64 of the HMAC-SHA256 of `string_to_sign` under the decoded account key.
pub fn sign(key: &[u8], string_to_sign: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key, string_to_sign.as_bytes()))
}

/// Reads the Blob service's answer: 200 lists the containers (live); 403 `AuthenticationFailed` is a key the
/// account does not take (revoked). Any other 403 (`AuthorizationFailure`: a firewall rule) says nothing of it.
pub fn judge(answer: &HttpAnswer, account: &str) -> Judgement {
    let body = String::from_utf8_lossy(&answer.body);
    if answer.status == 200 {
        if !body.contains("EnumerationResults") {
            return Judgement::unknown("unexpected answer (HTTP 200, not a container listing)");
        }
        let identity = BTreeMap::from([("account".to_string(), account.to_string())]);
        return Judgement { status: VerifyStatus::Live, identity, detail: None };
    }
    let code = answer
        .header("x-ms-error-code")
        .map(str::to_string)
        .or_else(|| {
            let start = body.find("<Code>")? + 6;
            Some(body[start..start + body[start..].find("</Code>")?].trim().to_string())
        })
        .unwrap_or_default();
    match (answer.status, code.as_str()) {
        (403, "AuthenticationFailed") => Judgement {
            status: VerifyStatus::Revoked,
            identity: BTreeMap::new(),
            detail: Some("HTTP 403, AuthenticationFailed".into()),
        },
        (status, "") => Judgement::unknown(format!("unexpected answer (HTTP {status})")),
        (status, code) => Judgement::unknown(format!("HTTP {status}, {}", code.chars().take(40).collect::<String>())),
    }
}

/// 3 to 24 lowercase letters and digits: Azure's rule, and what keeps the name a single host label.
pub fn is_account_name(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The path of an absolute URL without its trailing `/` (empty for a bare host).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or(String::new(), |i| rest[i..].trim_end_matches('/').to_string())
}

/// RFC 1123 in GMT (`Sun, 30 Aug 2015 12:36:00 GMT`), as `x-ms-date` takes it.
pub fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400);
    // `YYYY-MM-DDTHH:MM:SS`
    let iso = crate::report::gitlab::timestamp(t);
    let month: usize = iso[5..7].parse().unwrap_or(1);
    format!(
        "{}, {} {} {} {} GMT",
        DAYS[(days % 7) as usize],
        &iso[8..10],
        MONTHS[month.clamp(1, 12) - 1],
        &iso[..4],
        &iso[11..19]
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{http_date, is_account_name, judge, request, string_to_sign};
    use crate::verdict::VerifyStatus;
    use crate::verify::request::HttpAnswer;

    /// A made-up key (64 bytes of `0x01..=0x40`), base64.
    fn key() -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode((1u8..=64).collect::<Vec<u8>>())
    }

    #[test]
    fn dates_are_rfc_1123() {
        assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160)), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(951_782_400)), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    /// The string-to-sign written out by hand from Microsoft's description, for List Containers.
    #[test]
    fn the_string_to_sign_is_microsofts() {
        let headers = [
            ("x-ms-version".to_string(), "2021-12-02".to_string()),
            ("x-ms-date".to_string(), "Sun, 30 Aug 2015 12:36:00 GMT".to_string()),
        ];
        let want = "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 30 Aug 2015 12:36:00 GMT\nx-ms-version:2021-12-02\n\
                    /myaccount/\ncomp:list";
        assert_eq!(string_to_sign("GET", &headers, "myaccount", "/", "comp=list"), want);
        // Parameters are lowercased and sorted.
        assert!(string_to_sign("GET", &headers, "a", "/c", "restype=container&COMP=list")
            .ends_with("/a/c\ncomp:list\nrestype:container"));
    }

    /// The signature checked with ring's HMAC, an implementation other than the one that made it.
    #[cfg(feature = "verify")]
    #[test]
    fn the_request_is_signed_with_the_decoded_key() {
        use base64::Engine;
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let allowed = vec!["*.blob.core.windows.net".to_string()];
        let r = request("https://{account}.blob.core.windows.net", &allowed, "myaccount", &key(), at).unwrap();
        assert_eq!((r.method, r.url.as_str()), ("GET", "https://myaccount.blob.core.windows.net/?comp=list"));
        let header = |n: &str| r.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(header("x-ms-date"), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(header("x-ms-version"), "2021-12-02");
        let text = "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 30 Aug 2015 12:36:00 GMT\nx-ms-version:2021-12-02\n\
                    /myaccount/\ncomp:list";
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &(1u8..=64).collect::<Vec<u8>>());
        let want = base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&k, text.as_bytes()));
        assert_eq!(header("Authorization"), format!("SharedKey myaccount:{want}"));
        assert!(!format!("{:?}", r.headers).contains(&key()));
        // Path-style (the emulator): the account is the first path segment, and the path is signed as sent.
        let p = request("http://127.0.0.1:10000", &allowed, "devstore1", &key(), at).unwrap();
        assert_eq!(p.url, "http://127.0.0.1:10000/devstore1/?comp=list");
    }

    #[test]
    fn bad_account_names_and_keys_send_nothing() {
        for bad in ["ab", "MyAccount", "evil.example.com/x", "a-b-c", &"a".repeat(25)] {
            assert!(!is_account_name(bad), "{bad}");
            assert!(request("https://{account}.blob.core.windows.net", &[], bad, &key(), UNIX_EPOCH).is_err());
        }
        assert!(request("https://{account}.blob.core.windows.net", &[], "good1", "not base64!", UNIX_EPOCH).is_err());
    }

    #[test]
    fn blob_service_answers_are_read() {
        let answer = |status, headers: Vec<(String, String)>, body: &str| HttpAnswer {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        };
        let live = judge(&answer(200, vec![], "<?xml version=\"1.0\"?><EnumerationResults/>"), "acct");
        assert_eq!((live.status, live.identity["account"].as_str()), (VerifyStatus::Live, "acct"));
        let by_header = vec![("x-ms-error-code".to_string(), "AuthenticationFailed".to_string())];
        assert_eq!(judge(&answer(403, by_header, ""), "a").status, VerifyStatus::Revoked);
        let by_body = "<Error><Code>AuthenticationFailed</Code><Message>Server failed</Message></Error>";
        assert_eq!(judge(&answer(403, vec![], by_body), "a").status, VerifyStatus::Revoked);
        let firewall = "<Error><Code>AuthorizationFailure</Code></Error>";
        assert_eq!(judge(&answer(403, vec![], firewall), "a").status, VerifyStatus::Unknown);
        assert_eq!(judge(&answer(200, vec![], "{}"), "a").status, VerifyStatus::Unknown);
    }
}
