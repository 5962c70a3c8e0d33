//! docker-compose / Compose Specification files lowered to their [`Service`]s, each with its definition node,
//! line and resource-level markers (a comment on or above the service's key, or an `x-leakgate-allow`
//! extension field, which Compose ignores by design).
use super::node::Node;
use super::suppress::{metadata_marker, SourceLines};
use super::yaml;

pub struct Service {
    pub name: String,
    pub node: Node,
    pub allow: Vec<String>,
}

pub fn parse(text: &str) -> Result<Vec<Service>, (usize, String)> {
    let docs = yaml::parse_stream(text).map_err(|e| (e.line, e.message))?;
    let Some(services) = docs.first().and_then(|d| d.get("services")) else {
        return Ok(Vec::new());
    };
    let lines = SourceLines::new(text);
    Ok(services
        .entries()
        .iter()
        .filter(|(_, v)| v.is_map())
        .map(|(k, v)| {
            let mut allow = lines.markers(k.line);
            if let Some(x) = v.get("x-leakgate-allow") {
                allow.extend(x.items().filter_map(Node::as_str).filter_map(metadata_marker));
            }
            Service { name: k.name.clone(), node: v.clone(), allow }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_with_lines_and_merges() {
        let s = parse(
            "x-base: &base\n  privileged: true\nservices:\n  # leakgate:allow iac-compose-privileged\n  web:\n    <<: *base\n    image: nginx\n  db:\n    image: postgres\n    x-leakgate-allow: iac-compose-root-user\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), s[0].allow.len()), ("web", 1));
        assert_eq!(s[0].node.get("privileged").unwrap().as_bool(), Some(true));
        assert_eq!(s[1].allow.len(), 1);
        assert!(parse("just: text\n").unwrap().is_empty());
    }
}
