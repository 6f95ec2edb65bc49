//! IP addresses and CIDRs as API validation reads them.

use super::*;

pub(super) const INVALID_IP: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
pub(super) const INVALID_CIDR: &str =
    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/// Whether `value` is an IP address Kubernetes accepts: what Go's
/// `netip.ParseAddr` accepts, minus zones and IPv4-mapped IPv6 (KEP-4858).
/// Notably no leading zeros in IPv4 octets, so `std` parses every value
/// this accepts, with the same meaning.
#[cfg(test)]
pub(super) fn is_valid_ip(value: &str) -> bool {
    ip_errors(value).is_empty()
}

/// Go's `strconv`-free `dtoi`: leading decimal digits, with its overflow cap.
pub(super) fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        n = n * 10 + u32::from(d - b'0');
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// Go's `xtoi`: leading hex digits, with the same cap.
pub(super) fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while let Some(d) = s.get(i).and_then(|c| char::from(*c).to_digit(16)) {
        n = n * 16 + d;
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

pub(super) fn parse_v4_sloppy(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut pos = 0;
    for (i, o) in octets.iter_mut().enumerate() {
        if i > 0 {
            if s.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
        let (n, len) = dtoi(&s[pos..])?;
        *o = u8::try_from(n).ok()?;
        pos += len;
    }
    (pos == s.len()).then(|| Ipv4Addr::from(octets))
}

pub(super) fn parse_v6_sloppy(mut s: &[u8]) -> Option<Ipv6Addr> {
    let mut ip = [0u8; 16];
    let mut ellipsis = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, len) = xtoi(s)?;
        if n > 0xFFFF {
            return None;
        }
        if s.get(len) == Some(&b'.') {
            // A trailing embedded IPv4 address fills the last 4 bytes.
            if (ellipsis.is_none() && i != 12) || i + 4 > 16 {
                return None;
            }
            ip[i..i + 4].copy_from_slice(&parse_v4_sloppy(s)?.octets());
            s = &[];
            i += 4;
            break;
        }
        ip[i..i + 2].copy_from_slice(&u16::try_from(n).ok()?.to_be_bytes());
        i += 2;
        s = &s[len..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let gap = 16 - i;
        ip.copy_within(e..i, e + gap);
        ip[e..e + gap].fill(0);
    } else if ellipsis.is_some() {
        // "::" must stand for at least one group of zeros.
        return None;
    }
    Some(Ipv6Addr::from(ip))
}

/// Go's legacy `net.ParseIP` (`netutils.ParseIPSloppy`). IPv4-mapped IPv6
/// comes back as IPv4, as Go's `To4()` sees it. Only used to tell "not an
/// IP at all" from "an IP in a form we reject", and for the special-range
/// checks that upstream still does with this parser.
pub(super) fn parse_ip_sloppy(s: &str) -> Option<IpAddr> {
    let b = s.as_bytes();
    match b.iter().find(|c| matches!(c, b'.' | b':'))? {
        b'.' => parse_v4_sloppy(b).map(IpAddr::V4),
        _ => parse_v6_sloppy(b).map(|a| a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4)),
    }
}

/// `IsValidIPForLegacyField` with strict validation: the messages for one IP.
pub(super) fn ip_errors(value: &str) -> Vec<&'static str> {
    if parse_ip_sloppy(value).is_none() {
        return vec![INVALID_IP];
    }
    match value.parse::<IpAddr>() {
        // Go's parser took it but the strict one did not: leading zeros.
        Err(_) => vec!["must not have leading 0s"],
        Ok(IpAddr::V6(a)) if a.to_ipv4_mapped().is_some() => {
            vec!["must not be an IPv4-mapped IPv6 address"]
        }
        Ok(_) => Vec::new(),
    }
}

/// `IsValidCIDRForLegacyField`: strict syntax, bits beyond the prefix allowed
/// (see the module doc).
pub(super) fn cidr_errors(value: &str) -> Vec<&'static str> {
    let Some((addr, bits)) = value.split_once('/') else {
        return vec![INVALID_CIDR];
    };
    let (v6, max_bits) = match parse_v4_sloppy(addr.as_bytes()) {
        Some(_) => (None, 32),
        None => match parse_v6_sloppy(addr.as_bytes()) {
            Some(a) => (Some(a), 128),
            None => return vec![INVALID_CIDR],
        },
    };
    match dtoi(bits.as_bytes()) {
        Some((n, len)) if len == bits.len() && n <= max_bits => {}
        _ => return vec![INVALID_CIDR],
    }
    if addr.parse::<IpAddr>().is_err() || (bits.len() > 1 && bits.starts_with('0')) {
        vec!["must not have leading 0s in IP or prefix length"]
    } else if v6.is_some_and(|a| a.to_ipv4_mapped().is_some()) {
        vec!["must not have an IPv4-mapped IPv6 address"]
    } else {
        Vec::new()
    }
}

