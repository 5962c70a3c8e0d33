//! Kubernetes manifests (multi-document YAML or JSON; `List` kinds unpacked) lowered to [`Object`]s that
//! carry their pod spec, wherever the kind keeps it: `spec` for a Pod, `spec.jobTemplate.spec.template.spec`
//! for a CronJob, `template.spec` for a PodTemplate, and `spec.template.spec` for Deployments, StatefulSets,
//! DaemonSets, ReplicaSets, Jobs and any custom resource shaped like them (Argo Rollouts, …).
//!
//! Documents without `apiVersion` and `kind` are not Kubernetes and are dropped silently.
//!
//! A manifest holding Helm/Go template directives (`{{ … }}`) is linted in full when every directive sits
//! inside a string (`image: "{{ .Values.image }}"`, a `command` line): rendering then only changes string
//! values, never which settings exist. A directive anywhere else (a line of its own, a comment, an unquoted
//! value that YAML reads as a flow mapping) may add or remove settings at render time, so such a file is
//! [`Error::Template`], not linted, and the caller counts it with its path.
use super::node::{Node, Val};
use super::suppress::{metadata_marker, SourceLines, ANNOTATION};
use super::{json, yaml};

/// `List` inside `List` is legal but pointless; deeper nesting is ignored rather than followed.
const MAX_LIST_DEPTH: usize = 4;

pub struct Object {
    pub kind: String,
    pub name: String,
    /// Resource-level markers: comments on/above the object's first line and `leakgate.dev/allow`
    /// annotations on the object or its pod template.
    pub allow: Vec<String>,
    pub pod: Option<Node>,
    /// The `spec` of a PodSecurityPolicy (`policy/v1beta1`), which says what pods the cluster admits rather than
    /// describing one.
    pub policy: Option<Node>,
    /// The Terraform address of a workload of the Kubernetes provider (`kubernetes_deployment.web`), which
    /// names it in findings instead of `Kind/name`.
    pub address: Option<String>,
}

impl Object {
    pub fn resource(&self) -> String {
        match &self.address {
            Some(a) => a.clone(),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

pub struct Container<'a> {
    /// "container", "init container" or "ephemeral container", for messages.
    pub section: &'static str,
    pub name: String,
    pub node: &'a Node,
}

impl<'a> Container<'a> {
    pub fn security(&self, field: &str) -> Option<&'a Node> {
        self.node.get("securityContext")?.get(field)
    }
}

pub fn containers(pod: &Node) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for (key, section) in [
        ("initContainers", "init container"),
        ("containers", "container"),
        ("ephemeralContainers", "ephemeral container"),
    ] {
        for c in pod.all(key).filter(|c| c.is_map()) {
            let name = c.get("name").and_then(Node::as_text).unwrap_or_else(|| "(unnamed)".to_string());
            out.push(Container { section, name, node: c });
        }
    }
    out
}

/// Why a manifest was not lowered.
#[derive(Debug, PartialEq)]
pub enum Error {
    /// Not valid YAML/JSON: the parser's line and message.
    Syntax(usize, String),
    /// A template whose directives are not all inside strings: what it means is decided when it is rendered.
    Template,
}

pub fn parse(text: &str) -> Result<Vec<Object>, Error> {
    let templated = text.contains("{{");
    let parsed = if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') {
        json::parse(text, 1).map(|d| vec![d]).map_err(|e| (e.line, e.message))
    } else {
        yaml::parse_stream(text).map_err(|e| (e.line, e.message))
    };
    let docs = match parsed {
        Ok(docs) => docs,
        Err(_) if templated => return Err(Error::Template),
        Err((line, message)) => return Err(Error::Syntax(line, message)),
    };
    if templated {
        let in_text = memchr::memmem::find_iter(text.as_bytes(), "{{").count();
        let in_strings: usize = docs.iter().map(directives_in_strings).sum();
        // Aliases can repeat a string, so more in the tree than in the text is still "all inside strings".
        if in_strings < in_text {
            return Err(Error::Template);
        }
    }
    let lines = SourceLines::new(text);
    let mut out = Vec::new();
    for doc in &docs {
        collect(doc, &lines, 0, &mut out);
    }
    Ok(out)
}

