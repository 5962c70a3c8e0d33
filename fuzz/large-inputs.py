#!/usr/bin/env python3
"""Writes large, structured inputs to fuzz/large/<target>/: the shapes that make a parser or matcher slow or
hungry (long lines full of findings, deep nesting, values that copy or double other values), which libFuzzer's
small random mutations seldom build. Replay them through the built targets, which enforce the same time and
memory limits as a fuzzing run (see README.md). Each one here once took minutes or gigabytes."""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "large"


def put(target: str, name: str, text: str) -> None:
    folder = OUT / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def main() -> None:
    secret_line = "password='aB3dE5gH7jK9mN1pQ3sT5'; "  # leakgate:allow (made up)
    put("scan_secrets", "one-long-line", secret_line * 30_000)
    put("scan_secrets", "many-lines", (secret_line + "\n") * 30_000)
    put("scan_secrets", "keyword-runs", "ghp_" * 250_000)
    put("scan_secrets", "begin-markers", "-----BEGIN PRIVATE KEY-----\n" * 40_000)
    put("scan_secrets", "long-token-line", "token:" + "a1b2c3d4e5" * 100_000)

    n = 50_000
    put("iac_kubernetes", "deep-flow", "apiVersion: v1\nkind: Pod\nspec: " + "[" * n + "]" * n + "\n")
    put("iac_kubernetes", "deep-map", "apiVersion: v1\nkind: Pod\nspec: " + "{a: " * n + "1" + "}" * n + "\n")
    put("iac_cloudformation_json", "deep", '{"Resources": ' + '{"a":' * n + "1" + "}" * n + "}")
    put("iac_terraform", "deep-blocks", 'resource "aws_s3_bucket" "b" {\n' + "a {\n" * n + "}\n" * n + "}\n")
    put("iac_terraform", "deep-parens", "locals {\n  x = " + "(" * n + "1" + ")" * n + "\n}\n")

    lists = ["locals {", '  a0 = ["a", "a", "a", "a", "a", "a", "a", "a"]']
    strings = ["locals {", '  a0 = "aaaaaaaaaaaaaaaa"']
    for i in range(1, 28):
        lists.append(f"  a{i} = [" + ", ".join([f"local.a{i - 1}"] * 8) + "]")
        strings.append(f'  a{i} = "${{local.a{i - 1}}}${{local.a{i - 1}}}"')
    tail = ['}', 'resource "aws_s3_bucket" "b" {', "  acl = local.a27", "}", ""]
    put("iac_terraform", "locals-multiplying", "\n".join(lists + tail))
    put("iac_terraform", "locals-doubling", "\n".join(strings + tail))
    # Module calls (fuzz/src/lib.rs lint_module: m/0.tf, m/1.tf, m/a/2.tf, m/a/b/3.tf): 300 calls of a module
    # that makes 300 calls each, every one handing on a value of 262,144 nodes.
    sep = "\n//--file--\n"
    big = "\n".join(lists[:7] + ["}"])
    root = big + "\n" + "".join(f'module "a{i}" {{\n  source = "./a"\n  v = local.a5\n}}\n' for i in range(300))
    middle = 'variable "v" {}\n' + "".join(f'module "b{i}" {{\n  source = "./b"\n  v = var.v\n}}\n' for i in range(300))
    leaf = 'variable "v" {}\nresource "aws_s3_bucket" "b" {\n  acl = var.v\n}\n'
    put("iac_terraform", "module-fanout", root + sep + sep + middle + sep + leaf)

    env = ["FROM alpine:3.20", "ENV A0=aaaaaaaaaaaaaaaa"] + [f"ENV A{i}=$A{i - 1}$A{i - 1}" for i in range(1, 40)]
    put("iac_dockerfile", "env-doubling", "\n".join(env + ["USER $A39", ""]))

    default = ",".join(["a"] * 50_000)
    refs = ",".join(["!Ref P"] * 20_000)
    put(
        "iac_cloudformation_yaml",
        "ref-copies",
        f"Parameters:\n  P:\n    Default: [{default}]\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
        f"    Properties:\n      Tags: [{refs}]\n",
    )
    schema = '"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"'
    put("iac_arm", "deep", "{" + schema + ', "resources": ' + '{"a":' * n + "1" + "}" * n + "}")
    arm_vars = ['"a0": ["a", "a", "a", "a", "a", "a", "a", "a"]']
    arm_vars += [f'"a{i}": [' + ", ".join([f'"[variables(\'a{i - 1}\')]"'] * 8) + "]" for i in range(1, 28)]
    put(
        "iac_arm",
        "variables-multiplying",
        "{" + schema + ', "variables": {' + ", ".join(arm_vars) + "}, "
        '"resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[variables(\'a27\')]", '
        '"properties": {"allowBlobPublicAccess": "[variables(\'a27\')]"}}]}',
    )
    big = ", ".join(['"a"'] * 50_000)
    arm_refs = ", ".join(["\"[parameters('p')]\""] * 20_000)
    put(
        "iac_arm",
        "parameter-copies",
        "{" + schema + ', "parameters": {"p": {"type": "array", "defaultValue": [' + big + "]}}, "
        '"resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "s", "properties": {"tags": ['
        + arm_refs + "]}}]}",
    )
    children = "".join('{"type": "child", "name": "c", "resources": [' for _ in range(60)) + "]}" * 60
    put(
        "iac_arm",
        "nested-children",
        "{" + schema + ', "resources": [{"type": "Microsoft.Sql/servers", "name": "s", "resources": ['
        + ", ".join([children] * 2_000) + "]}]}",
    )
    for target in sorted(OUT.iterdir()):
        print(f"{target.name}: {sum(1 for _ in target.iterdir())} inputs")


if __name__ == "__main__":
    main()
