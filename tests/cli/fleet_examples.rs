//! The fleet examples in docs/fleet: the Indexed Job's shard script run as N local processes and merged (what the
//! Job and its merge Job do), and the Kubernetes manifests and GitHub Actions workflow parsed and checked for the
//! fields they need (kind and API version, indexed completion, parallelism matching the shard count, the script
//! the ConfigMap holds being the one tested here, volumes and claims that resolve, job dependencies and matrix
//! wiring, pinned actions). No Kubernetes or GitHub schema is available offline, so these checks stand in for one.
use std::path::{Path, PathBuf};
use std::process::Command;

use saphyr_parser::{Event, Parser};
use serde_json::{Map, Value};

use crate::audits::busy_history;
use crate::support::*;

fn fleet_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fleet")
}

/// PATH with the built leakgate first, as an image or a runner has it installed.
fn path_with_leakgate() -> String {
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default())
}

fn run_shards(repo: &Path, n: usize, reports: &Path) -> std::process::Output {
    Command::new("sh")
        .arg(fleet_dir().join("run-shards.sh"))
        .args([repo.to_str().unwrap(), "org/app", &n.to_string(), reports.to_str().unwrap()])
        .env("PATH", path_with_leakgate())
        .env_remove("LEAKGATE_SECRET_HASH_KEY")
        .output()
        .unwrap()
}

#[test]
fn the_indexed_job_logic_run_as_processes_merges_into_the_single_run() {
    let repo = busy_history();
    let single = repo.run(&["scan", "--history", "--repo-name", "org/app", "--format", "json"]).json();
    for n in [1, 3] {
        let reports = tempfile::tempdir().unwrap();
        let out = run_shards(repo.path(), n, reports.path());
        assert_eq!(out.status.code(), Some(1), "findings: {}", String::from_utf8_lossy(&out.stderr));
        let merged: Value =
            serde_json::from_slice(&std::fs::read(reports.path().join("merged.json")).unwrap()).unwrap();
        assert_eq!(merged["summary"]["reports"], n);
        let mut findings = merged["findings"].as_array().unwrap().clone();
        findings.iter_mut().for_each(|f| drop(f.as_object_mut().unwrap().remove("repository")));
        assert_eq!(&findings, single["findings"].as_array().unwrap(), "{n} shards");
    }
}

