use super::*;

fn one(src: &str) -> Module {
    let (m, errors) = build(&[(src, false)]);
    assert!(errors.is_empty(), "{:?}", errors.first().map(|e| &e.message));
    m
}

#[test]
fn evaluates_vars_locals_and_blocks() {
    let m = one(r#"
variable "cidr" {
  default = "0.0.0.0/0"
}
locals {
  ports = [22, var.port]
  acl   = local.other
  other = "private"
}
# leakgate:allow iac-x
resource "aws_security_group" "web" {
  ingress {
cidr_blocks = [var.cidr]
from_port   = local.ports[0]
  }
  dynamic "ingress" {
for_each = var.rules
content {
  to_port = ingress.value.port
}
  }
  acl = local.acl
  policy = jsonencode({ Statement = [{ Effect = "Allow" }] })
  name = "sg-${var.cidr}"
  tags = { "Name" = aws_s3_bucket.b.id }
}
"#);
    let r = m.resources("aws_security_group").next().unwrap();
    assert_eq!((r.line, r.allow.len()), (11, 1));
    let ingress: Vec<_> = r.body.all("ingress").collect();
    assert_eq!(ingress.len(), 2);
    let cidr = ingress[0].get("cidr_blocks").unwrap().items().next().unwrap();
    assert_eq!((cidr.as_str(), cidr.line), (Some("0.0.0.0/0"), 13));
    assert_eq!(ingress[0].get("from_port").unwrap().as_i64(), Some(22));
    assert_eq!(ingress[1].line, 16);
    assert!(ingress[1].get("to_port").unwrap().is_unknown());
    assert_eq!(r.body.get("acl").unwrap().as_str(), Some("private"));
    let stmt = r.body.get("policy").unwrap().get("Statement").unwrap();
    assert_eq!(stmt.items().next().unwrap().get("Effect").unwrap().as_str(), Some("Allow"));
    assert_eq!(r.body.get("name").unwrap().as_str(), Some("sg-0.0.0.0/0"));
    let tag = r.body.get("tags").unwrap().get("Name").unwrap();
    assert_eq!(tag.unknown_text(), Some("aws_s3_bucket.b.id"));
}

#[test]
fn resolved_references_record_where_their_value_was_set() {
    let vars = "variable \"acl\" {\n  default = \"public-read\"\n}\nvariable \"open\" {}\n";
    let main = "locals {\n  cidr = \"0.0.0.0/0\"\n}\nresource \"a\" \"b\" {\n  acl  = var.acl\n  cidr = [local.cidr]\n  x    = var.open\n}\n";
    let (m, errors) = build(&[(vars, false), (main, false)]);
    assert!(errors.is_empty());
    let got: Vec<(usize, usize, &str, &SetAt)> =
        m.origins.iter().map(|o| (o.file, o.line, o.name.as_str(), &o.set)).collect();
    // `var.open` has no default: unresolved, so no origin.
    let (vars_at, local_at) = (SetAt::File { file: 0, line: 2 }, SetAt::File { file: 1, line: 2 });
    assert_eq!(got, [(1, 5, "var.acl", &vars_at), (1, 6, "local.cidr", &local_at)]);
    let paths = ["vars.tf", "main.tf"];
    assert_eq!(m.origins[0].describe(&paths), "var.acl, the default set in vars.tf:2");
    assert_eq!(m.origins[1].describe(&paths), "local.cidr, set in main.tf:2");
}

#[test]
fn local_cycles_are_unknown() {
    let m = one("locals {\n a = local.b\n b = local.a\n}\nresource \"x\" \"y\" {\n v = local.a\n}\n");
    let r = m.resources("x").next().unwrap();
    assert!(r.body.get("v").unwrap().is_unknown());
}

/// Found while probing the `iac_terraform` fuzz target: locals that each copy the previous one eight times
/// (or a string twice) made a 2 KB file ask for terabytes. Past the copy budget references are unknown.
#[test]
fn self_multiplying_locals_stop_at_the_copy_budget() {
    for (first, next) in [
        (r#"["a", "a", "a", "a", "a", "a", "a", "a"]"#, "[{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]"),
        (r#""aaaaaaaaaaaaaaaa""#, r#""${{{p}}}${{{p}}}""#),
    ] {
        let mut src = format!("locals {{\n  a0 = {first}\n");
        for i in 1..28 {
            let p = format!("local.a{}", i - 1);
            src.push_str(&format!("  a{i} = {}\n", next.replace("{p}", &p).replace("{{", "{").replace("}}", "}")));
        }
        src.push_str("}\nresource \"x\" \"y\" {\n  small = local.a2\n  huge = local.a27\n}\n");
        let m = one(&src);
        let r = m.resources("x").next().unwrap();
        assert!(!r.body.get("small").unwrap().is_unknown(), "{src}");
        assert!(r.body.get("huge").unwrap().is_unknown(), "{src}");
    }
}

#[test]
fn json_form() {
    let src = r#"{
  "variable": {"acl": {"default": "public-read"}},
  "resource": {"aws_s3_bucket": {"site": {
"//": "leakgate:allow iac-s3-public-acl static website",
"acl": "${var.acl}",
"bucket": "${local.name}-x"
  }}}
}"#;
    let (m, errors) = build(&[(src, true)]);
    assert!(errors.is_empty());
    let r = m.resources("aws_s3_bucket").next().unwrap();
    assert_eq!((r.line, r.allow.len()), (3, 1));
    let acl = r.body.get("acl").unwrap();
    assert_eq!((acl.as_str(), acl.line), (Some("public-read"), 5));
    assert!(r.body.get("bucket").unwrap().is_unknown());
    assert!(r.body.get("//").is_none());
}

#[test]
fn parse_errors_have_lines() {
    let (_, errors) = build(&[("resource \"x\" \"y\" {\n  a = \n}\n", false)]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].line.is_some());
}
