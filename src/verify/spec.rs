//! A verifier as data: which rules' secrets it checks, the hosts it may send them to, the one read-only request
//! it makes, and how it reads the answer. The built-in catalogue (`catalogue.toml`) and custom verifiers in a
//! config (`[[verify.custom]]`) have this one shape; both are checked by [`VerifierSpec::validate`] before use.
use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;

use super::request::{check_allowed, host_matches, percent_encode, HttpAnswer, HttpRequest, Url};
use crate::verdict::VerifyStatus;

/// How a verifier talks to its provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One HTTP request built from the templates below.
    #[default]
    Http,
    /// AWS STS GetCallerIdentity, signed with SigV4 (`super::aws`).
    AwsSts,
    /// A Google service-account key exchanged for an access token with a signed JWT (`super::gcp`).
    GcpServiceAccount,
    /// An Azure storage account key, a Blob service listing signed with Shared Key (`super::azure`).
    AzureSharedKey,
}

impl Kind {
    /// Kinds whose request is signed with the secret by leakgate's own code: they need the pair's id.
    pub fn is_signed(self) -> bool {
        !matches!(self, Kind::Http)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierSpec {
    /// Names the verifier in reports and in `[verify.endpoints]`.
    pub id: String,
    /// The provider's name, for the README's table.
    #[serde(default)]
    pub provider: String,
    /// The rule ids whose secrets it checks.
    pub rules: Vec<String>,
    /// The only hosts (`host` or `host:port`) it may send a secret to.
    pub hosts: Vec<String>,
    /// Base URL (`https://api.github.com`). None: the provider has no fixed host (a shop's domain, a workspace)
    /// and a `[verify.endpoints]` entry must name it, else the result is `unknown`.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub kind: Kind,
    /// GET, HEAD, or POST for calls that are read-only although POST (Slack's `auth.test`, a GraphQL query).
    #[serde(default = "get")]
    pub method: String,
    /// Appended to the endpoint; `{secret}` and `{id}` are percent-encoded into it.
    #[serde(default)]
    pub path: String,
    /// Header templates (`Authorization = "Bearer {secret}"`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP basic authentication: user and password templates.
    #[serde(default)]
    pub basic: Option<[String; 2]>,
    #[serde(default)]
    pub body: Option<String>,
    /// The secret is half of a pair; where the other half (`{id}`) comes from.
    #[serde(default)]
    pub pair: Option<Pair>,
    /// Statuses that mean live (default: any 2xx).
    #[serde(default)]
    pub live_status: Vec<u16>,
    /// Statuses that mean the provider rejected the credential.
    #[serde(default = "default_revoked")]
    pub revoked_status: Vec<u16>,
    /// With a live status, the JSON answer must also satisfy this (Slack answers 200 with `"ok": false`).
    #[serde(default)]
    pub live_when: Option<Condition>,
    /// Any answer satisfying this means revoked.
    #[serde(default)]
    pub revoked_when: Option<Condition>,
    /// Identity fields from a live JSON answer: name → JSON pointer (`login = "/login"`).
    #[serde(default)]
    pub identity: BTreeMap<String, String>,
    /// Identity fields from a live answer's headers: name → header name (`scopes = "x-oauth-scopes"`).
    #[serde(default)]
    pub identity_headers: BTreeMap<String, String>,
}

/// Where the other half of a pair comes from: the finding's `context` value of that name (the rule's
/// `context`, read beside the secret), else the nearest finding of one of `rules` in the same file (and commit),
/// else the first match of `from_line` in the finding's own line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub from_line: Option<String>,
    #[serde(default)]
    pub context: Option<String>,
}

/// A test on the JSON answer: the value at `pointer` equals `equals`, or is one of the strings in `one_of`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub pointer: String,
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    #[serde(default)]
    pub one_of: Vec<String>,
}

impl Condition {
    fn holds(&self, json: &serde_json::Value) -> bool {
        let Some(v) = json.pointer(&self.pointer) else { return false };
        self.equals.as_ref().is_some_and(|e| e == v) || v.as_str().is_some_and(|s| self.one_of.iter().any(|o| o == s))
    }
}

fn get() -> String {
    "GET".into()
}

