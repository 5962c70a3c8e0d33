//! ARM parameter files (the `deploymentParameters.json` schema) and which template each one deploys.
//!
//! A parameter file is passed to a deployment by hand, so which template it belongs to is read from its name,
//! by the conventions Azure's quickstart templates and the portal's export use: `X.parameters.json` and
//! `X.parameters.<env>.json` deploy `X.json` in the same directory; a bare `parameters.json` (or
//! `parameters.<env>.json`) deploys the directory's only template. A template with parameter files is judged
//! once per file, with the values it gives (a parameter it leaves out keeps its `defaultValue`); one without,
//! on its defaults.
use super::arm::ParamValue;
use super::json;
use super::node::Node;

/// Whether `content` is an ARM parameter file: JSON whose `$schema` names `deploymentParameters.json`.
pub fn is_parameters_file(path: &str, content: &[u8]) -> bool {
    let head = content.get(..super::SNIFF_BYTES).unwrap_or(content);
    let has = |needle: &str| memchr::memmem::find(head, needle.as_bytes()).is_some();
    path.to_ascii_lowercase().ends_with(".json") && has("\"$schema\"") && has("eploymentParameters.json")
}

/// The values a parameter file gives: each `parameters.<name>.value`, and an unknown for a Key Vault
/// `reference` (the secret is read at deployment). `Err` with the line and message when it is not JSON.
pub fn values(text: &str) -> Result<Vec<ParamValue>, (usize, String)> {
    let root = json::parse_with_comments(text).map_err(|e| (e.line, e.message))?;
    let Some(params) = root.get("parameters") else { return Ok(Vec::new()) };
    Ok(params
        .entries()
        .iter()
        .filter_map(|(k, v)| {
            let (key, value) = match (v.entry("value"), v.entry("reference")) {
                (Some((key, value)), _) => (key, value.clone()),
                (None, Some((key, _))) => (key, Node::unknown(key.line, "Key Vault reference")),
                (None, None) => return None,
            };
            Some(ParamValue { name: k.name.clone(), value, line: key.line })
        })
        .collect())
}

/// The file name of `path`, lower-cased, and its directory.
fn split(path: &str) -> (&str, String) {
    match path.rsplit_once('/') {
        Some((dir, name)) => (dir, name.to_ascii_lowercase()),
        None => ("", path.to_ascii_lowercase()),
    }
}

/// The stem a parameter file names its template by (`azuredeploy` for `azuredeploy.parameters.dev.json`), or
/// `""` for a bare `parameters.json`.
fn template_stem(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".json")?;
    if stem == "parameters" || stem.starts_with("parameters.") {
        return Some("");
    }
    let at = stem.find(".parameters")?;
    let rest = &stem[at + ".parameters".len()..];
    (rest.is_empty() || rest.starts_with('.')).then_some(&stem[..at])
}

/// For each template (by index into `templates`), the parameter files (indexes into `parameters`) that deploy
/// it, by the naming rules in the module docs.
pub fn pair(templates: &[&str], parameters: &[&str]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); templates.len()];
    for (p, path) in parameters.iter().enumerate() {
        let (dir, name) = split(path);
        let Some(stem) = template_stem(&name) else { continue };
        let beside: Vec<usize> = (0..templates.len()).filter(|&t| split(templates[t]).0 == dir).collect();
        let target = if stem.is_empty() {
            (beside.len() == 1).then(|| beside[0])
        } else {
            beside.into_iter().find(|&t| split(templates[t]).1 == format!("{stem}.json"))
        };
        if let Some(t) = target {
            out[t].push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_files_pair_with_their_templates_by_name() {
        let templates = ["a/azuredeploy.json", "a/main.json", "b/template.json", "c/one.json", "c/two.json"];
        let parameters = [
            "a/azuredeploy.parameters.json",
            "a/azuredeploy.parameters.prod.json",
            "a/main.parameters.json",
            "a/other.parameters.json",
            "b/parameters.json",
            "c/parameters.json",
            "a/azuredeploy.parametersx.json",
        ];
        assert_eq!(pair(&templates, &parameters), vec![vec![0, 1], vec![2], vec![4], vec![], vec![]]);
    }

    #[test]
    fn values_and_references() {
        let text = "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {\n    \"open\": { \"value\": true },\n    \"pw\": { \"reference\": { \"keyVault\": { \"id\": \"x\" }, \"secretName\": \"pw\" } }\n  }\n}\n";
        assert!(is_parameters_file("x.parameters.json", text.as_bytes()));
        let v = values(text).unwrap();
        assert_eq!((v[0].name.as_str(), v[0].value.as_bool(), v[0].line), ("open", Some(true), 4));
        assert!(v[1].value.is_unknown());
        assert!(values("{").is_err());
    }
}