/// `{{` occurrences inside the string keys and values of a tree, counted as in the text.
fn directives_in_strings(n: &Node) -> usize {
    let count = |s: &str| memchr::memmem::find_iter(s.as_bytes(), "{{").count();
    match &n.val {
        Val::Str(s) => count(s),
        Val::Seq(items) => items.iter().map(directives_in_strings).sum(),
        Val::Map(entries) => entries.iter().map(|(k, v)| count(&k.name) + directives_in_strings(v)).sum(),
        _ => 0,
    }
}

fn collect(doc: &Node, lines: &SourceLines<'_>, depth: usize, out: &mut Vec<Object>) {
    let (Some(_), Some(kind)) = (doc.get("apiVersion").and_then(Node::as_text), doc.get("kind").and_then(Node::as_str))
    else {
        return;
    };
    if kind.ends_with("List") {
        if depth < MAX_LIST_DEPTH {
            for item in doc.all("items") {
                collect(item, lines, depth + 1, out);
            }
        }
        return;
    }
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(Node::as_text)
        .unwrap_or_else(|| "(unnamed)".to_string());
    let (template, pod) = pod_spec(kind, doc);
    let mut allow = lines.markers(doc.line);
    for meta in [doc.get("metadata"), template.and_then(|t| t.get("metadata"))].into_iter().flatten() {
        if let Some(v) = meta.get("annotations").and_then(|a| a.get(ANNOTATION)).and_then(Node::as_str) {
            allow.extend(metadata_marker(v));
        }
    }
    let policy = if kind == "PodSecurityPolicy" { doc.get("spec").filter(|s| s.is_map()).cloned() } else { None };
    let pod = pod.filter(|p| p.is_map()).cloned();
    out.push(Object { kind: kind.to_string(), name, allow, pod, policy, address: None });
}

/// The pod template (for its annotations) and the pod spec of an object, by kind.
fn pod_spec<'a>(kind: &str, doc: &'a Node) -> (Option<&'a Node>, Option<&'a Node>) {
    let spec = doc.get("spec");
    match kind {
        "Pod" => (None, spec),
        "PodTemplate" => {
            let t = doc.get("template");
            (t, t.and_then(|t| t.get("spec")))
        }
        "CronJob" => {
            let t = spec.and_then(|s| s.get("jobTemplate")).and_then(|j| j.get("spec")).and_then(|s| s.get("template"));
            (t, t.and_then(|t| t.get("spec")))
        }
        _ => {
            let t = spec.and_then(|s| s.get("template"));
            let pod = t.and_then(|t| t.get("spec")).filter(|p| p.get("containers").is_some());
            (t, pod)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pod_specs_by_kind_and_lists() {
        let objs = parse(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{name: a}]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            leakgate.dev/allow: iac-k8s-run-as-root\n        spec:\n          initContainers: [{name: i}]\n          containers: [{name: m}]\n---\nfoo: bar\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
        )
        .unwrap();
        let kinds: Vec<_> = objs.iter().map(|o| o.resource()).collect();
        assert_eq!(kinds, ["Pod/p", "CronJob/c", "ConfigMap/cm"]);
        let cron = objs[1].pod.as_ref().unwrap();
        let names: Vec<_> = containers(cron).iter().map(|c| c.name.clone()).collect();
        assert_eq!(names, ["i", "m"]);
        assert_eq!(objs[1].allow.len(), 1);
        assert!(objs[2].pod.is_none());
    }

    #[test]
    fn templates_lint_only_when_every_directive_is_inside_a_string() {
        let quoted = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ .Release.Name }}\"\nspec:\n  containers:\n    - name: a\n      command: [sh, -c, 'echo {{ .Values.x }} {{ .Values.y }}']\n      args:\n        - |\n          run {{ .Values.z }}\n";
        let objs = parse(quoted).unwrap();
        assert_eq!(objs[0].resource(), "Pod/{{ .Release.Name }}");
        for structural in [
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers: [{name: a}]\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  # {{ toYaml .Values.sc }}\n  containers: [{name: a}]\n",
            "apiVersion: v1\nkind: Pod\nspec:\n  {{- with .Values.sc }}\n  securityContext: {}\n  {{- end }}\n",
        ] {
            assert_eq!(parse(structural).err(), Some(Error::Template), "{structural}");
        }
        assert!(matches!(parse("apiVersion: v1\nkind: Pod\nspec: [\n"), Err(Error::Syntax(3, _))));
    }
}
