//! The SSRF guard: which resolved addresses a delivery may connect to.
//!
//! Checked on the addresses the resolver returned, right before connecting, so a
//! name that resolves to a private address (DNS rebinding included) is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Address ranges exempt from the guard.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    nets: Vec<IpNet>,
    all: bool,
}

impl AllowList {
    /// Parses CIDR blocks (a bare address means that one address).
    pub fn parse<I, S>(items: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut nets = Vec::new();
        for item in items {
            let s = item.as_ref().trim();
            let net = s
                .parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("--allow-targets: {s:?} is not a CIDR block or an IP address"))?;
            nets.push(net);
        }
        Ok(Self { nets, all: false })
    }

    /// Every address allowed: the guard is off.
    pub fn allow_all() -> Self {
        Self { nets: Vec::new(), all: true }
    }

    /// `Ok` when a delivery may connect to `ip`; otherwise why not.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        if self.all || self.nets.iter().any(|n| n.contains(&ip) || n.contains(&canonical(ip))) {
            return Ok(());
        }
        match non_global_reason(ip) {
            None => Ok(()),
            Some(why) => Err(format!("target address {ip} is {why}; refused by the SSRF guard (see --allow-targets)")),
        }
    }
}

/// An IPv4-mapped IPv6 address as IPv4; anything else unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Why `ip` is not a public unicast address, or `None` when it is.
pub fn non_global_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "in 0.0.0.0/8 (this network)",
        (10, _, _) => "private (10.0.0.0/8)",
        (100, 64..=127, _) => "shared address space (100.64.0.0/10, CGNAT)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local (169.254.0.0/16, cloud metadata)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "reserved for documentation",
        (192, 88, 99) => "6to4 relay anycast (192.88.99.0/24)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved (240.0.0.0/4) or broadcast",
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    Some(match s[0] {
        0 if s[1..6] == [0; 5] => "IPv4-compatible (deprecated ::/96)",
        0x64 if s[1] == 0xff9b => {
            // NAT64 (64:ff9b::/96 and 64:ff9b:1::/48): judge the embedded IPv4 address.
            let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            return v4_reason(v4).map(|_| "NAT64 of a non-global IPv4 address");
        }
        0x100 if s[1..4] == [0; 3] => "discard-only (100::/64)",
        0x2001 if s[1] < 0x200 => "IETF protocol assignments (2001::/23, Teredo included)",
        0x2001 if s[1] == 0xdb8 => "reserved for documentation (2001:db8::/32)",
        0x2002 => {
            let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
            return v4_reason(v4).map(|_| "6to4 of a non-global IPv4 address");
        }
        x if x & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        x if x & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        x if x & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        x if x & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_global_addresses() {
        let refused = [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.10",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:0101::1",
            "2001:db8::1",
            "::127.0.0.1",
        ];
        let guard = AllowList::default();
        for ip in refused {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(guard.check(ip).is_err(), "{ip} should be refused");
        }
    }

    #[test]
    fn allows_public_addresses() {
        let allowed = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ];
        let guard = AllowList::default();
        for ip in allowed {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(guard.check(ip).is_ok(), "{ip} should be allowed");
        }
    }

    #[test]
    fn allow_list_opens_exceptions() {
        let guard = AllowList::parse(["127.0.0.1/32", "10.0.0.0/8", "::1"]).unwrap();
        for ip in ["127.0.0.1", "10.9.8.7", "::1", "::ffff:127.0.0.1"] {
            assert!(guard.check(ip.parse().unwrap()).is_ok(), "{ip}");
        }
        assert!(guard.check("127.0.0.2".parse().unwrap()).is_err());
        assert!(guard.check("192.168.0.1".parse().unwrap()).is_err());
        assert!(AllowList::parse(["not-a-net"]).is_err());
        assert!(AllowList::allow_all().check("127.0.0.1".parse().unwrap()).is_ok());
        let why = AllowList::default().check("169.254.169.254".parse().unwrap()).unwrap_err();
        assert!(why.contains("link-local"), "{why}");
    }
}
