//! IaC lint through the binary: folder scans, the staged change, config `disable`, --no-iac and --iac.
use crate::git::Repo;
use crate::support::*;

const PUBLIC_BUCKET: &str = r#"resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
  acl    = var.bucket_acl
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#;
const VARIABLES: &str = r#"variable "bucket_acl" {
  default = "public-read"
}
"#;
const ROOT_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n";

fn ids(json: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "iac")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn folder_scan_lints_terraform_modules_and_manifests() {
    let tree = Tree::new();
    tree.write("infra/main.tf", PUBLIC_BUCKET);
    tree.write("infra/variables.tf", VARIABLES);
    tree.write("k8s/pod.yaml", ROOT_POD);
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let got = ids(&run.json());
    // The ACL comes from a variable declared in a sibling file: resolved because the directory is one module.
    assert!(got.contains(&("iac-s3-public-acl".into(), "infra/main.tf".into(), 3)), "{got:?}");
    assert!(got.iter().any(|(id, path, _)| id == "iac-k8s-privileged" && path == "k8s/pod.yaml"), "{got:?}");
    let f = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "iac-s3-public-acl")
        .cloned()
        .unwrap();
    assert_eq!(f["resource"], "aws_s3_bucket.site");
    // The value is the variable's default: the message says so and where it was set.
    assert_eq!(
        f["message"],
        "bucket ACL is \"public-read\" (from var.bucket_acl, the default set in infra/variables.tf:2)"
    );
    assert_eq!(f["secret"], "");
    let text = tree.run(&["scan"]).stdout();
    assert!(text.contains("infra/main.tf:3  iac-s3-public-acl"), "{text}");
}

#[test]
fn disable_and_no_iac_turn_checks_off() {
    let tree = Tree::new();
    tree.write("k8s/pod.yaml", ROOT_POD);
    tree.run(&["scan", "--no-iac"]).assert_code(0);
    tree.write(".leakgate.toml", "disable = [\"iac-k8s-privileged\", \"iac-k8s-run-as-root\", \"iac-k8s-privilege-escalation\", \"iac-docker-unpinned-base\"]\n");
    let run = tree.run(&["scan", "--format", "json"]);
    let got = ids(&run.json());
    assert!(!got.iter().any(|(id, _, _)| id == "iac-k8s-privileged" || id == "iac-k8s-run-as-root"), "{got:?}");
}

#[test]
fn parse_failures_are_warnings_not_errors() {
    let tree = Tree::new();
    tree.write("broken.tf", "resource \"aws_s3_bucket\" \"x\" {\n  acl = \n");
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(0);
    let w = run.json()["summary"]["warnings"].to_string();
    assert!(w.contains("broken.tf"), "{w}");
    assert!(tree.run(&["scan"]).stdout().contains("warning: cannot lint broken.tf"));
}

#[test]
fn staged_public_bucket_is_blocked_and_the_fix_passes() {
    let repo = Repo::new();
    repo.commit_file("infra/variables.tf", VARIABLES.replace("public-read", "private"), "vars");
    repo.write("infra/main.tf", PUBLIC_BUCKET.replace("var.bucket_acl", "\"public-read\""));
    repo.git(&["add", "."]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(ids(&run.json()), vec![("iac-s3-public-acl".into(), "infra/main.tf".into(), 3)]);
    repo.write("infra/main.tf", PUBLIC_BUCKET.replace("var.bucket_acl", "\"private\""));
    repo.git(&["add", "."]);
    repo.run(&["scan", "--staged"]).assert_code(0);
}

#[test]
fn staged_terraform_resolves_variables_from_unchanged_sibling_files() {
    let repo = Repo::new();
    repo.commit_file("infra/variables.tf", VARIABLES, "vars");
    repo.write("infra/main.tf", PUBLIC_BUCKET);
    repo.git(&["add", "infra/main.tf"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(ids(&run.json()), vec![("iac-s3-public-acl".into(), "infra/main.tf".into(), 3)]);
}

#[test]
fn a_reasoned_allow_marks_a_public_website_bucket() {
    let tree = Tree::new();
    tree.write(
        "site.tf",
        "# leakgate:allow iac-s3-public-acl iac-s3-no-public-access-block static website, public by design\nresource \"aws_s3_bucket\" \"site\" {\n  acl = \"public-read\"\n}\n",
    );
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["inline"], 2);
}

#[test]
fn history_lints_infrastructure_only_with_iac() {
    let repo = Repo::new();
    repo.commit_file("k8s/pod.yaml", ROOT_POD, "pod");
    repo.run(&["scan", "--history"]).assert_code(0);
    let run = repo.run(&["scan", "--history", "--iac", "--format", "json"]);
    run.assert_code(1);
    assert!(ids(&run.json()).iter().any(|(id, _, _)| id == "iac-k8s-privileged"));
}

/// A manifest whose template directives are all inside strings is linted in full, absent settings included;
/// one with a directive elsewhere is counted as not linted, and the JSON and text summaries name it.
#[test]
fn helm_templates_are_linted_or_named_as_not_linted() {
    let tree = Tree::new();
    tree.write(
        "chart/templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      containers:\n        - name: m\n          image: registry.example.com/m:1.0.0\n          command: [\"sh\", \"-c\", \"migrate {{ .Values.v }}\"]\n",
    );
    tree.write(
        "chart/templates/web.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n",
    );
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    let got = ids(&json);
    assert!(got.contains(&("iac-k8s-run-as-root".into(), "chart/templates/job.yaml".into(), 9)), "{got:?}");
    assert!(got.contains(&("iac-k8s-privilege-escalation".into(), "chart/templates/job.yaml".into(), 9)), "{got:?}");
    assert!(!got.iter().any(|(_, path, _)| path == "chart/templates/web.yaml"), "{got:?}");
    assert_eq!(json["summary"]["skipped"]["iac_not_linted"], 1);
    let named = json["summary"]["iac_not_linted"].as_array().unwrap();
    assert_eq!(named.len(), 1);
    assert!(named[0].as_str().unwrap().starts_with("chart/templates/web.yaml: "), "{named:?}");
    let text = tree.run(&["scan"]).stdout();
    assert!(text.contains("not IaC-linted: chart/templates/web.yaml: "), "{text}");
}

const ARM_NSG: &str = r#"{
  // an ARM template: JSON with comments
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "source": { "type": "string", "defaultValue": "Internet" } },
  "resources": [
    {
      "type": "Microsoft.Network/networkSecurityGroups/securityRules",
      "apiVersion": "2023-04-01",
      "name": "web-nsg/ssh",
      "properties": {
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "[parameters('source')]",
        "destinationPortRange": "22"
      }
    }
  ]
}
"#;

