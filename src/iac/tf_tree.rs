//! Terraform across directories: each directory is a module, and a `module "x" { source = "./…" }` block
//! calls another directory of the scan with the inputs it gives.
//!
//! The rule for judging a module (the README's "Module calls"): a directory that some other directory of the
//! scan calls is judged through its callers only, once per call, with the inputs that call gives — its
//! resources are named through the call (`module.web.aws_security_group.this`) and a value that came from an
//! input says so (`from module.web's input cidr_blocks set in envs/prod/main.tf:12`). Judging it on its
//! defaults as well would report an open default that every caller closes. A directory nobody calls is a
//! root: judged on its defaults and definitions files, as Terraform would apply it, and a finding whose value
//! is a default says so. A module that is only called from within a cycle is judged as a root too, so nothing
//! goes unjudged.
//!
//! Only static inputs carry values: an input that is a resource reference or a function call is unknown in
//! the called module, where it produces no finding rather than a guess from the default. Calls that are not
//! followed are returned with why: remote sources (registry, git, URLs) are never fetched, a local path may
//! name a directory outside the scan, a call may close a cycle, and expansion stops at fixed limits.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::checks::{self, Hit};
use super::node::Val;
use super::terraform::{self, FileError, Input, Module, ModuleCall, Parsed, Vars};

/// How many called-module instances one tree may expand into: fan-out compounds (ten environments each
/// calling a module that calls ten more), and a real tree has far fewer.
const MAX_INSTANCES: usize = 2048;
/// How deep a chain of calls is followed.
const MAX_CALL_DEPTH: usize = 24;
/// Value nodes the called-module instances of one tree may hold in all (their evaluated resources and calls,
/// inputs included) before no further call is followed. One evaluation is bounded by the copy budgets in
/// `terraform`, but a caller can hand a value of that size to many calls, each of which hands it on.
const MAX_EXPANDED_NODES: usize = 4_000_000;

/// The arguments of a `module` block that are not inputs of the called module.
const META_ARGUMENTS: &[&str] = &["source", "version", "count", "for_each", "providers", "depends_on"];

/// One Terraform file of the scan.
pub struct TreeFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub json: bool,
    /// Its place in Terraform's load order when it is a variable definitions file loaded by itself.
    pub definitions_rank: Option<u8>,
}

/// What linting the tree found; every `file` is an index into the files given to [`lint`].
#[derive(Default)]
pub struct TreeLint {
    pub hits: Vec<Hit>,
    pub errors: Vec<FileError>,
    /// Calls not followed, by the file of the `module` block: `main.tf:3: module.vpc: remote source …`.
    pub not_followed: Vec<(usize, String)>,
}

/// One directory: its files (indexes into the tree's files) parsed once, and evaluated as a root.
struct Dir<'a> {
    path: &'a str,
    files: Vec<usize>,
    paths: Vec<&'a str>,
    sources: Vec<(&'a str, bool)>,
    definitions: Vec<usize>,
    parsed: Parsed,
    root: Module,
}

struct Walk<'d, 'a> {
    dirs: &'d [Dir<'a>],
    index: HashMap<&'a str, usize>,
    reached: Vec<bool>,
    instances: usize,
    /// What is left of `MAX_EXPANDED_NODES`.
    nodes_left: usize,
    out: TreeLint,
    not_followed: BTreeSet<(usize, String)>,
}

/// Lints every directory of `files` with the module calls between them followed (see the module docs).
pub fn lint(files: &[TreeFile<'_>]) -> TreeLint {
    let mut by_dir: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        by_dir.entry(parent(f.path)).or_default().push(i);
    }
    let mut errors = Vec::new();
    let dirs: Vec<Dir<'_>> = by_dir
        .into_iter()
        .map(|(path, members)| {
            let sources: Vec<(&str, bool)> = members.iter().map(|&i| (files[i].text, files[i].json)).collect();
            let mut definitions: Vec<(u8, String, usize)> = members
                .iter()
                .enumerate()
                .filter_map(|(local, &i)| {
                    let name = files[i].path.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
                    files[i].definitions_rank.map(|rank| (rank, name, local))
                })
                .collect();
            definitions.sort();
            let definitions: Vec<usize> = definitions.into_iter().map(|(_, _, local)| local).collect();
            let (parsed, file_errors) = terraform::parse(&sources);
            errors.extend(file_errors.into_iter().map(|e| FileError { file: members[e.file], ..e }));
            let root = terraform::evaluate(&sources, &parsed, &definitions, &Vars::Root);
            let paths = members.iter().map(|&i| files[i].path).collect();
            Dir { path, files: members, paths, sources, definitions, parsed, root }
        })
        .collect();
    let index: HashMap<&str, usize> = dirs.iter().enumerate().map(|(d, dir)| (dir.path, d)).collect();
    // A call of the directory itself does not make it a called module: it would then be judged by nobody.
    let mut called = vec![false; dirs.len()];
    for (d, dir) in dirs.iter().enumerate() {
        for call in &dir.root.calls {
            if let Ok(target) = resolve(dir.path, call.source.as_deref(), &index) {
                called[target] |= target != d;
            }
        }
    }
    let mut walk = Walk {
        dirs: &dirs,
        index,
        reached: vec![false; dirs.len()],
        instances: 0,
        nodes_left: MAX_EXPANDED_NODES,
        out: TreeLint { errors, ..TreeLint::default() },
        not_followed: BTreeSet::new(),
    };
    for d in (0..dirs.len()).filter(|&d| !called[d]) {
        walk.instance(d, None, "", &[], &mut Vec::new());
    }
    // What is left is called only from within cycles: judge it as a root rather than not at all.
    for d in 0..dirs.len() {
        if !walk.reached[d] {
            walk.instance(d, None, "", &[], &mut Vec::new());
        }
    }
    let mut out = walk.out;
    out.not_followed = walk.not_followed.into_iter().collect();
    out
}