#[test]
fn a_failed_shard_stops_the_merge() {
    let reports = tempfile::tempdir().unwrap();
    let out = run_shards(Path::new("/nonexistent/repo"), 2, reports.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not merging an incomplete audit"));
    assert!(!reports.path().join("merged.json").exists());
}

/// Every document of a YAML stream, scalars as strings (enough to check structure and values).
fn yaml_docs(path: &Path) -> Vec<Value> {
    enum Frame {
        Seq(Vec<Value>),
        Map(Map<String, Value>, Option<String>),
    }
    fn complete(stack: &mut [Frame], docs: &mut Vec<Value>, v: Value) {
        match stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(v),
            Some(Frame::Map(map, key)) => match key.take() {
                Some(k) => drop(map.insert(k, v)),
                None => *key = Some(v.as_str().expect("a scalar key").to_string()),
            },
            None => docs.push(v),
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    let (mut stack, mut docs) = (Vec::new(), Vec::new());
    for event in Parser::new_from_str(&text) {
        let (event, _) = event.unwrap_or_else(|e| panic!("{}: not YAML: {e:?}", path.display()));
        match event {
            Event::Scalar(value, ..) => complete(&mut stack, &mut docs, Value::String(value.into_owned())),
            Event::SequenceStart(..) => stack.push(Frame::Seq(Vec::new())),
            Event::MappingStart(..) => stack.push(Frame::Map(Map::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let v = match stack.pop().unwrap() {
                    Frame::Seq(items) => Value::Array(items),
                    Frame::Map(map, _) => Value::Object(map),
                };
                complete(&mut stack, &mut docs, v);
            }
            _ => {}
        }
    }
    docs
}

fn doc_of_kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

fn env_value<'a>(container: &'a Value, name: &str) -> &'a str {
    let env = container["env"].as_array().unwrap();
    env.iter().find(|e| e["name"] == name).and_then(|e| e["value"].as_str()).unwrap_or_else(|| panic!("{name}"))
}

/// Every volume a container mounts is one the pod declares; every claim is a PVC of `claims`.
fn check_volumes(pod: &Value, claims: &[&str]) {
    let volumes: Vec<&Value> = pod["volumes"].as_array().unwrap().iter().collect();
    let names: Vec<&str> = volumes.iter().map(|v| v["name"].as_str().unwrap()).collect();
    let containers =
        pod["containers"].as_array().unwrap().iter().chain(pod["initContainers"].as_array().into_iter().flatten());
    for c in containers {
        assert!(c["image"].as_str().is_some_and(|i| i.contains(':') && !i.ends_with(":latest")), "pinned image");
        assert!(c["resources"]["limits"]["memory"].is_string(), "memory limit");
        for m in c["volumeMounts"].as_array().unwrap() {
            assert!(names.contains(&m["name"].as_str().unwrap()), "mount {} has a volume", m["name"]);
        }
    }
    for v in volumes {
        if let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() {
            assert!(claims.contains(&claim), "claim {claim}");
        }
    }
}

#[test]
fn the_kubernetes_manifests_hold_together() {
    let docs = yaml_docs(&fleet_dir().join("k8s-indexed-job.yaml"));
    assert_eq!(docs.len(), 3);
    let config = doc_of_kind(&docs, "ConfigMap");
    let script = std::fs::read_to_string(fleet_dir().join("shard.sh")).unwrap();
    assert_eq!(config["data"]["shard.sh"], script, "the ConfigMap holds shard.sh as tested here");
    let pvc = doc_of_kind(&docs, "PersistentVolumeClaim");
    assert_eq!(pvc["spec"]["accessModes"][0], "ReadWriteMany");
    let claim = pvc["metadata"]["name"].as_str().unwrap();

    let job = doc_of_kind(&docs, "Job");
    assert_eq!(job["apiVersion"], "batch/v1");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let audit = &pod["containers"][0];
    assert_eq!(spec["completions"], spec["parallelism"]);
    assert_eq!(spec["completions"].as_str(), Some(env_value(audit, "SHARDS")), "one pod per shard");
    assert_eq!(audit["command"], serde_json::json!(["sh", "/scripts/shard.sh"]));
    let scripts = pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "scripts").unwrap();
    assert_eq!(scripts["configMap"]["name"], config["metadata"]["name"]);
    assert_eq!(env_value(audit, "REPO_DIR"), "/work/repo.git");
    assert!(pod["initContainers"][0]["args"].as_array().unwrap().contains(&Value::from("/work/repo.git")));
    check_volumes(pod, &[claim]);

    let merge_docs = yaml_docs(&fleet_dir().join("k8s-merge-job.yaml"));
    let merge = doc_of_kind(&merge_docs, "Job");
    let merge_pod = &merge["spec"]["template"]["spec"];
    check_volumes(merge_pod, &[claim]);
    let command = merge_pod["containers"][0]["command"].to_string();
    assert!(command.contains("leakgate report merge") && command.contains("shard-*-of-*.json"), "{command}");

    // leakgate's own Kubernetes checks pass on them.
    Tree::new().run(&["scan", fleet_dir().to_str().unwrap()]).assert_code(0);
}

#[test]
fn the_github_actions_workflow_wires_its_matrix_and_merge() {
    let docs = yaml_docs(&fleet_dir().join("github-actions-org-audit.yml"));
    let jobs = &docs[0]["jobs"];
    assert!(docs[0]["on"]["schedule"][0]["cron"].is_string());
    assert_eq!(jobs["list"]["outputs"]["repositories"], "${{ steps.list.outputs.repositories }}");
    assert!(jobs["list"]["steps"].as_array().unwrap().iter().any(|s| s["id"] == "list"));
    let audit = &jobs["audit"];
    assert_eq!(audit["needs"], "list");
    assert_eq!(audit["strategy"]["matrix"]["repository"], "${{ fromJSON(needs.list.outputs.repositories) }}");
    assert_eq!(jobs["merge"]["needs"], "audit");
    let runs = |job: &Value| -> String {
        job["steps"].as_array().unwrap().iter().filter_map(|s| s["run"].as_str()).collect::<Vec<_>>().join("\n")
    };
    let audit_run = runs(audit);
    for flag in ["--history", "--repo-name \"$REPOSITORY\"", "--state audit.state", "--format json"] {
        assert!(audit_run.contains(flag), "audit runs {flag}");
    }
    assert!(runs(&jobs["merge"]).contains("leakgate report merge"));
    for job in jobs.as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if let Some(uses) = step["uses"].as_str() {
                assert!(uses.contains('@'), "{uses} is pinned to a version");
            }
        }
    }
}
