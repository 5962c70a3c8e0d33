//! AWS: an access key id and its secret, verified as a pair with STS GetCallerIdentity — the call AWS documents
//! as needing no permission and changing nothing ("Returns details about the IAM user or role whose credentials
//! are used to call the operation"). Signed with SigV4 (`super::sigv4`) for the global endpoint's region.
use std::collections::BTreeMap;
use std::time::SystemTime;

use super::request::{HttpAnswer, HttpRequest, Url};
use super::sigv4::{authorization, SigningInput};
use super::spec::{Judgement, USER_AGENT};
use crate::verdict::VerifyStatus;

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// The global STS endpoint signs for us-east-1.
const REGION: &str = "us-east-1";

/// The signed GetCallerIdentity request for the pair, to `endpoint` (`https://sts.amazonaws.com`), at `now`.
pub fn request(endpoint: &str, allowed_hosts: &[String], key_id: &str, secret: &str, now: SystemTime) -> HttpRequest {
    let host = Url::parse(endpoint).map(|u| u.authority()).unwrap_or_default();
    // An endpoint with a path (a proxy in front of STS) is signed for that path, as it is sent.
    let base = endpoint.trim_end_matches('/');
    let path =
        format!("{}/", base.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or(""));
    let amz_date = amz_date(now);
    let signed = vec![
        ("Content-Type".to_string(), CONTENT_TYPE.to_string()),
        ("Host".to_string(), host),
        ("X-Amz-Date".to_string(), amz_date.clone()),
    ];
    let input = SigningInput {
        method: "POST",
        path: &path,
        query: "",
        headers: &signed,
        payload: BODY.as_bytes(),
        region: REGION,
        service: "sts",
        amz_date: &amz_date,
    };
    let auth = authorization(&input, key_id, secret);
    // The client sends `Host` itself, from the URL: the same value as signed.
    let mut headers: Vec<(String, String)> = signed.into_iter().filter(|(k, _)| k != "Host").collect();
    headers.push(("Authorization".into(), auth));
    headers.push(("User-Agent".into(), USER_AGENT.into()));
    HttpRequest {
        method: "POST",
        url: format!("{base}/"),
        headers,
        body: Some(BODY.as_bytes().to_vec()),
        allowed_hosts: allowed_hosts.to_vec(),
    }
}

/// Reads STS's XML answer: the caller's account, ARN and user id when live; `InvalidClientTokenId` (no such
/// key) as revoked. A signature mismatch means the key id exists but this secret is not its: unknown, since the
/// secret may belong to another key id in the file.
pub fn judge(answer: &HttpAnswer) -> Judgement {
    let body = String::from_utf8_lossy(&answer.body);
    if (200..300).contains(&answer.status) {
        let mut identity = BTreeMap::new();
        for (name, tag) in [("account", "Account"), ("arn", "Arn"), ("user_id", "UserId")] {
            if let Some(v) = element(&body, tag) {
                identity.insert(name.to_string(), v.chars().take(200).collect());
            }
        }
        if identity.is_empty() {
            return Judgement::unknown(format!("unexpected answer (HTTP {}, no caller identity)", answer.status));
        }
        return Judgement { status: VerifyStatus::Live, identity, detail: None };
    }
    let code = element(&body, "Code").unwrap_or_default();
    match (answer.status, code) {
        (403, "InvalidClientTokenId") => Judgement {
            status: VerifyStatus::Revoked,
            identity: BTreeMap::new(),
            detail: Some("HTTP 403, InvalidClientTokenId".into()),
        },
        (_, "SignatureDoesNotMatch") => Judgement::unknown("SignatureDoesNotMatch: the secret is not this key id's"),
        (429, _) | (_, "Throttling") => Judgement::unknown("rate limited"),
        (status, "") => Judgement::unknown(format!("unexpected answer (HTTP {status})")),
        (status, code) => Judgement::unknown(format!("HTTP {status}, {}", code.chars().take(40).collect::<String>())),
    }
}

/// The text of the first `<tag>…</tag>`; STS's answers are small, flat and never hold markup in these fields.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..start + end].trim())
}

/// `YYYYMMDDTHHMMSSZ` in UTC.
fn amz_date(t: SystemTime) -> String {
    let iso = crate::report::gitlab::timestamp(t);
    iso.chars().filter(|c| *c != '-' && *c != ':').collect::<String>() + "Z"
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{judge, request};
    use crate::verdict::VerifyStatus;
    use crate::verify::request::HttpAnswer;

    #[test]
    fn the_request_is_signed_for_sts_at_the_given_time() {
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let allowed = vec!["sts.amazonaws.com".to_string()];
        let r = request(
            "https://sts.amazonaws.com",
            &allowed,
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            at,
        );
        assert_eq!((r.method, r.url.as_str()), ("POST", "https://sts.amazonaws.com/"));
        let header = |n: &str| r.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(header("X-Amz-Date"), "20150830T123600Z");
        let auth = header("Authorization");
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature="
        ));
        assert!(!auth.contains("wJalr"));
        let proxied = request("https://sts.example.com/aws/", &allowed, "AKIDEXAMPLE", "s", at);
        assert_eq!(proxied.url, "https://sts.example.com/aws/");
    }

    #[test]
    fn sts_answers_are_read() {
        let live = HttpAnswer {
            status: 200,
            headers: vec![],
            body: b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>\
                    <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
                    </GetCallerIdentityResponse>"
                .to_vec(),
        };
        let j = judge(&live);
        assert_eq!(j.status, VerifyStatus::Live);
        assert_eq!(j.identity["account"], "123456789012");
        assert_eq!(j.identity["arn"], "arn:aws:iam::123456789012:user/ci");
        let revoked = HttpAnswer {
            status: 403,
            headers: vec![],
            body: b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"
                .to_vec(),
        };
        assert_eq!(judge(&revoked).status, VerifyStatus::Revoked);
        let other = HttpAnswer { status: 403, headers: vec![], body: b"<Code>SignatureDoesNotMatch</Code>".to_vec() };
        assert_eq!(judge(&other).status, VerifyStatus::Unknown);
        assert_eq!(
            judge(&HttpAnswer { status: 200, headers: vec![], body: b"{}".to_vec() }).status,
            VerifyStatus::Unknown
        );
    }
}