impl Walk<'_, '_> {
    /// Judges directory `d` as a root (`inputs` `None`) or as called with `inputs`, its resources named under
    /// `prefix` (`module.web.`), then follows its own calls. `allow` holds the markers of the calls that led
    /// here; `stack` the directories being expanded.
    fn instance(&mut self, d: usize, inputs: Option<&[Input]>, prefix: &str, allow: &[String], stack: &mut Vec<usize>) {
        let dirs = self.dirs;
        let dir = &dirs[d];
        self.reached[d] = true;
        let evaluated;
        let module = match inputs {
            None => &dir.root,
            Some(inputs) => {
                evaluated = terraform::evaluate(&dir.sources, &dir.parsed, &dir.definitions, &Vars::Called { inputs });
                &evaluated
            }
        };
        if inputs.is_some() {
            let size: usize = module.blocks.iter().map(|b| b.body.size()).sum::<usize>()
                + module.calls.iter().map(|c| c.body.size()).sum::<usize>();
            self.nodes_left = self.nodes_left.saturating_sub(size);
        }
        let mut hits = Vec::new();
        checks::terraform(module, &mut hits);
        name_origins(module, &mut hits, &dir.paths);
        for mut hit in hits {
            hit.file = dir.files[hit.file];
            hit.resource.insert_str(0, prefix);
            hit.allow.extend_from_slice(allow);
            self.out.hits.push(hit);
        }
        stack.push(d);
        for call in &module.calls {
            let address = format!("{prefix}module.{}", call.name);
            let at = format!("{}:{}", dir.paths.get(call.file).copied().unwrap_or("?"), call.line);
            let file = dir.files[call.file];
            let target = match resolve(dir.path, call.source.as_deref(), &self.index) {
                Ok(t) if stack.contains(&t) => Err("calls a module it is part of (a cycle): not followed".to_string()),
                Ok(_) if stack.len() >= MAX_CALL_DEPTH => {
                    Err(format!("more than {MAX_CALL_DEPTH} nested module calls: not followed"))
                }
                Ok(_) if self.instances >= MAX_INSTANCES => {
                    Err(format!("more than {MAX_INSTANCES} module instances in the scan: not followed"))
                }
                Ok(_) if self.nodes_left == 0 => {
                    Err("the module instances of the scan hold too many values: not followed".to_string())
                }
                other => other,
            };
            match target {
                Ok(t) => {
                    self.instances += 1;
                    let inputs = call_inputs(call, module, &dir.paths, &address);
                    let mut allow = allow.to_vec();
                    allow.extend_from_slice(&call.allow);
                    self.instance(t, Some(&inputs), &format!("{address}."), &allow, stack);
                }
                Err(why) => {
                    self.not_followed.insert((file, format!("{at}: {address}: {why}")));
                }
            }
        }
        stack.pop();
    }
}

/// The inputs a call gives: every argument but the meta-arguments, each saying where it was set and, when
/// the caller's value itself came from a variable or local, where that was set (`…, which is var.open, the
/// default set in main.tf:2`).
fn call_inputs(call: &ModuleCall, caller: &Module, caller_paths: &[&str], address: &str) -> Vec<Input> {
    let Val::Map(entries) = &call.body.val else { return Vec::new() };
    let path = caller_paths.get(call.file).copied().unwrap_or("?");
    entries
        .iter()
        .filter(|(k, _)| !META_ARGUMENTS.contains(&k.name.as_str()))
        .map(|(k, v)| {
            let mut origin = format!("{address}'s input {} set in {path}:{}", k.name, k.line);
            let lines = k.line..=v.end_line.max(k.line);
            if let Some(o) = caller.origins.iter().find(|o| o.file == call.file && lines.contains(&o.line)) {
                origin.push_str(&format!(", which is {}", o.describe(caller_paths)));
            }
            Input { name: k.name.clone(), value: v.clone(), origin }
        })
        .collect()
}

