//! Source address ranges as firewall and network rules write them, normalised before any check judges them.
//!
//! A prefix length of zero means every address of its family, whatever address is written before it:
//! `192.168.1.0/0` is the whole IPv4 internet, exactly like `0.0.0.0/0`, and `::/0`, `::0/0`,
//! `0:0:0:0:0:0:0:0/0` and `2001:db8::/0` are all the whole IPv6 internet. Checks compare the parsed form,
//! never the spelling, so no way of writing "anywhere" slips past them.
use std::net::IpAddr;

/// Whether `s` is a CIDR block with a zero-length prefix: every IPv4 or every IPv6 address. A block narrower
/// than that (even `0.0.0.0/1`) is not "the whole internet", however wide.
pub fn is_world_cidr(s: &str) -> bool {
    let Some((addr, prefix)) = s.trim().split_once('/') else {
        return false;
    };
    let prefix_is_zero = !prefix.is_empty() && prefix.bytes().all(|b| b == b'0');
    prefix_is_zero && addr.trim().parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zero_prefix_is_the_world() {
        for world in [
            "0.0.0.0/0",
            "192.168.1.0/0",
            " 10.0.0.0/00 ",
            "::/0",
            "::0/0",
            "0::/0",
            "0:0:0:0:0:0:0:0/0",
            "2001:db8::/0",
        ] {
            assert!(is_world_cidr(world), "{world}");
        }
        for narrow in ["0.0.0.0/1", "10.0.0.0/8", "::/1", "0.0.0.0", "/0", "example.com/0", "0.0.0.0/", "1.2.3/0"] {
            assert!(!is_world_cidr(narrow), "{narrow}");
        }
    }
}
