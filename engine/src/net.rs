//! IP addresses and CIDR ranges, parsed as Kubernetes parses them.

use std::fmt::{self, Write as _};
use std::net::IpAddr;
use std::str::FromStr;

/// The two IP families, by the API's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    IPv4,
    IPv6,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::IPv4 => "IPv4",
            Family::IPv6 => "IPv6",
        }
    }
    pub fn parse(s: &str) -> Option<Family> {
        match s {
            "IPv4" => Some(Family::IPv4),
            "IPv6" => Some(Family::IPv6),
            _ => None,
        }
    }
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::IPv4,
            IpAddr::V6(_) => Family::IPv6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses an IP as Go's `netip.ParseAddr` (Kubernetes' strict parser) does:
/// no leading zeros in IPv4 octets, no zone.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    IpAddr::from_str(s).ok()
}

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// Appends `ip` as its `Display` writes it. IPv4 is written digit by
/// digit: a trace writes dozens of addresses, and the formatting
/// machinery was a tenth of its time.
pub fn push_ip(out: &mut String, ip: &IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_decimal(out, u32::from(octet));
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

/// `ip` as a string, as `ip.to_string()` writes it.
pub fn ip_string(ip: &IpAddr) -> String {
    let mut s = String::with_capacity(15);
    push_ip(&mut s, ip);
    s
}

/// The family of an IP string, if it is one.
pub fn family_of(s: &str) -> Option<Family> {
    parse_ip(s).map(|ip| Family::of(&ip))
}

/// A CIDR range such as `10.96.0.0/12`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    base: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// kubeadm's default service range, `10.96.0.0/12`.
    pub const DEFAULT_SERVICE: Cidr = Cidr {
        base: IpAddr::V4(std::net::Ipv4Addr::new(10, 96, 0, 0)),
        prefix: 12,
    };

    pub fn family(&self) -> Family {
        Family::of(&self.base)
    }

    /// The loopback range of a family: `127.0.0.0/8` or `::1/128`.
    pub fn loopback(family: Family) -> Cidr {
        match family {
            Family::IPv4 => Cidr {
                base: IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)),
                prefix: 8,
            },
            Family::IPv6 => Cidr {
                base: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
                prefix: 128,
            },
        }
    }

    /// The single address `ip` as a range (`/32` or `/128`).
    pub fn host(ip: IpAddr) -> Cidr {
        let prefix = match ip {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        Cidr { base: ip, prefix }
    }

    fn bits(&self) -> u8 {
        match self.base {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Number of addresses in the range (saturating for huge IPv6 ranges).
    pub fn size(&self) -> u128 {
        let host_bits = u32::from(self.bits() - self.prefix);
        1u128.checked_shl(host_bits).unwrap_or(u128::MAX)
    }

    fn base_u128(&self) -> u128 {
        to_u128(&self.base)
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.offset_of(ip).is_some()
    }

    /// The offset of `ip` from the start of the range, if inside it.
    pub fn offset_of(&self, ip: &IpAddr) -> Option<u128> {
        if Family::of(ip) != self.family() {
            return None;
        }
        let off = to_u128(ip).wrapping_sub(self.base_u128());
        (off < self.size()).then_some(off)
    }

    /// The address at `offset` from the start of the range.
    pub fn nth(&self, offset: u128) -> Option<IpAddr> {
        if offset >= self.size() {
            return None;
        }
        Some(from_u128(self.base_u128() + offset, self.family()))
    }
}

impl FromStr for Cidr {
    type Err = String;
    /// Strict like `netip.ParsePrefix`: the address must be the network
    /// address (`10.96.0.1/12` is rejected, as kube-apiserver rejects it).
    fn from_str(s: &str) -> Result<Cidr, String> {
        let (ip, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("invalid CIDR {s:?}: missing '/'"))?;
        let base = parse_ip(ip).ok_or_else(|| format!("invalid CIDR {s:?}: bad address"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p: &u8| {
                !prefix.starts_with('+')
                    && (prefix == "0" || !prefix.starts_with('0'))
                    && *p <= if base.is_ipv4() { 32 } else { 128 }
            })
            .ok_or_else(|| format!("invalid CIDR {s:?}: bad prefix length"))?;
        let cidr = Cidr { base, prefix };
        let host_bits = u32::from(cidr.bits() - prefix);
        let mask = 1u128.checked_shl(host_bits).map_or(u128::MAX, |m| m - 1);
        if to_u128(&base) & mask != 0 {
            return Err(format!(
                "invalid CIDR {s:?}: address has bits set beyond the prefix length"
            ));
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// Parses a CIDR leniently, as `netutils.ParseCIDRSloppy` does for source
/// ranges: host bits may be set; the range is masked.
pub fn parse_cidr_masked(s: &str) -> Option<Cidr> {
    let (ip, prefix) = s.split_once('/')?;
    let base = parse_ip(ip)?;
    let prefix: u8 = prefix.parse().ok()?;
    let bits = if base.is_ipv4() { 32 } else { 128 };
    if prefix > bits {
        return None;
    }
    let host_bits = u32::from(bits - prefix);
    let mask = 1u128.checked_shl(host_bits).map_or(u128::MAX, |m| m - 1);
    Some(Cidr {
        base: from_u128(to_u128(&base) & !mask, Family::of(&base)),
        prefix,
    })
}

fn to_u128(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(*v4)),
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

fn from_u128(v: u128, family: Family) -> IpAddr {
    match family {
        // Truncation is intended: IPv4 offsets never exceed 32 bits.
        Family::IPv4 => IpAddr::V4((v as u32).into()),
        Family::IPv6 => IpAddr::V6(v.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_strings_are_display() {
        let mut ips: Vec<IpAddr> = ["0.0.0.0", "255.255.255.255", "10.0.0.1", "::1", "fd00::a:1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        // Every octet value, in every position.
        ips.extend((0..=255u8).map(|o| IpAddr::from([o, 255 - o, o / 7, o.wrapping_mul(31)])));
        for ip in ips {
            assert_eq!(ip_string(&ip), ip.to_string());
        }
        for n in [0, 7, 10, 99, 100, 65535, u32::MAX] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn cidr_parse_and_index() {
        let c: Cidr = "10.96.0.0/12".parse().unwrap();
        assert_eq!(c.size(), 1 << 20);
        assert_eq!(c.nth(1).unwrap().to_string(), "10.96.0.1");
        assert_eq!(c.nth((1 << 20) - 1).unwrap().to_string(), "10.111.255.255");
        assert!(c.nth(1 << 20).is_none());
        assert!(c.contains(&"10.100.1.2".parse().unwrap()));
        assert!(!c.contains(&"10.112.0.0".parse().unwrap()));
        assert!(!c.contains(&"fd00::1".parse().unwrap()));
        assert_eq!(c.to_string(), "10.96.0.0/12");
    }

    #[test]
    fn cidr_rejects_host_bits_and_bad_prefixes() {
        assert!("10.96.0.1/12".parse::<Cidr>().is_err());
        assert!("10.96.0.0/33".parse::<Cidr>().is_err());
        assert!("10.96.0.0".parse::<Cidr>().is_err());
        assert!("10.96.0.0/012".parse::<Cidr>().is_err());
        assert!("fd00:10:96::/112".parse::<Cidr>().is_ok());
        assert!("::/0".parse::<Cidr>().is_ok());
    }

    #[test]
    fn default_service_range() {
        assert_eq!(
            Cidr::DEFAULT_SERVICE,
            "10.96.0.0/12".parse::<Cidr>().unwrap()
        );
    }

    #[test]
    fn ipv6_sizes_saturate() {
        let c: Cidr = "::/0".parse().unwrap();
        assert_eq!(c.size(), u128::MAX);
    }

    #[test]
    fn strict_ip_parsing() {
        assert!(parse_ip("010.0.0.1").is_none());
        assert!(parse_ip("10.0.0.1").is_some());
        assert!(parse_ip("fe80::1%eth0").is_none());
        assert_eq!(family_of("2001:db8::1"), Some(Family::IPv6));
    }

    #[test]
    fn masked_parse() {
        assert_eq!(
            parse_cidr_masked("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert!(parse_cidr_masked("10.1.2.3").is_none());
    }
}
