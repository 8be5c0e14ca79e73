//! Which addresses postlint may connect to: never loopback, private, link-local (cloud metadata),
//! unspecified or multicast ones unless allowed, checked on every resolved address of every hop.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is off limits, or `None` when it is public.
pub fn blocked(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => blocked_v4(v4),
            None => blocked_v6(v6),
        },
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(if ip.is_loopback() {
        "loopback address"
    } else if ip.is_private() {
        "private address"
    } else if ip.is_link_local() {
        "link-local address (cloud metadata)"
    } else if ip.is_unspecified() || ip.is_broadcast() || a == 0 {
        "unspecified address"
    } else if ip.is_multicast() {
        "multicast address"
    } else if a == 100 && (64..128).contains(&b) {
        "shared address space (carrier-grade NAT)"
    } else {
        return None;
    })
}

fn blocked_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(if ip.is_loopback() {
        "loopback address"
    } else if ip.is_unspecified() {
        "unspecified address"
    } else if ip.is_multicast() {
        "multicast address"
    } else if first & 0xfe00 == 0xfc00 {
        "private address (unique local)"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local address"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_blocked() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(blocked(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(blocked(ip.parse().unwrap()), None, "{ip}");
        }
    }
}