fn default_revoked() -> Vec<u16> {
    vec![401, 403]
}

/// What one answer says, before the time of the check is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub status: VerifyStatus,
    pub identity: BTreeMap<String, String>,
    pub detail: Option<String>,
}

impl Judgement {
    pub fn unknown(detail: impl Into<String>) -> Judgement {
        Judgement { status: VerifyStatus::Unknown, identity: BTreeMap::new(), detail: Some(detail.into()) }
    }

    fn revoked(detail: impl Into<String>) -> Judgement {
        Judgement { status: VerifyStatus::Revoked, identity: BTreeMap::new(), detail: Some(detail.into()) }
    }
}

/// Longest identity value kept: a provider's answer is not copied into reports wholesale.
const MAX_IDENTITY_CHARS: usize = 200;

impl VerifierSpec {
    /// Checks the spec before any use: known method, hosts named, the default endpoint (if any) on one of them
    /// over TLS, pair and conditions well formed. The message names what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("verifier id `{}`: letters, digits, `-` and `_` only", self.id));
        }
        if self.rules.is_empty() {
            return Err("names no rules".into());
        }
        // No hosts: a verifier for a provider without a public host (a registry), only usable once the user
        // names an endpoint and allows its host.
        if self.hosts.is_empty() && self.endpoint.is_some() {
            return Err("has an endpoint but names no hosts (`hosts`): say where it may send secrets".into());
        }
        if !matches!(self.method.as_str(), "GET" | "HEAD" | "POST") {
            return Err(format!("method `{}`: only GET, HEAD and read-only POST calls", self.method));
        }
        if let Some(endpoint) = &self.endpoint {
            check_allowed(&sample_endpoint(endpoint), &self.hosts).map_err(|e| format!("endpoint {endpoint}: {e}"))?;
        }
        if !self.path.is_empty() && !self.path.starts_with('/') {
            return Err(format!("path `{}` must start with `/`", self.path));
        }
        let templates = self.headers.values().chain(self.basic.iter().flatten()).chain(&self.body);
        let uses_id = templates.chain([&self.path]).any(|t| t.contains("{id}"));
        match &self.pair {
            Some(p) if p.rules.is_empty() && p.from_line.is_none() && p.context.is_none() => {
                return Err("pair: names none of `rules`, `from_line` and `context`".into())
            }
            Some(p) => {
                if let Some(re) = &p.from_line {
                    regex::Regex::new(re).map_err(|e| format!("pair.from_line: {e}"))?;
                }
            }
            None if uses_id || self.kind.is_signed() => {
                return Err("uses the pair's `{id}` but has no `pair`".into());
            }
            None => {}
        }
        for c in self.live_when.iter().chain(&self.revoked_when) {
            if !c.pointer.starts_with('/') || (c.equals.is_none() && c.one_of.is_empty()) {
                return Err(format!("condition on `{}`: a JSON pointer and `equals` or `one_of`", c.pointer));
            }
        }
        Ok(())
    }

    /// The request for `secret` (and its pair's `id`) to `endpoint`, allowed only to `allowed_hosts`.
    pub fn request(&self, endpoint: &str, allowed_hosts: &[String], secret: &str, id: Option<&str>) -> HttpRequest {
        let id = id.unwrap_or_default();
        let fill = |t: &str| t.replace("{secret}", secret).replace("{id}", id);
        let path = self.path.replace("{secret}", &percent_encode(secret)).replace("{id}", &percent_encode(id));
        let mut headers: Vec<(String, String)> = self.headers.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        if let Some([user, password]) = &self.basic {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", fill(user), fill(password)));
            headers.push(("Authorization".into(), format!("Basic {token}")));
        }
        headers.push(("User-Agent".into(), USER_AGENT.into()));
        HttpRequest {
            method: match self.method.as_str() {
                "POST" => "POST",
                "HEAD" => "HEAD",
                _ => "GET",
            },
            url: format!("{}{path}", endpoint.trim_end_matches('/')),
            headers,
            body: self.body.as_deref().map(|b| fill(b).into_bytes()),
            allowed_hosts: allowed_hosts.to_vec(),
        }
    }

    /// What `answer` says about the credential. An identity value holding the secret is dropped.
    pub fn judge(&self, answer: &HttpAnswer, secret: &str) -> Judgement {
        let json: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
        let status = answer.status;
        if self.revoked_status.contains(&status) {
            return Judgement::revoked(format!("HTTP {status}"));
        }
        if let (Some(c), Some(j)) = (&self.revoked_when, &json) {
            if c.holds(j) {
                return Judgement::revoked(format!("HTTP {status}, {}", shown(j.pointer(&c.pointer))));
            }
        }
        let live_status =
            if self.live_status.is_empty() { (200..300).contains(&status) } else { self.live_status.contains(&status) };
        if !live_status {
            return Judgement::unknown(match status {
                429 => "rate limited (HTTP 429)".to_string(),
                _ => format!("unexpected answer (HTTP {status})"),
            });
        }
        let wants_json = self.live_when.is_some() || !self.identity.is_empty();
        let json = match json {
            Some(j) => j,
            // A 2xx that is not the provider's JSON: a captive portal or a proxy's page proves nothing.
            None if wants_json => return Judgement::unknown(format!("unexpected answer (HTTP {status}, not JSON)")),
            None => serde_json::Value::Null,
        };
        if let Some(c) = &self.live_when {
            if !c.holds(&json) {
                return Judgement::unknown(format!(
                    "unexpected answer (HTTP {status}, {})",
                    shown(json.pointer(&c.pointer))
                ));
            }
        }
        let mut identity = BTreeMap::new();
        for (name, pointer) in &self.identity {
            if let Some(v) = json.pointer(pointer).and_then(identity_value) {
                identity.insert(name.clone(), v);
            }
        }
        for (name, header) in &self.identity_headers {
            if let Some(v) = answer.header(header).filter(|v| !v.is_empty()) {
                identity.insert(name.clone(), clip(v));
            }
        }
        identity.retain(|_, v| secret.is_empty() || !v.contains(secret));
        Judgement { status: VerifyStatus::Live, identity, detail: None }
    }

    /// The allowlist for a request to `endpoint`: the spec's hosts, and the endpoint's own host when the user
    /// pointed the verifier elsewhere (checked against the user's `allowed_hosts` before this is called).
    pub fn allowed_with(&self, endpoint: &str) -> Vec<String> {
        let mut hosts = self.hosts.clone();
        if let Some(u) = Url::parse(&sample_endpoint(endpoint)) {
            if !hosts.iter().any(|h| host_matches(h, &u)) {
                // `https://{account}.blob.core.chinacloudapi.cn`: every account below that domain.
                match endpoint.split_once("://").and_then(|(_, rest)| rest.strip_prefix(ACCOUNT_PLACEHOLDER)) {
                    Some(below) => hosts.push(format!("*{}", below.split(['/', '?', '#']).next().unwrap_or(below))),
                    None => hosts.push(u.authority()),
                }
            }
        }
        hosts
    }
}