/// An ARM template is found by its `$schema`, read with its comments, and judged by the firewall check; the
/// parameter default is what opens it, so narrowing the default is the fix.
#[test]
fn staged_arm_template_with_open_ssh_is_blocked_and_the_fix_passes() {
    let repo = Repo::new();
    repo.commit_file("README.md", "infra\n", "init");
    repo.write("azure/azuredeploy.json", ARM_NSG);
    repo.git(&["add", "."]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(ids(&run.json()), vec![("iac-firewall-open-to-world".into(), "azure/azuredeploy.json".into(), 15)]);
    let f = &run.json()["findings"][0];
    assert_eq!(f["resource"], "Microsoft.Network/networkSecurityGroups/securityRules/web-nsg/ssh");
    repo.write("azure/azuredeploy.json", ARM_NSG.replace("\"Internet\"", "\"10.20.0.0/16\""));
    repo.git(&["add", "."]);
    repo.run(&["scan", "--staged"]).assert_code(0);
}

const DB_MODULE: &str = r#"variable "ingress_cidr_blocks" {
  default = ["0.0.0.0/0"]
}

variable "port" {
  default = 5432
}

resource "aws_security_group" "this" {
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = var.ingress_cidr_blocks
  }
}
"#;

/// A module with an open default is judged through its callers: the caller that opens a database port is
/// reported under the call's name with where the value was set; the one that closes it is not; the module
/// alone is not reported on its default; a remote call is named in a note as not followed.
#[test]
fn folder_scan_follows_local_module_calls_with_their_inputs() {
    let tree = Tree::new();
    tree.write("main.tf", DB_MODULE);
    tree.write(
        "examples/complete/main.tf",
        "module \"db\" {\n  source = \"../../\"\n\n  ingress_cidr_blocks = [\"0.0.0.0/0\"]\n  port                = 3306\n}\n",
    );
    tree.write(
        "examples/private/main.tf",
        "module \"db\" {\n  source              = \"../../\"\n  ingress_cidr_blocks = [\"10.0.0.0/8\"]\n}\n",
    );
    tree.write("network/main.tf", "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n");
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(ids(&json), vec![("iac-firewall-open-to-world".into(), "main.tf".into(), 14)]);
    let f = &json["findings"][0];
    assert_eq!(f["resource"], "module.db.aws_security_group.this");
    assert_eq!(
        f["message"],
        "cidr_blocks 0.0.0.0/0 allows ingress to port 3306 (MySQL) \
         (from module.db's input ingress_cidr_blocks set in examples/complete/main.tf:4)"
    );
    let notes = json["summary"]["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            == "1 Terraform module call not followed by the IaC lint: network/main.tf:1: module.vpc: remote source \
                \"terraform-aws-modules/vpc/aws\" is not fetched"),
        "{notes:?}"
    );
    // Scanned on its own, the module is a root: judged on its default, which the message names.
    let alone = Tree::new();
    alone.write("main.tf", DB_MODULE);
    let run = alone.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let message = run.json()["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(message.ends_with("(from var.ingress_cidr_blocks, the default set in main.tf:2)"), "{message}");
}

/// An ARM parameter file beside its template gives the template's parameters their values, like tfvars: the
/// finding says which file and line set the value; the template alone is judged on its defaults.
#[test]
fn folder_scan_reads_arm_parameter_files_beside_their_template() {
    let tree = Tree::new();
    tree.write("azure/azuredeploy.json", ARM_NSG.replace("\"Internet\"", "\"10.20.0.0/16\""));
    tree.run(&["scan"]).assert_code(0);
    tree.write(
        "azure/azuredeploy.parameters.json",
        "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {\n    \"source\": { \"value\": \"Internet\" }\n  }\n}\n",
    );
    let run = tree.run(&["scan", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(ids(&json), vec![("iac-firewall-open-to-world".into(), "azure/azuredeploy.json".into(), 15)]);
    assert_eq!(
        json["findings"][0]["message"],
        "sourceAddressPrefix Internet allows ingress to port 22 (SSH) \
         (from parameter source, the value set in azure/azuredeploy.parameters.json:5)"
    );
}
