//! The verifiers a scan uses: the built-ins (`catalogue.toml`, embedded) with the user's `[verify]` settings
//! applied — endpoints moved (GitHub Enterprise, a self-managed GitLab, a shop's domain, a test mock) and custom
//! verifiers added — indexed by rule id. Where a secret may go is settled here, once: an endpoint on a host the
//! built-in does not name, and every custom verifier, are honoured only from a config the user gave with
//! `--config` and only for hosts that config lists in `allowed_hosts`; a config found in the scanned repository
//! cannot send secrets anywhere new.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::request::{check_allowed, host_matches, Url};
use super::spec::{sample_endpoint, Kind, VerifierSpec};
use super::VerifySettings;

const BUILTIN: &str = include_str!("catalogue.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    verifier: Vec<VerifierSpec>,
}

/// The built-in verifiers, checked. A broken entry is a bug in leakgate (and fails `cargo test`).
pub fn builtin() -> Result<Vec<VerifierSpec>, String> {
    let file: CatalogueFile = toml::from_str(BUILTIN).map_err(|e| format!("built-in verifiers: {e}"))?;
    for v in &file.verifier {
        v.validate().map_err(|e| format!("built-in verifier `{}`: {e}", v.id))?;
    }
    Ok(file.verifier)
}

/// One verifier ready to use: its spec, where it sends (`None`: nowhere known, so results are `unknown`), and
/// the hosts it may send to.
#[derive(Debug)]
pub struct Prepared {
    pub spec: VerifierSpec,
    pub endpoint: Option<String>,
    pub allowed_hosts: Vec<String>,
}

/// Rule id → its verifier.
#[derive(Debug, Default)]
pub struct Catalogue {
    by_rule: HashMap<String, Arc<Prepared>>,
}

impl Catalogue {
    /// The built-ins with `settings` applied. `trusted`: the settings come from a config given with `--config`
    /// (only such a config may add hosts). Errors name the setting at fault.
    pub fn build(settings: &VerifySettings, trusted: bool) -> Result<Catalogue, String> {
        let mut specs: BTreeMap<String, VerifierSpec> = builtin()?.into_iter().map(|v| (v.id.clone(), v)).collect();
        let builtin_ids: Vec<String> = specs.keys().cloned().collect();
        for custom in &settings.custom {
            custom.validate().map_err(|e| format!("[[verify.custom]] `{}`: {e}", custom.id))?;
            if !trusted {
                return Err(format!(
                    "[[verify.custom]] `{}`: custom verifiers are honoured only from a config given with --config",
                    custom.id
                ));
            }
            if specs.contains_key(&custom.id) {
                return Err(format!("[[verify.custom]] `{}`: a built-in verifier has that id", custom.id));
            }
            for h in &custom.hosts {
                if !settings.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(h)) {
                    return Err(format!(
                        "[[verify.custom]] `{}`: host {h} is not listed in [verify] allowed_hosts",
                        custom.id
                    ));
                }
            }
            specs.insert(custom.id.clone(), custom.clone());
        }
        let mut endpoints: BTreeMap<String, String> = BTreeMap::new();
        for (id, url) in &settings.endpoints {
            let spec = specs.get(id).ok_or_else(|| {
                format!("[verify.endpoints] `{id}`: no such verifier (see the README's verifier table)")
            })?;
            let u = Url::parse(&sample_endpoint(url))
                .ok_or_else(|| format!("[verify.endpoints] {id} = {url:?}: not an http(s) URL"))?;
            let own = spec.hosts.iter().any(|h| host_matches(h, &u));
            if !own {
                let listed = settings.allowed_hosts.iter().any(|a| host_matches(a, &u));
                if !listed || !trusted {
                    return Err(format!(
                        "[verify.endpoints] {id}: host {} is not one of `{id}`'s own hosts; a config given with \
                         --config must also list it in [verify] allowed_hosts",
                        u.authority()
                    ));
                }
            }
            check_allowed(&sample_endpoint(url), &spec.allowed_with(url))
                .map_err(|e| format!("[verify.endpoints] {id}: {e}"))?;
            endpoints.insert(id.clone(), url.clone());
        }
        let mut by_rule = HashMap::new();
        // Custom verifiers after the built-ins: one naming a built-in's rule takes it over.
        let order = builtin_ids.iter().chain(settings.custom.iter().map(|c| &c.id));
        for id in order {
            let spec = specs[id].clone();
            let endpoint = endpoints.get(id).cloned().or_else(|| spec.endpoint.clone());
            let allowed_hosts = endpoint.as_deref().map_or_else(|| spec.hosts.clone(), |e| spec.allowed_with(e));
            let prepared = Arc::new(Prepared { spec, endpoint, allowed_hosts });
            for rule in &prepared.spec.rules {
                by_rule.insert(rule.clone(), prepared.clone());
            }
        }
        Ok(Catalogue { by_rule })
    }

    pub fn for_rule(&self, rule_id: &str) -> Option<&Arc<Prepared>> {
        self.by_rule.get(rule_id)
    }
}

