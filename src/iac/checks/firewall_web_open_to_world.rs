//! `iac-firewall-web-open-to-world`: an ingress rule that opens HTTP (80) or HTTPS (443) to the whole internet.
//!
//! Reported at low severity: a public web server or load balancer needs exactly this, so the finding is a
//! prompt to confirm the port is meant to be public (and to serve only HTTPS), not an alarm. A rule that also
//! reaches a sensitive port is `iac-firewall-open-to-world`'s, reported once there. Turn it off with
//! `disable = ["iac-firewall-web-open-to-world"]` where public web ports are the norm, or mark the resource.
use super::firewall_open_to_world::{exposure, ingress_hit};
use super::{Check, Hit, Run, CLOUD};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::cloudformation::Template;
use crate::iac::ingress::{self, Ingress};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-firewall-web-open-to-world",
    title: "Firewall opens a web port to the internet",
    severity: Severity::Low,
    formats: CLOUD,
    what: "An ingress rule (AWS security group in any of its forms, GCP `google_compute_firewall`, Azure network \
           security rule in Terraform or an ARM template, CloudFormation `SecurityGroupIngress`) allows the whole internet (any `/0` block) to port 80 or 443, and to no \
           sensitive port.",
    why: "Anything listening on a public web port is found by internet-wide scanners within minutes. That is \
          intended for a public site or load balancer, but an internal dashboard or API behind such a rule is \
          exposed too, and plain HTTP on port 80 carries sessions and credentials in clear text.",
    fix: "Confirm the service is meant to be public; put it behind a load balancer or CDN and open the instances \
          only to that, serve HTTPS only (redirect 80 at the load balancer), and mark a deliberate rule with \
          `# leakgate:allow iac-firewall-web-open-to-world public site`.",
    bad: "resource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port   = 80\n    to_port     = 80\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}",
    good: "resource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port       = 80\n    to_port         = 80\n    protocol        = \"tcp\"\n    security_groups = [aws_security_group.alb.id]\n  }\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 105,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), arm: Some(arm), ..Run::NONE },
};

fn judge(rules: Vec<Ingress<'_>>, out: &mut Vec<Hit>) {
    for r in rules {
        if exposure(&r.ports).is_some() {
            continue;
        }
        let web: Vec<&str> = [(80, "80 (HTTP)"), (443, "443 (HTTPS)")]
            .iter()
            .filter(|(p, _)| r.ports.contains(*p))
            .map(|(_, name)| *name)
            .collect();
        if web.is_empty() {
            continue;
        }
        out.push(ingress_hit(&INFO, &r, &format!("port {}", web.join(" and "))));
    }
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    judge(ingress::terraform(m), out);
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    judge(ingress::cloudformation(t), out);
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    judge(ingress::arm(t), out);
}