/// In an Azure endpoint (`https://{account}.blob.core.windows.net`), where the account name goes.
pub const ACCOUNT_PLACEHOLDER: &str = "{account}";

/// An endpoint as the allowlist sees it: the account placeholder stands for a sample account name.
pub fn sample_endpoint(endpoint: &str) -> String {
    endpoint.replace(ACCOUNT_PLACEHOLDER, "account")
}

/// Sent with every request, so a provider's logs show what asked.
pub const USER_AGENT: &str = concat!("leakgate/", env!("CARGO_PKG_VERSION"), " (secret verification)");

/// A JSON value as an identity field: strings, numbers and booleans as they read, a list of them joined by `,`.
fn identity_value(v: &serde_json::Value) -> Option<String> {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Array(items) => items.iter().filter_map(identity_value).collect::<Vec<_>>().join(","),
        _ => return None,
    };
    (!s.is_empty()).then(|| clip(&s))
}

fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_IDENTITY_CHARS).collect()
}

/// A condition's value for a detail: short, and never more than a word or two of the answer.
fn shown(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => clip(&s.chars().take(40).collect::<String>()),
        Some(other) => clip(&other.to_string().chars().take(40).collect::<String>()),
        None => "field missing".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{HttpAnswer, VerifierSpec};
    use crate::verdict::VerifyStatus;

    fn spec(extra: &str) -> VerifierSpec {
        toml::from_str(&format!(
            "id = 'x'\nrules = ['r']\nhosts = ['api.example.com']\nendpoint = 'https://api.example.com'\n\
             path = '/me'\nheaders = {{ Authorization = 'Bearer {{secret}}' }}\n{extra}"
        ))
        .unwrap()
    }

    fn answer(status: u16, body: &str) -> HttpAnswer {
        HttpAnswer { status, headers: vec![("x-scopes".into(), "repo, gist".into())], body: body.into() }
    }

    #[test]
    fn answers_are_read_as_live_revoked_or_unknown() {
        let s = spec(
            "identity = { login = '/login', n = '/n', tags = '/tags' }\nidentity_headers = { scopes = 'x-scopes' }",
        );
        let live = s.judge(&answer(200, r#"{"login":"octo","n":7,"tags":["a","b"],"t":"SECRET"}"#), "SECRET");
        assert_eq!(live.status, VerifyStatus::Live);
        let got: Vec<(&str, &str)> = live.identity.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, [("login", "octo"), ("n", "7"), ("scopes", "repo, gist"), ("tags", "a,b")]);
        assert_eq!(s.judge(&answer(401, ""), "S").status, VerifyStatus::Revoked);
        let limited = s.judge(&answer(429, ""), "S");
        assert_eq!(
            (limited.status, limited.detail.as_deref()),
            (VerifyStatus::Unknown, Some("rate limited (HTTP 429)"))
        );
        assert_eq!(s.judge(&answer(503, ""), "S").status, VerifyStatus::Unknown);
        // A 200 that is not the provider's JSON proves nothing.
        assert_eq!(s.judge(&answer(200, "<html>proxy</html>"), "S").status, VerifyStatus::Unknown);
    }

    #[test]
    fn conditions_on_the_body_decide_a_200() {
        let s = spec(
            "live_when = { pointer = '/ok', equals = true }\n\
             revoked_when = { pointer = '/error', one_of = ['invalid_auth'] }",
        );
        assert_eq!(s.judge(&answer(200, r#"{"ok":true}"#), "S").status, VerifyStatus::Live);
        assert_eq!(s.judge(&answer(200, r#"{"ok":false,"error":"invalid_auth"}"#), "S").status, VerifyStatus::Revoked);
        assert_eq!(s.judge(&answer(200, r#"{"ok":false,"error":"ratelimited"}"#), "S").status, VerifyStatus::Unknown);
    }

    #[test]
    fn an_identity_field_echoing_the_secret_is_dropped() {
        let s = spec("identity = { token = '/token' }");
        let j = s.judge(&answer(200, r#"{"token":"abcSECRETdef"}"#), "SECRET");
        assert!(j.identity.is_empty());
    }

    #[test]
    fn requests_are_built_from_the_templates() {
        let mut s = spec("basic = ['{id}', '{secret}']");
        s.path = "/bot{secret}/me".into();
        let r = s.request("https://api.example.com/", &["api.example.com".into()], "a/b", Some("ID"));
        assert_eq!(r.url, "https://api.example.com/bota%2Fb/me");
        assert!(r.headers.contains(&("Authorization".into(), "Bearer a/b".into())));
        assert!(r.headers.contains(&("Authorization".into(), "Basic SUQ6YS9i".into())));
        assert!(!format!("{r:?}").contains("a/b"));
    }

    #[test]
    fn bad_specs_are_refused_with_the_reason() {
        let mut s = spec("");
        s.endpoint = Some("https://collector.example.net".into());
        assert!(s.validate().unwrap_err().contains("allowlist"));
        s.endpoint = Some("http://api.example.com".into());
        assert!(s.validate().unwrap_err().contains("plain http"));
        let mut s = spec("");
        s.method = "DELETE".into();
        assert!(s.validate().is_err());
        let mut s = spec("");
        s.headers.insert("X-Key-Id".into(), "{id}".into());
        assert!(s.validate().unwrap_err().contains("pair"));
        let mut s = spec("");
        s.hosts.clear();
        assert!(s.validate().unwrap_err().contains("hosts"));
    }
}
