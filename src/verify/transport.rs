//! The network code, all of it (only with the `verify` feature): one `ureq` agent over rustls with the webpki
//! roots — certificates always verified, no OpenSSL — a timeout on the whole call, no redirects (a redirect could
//! lead a secret off its allowlist), the proxy from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` minus `NO_PROXY`.
//! Every request's URL is checked against its allowlist here, before a connection is opened. Errors are told in
//! leakgate's own words: a client error's text may quote the URL, whose path or query can hold the secret.
use std::io::ErrorKind;
use std::time::Duration;

use super::request::{check_allowed, HttpAnswer, HttpRequest, SendError};
use super::spec::USER_AGENT;

/// Largest answer body read: identity calls answer in a few KiB.
const MAX_BODY: u64 = 1024 * 1024;

pub struct Transport {
    agent: ureq::Agent,
}

impl Transport {
    pub fn new(timeout: Duration) -> Transport {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(ureq::Proxy::try_from_env())
            .user_agent(USER_AGENT)
            .build();
        Transport { agent: config.into() }
    }

    /// Sends `req` if its URL is on its allowlist; any HTTP status is an answer.
    pub fn send(&self, req: &HttpRequest) -> Result<HttpAnswer, SendError> {
        check_allowed(&req.url, &req.allowed_hosts)?;
        let result = match (req.method, &req.body) {
            ("POST", body) => {
                let mut r = self.agent.post(&req.url);
                for (k, v) in &req.headers {
                    r = r.header(k, v);
                }
                r.send(body.as_deref().unwrap_or_default())
            }
            (method, _) => {
                let mut r = if method == "HEAD" { self.agent.head(&req.url) } else { self.agent.get(&req.url) };
                for (k, v) in &req.headers {
                    r = r.header(k, v);
                }
                r.call()
            }
        };
        let mut response = result.map_err(said)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
            .collect();
        let body = if req.method == "HEAD" {
            Vec::new()
        } else {
            response.body_mut().with_config().limit(MAX_BODY).read_to_vec().map_err(said)?
        };
        Ok(HttpAnswer { status, headers, body })
    }
}

/// A client error in words that cannot hold the secret.
fn said(e: ureq::Error) -> SendError {
    match e {
        ureq::Error::Timeout(_) => SendError::Timeout,
        ureq::Error::Io(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => SendError::Timeout,
        // An I/O error comes from the socket or the resolver, which know the host and port, never the path.
        ureq::Error::Io(e) => SendError::Network(e.to_string().chars().take(120).collect()),
        ureq::Error::HostNotFound => SendError::Network("host not found".into()),
        ureq::Error::ConnectionFailed => SendError::Network("connection failed".into()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => SendError::Network("TLS failure".into()),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => SendError::Network("proxy failure".into()),
        ureq::Error::BodyExceedsLimit(_) => SendError::Network("answer too large".into()),
        ureq::Error::Http(_) | ureq::Error::BadUri(_) => {
            SendError::Network("the request could not be built (a secret not valid in a header?)".into())
        }
        _ => SendError::Network("malformed answer".into()),
    }
}
