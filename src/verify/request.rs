//! A verification request and the provider's answer, as plain data: built and judged without any network code,
//! sent by `transport` (only in builds with the `verify` feature). The host allowlist is checked here, on the
//! final URL, so every sender goes through the same check.
use std::fmt;

/// One HTTP request to a provider. Its `Debug` shows neither headers nor body nor the URL's path and query: they
/// hold the secret.
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// The hosts this request may go to; anything else is refused before a connection is opened.
    pub allowed_hosts: Vec<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = Url::parse(&self.url).map(|u| u.host).unwrap_or_default();
        write!(f, "HttpRequest({} {host}, {} headers)", self.method, self.headers.len())
    }
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct HttpAnswer {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why no answer came back; the message never holds the secret (nor the URL, whose path or query may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The URL's host is not one the verifier may send to (or the URL is plain `http` off loopback).
    Refused(String),
    Timeout,
    /// Name resolution, connection, TLS or protocol failure, in a few words.
    Network(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Refused(why) => write!(f, "not sent: {why}"),
            SendError::Timeout => f.write_str("timed out"),
            SendError::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

/// The parts of an absolute URL that the allowlist looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// Lowercased, without brackets for IPv6.
    pub host: String,
    pub port: Option<u16>,
}

impl Url {
    /// `scheme://host[:port][/...]`, without user info; anything else is `None`.
    pub fn parse(url: &str) -> Option<Url> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            (h.to_string(), after.strip_prefix(':').map(str::parse).transpose().ok()?)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p.parse().ok()?)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c)) {
            return None;
        }
        Some(Url { scheme, host: host.to_ascii_lowercase(), port })
    }

    /// `host` or `host:port`, as an allowlist names it.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) if self.host.contains(':') => format!("[{}]:{p}", self.host),
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Loopback hosts may be spoken to in plain HTTP (test mocks); every other host only over verified TLS.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// Whether `url` may be sent to with `allowed` (entries `host` or `host:port`): an exact host match, with the
/// port too when the entry names one. Plain `http` only to loopback.
pub fn check_allowed(url: &str, allowed: &[String]) -> Result<Url, SendError> {
    let u = Url::parse(url).ok_or_else(|| SendError::Refused("not an absolute http(s) URL".into()))?;
    if u.scheme == "http" && !is_loopback(&u.host) {
        return Err(SendError::Refused(format!("{}: plain http is only for loopback test servers", u.host)));
    }
    if allowed.iter().any(|a| host_matches(a, &u)) {
        Ok(u)
    } else {
        Err(SendError::Refused(format!("host {} is not on this verifier's allowlist", u.authority())))
    }
}

/// An allowlist entry: `host`, `host:port`, or `*.domain` for any host below a domain (a shop, a workspace).
pub fn host_matches(entry: &str, u: &Url) -> bool {
    let entry = entry.to_ascii_lowercase();
    match entry.strip_prefix("*.") {
        Some(domain) => u.host.len() > domain.len() + 1 && u.host.ends_with(&format!(".{domain}")),
        None => entry == u.host || entry == u.authority(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a secret put into a path or query.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{check_allowed, percent_encode, SendError, Url};

    #[test]
    fn urls_are_parsed_for_their_host_and_port() {
        let u = Url::parse("https://API.github.com/user?x=1").unwrap();
        assert_eq!((u.scheme.as_str(), u.host.as_str(), u.port), ("https", "api.github.com", None));
        assert_eq!(Url::parse("http://127.0.0.1:8080/x").unwrap().authority(), "127.0.0.1:8080");
        assert_eq!(Url::parse("http://[::1]:9/").unwrap().authority(), "[::1]:9");
        for bad in ["ftp://x/", "https://user:pw@host/", "https:///x", "github.com/user", "https://a b/"] {
            assert_eq!(Url::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_allowed_hosts_and_tls_off_loopback() {
        let allowed = vec!["api.github.com".to_string(), "127.0.0.1:9000".to_string(), "*.myshopify.com".into()];
        assert!(check_allowed("https://shop.myshopify.com/admin", &allowed).is_ok());
        assert!(check_allowed("https://myshopify.com/admin", &allowed).is_err());
        assert!(check_allowed("https://shop.myshopify.com.evil.example/", &allowed).is_err());
        assert!(check_allowed("https://api.github.com/user", &allowed).is_ok());
        assert!(check_allowed("http://127.0.0.1:9000/user", &allowed).is_ok());
        assert!(matches!(check_allowed("https://evil.example/user", &allowed), Err(SendError::Refused(_))));
        assert!(matches!(check_allowed("http://127.0.0.1:9001/", &allowed), Err(SendError::Refused(_))));
        // A look-alike suffix is another host.
        assert!(check_allowed("https://api.github.com.evil.example/", &allowed).is_err());
        let http = check_allowed("http://api.github.com/user", &allowed).unwrap_err().to_string();
        assert!(http.contains("plain http"), "{http}");
    }

    #[test]
    fn secrets_are_percent_encoded_in_urls() {
        assert_eq!(percent_encode("a+b/c=d~_.-"), "a%2Bb%2Fc%3Dd~_.-");
    }
}
