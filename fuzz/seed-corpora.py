#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with starting inputs: the hand-picked seeds in fuzz/seeds/, the IaC fixtures of
tests/fixtures/iac/, and every rule example and negative example from rules/*.toml. Run from anywhere; existing
corpus files are kept (libFuzzer adds its own next to them). The corpora are not committed."""
import hashlib
import pathlib
import tomllib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
IAC = ROOT / "tests" / "fixtures" / "iac"
SEPARATOR = b"\n//--file--\n"  # fuzz/src/lib.rs lint_module


def put(target: str, data: bytes) -> None:
    folder = FUZZ / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def files(folder: pathlib.Path, *suffixes: str):
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffixes))


def main() -> None:
    for seed_dir in sorted((FUZZ / "seeds").iterdir()):
        for seed in sorted(seed_dir.iterdir()):
            put(seed_dir.name, seed.read_bytes())

    for p in files(IAC / "terraform", ".tf"):
        put("iac_terraform", p.read_bytes())
    for module in sorted(d for d in (IAC / "terraform").iterdir() if d.is_dir()):
        put("iac_terraform", SEPARATOR.join(p.read_bytes() for p in sorted(module.rglob("*.tf"))[:4]))
    # lint_module names the files m/0.tf, m/1.tf, m/a/2.tf, m/a/b/3.tf: a root calling ./a and a module in a/
    # calling ./b and back up.
    calls = IAC / "terraform" / "module_calls"
    put("iac_terraform", SEPARATOR.join([
        b'module "a" {\n  source = "./a"\n  ingress_cidr_blocks = ["0.0.0.0/0"]\n  port = 22\n}\n',
        b'variable "open" {\n  default = "0.0.0.0/0"\n}\n',
        (calls / "main.tf").read_bytes() + b'\nmodule "b" {\n  source = "./b"\n  x = var.port\n}\n',
        b'variable "x" {}\nmodule "up" {\n  source = "../../"\n}\n',
    ]))
    for p in files(IAC / "terraform", ".tf.json"):
        put("iac_terraform_json", p.read_bytes())
    for p in files(IAC / "cloudformation", ".yaml", ".yml"):
        put("iac_cloudformation_yaml", p.read_bytes())
    for p in files(IAC / "cloudformation", ".json"):
        put("iac_cloudformation_json", p.read_bytes())
    for p in files(IAC / "arm", ".json"):
        put("iac_arm", p.read_bytes())
    deployment = IAC / "arm" / "deployment"
    put("iac_arm_deployment", SEPARATOR.join((deployment / n).read_bytes() for n in [
        "azuredeploy.json", "azuredeploy.parameters.json", "azuredeploy.parameters.dev.json"]))
    for p in files(IAC / "kubernetes", ".yaml", ".yml", ".json"):
        put("iac_kubernetes", p.read_bytes())
    for p in files(IAC / "dockerfile", "Dockerfile"):
        put("iac_dockerfile", p.read_bytes())
    for p in files(IAC / "compose", ".yaml", ".yml"):
        put("iac_compose", p.read_bytes())

    # The secret engine: each example alone (as stdin, or as its file when the rule needs a path), and each IaC
    # fixture as its own file name, since a scan lints those too.
    for rule_file in sorted((ROOT / "rules").glob("*.toml")):
        put("config_leakgate", rule_file.read_bytes())  # a rule file is a valid `[[rules]]` config
        for rule in tomllib.loads(rule_file.read_text())["rules"]:
            for ex in rule.get("examples", []) + rule.get("negative_examples", []):
                text, path = (ex, None) if isinstance(ex, str) else (ex["text"], ex.get("path"))
                prefix = f"//path:{path}\n" if path else ""
                put("scan_secrets", (prefix + text).encode())
    for p in sorted(IAC.rglob("*")):
        if p.is_file() and p.name != "expected.txt":
            put("scan_secrets", b"//path:" + p.name.encode() + b"\n" + p.read_bytes())

    for target in sorted((FUZZ / "corpus").iterdir()):
        print(f"{target.name}: {sum(1 for _ in target.iterdir())} inputs")


if __name__ == "__main__":
    main()
