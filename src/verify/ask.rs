//! Asking a provider about one credential (only with the `verify` feature): the verifier's request through the
//! provider's limiter, a 429 retried after the provider's `Retry-After` (capped, twice at most), the answer judged.
use std::time::SystemTime;

use super::cache::Credential;
use super::rate::{retry_after, Limiter, Slot};
use super::request::HttpRequest;
use super::spec::{Judgement, Kind};
use super::transport::Transport;
use super::{aws, azure, gcp};
use crate::verdict::Verification;

/// Tries per credential when the provider keeps answering 429.
const ATTEMPTS: usize = 3;

/// One credential: asks its provider, waiting out rate limits. `slot` is the provider's, taken for the first try.
pub fn check(job: &Credential, transport: &Transport, limiter: &Limiter, slot: Slot<'_>) -> Verification {
    let v = &job.verifier;
    let mut first = Some(slot);
    let endpoint = v.endpoint.as_deref().unwrap_or_default();
    let id = job.id.as_deref().unwrap_or_default();
    let mut judgement = Judgement::unknown("rate limited");
    for _ in 0..ATTEMPTS {
        let request = match request(job, endpoint) {
            Ok(r) => r,
            // The key cannot sign (a made-up or cut key): nothing to send.
            Err(why) => return verification(&v.spec.id, Judgement::unknown(why)),
        };
        let answer = {
            let _slot = first.take().unwrap_or_else(|| limiter.acquire(&v.spec.id));
            transport.send(&request)
        };
        judgement = match answer {
            Ok(a) if a.status == 429 => {
                limiter.pause(&v.spec.id, retry_after(a.header("retry-after")));
                Judgement::unknown("rate limited (HTTP 429)")
            }
            Ok(a) => {
                return verification(
                    &v.spec.id,
                    match v.spec.kind {
                        Kind::AwsSts => aws::judge(&a),
                        Kind::GcpServiceAccount => {
                            gcp::judge(&a, id, job.context.get("project_id").map(String::as_str))
                        }
                        Kind::AzureSharedKey => azure::judge(&a, id),
                        Kind::Http => v.spec.judge(&a, &job.secret),
                    },
                )
            }
            // Refused, timed out or failed: told in words that never hold the secret (see `SendError`).
            Err(e) => return verification(&v.spec.id, Judgement::unknown(e.to_string())),
        };
    }
    verification(&v.spec.id, judgement)
}

/// The request for one try (signed anew each time: signatures carry the time).
fn request(job: &Credential, endpoint: &str) -> Result<HttpRequest, String> {
    let v = &job.verifier;
    let id = job.id.as_deref().unwrap_or_default();
    let now = SystemTime::now();
    Ok(match v.spec.kind {
        Kind::AwsSts => aws::request(endpoint, &v.allowed_hosts, id, &job.secret, now),
        Kind::GcpServiceAccount => {
            let overridden = v.spec.endpoint.as_deref() != Some(endpoint);
            let token_uri = job.context.get("token_uri").map(String::as_str);
            let url = gcp::token_url(endpoint, &v.spec.path, overridden, token_uri);
            gcp::request(&url, &v.allowed_hosts, id, &job.secret, now)?
        }
        Kind::AzureSharedKey => azure::request(endpoint, &v.allowed_hosts, id, &job.secret, now)?,
        Kind::Http => v.spec.request(endpoint, &v.allowed_hosts, &job.secret, job.id.as_deref()),
    })
}

pub fn verification(verifier: &str, j: Judgement) -> Verification {
    Verification {
        status: j.status,
        verifier: verifier.to_string(),
        identity: j.identity,
        checked_at: format!("{}Z", crate::report::gitlab::timestamp(SystemTime::now())),
        detail: j.detail,
    }
}
