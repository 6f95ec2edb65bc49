//! Domain names as the plugin reads them: validated, matched without
//! regard to ASCII case, kept as written for the answer's owner names.

use std::net::IpAddr;

/// RFC 1035 §2.3.4 limits, in octets (presentation form, no trailing dot).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// A query name: as written (for owners) and lower-cased (for matching),
/// both without the trailing dot; the root is the empty string.
#[derive(Debug, Clone)]
pub(crate) struct Name<'a> {
    pub orig: &'a str,
    pub lower: String,
}

impl<'a> Name<'a> {
    /// `None` when the name cannot be put on the wire: an empty label
    /// (`a..b`, `.a`), a label over 63 octets, or over 253 in all.
    /// Any other octet is allowed, as DNS allows it.
    pub fn parse(s: &'a str) -> Option<Name<'a>> {
        let orig = s.strip_suffix('.').unwrap_or(s);
        if orig.len() > MAX_NAME {
            return None;
        }
        if !orig.is_empty() && orig.split('.').any(|l| l.is_empty() || l.len() > MAX_LABEL) {
            return None;
        }
        Some(Name {
            orig,
            lower: orig.to_ascii_lowercase(),
        })
    }

    /// With the trailing dot, as owners are written.
    pub fn fqdn(&self) -> String {
        format!("{}.", self.orig)
    }

    /// The part below `zone` (lower case, no dots at either end) and the
    /// zone as the query spells it; `None` when the name is not in it.
    pub fn split_zone(&self, zone: &str) -> Option<(&str, &'a str)> {
        let split = self.lower.len().checked_sub(zone.len())?;
        if !self.lower.ends_with(zone) {
            return None;
        }
        let base = match split {
            0 => "",
            _ if self.lower.as_bytes()[split - 1] == b'.' => &self.lower[..split - 1],
            _ => return None,
        };
        // The suffix is ASCII-equal to the zone, so `split` is a char
        // boundary of the original as well.
        Some((base, &self.orig[split..]))
    }
}

/// Fully qualifies a name (adds the trailing dot when missing).
pub(crate) fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// Whether `name` equals `parent` or lies below it, ignoring ASCII case and
/// trailing dots.
pub(crate) fn is_subdomain(name: &str, parent: &str) -> bool {
    let n = name.trim_end_matches('.');
    let p = parent.trim_end_matches('.');
    if p.is_empty() {
        return true;
    }
    let Some(split) = n.len().checked_sub(p.len()) else {
        return false;
    };
    n.is_char_boundary(split)
        && n[split..].eq_ignore_ascii_case(p)
        && (split == 0 || n.as_bytes()[split - 1] == b'.')
}

/// A zone under `in-addr.arpa` or `ip6.arpa` (lower case, no trailing dot).
pub(crate) fn is_reverse(zone: &str) -> bool {
    is_subdomain(zone, "in-addr.arpa") || is_subdomain(zone, "ip6.arpa")
}

/// The address a complete reverse name stands for (`4.3.2.1.in-addr.arpa`
/// → 1.2.3.4; 32 nibbles under `ip6.arpa`). `lower` is lower case without
/// the trailing dot.
pub(crate) fn address_from_reverse(lower: &str) -> Option<IpAddr> {
    if let Some(rest) = lower.strip_suffix(".in-addr.arpa") {
        let octets: Vec<&str> = rest.rsplit('.').collect();
        if octets.len() != 4 {
            return None;
        }
        return octets.join(".").parse().ok();
    }
    let rest = lower.strip_suffix(".ip6.arpa")?;
    let nibbles: Vec<&str> = rest.rsplit('.').collect();
    if nibbles.len() != 32 || nibbles.iter().any(|n| n.len() != 1) {
        return None;
    }
    let mut v: u128 = 0;
    for n in nibbles {
        v = (v << 4) | u128::from(u8::from_str_radix(n, 16).ok()?);
    }
    Some(IpAddr::V6(v.into()))
}

/// The DNS label of an endpoint (`endpointHostname` upstream): its
/// hostname; else, with `endpoint_pod_names`, its pod's name; else its IP
/// with `.` or `:` replaced by `-`, and a `0` appended when that leaves a
/// trailing `-` (an IPv6 address ending in `::`).
pub fn endpoint_label(
    ip: &str,
    hostname: Option<&str>,
    pod_name: Option<&str>,
    endpoint_pod_names: bool,
) -> String {
    if let Some(h) = hostname.filter(|h| !h.is_empty()) {
        return h.to_string();
    }
    if endpoint_pod_names {
        // Upstream ignores pod names too long to be a label.
        if let Some(p) = pod_name.filter(|p| !p.is_empty() && p.len() <= MAX_LABEL) {
            return p.to_string();
        }
    }
    if ip.contains('.') {
        return ip.replace('.', "-");
    }
    let label = ip.replace(':', "-");
    if label.ends_with('-') {
        label + "0"
    } else {
        label
    }
}

/// The address a pod label stands for (`findPods`): three dashes and no
/// `--` make an IPv4 address, anything else is read as IPv6. Returns the
/// address string as upstream compares it.
pub(crate) fn pod_label_address(label: &str) -> Option<(String, IpAddr)> {
    let v4 = label.matches('-').count() == 3 && !label.contains("--");
    let s = label.replace('-', if v4 { "." } else { ":" });
    let ip = s.parse().ok()?;
    Some((s, ip))
}

/// `_http` → `http`: one leading underscore is dropped, as upstream does
/// for the port and protocol labels.
pub(crate) fn strip_underscore(s: &str) -> &str {
    s.strip_prefix('_').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_validates_labels() {
        assert!(Name::parse("a.b.").is_some());
        assert!(Name::parse("").is_some());
        assert!(Name::parse(".").is_some());
        assert!(Name::parse("a..b").is_none());
        assert!(Name::parse(".a").is_none());
        assert!(Name::parse("a..").is_none());
        assert!(Name::parse(&"x".repeat(64)).is_none());
        assert!(Name::parse(&["y"; 130].join(".")).is_none());
        assert!(Name::parse("über.example").is_some());
    }

    #[test]
    fn split_zone_keeps_case() {
        let n = Name::parse("SvC1.TeStNs.SvC.cLuStEr.LoCaL.").unwrap();
        assert_eq!(
            n.split_zone("cluster.local"),
            Some(("svc1.testns.svc", "cLuStEr.LoCaL"))
        );
        let apex = Name::parse("Cluster.Local").unwrap();
        assert_eq!(
            apex.split_zone("cluster.local"),
            Some(("", "Cluster.Local"))
        );
        let other = Name::parse("notcluster.local").unwrap();
        assert_eq!(other.split_zone("cluster.local"), None);
    }

    #[test]
    fn addresses_from_reverse_names() {
        let v6 = "6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa";
        assert_eq!(
            address_from_reverse(v6),
            Some("fd00:77:30::2:9ba6".parse().unwrap())
        );
        assert_eq!(
            address_from_reverse("100.0.0.10.in-addr.arpa"),
            Some("10.0.0.100".parse().unwrap())
        );
        assert_eq!(address_from_reverse("0.10.in-addr.arpa"), None);
        assert_eq!(address_from_reverse("300.0.0.10.in-addr.arpa"), None);
    }

    #[test]
    fn labels_and_pod_addresses() {
        assert_eq!(
            endpoint_label("5678:abcd::1", None, None, false),
            "5678-abcd--1"
        );
        assert_eq!(
            endpoint_label("2001:db8::", None, None, false),
            "2001-db8--0"
        );
        assert_eq!(endpoint_label("10.1.2.3", Some(""), Some("p"), true), "p");
        assert_eq!(
            pod_label_address("10-240-0-1").map(|(s, _)| s),
            Some("10.240.0.1".into())
        );
        assert_eq!(
            pod_label_address("fd00--1").map(|(s, _)| s),
            Some("fd00::1".into())
        );
        assert!(pod_label_address("1-2-3").is_none());
        assert!(is_subdomain("A.Cluster.Local.", "cluster.local"));
        assert!(!is_subdomain("acluster.local", "cluster.local"));
    }
}