/// Reports `value`'s IP errors at `path`; true when there were none.
pub(super) fn push_ip_errors(path: &Path, value: &str, errs: &mut Errors) -> bool {
    let msgs = ip_errors(value);
    for msg in &msgs {
        errs.push(FieldError::invalid(path, q(value), *msg));
    }
    msgs.is_empty()
}

/// `ValidateEndpointIP` (formerly `ValidateNonSpecialIP`): addresses that
/// make no sense as a destination — unspecified, loopback, link-local
/// unicast and link-local multicast (Go's `net.IP` predicates).
pub(super) fn push_special_ip_errors(path: &Path, value: &str, errs: &mut Errors) {
    let Some(ip) = parse_ip_sloppy(value) else {
        errs.push(FieldError::invalid(
            path,
            q(value),
            "must be a valid IP address",
        ));
        return;
    };
    let (unspecified, loopback, link_local, link_local_multicast) = match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            (
                a.is_unspecified(),
                o[0] == 127,
                o[0] == 169 && o[1] == 254,
                o[..3] == [224, 0, 0],
            )
        }
        IpAddr::V6(a) => {
            let o = a.octets();
            (
                a.is_unspecified(),
                a.is_loopback(),
                o[0] == 0xfe && o[1] & 0xc0 == 0x80,
                o[0] == 0xff && o[1] & 0x0f == 0x02,
            )
        }
    };
    let mut bad = |msg: String| errs.push(FieldError::invalid(path, q(value), msg));
    if unspecified {
        bad(format!("may not be unspecified ({value})"));
    }
    if loopback {
        bad("may not be in the loopback range (127.0.0.0/8, ::1/128)".into());
    }
    if link_local {
        bad("may not be in the link-local range (169.254.0.0/16, fe80::/10)".into());
    }
    if link_local_multicast {
        bad("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rules() {
        for ok in [
            "10.0.0.1",
            "0.0.0.0",
            "2001:db8::1",
            "::",
            "::1.2.3.4",
            "FE80::0abc",
        ] {
            assert!(is_valid_ip(ok), "{ok}");
        }
        for bad in [
            "010.0.0.1",
            "::ffff:1.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "fe80::1%eth0",
            " 1.2.3.4",
            "",
            "host",
            "1::2::3",
        ] {
            assert!(!is_valid_ip(bad), "{bad}");
        }
        assert_eq!(ip_errors("010.0.0.1"), ["must not have leading 0s"]);
        assert_eq!(ip_errors("::00001"), ["must not have leading 0s"]);
        assert_eq!(
            ip_errors("::ffff:1.2.3.4"),
            ["must not be an IPv4-mapped IPv6 address"]
        );
        assert_eq!(ip_errors("myhost"), [INVALID_IP]);
    }

    #[test]
    fn sloppy_parser_is_gos_legacy_parse_ip() {
        let v4 = |s: &str| parse_ip_sloppy(s).map(|ip| ip.to_string());
        assert_eq!(v4("010.001.0.1").as_deref(), Some("10.1.0.1"));
        assert_eq!(v4("0:0:0:0:0:0:0:00001").as_deref(), Some("::1"));
        assert_eq!(v4("::ffff:1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(
            v4("1:2:3:4:5:6:1.2.3.4").as_deref(),
            Some("1:2:3:4:5:6:102:304")
        );
        for bad in [
            "1:2:3:4:5:6:7::8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:1.2.3.4",
            ":1::",
            "1.2.3.4:",
            "::1.2.3.4.5",
            "1.2.3.1000",
        ] {
            assert_eq!(parse_ip_sloppy(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidr_rules() {
        for ok in ["10.0.0.0/8", "10.0.0.1/8", "2001:db8::/64", "0.0.0.0/0"] {
            assert!(cidr_errors(ok).is_empty(), "{ok}");
        }
        for bad in [
            "1.2.3.4/33",
            "1.2.3.4",
            "1.2.3.4/24/1",
            "::/129",
            "a/8",
            "1.2.3.4/-1",
        ] {
            assert_eq!(cidr_errors(bad), [INVALID_CIDR], "{bad}");
        }
        assert_eq!(
            cidr_errors("010.0.0.0/8"),
            ["must not have leading 0s in IP or prefix length"]
        );
        assert_eq!(
            cidr_errors("10.0.0.0/08"),
            ["must not have leading 0s in IP or prefix length"]
        );
        assert_eq!(
            cidr_errors("::ffff:1.2.3.0/120"),
            ["must not have an IPv4-mapped IPv6 address"]
        );
    }
}