/// The directory a call's `source` names, by index, or why it is not followed. Terraform reads a source as a
/// local path only when it starts with `./` or `../`; everything else is fetched from elsewhere.
fn resolve(dir: &str, source: Option<&str>, index: &HashMap<&str, usize>) -> Result<usize, String> {
    let Some(source) = source else { return Err("no literal source: not followed".to_string()) };
    if !(source.starts_with("./") || source.starts_with("../")) {
        return Err(format!("remote source \"{source}\" is not fetched"));
    }
    let absolute = dir.starts_with('/');
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            // Lexically, as Terraform does; past the scan's first directory `..` stays in the path.
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let target = format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"));
    index.get(target.as_str()).copied().ok_or_else(|| {
        let shown = if target.is_empty() { "." } else { target.as_str() };
        format!("{shown} holds no Terraform file of this scan: not followed")
    })
}

/// Says where a value came from when the finding's line uses a variable or local that resolved to it:
/// `acl is public-read (from var.bucket_acl, the default set in infra/variables.tf:2)`. The first use on the
/// line is named. `paths` are the module's files, by the module's own file indexes.
fn name_origins(module: &Module, hits: &mut [Hit], paths: &[&str]) {
    if module.origins.is_empty() {
        return;
    }
    let mut by_line: HashMap<(usize, usize), &terraform::Origin> = HashMap::new();
    for o in &module.origins {
        by_line.entry((o.file, o.line)).or_insert(o);
    }
    for hit in hits {
        if let Some(o) = by_line.get(&(hit.file, hit.line)) {
            hit.message = format!("{} (from {})", hit.message, o.describe(paths));
        }
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&'static str, &'static str)]) -> TreeLint {
        let files: Vec<TreeFile<'_>> = files
            .iter()
            .map(|(path, text)| TreeFile {
                path,
                text,
                json: path.ends_with(".json"),
                definitions_rank: (path.ends_with(".tfvars") || path.ends_with(".tfvars.json")).then_some(0),
            })
            .collect();
        lint(&files)
    }

    fn found(t: &TreeLint) -> Vec<(usize, usize, &str, &str)> {
        let mut v: Vec<_> = t.hits.iter().map(|h| (h.file, h.line, h.resource.as_str(), h.message.as_str())).collect();
        v.sort();
        v
    }

    const SG_MODULE: &str = "variable \"cidrs\" {\n  default = [\"0.0.0.0/0\"]\n}\n\
        resource \"aws_security_group\" \"this\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = var.cidrs\n  }\n}\n";

    #[test]
    fn a_called_module_is_judged_with_each_callers_inputs() {
        let open = "module \"web\" {\n  source = \"../modules/sg\"\n  cidrs  = [\"0.0.0.0/0\"]\n}\n";
        let closed = "module \"db\" {\n  source = \"../modules/sg\"\n  cidrs  = [\"10.0.0.0/8\"]\n}\n";
        let t = tree(&[("modules/sg/main.tf", SG_MODULE), ("prod/main.tf", open), ("stage/main.tf", closed)]);
        let hits = found(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let (file, line, resource, message) = hits[0];
        assert_eq!((file, line, resource), (0, 9, "module.web.aws_security_group.this"));
        assert!(message.ends_with("(from module.web's input cidrs set in prod/main.tf:3)"), "{message}");
        assert!(t.not_followed.is_empty());
    }

    #[test]
    fn an_uncalled_module_is_judged_on_its_defaults() {
        let t = tree(&[("modules/sg/main.tf", SG_MODULE)]);
        let hits = found(&t);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].2, "aws_security_group.this");
        assert!(hits[0].3.ends_with("(from var.cidrs, the default set in modules/sg/main.tf:2)"), "{}", hits[0].3);
    }

    #[test]
    fn unknown_inputs_and_omitted_inputs() {
        // An unknown input hides the default; an omitted one leaves it.
        let unknown = "module \"a\" {\n  source = \"./sg\"\n  cidrs  = aws_vpc.main.cidr_block\n}\n";
        let t = tree(&[("sg/main.tf", SG_MODULE), ("main.tf", unknown)]);
        assert!(found(&t).is_empty());
        let omitted = "module \"a\" {\n  source = \"./sg\"\n}\n";
        let t = tree(&[("sg/main.tf", SG_MODULE), ("main.tf", omitted)]);
        assert_eq!(found(&t)[0].2, "module.a.aws_security_group.this");
        assert!(found(&t)[0].3.ends_with("(from var.cidrs, the default set in sg/main.tf:2)"));
    }

    #[test]
    fn inputs_from_the_callers_variables_and_nested_calls() {
        let root = "variable \"open\" {\n  default = \"0.0.0.0/0\"\n}\n\
            module \"net\" {\n  source = \"./net\"\n  world = var.open\n}\n";
        let net = "variable \"world\" {}\nmodule \"sg\" {\n  source = \"../sg\"\n  cidrs  = [var.world]\n}\n";
        let t = tree(&[("main.tf", root), ("net/main.tf", net), ("sg/main.tf", SG_MODULE)]);
        let hits = found(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].2, "module.net.module.sg.aws_security_group.this");
        assert!(
            hits[0].3.ends_with(
                "(from module.net.module.sg's input cidrs set in net/main.tf:4, which is module.net's input world \
                 set in main.tf:6, which is var.open, the default set in main.tf:2)"
            ),
            "{}",
            hits[0].3
        );
    }

    #[test]
    fn remote_missing_and_cyclic_calls_are_not_followed_and_said() {
        let root = "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n\
            module \"gone\" {\n  source = \"../../elsewhere\"\n}\nmodule \"me\" {\n  source = \"./\"\n}\n";
        let a = "module \"b\" {\n  source = \"../b\"\n}\n";
        let b = "module \"a\" {\n  source = \"../a\"\n}\n";
        let t = tree(&[("main.tf", root), ("a/main.tf", a), ("b/main.tf", b)]);
        let notes: Vec<&str> = t.not_followed.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            notes,
            [
                "main.tf:1: module.vpc: remote source \"terraform-aws-modules/vpc/aws\" is not fetched",
                "main.tf:4: module.gone: ../../elsewhere holds no Terraform file of this scan: not followed",
                "main.tf:7: module.me: calls a module it is part of (a cycle): not followed",
                "b/main.tf:1: module.b.module.a: calls a module it is part of (a cycle): not followed",
            ]
        );
    }

    /// `*.tf.json` names where a value was set as HCL does: defaults, definitions files, inputs.
    #[test]
    fn json_values_name_where_they_were_set() {
        let vars = "{\n  \"variable\": {\n    \"acl\": {\n      \"default\": \"private\"\n    }\n  }\n}\n";
        let main = "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"site\": {\n        \"acl\": \"${var.acl}\"\n      }\n    }\n  }\n}\n";
        let tfvars = "{\n  \"acl\": \"public-read\"\n}\n";
        let caller = "{\n  \"module\": {\n    \"web\": {\n      \"source\": \"./sg\",\n      \"cidrs\": [\"0.0.0.0/0\"]\n    }\n  }\n}\n";
        let t = tree(&[
            ("variables.tf.json", vars),
            ("main.tf.json", main),
            ("terraform.tfvars.json", tfvars),
            ("caller.tf.json", caller),
            ("sg/main.tf", SG_MODULE),
        ]);
        let messages: Vec<&str> = t.hits.iter().map(|h| h.message.as_str()).collect();
        assert!(
            messages
                .contains(&"bucket ACL is \"public-read\" (from var.acl, the value set in terraform.tfvars.json:2)"),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.ends_with("(from module.web's input cidrs set in caller.tf.json:5)")),
            "{messages:?}"
        );
        let without_tfvars = tree(&[("variables.tf.json", vars), ("main.tf.json", main)]);
        assert!(without_tfvars.hits.iter().all(|h| h.check != "iac-s3-public-acl"));
    }

    /// Two modules that call each other and nobody else: each is judged, the first as a root, so neither goes
    /// unjudged for having a caller.
    #[test]
    fn modules_called_only_from_a_cycle_are_still_judged() {
        let a = "module \"b\" {\n  source = \"../b\"\n  cidrs  = [\"0.0.0.0/0\"]\n}\n";
        let b = format!("{SG_MODULE}module \"a\" {{\n  source = \"../a\"\n}}\n");
        let b: &'static str = Box::leak(b.into_boxed_str());
        let t = tree(&[("a/main.tf", a), ("b/main.tf", b)]);
        let resources: Vec<&str> = t.hits.iter().map(|h| h.resource.as_str()).collect();
        assert_eq!(resources, ["module.b.aws_security_group.this"]);
        assert_eq!(t.not_followed.len(), 1, "{:?}", t.not_followed);
    }

    #[test]
    fn a_marker_on_the_call_covers_the_instance() {
        let root = "# leakgate:allow iac-firewall-open-to-world bastion\nmodule \"web\" {\n  source = \"./sg\"\n}\n";
        let t = tree(&[("sg/main.tf", SG_MODULE), ("main.tf", root)]);
        assert_eq!(t.hits.len(), 1);
        assert!(t.hits[0].allow.iter().any(|a| a.contains("bastion")));
    }
}
