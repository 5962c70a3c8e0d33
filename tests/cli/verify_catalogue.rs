//! Every built-in verifier, end to end against the mock: each rule's own example secret is planted (with its
//! pair's example), every verifier's endpoint is moved to `http://127.0.0.1:PORT/v/<id>`, and the mock checks
//! the request each one sends (method, path, the secret in the headers, basic auth or URL it names), then answers
//! as a live provider, and in a second run as one that rejects the credential.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;
use crate::verify_mock::{Answer, Mock, Seen};
use leakgate::verify::spec::{Kind, VerifierSpec};

/// A JSON document holding `value` at `pointer` (`/error/details/0/reason`).
fn at_pointer(pointer: &str, value: &str) -> Value {
    pointer.split('/').skip(1).collect::<Vec<_>>().into_iter().rev().fold(json!(value), |inner, seg| {
        match seg.parse::<usize>() {
            Ok(0) => json!([inner]),
            _ => json!({ seg: inner }),
        }
    })
}

/// What a live provider answers, for every verifier at once: one body that meets each `live_when`.
fn live_answer(spec: &VerifierSpec) -> Answer {
    match spec.kind {
        Kind::GcpServiceAccount => return Answer::json(200, r#"{"access_token":"ya29.t","expires_in":3599}"#),
        Kind::AzureSharedKey => return Answer::json(200, "<EnumerationResults><Containers/></EnumerationResults>"),
        _ => {}
    }
    if spec.kind == Kind::AwsSts {
        return Answer::json(
            200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn>\
             <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        );
    }
    Answer::json(
        200,
        r#"{"ok":true,"valid":true,"code":"TokenValid","result":{"status":"active","id":"t1"},"login":"someone"}"#,
    )
}

/// What a provider that rejects the credential answers, from the verifier's own description of rejection.
fn revoked_answer(spec: &VerifierSpec) -> Answer {
    match spec.kind {
        Kind::GcpServiceAccount => return Answer::json(400, r#"{"error":"invalid_grant"}"#),
        Kind::AzureSharedKey => {
            return Answer::json(403, "<Error><Code>AuthenticationFailed</Code></Error>")
                .with_header("x-ms-error-code", "AuthenticationFailed")
        }
        _ => {}
    }
    if spec.kind == Kind::AwsSts {
        return Answer::json(403, "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>");
    }
    if let Some(&status) = spec.revoked_status.first() {
        return Answer::json(status, "{}");
    }
    let c = spec.revoked_when.as_ref().expect("a verifier says what rejection looks like");
    Answer::json(400, &at_pointer(&c.pointer, &c.one_of[0]).to_string())
}

/// What must be in the request for `spec` carrying `secret` (and `id`): a problem found, or none.
fn check_request(spec: &VerifierSpec, seen: &Seen, rest: &str, secret: &str, id: &str) -> Option<String> {
    if seen.method != spec.method {
        return Some(format!("{}: method {} (expected {})", spec.id, seen.method, spec.method));
    }
    let auth = seen.header("authorization").unwrap_or_default();
    match spec.kind {
        Kind::AwsSts => {
            return (!auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={id}/")) || auth.contains(secret))
                .then(|| format!("aws: authorization {auth}"))
        }
        // Signed with the key; the key itself is not in the request (tests/cli/verify_signed.rs checks more).
        Kind::GcpServiceAccount => {
            let body = String::from_utf8_lossy(&seen.body);
            let grant = body.starts_with("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=");
            return (rest != spec.path || !grant || body.contains("PRIVATE")).then(|| format!("gcp: {rest} {body}"));
        }
        Kind::AzureSharedKey => {
            let ok = rest == format!("/{id}{}", spec.path) && auth.starts_with(&format!("SharedKey {id}:"));
            return (!ok || auth.contains(secret)).then(|| format!("azure: {rest} authorization {auth}"));
        }
        Kind::Http => {}
    }
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let path = spec.path.replace("{secret}", &enc(secret)).replace("{id}", &enc(id));
    if rest != path {
        return Some(format!("{}: path {rest} (expected {path})", spec.id));
    }
    for (name, template) in &spec.headers {
        let want = template.replace("{secret}", secret).replace("{id}", id);
        if seen.header(&name.to_ascii_lowercase()) != Some(want.as_str()) {
            return Some(format!("{}: header {name} is {:?}", spec.id, seen.header(&name.to_ascii_lowercase())));
        }
    }
    if let Some([user, password]) = &spec.basic {
        let fill = |t: &str| t.replace("{secret}", secret).replace("{id}", id);
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", fill(user), fill(password)))
        );
        if seen.header("authorization") != Some(want.as_str()) {
            return Some(format!("{}: basic auth {:?}", spec.id, seen.header("authorization")));
        }
    }
    None
}

#[test]
fn every_builtin_verifier_sends_its_request_and_reads_live_and_revoked() {
    let specs = leakgate::verify::catalogue::builtin().unwrap();
    // The rule files themselves: the embedded rules leave their examples out.
    let mut rules: BTreeMap<String, leakgate::rules::Rule> = BTreeMap::new();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            for r in leakgate::rules::parse_rule_file(&path.display().to_string(), &text).unwrap() {
                rules.insert(r.id.clone(), r);
            }
        }
    }
    let tree = Tree::new();
    // Per verifier: the secret and its pair's id, as planted.
    let mut planted: BTreeMap<String, (String, String)> = BTreeMap::new();
    let aws_id = regex::Regex::new(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b").unwrap();
    for spec in &specs {
        // A pair read from the secret's line: the first example whose line holds it.
        let from_line =
            spec.pair.as_ref().and_then(|p| p.from_line.as_deref()).map(|re| regex::Regex::new(re).unwrap());
        let example = spec
            .rules
            .iter()
            .flat_map(|r| &rules[r].examples)
            .find(|e| from_line.as_ref().is_none_or(|re| re.is_match(&e.text)))
            .expect("a rule with an example");
        let mut text = example.text.clone();
        let mut id = String::new();
        if let Some(pair) = &spec.pair {
            if let Some(partner) = pair.rules.first() {
                let p = &rules[partner].examples[0];
                id = p.secret.clone();
                // An example that already holds its own id pairs with that one, the nearest.
                match aws_id.find(&text).filter(|_| spec.kind == Kind::AwsSts) {
                    Some(m) => id = m.as_str().to_string(),
                    None => text = format!("{}\n{text}\n", p.text),
                }
            } else if let Some(re) = &from_line {
                let caught = re.captures(&example.text).unwrap();
                id = caught.get(1).or_else(|| caught.get(0)).unwrap().as_str().to_string();
            }
        }
        // The rules' example keys are made up and cannot sign: a real (throwaway) key in the example's place.
        if spec.kind == Kind::GcpServiceAccount {
            let key =
                std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/verify/gcp_test_key.pem")).unwrap();
            let escaped = key.trim_end().replace('\n', "\\n");
            text = text.replace(&example.secret, &escaped);
            id = "deployer@billing-bitzba-574903.iam.gserviceaccount.com".into();
            planted.insert(spec.id.clone(), (escaped, id.clone()));
            tree.write(&format!("src/v_{}/key.json", spec.id), text);
            continue;
        }
        if spec.kind == Kind::AzureSharedKey {
            id = "stg4cnfpgg2t".into();
        }
        let name = example.path.clone().unwrap_or_else(|| "example.txt".into());
        tree.write(&format!("src/v_{}/{name}", spec.id), text);
        planted.insert(spec.id.clone(), (example.secret.clone(), id));
    }
    for revoked in [false, true] {
        let problems: Arc<Mutex<Vec<String>>> = Arc::default();
        let (specs_m, planted_m, problems_m) = (specs.clone(), planted.clone(), problems.clone());
        let mock = Mock::start(move |seen, _| {
            let path = seen.path.strip_prefix("/v/").unwrap_or_default();
            let (vid, rest) = path.split_once('/').map(|(v, r)| (v, format!("/{r}"))).unwrap_or((path, "/".into()));
            let Some(spec) = specs_m.iter().find(|s| s.id == vid) else {
                problems_m.lock().unwrap().push(format!("request for unknown verifier {vid}"));
                return Answer::json(500, "{}");
            };
            let (secret, id) = &planted_m[vid];
            let rest = if spec.kind == Kind::AwsSts { "/".to_string() } else { rest };
            if let Some(p) = check_request(spec, seen, &rest, secret, id) {
                problems_m.lock().unwrap().push(p);
            }
            if revoked {
                revoked_answer(spec)
            } else {
                live_answer(spec)
            }
        });
        let mut config = String::from("[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\n");
        for spec in &specs {
            config.push_str(&format!("{} = \"{}/v/{}\"\n", spec.id, mock.url(), spec.id));
        }
        tree.write("verify.toml", config);
        let run = tree.run(&[
            "scan",
            "--verify",
            "--confidence",
            "low",
            "--format",
            "json",
            "--config",
            "verify.toml",
            "src",
        ]);
        run.assert_code(1);
        let json = run.json();
        let problems = problems.lock().unwrap().clone();
        assert!(problems.is_empty(), "{problems:#?}");
        let want = if revoked { "revoked" } else { "live" };
        let mut wrong = Vec::new();
        for spec in &specs {
            let dir = format!("src/v_{}/", spec.id);
            let statuses: Vec<&Value> = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    f["path"].as_str().unwrap().starts_with(&dir) && spec.rules.iter().any(|r| f["rule_id"] == *r)
                })
                .map(|f| &f["verification"])
                .collect();
            if statuses.is_empty() || statuses.iter().any(|v| v["status"] != want) {
                wrong.push(format!("{}: {statuses:?}", spec.id));
            }
        }
        assert!(wrong.is_empty(), "expected {want}:\n{}", wrong.join("\n"));
        assert_eq!(mock.requests().len(), specs.len());
    }
}