/// The README's verifier table, made from the catalogue (a test keeps the README equal to it).
pub fn readme_table() -> Result<String, String> {
    let mut out = String::from(
        "| verifier | provider, call | request | secret sent in | rules |\n| --- | --- | --- | --- | --- |\n",
    );
    for v in builtin()? {
        let url = match (&v.endpoint, v.kind) {
            (Some(e), _) => format!("{e}{}", v.path),
            (None, _) => format!("<your endpoint>{}", v.path),
        };
        let mut carriers: Vec<String> = v
            .headers
            .iter()
            .filter(|(_, t)| t.contains("{secret}") || t.contains("{id}"))
            .map(|(k, _)| format!("`{k}` header"))
            .collect();
        if v.basic.is_some() {
            carriers.push("basic auth".into());
        }
        if v.path.contains("{secret}") {
            carriers.push("URL".into());
        }
        match v.kind {
            Kind::AwsSts => carriers.push("SigV4 signature (the secret itself is not sent)".into()),
            Kind::GcpServiceAccount => carriers.push("RS256-signed JWT (the private key itself is not sent)".into()),
            Kind::AzureSharedKey => {
                carriers.push("Shared Key HMAC signature (the account key itself is not sent)".into())
            }
            Kind::Http => {}
        }
        let rules: Vec<String> = v.rules.iter().map(|r| format!("`{r}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | `{} {url}` | {} | {} |\n",
            v.id,
            v.provider,
            v.method,
            carriers.join(", "),
            rules.join(", ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{builtin, readme_table, Catalogue};
    use crate::rules::builtin_rules;
    use crate::verify::VerifySettings;

    /// Every built-in verifier loads, names rules that exist, covers at least 40 providers, sends only over TLS
    /// to its own hosts, and no rule has two verifiers.
    #[test]
    fn builtin_verifiers_are_sound() {
        let verifiers = builtin().unwrap();
        assert!(verifiers.len() >= 40, "{} verifiers", verifiers.len());
        let rules: Vec<String> = builtin_rules().unwrap().into_iter().map(|r| r.id).collect();
        let mut seen = std::collections::HashSet::new();
        for v in &verifiers {
            for r in v.rules.iter().chain(v.pair.iter().flat_map(|p| &p.rules)) {
                assert!(rules.contains(r), "verifier {} names unknown rule {r}", v.id);
            }
            for r in &v.rules {
                assert!(seen.insert(r.clone()), "rule {r} has two verifiers");
            }
            if let Some(e) = &v.endpoint {
                assert!(e.starts_with("https://"), "{}: {e}", v.id);
            }
        }
    }

    /// The built-ins name no package registry's host: verifiers for registries exist only with the user's
    /// endpoint.
    #[test]
    fn registries_need_the_users_endpoint() {
        let npm = builtin().unwrap().into_iter().find(|v| v.id == "npm").unwrap();
        assert!(npm.endpoint.is_none() && npm.hosts.is_empty());
    }

    /// The README's table of verifiers is the catalogue's (regenerate it with the text this test prints).
    #[test]
    fn readme_lists_every_verifier() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = readme_table().unwrap();
        assert!(readme.contains(&table), "README's verifier table is out of date; it should be:\n{table}");
    }

    fn settings(toml_text: &str) -> VerifySettings {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn endpoints_on_other_hosts_need_a_trusted_config_that_allows_them() {
        let own = settings("[endpoints]\nmailgun = 'https://api.eu.mailgun.net'");
        assert!(Catalogue::build(&own, false).is_ok());
        let ghe =
            settings("allowed_hosts = ['ghe.example.com']\n[endpoints]\ngithub = 'https://ghe.example.com/api/v3'");
        let err = Catalogue::build(&ghe, false).unwrap_err();
        assert!(err.contains("--config"), "{err}");
        let c = Catalogue::build(&ghe, true).unwrap();
        let gh = c.for_rule("github-classic-pat").unwrap();
        assert_eq!(gh.endpoint.as_deref(), Some("https://ghe.example.com/api/v3"));
        assert!(gh.allowed_hosts.contains(&"ghe.example.com".to_string()));
        let unlisted = settings("[endpoints]\ngithub = 'https://collector.example.net'");
        assert!(Catalogue::build(&unlisted, true).unwrap_err().contains("allowed_hosts"));
        let plain = settings("allowed_hosts = ['ghe.example.com']\n[endpoints]\ngithub = 'http://ghe.example.com'");
        assert!(Catalogue::build(&plain, true).unwrap_err().contains("plain http"));
        assert!(Catalogue::build(&settings("[endpoints]\nnope = 'https://x.example'"), true).is_err());
    }

    #[test]
    fn custom_verifiers_only_from_a_trusted_config_and_allowed_hosts() {
        let text = "allowed_hosts = ['api.internal.example']\n[[custom]]\nid = 'internal'\nrules = ['my-token']\n\
                    hosts = ['api.internal.example']\nendpoint = 'https://api.internal.example'\npath = '/whoami'\n\
                    headers = { Authorization = 'Bearer {secret}' }";
        assert!(Catalogue::build(&settings(text), false).unwrap_err().contains("--config"));
        let c = Catalogue::build(&settings(text), true).unwrap();
        assert_eq!(c.for_rule("my-token").unwrap().spec.id, "internal");
        let unlisted = text.replace("allowed_hosts = ['api.internal.example']", "");
        assert!(Catalogue::build(&settings(&unlisted), true).unwrap_err().contains("allowed_hosts"));
    }
}
