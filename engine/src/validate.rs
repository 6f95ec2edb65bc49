//! API validation as the apiserver performs it on create: `ValidateService`
//! (`pkg/apis/core/validation`), the Pod, Endpoints and EndpointSlice checks
//! that matter to Services (`pkg/apis/discovery/validation` for slices), and
//! the name and IP rules they are built from (`apimachinery/pkg/util/validation`).
//!
//! Field paths, error types and messages follow upstream, quirks included
//! (`spec.LoadBalancerSourceRanges`, a bare `allocateLoadBalancerNodePorts`),
//! so that output can be compared with what `kubectl apply` would print.
//! Errors come in upstream's order; only map iteration (labels, annotations)
//! differs, since Go's is random and ours is sorted.
//!
//! This module owns validation only: the caller defaults first
//! ([`crate::defaults`]) and allocates after ([`crate::alloc`]), so values
//! still to be allocated (`clusterIP`, `nodePort`, `healthCheckNodePort`)
//! are valid when unset.
//!
//! IPs: upstream parses legacy IP fields with Go's old `net.ParseIP`, which
//! accepts `010.1.1.1` and `::ffff:1.2.3.4`. KEP-4858 (the
//! `StrictIPCIDRValidation` gate, alpha in 1.33) rejects both, and every
//! other module here parses IPs strictly, so we validate as with the gate
//! on. CIDRs get the same syntax rules, but bits set beyond the prefix
//! (`10.0.0.1/8`) are still accepted, as with the gate at its default.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::field::{FieldError, Path};
use crate::model::{
    service_type, Container, Endpoint, EndpointAddress, EndpointPort, EndpointSlice,
    EndpointSlicePort, Endpoints, IntOrString, ObjectMeta, Pod, Service, ServicePort,
    ANNOTATION_TOPOLOGY_HINTS, ANNOTATION_TOPOLOGY_MODE,
};

type Errors = Vec<FieldError>;

// ---------------------------------------------------------------------------
// Name rules (`k8s.io/apimachinery/pkg/util/validation`)
// ---------------------------------------------------------------------------

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `validation.RegexError`, including its double space between examples.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut out = msg.to_string();
    if !examples.is_empty() {
        out.push_str(" (e.g. ");
        for (i, e) in examples.iter().enumerate() {
            if i > 0 {
                out.push_str(" or ");
            }
            out.push_str(&format!("'{e}', "));
        }
        out.push_str(&format!("regex used for validation is '{fmt}')"));
    } else {
        out.push_str(&format!(" (regex used for validation is '{fmt}')"));
    }
    out
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (no length limit).
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            is_lower_alnum(f)
                && is_lower_alnum(l)
                && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

fn matches_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `IsDNS1035Label`: Service names. Returns upstream's messages; empty = valid.
pub fn dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    let b = value.as_bytes();
    if !(b.first().is_some_and(u8::is_ascii_lowercase) && matches_dns1123_label(value)) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `IsDNS1123Label`: namespaces, service port names, hostnames.
pub fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // A valid subdomain that is no label can only be failing on dots.
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`: most object names, `externalName`, node names.
pub fn dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsValidPortName` (IANA_SVC_NAME, RFC 6335): container port names and
/// named target ports. Every failed rule gets its own message.
pub fn iana_svc_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let b = value.as_bytes();
    if b.len() > 15 {
        errs.push(max_len_error(15));
    }
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if value.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `IsQualifiedName` (a label key): an optional DNS subdomain prefix and
/// `/`, then a name of at most 63 characters. Also used for `appProtocol`
/// and `loadBalancerClass`.
pub fn qualified_name(value: &str) -> Vec<String> {
    let name_regex = || {
        regex_error(
            QUALIFIED_NAME_MSG,
            QUALIFIED_NAME_FMT,
            &["MyName", "my.name", "123-abc"],
        )
    };
    let mut errs = Vec::new();
    // `split_once` rather than collecting the parts: label keys are
    // checked for every object, and this runs without allocating.
    let name = match value.split_once('/') {
        None => value,
        Some((prefix, name)) if !name.contains('/') => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(dns1123_subdomain(prefix).into_iter().map(|m| format!("prefix part {m}")));
            }
            name
        }
        Some(_) => {
            return vec![format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                name_regex()
            )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_qualified_name(name) {
        errs.push(format!("name part {}", name_regex()));
    }
    errs
}

/// `IsValidLabelValue`: empty, or a qualified name part of at most 63 characters.
pub fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

// ---------------------------------------------------------------------------
// IPs and CIDRs
// ---------------------------------------------------------------------------

const INVALID_IP: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const INVALID_CIDR: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/// Whether `value` is an IP address Kubernetes accepts: what Go's
/// `netip.ParseAddr` accepts, minus zones and IPv4-mapped IPv6 (KEP-4858).
/// Notably no leading zeros in IPv4 octets, so `std` parses every value
/// this accepts, with the same meaning.
pub fn is_valid_ip(value: &str) -> bool {
    ip_errors(value).is_empty()
}

/// Go's `strconv`-free `dtoi`: leading decimal digits, with its overflow cap.
fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
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
fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
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

fn parse_v4_sloppy(s: &[u8]) -> Option<Ipv4Addr> {
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

fn parse_v6_sloppy(mut s: &[u8]) -> Option<Ipv6Addr> {
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
fn parse_ip_sloppy(s: &str) -> Option<IpAddr> {
    let b = s.as_bytes();
    match b.iter().find(|c| matches!(c, b'.' | b':'))? {
        b'.' => parse_v4_sloppy(b).map(IpAddr::V4),
        _ => parse_v6_sloppy(b).map(|a| a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4)),
    }
}

/// `IsValidIPForLegacyField` with strict validation: the messages for one IP.
fn ip_errors(value: &str) -> Vec<&'static str> {
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
fn cidr_errors(value: &str) -> Vec<&'static str> {
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
fn push_ip_errors(path: &Path, value: &str, errs: &mut Errors) -> bool {
    let msgs = ip_errors(value);
    for msg in &msgs {
        errs.push(FieldError::invalid(path, q(value), *msg));
    }
    msgs.is_empty()
}

/// `ValidateEndpointIP` (formerly `ValidateNonSpecialIP`): addresses that
/// make no sense as a destination — unspecified, loopback, link-local
/// unicast and link-local multicast (Go's `net.IP` predicates).
fn push_special_ip_errors(path: &Path, value: &str, errs: &mut Errors) {
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

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/// Values render as Go's `%q` renders strings in `field.Error`.
fn q(s: &str) -> String {
    format!("{s:?}")
}

fn q_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| q(s.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

fn push_invalid_msgs(path: &Path, value: &str, msgs: Vec<String>, errs: &mut Errors) {
    for msg in msgs {
        errs.push(FieldError::invalid(path, q(value), msg));
    }
}

fn port_num(path: &Path, port: i32, errs: &mut Errors) {
    if !(1..=65535).contains(&port) {
        errs.push(FieldError::invalid(
            path,
            port,
            "must be between 1 and 65535, inclusive",
        ));
    }
}

fn protocol(path: &Path, value: &str, errs: &mut Errors) {
    if value.is_empty() {
        errs.push(FieldError::required(path, ""));
    } else if !PROTOCOLS.contains(&value) {
        errs.push(FieldError::not_supported(path, q(value), PROTOCOLS));
    }
}

/// `ValidateLabels`: errors are reported on the map itself, not the key.
fn labels(map: &BTreeMap<String, String>, path: &Path, errs: &mut Errors) {
    for (k, v) in map {
        push_invalid_msgs(path, k, qualified_name(k), errs);
        push_invalid_msgs(path, v, label_value(v), errs);
    }
}

/// `ValidateObjectMeta` for a namespaced object, with the kind's name rule.
fn object_meta(meta: &ObjectMeta, name_rule: fn(&str) -> Vec<String>, errs: &mut Errors) {
    let path = Path::new("metadata");
    let name = path.child("name");
    if meta.name.is_empty() {
        errs.push(FieldError::required(
            &name,
            "name or generateName is required",
        ));
    } else {
        push_invalid_msgs(&name, &meta.name, name_rule(&meta.name), errs);
    }
    if let Some(prefix) = meta.generate_name.as_deref().filter(|g| !g.is_empty()) {
        // A prefix may end in '-' (the generated suffix follows it):
        // `maskTrailingDash` swaps the last two bytes for an "a".
        let bytes = prefix.as_bytes();
        let masked = if bytes.len() > 1 && prefix.ends_with('-') {
            format!("{}a", String::from_utf8_lossy(&bytes[..bytes.len() - 2]))
        } else {
            prefix.to_string()
        };
        push_invalid_msgs(
            &path.child("generateName"),
            prefix,
            name_rule(&masked),
            errs,
        );
    }
    let ns_path = path.child("namespace");
    match meta.ns() {
        "" => errs.push(FieldError::required(&ns_path, "")),
        ns => push_invalid_msgs(&ns_path, ns, dns1123_label(ns), errs),
    }
    labels(&meta.labels, &path.child("labels"), errs);
    let ann_path = path.child("annotations");
    let mut size = 0;
    for (k, v) in &meta.annotations {
        // Annotation keys are case-insensitive qualified names.
        push_invalid_msgs(&ann_path, k, qualified_name(&k.to_lowercase()), errs);
        size += k.len() + v.len();
    }
    if size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(
            &ann_path,
            "",
            TOTAL_ANNOTATION_SIZE_LIMIT,
        ));
    }
}

fn app_protocol(path: &Path, value: Option<&str>, errs: &mut Errors) {
    if let Some(v) = value {
        push_invalid_msgs(&path.child("appProtocol"), v, qualified_name(v), errs);
    }
}

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const AFFINITIES: &[&str] = &["ClientIP", "None"];
const TRAFFIC_POLICIES: &[&str] = &["Cluster", "Local"];
const IP_FAMILIES: &[&str] = &["IPv4", "IPv6"];
const IP_FAMILY_POLICIES: &[&str] = &["PreferDualStack", "RequireDualStack", "SingleStack"];
/// `PreferClose` is GA; `PreferSameZone` and `PreferSameNode` came with the
/// `PreferSameTrafficDistribution` gate (beta, on by default, in 1.34). We
/// accept all three, as a current cluster does; older releases reject the
/// two newer ones (conformance case val-073 only tests an unknown value).
const TRAFFIC_DISTRIBUTIONS: &[&str] = &["PreferClose", "PreferSameZone", "PreferSameNode"];
const MAX_AFFINITY_TIMEOUT: i32 = 86400;
const ANNOTATION_SOURCE_RANGES: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// The Service as the internal API sees it: enumerations as plain strings
/// ("" when unset, like Go's zero value) and `clusterIPs` mirrored.
struct Svc<'a> {
    svc: &'a Service,
    type_: &'a str,
    cluster_ip: &'a str,
    cluster_ips: Vec<&'a str>,
}

impl Svc<'_> {
    fn headless(&self) -> bool {
        self.cluster_ips == ["None"]
    }
}

/// `ValidateService` as `ValidateServiceCreate` runs it, on a Service after
/// API defaulting and before allocation. A `clusterIP` with empty
/// `clusterIPs` is read as `clusterIPs: [clusterIP]`, as the apiserver's
/// create path normalises it.
pub fn validate_service(svc: &Service) -> Vec<FieldError> {
    let spec = &svc.spec;
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    let cluster_ips = if spec.cluster_ips.is_empty() && !cluster_ip.is_empty() {
        vec![cluster_ip]
    } else {
        spec.cluster_ips.iter().map(String::as_str).collect()
    };
    let s = Svc {
        svc,
        type_: spec.type_.as_deref().unwrap_or(""),
        cluster_ip,
        cluster_ips,
    };
    let sp = Path::new("spec");
    let mut errs = Vec::new();

    object_meta(&svc.metadata, dns1035_label, &mut errs);
    let ann = &svc.metadata.annotations;
    if let (Some(hints), Some(mode)) = (
        ann.get(ANNOTATION_TOPOLOGY_HINTS),
        ann.get(ANNOTATION_TOPOLOGY_MODE),
    ) {
        if hints != mode {
            errs.push(FieldError::invalid(
                &Path::new("metadata")
                    .child("annotations")
                    .key(ANNOTATION_TOPOLOGY_MODE),
                q(mode),
                format!(
                    "must match annotations[{ANNOTATION_TOPOLOGY_HINTS}] when both are specified"
                ),
            ));
        }
    }

    if spec.ports.is_empty() && !s.headless() && s.type_ != service_type::EXTERNAL_NAME {
        errs.push(FieldError::required(&sp.child("ports"), ""));
    }
    type_specific(&s, &sp, &mut errs);

    let mut names = HashSet::new();
    for (i, port) in spec.ports.iter().enumerate() {
        service_port(
            port,
            spec.ports.len() > 1,
            &mut names,
            &sp.child("ports").index(i),
            &mut errs,
        );
    }
    if let Some(selector) = &spec.selector {
        labels(selector, &sp.child("selector"), &mut errs);
    }
    session_affinity(&s, &sp, &mut errs);
    cluster_ips_related(&s, &sp, &mut errs);
    for (i, ip) in spec.external_ips.iter().enumerate() {
        let path = sp.child("externalIPs").index(i);
        if push_ip_errors(&path, ip, &mut errs) {
            push_special_ip_errors(&path, ip, &mut errs);
        }
    }
    match s.type_ {
        "" => errs.push(FieldError::required(&sp.child("type"), "")),
        t if !SERVICE_TYPES.contains(&t) => errs.push(FieldError::not_supported(
            &sp.child("type"),
            q(t),
            SERVICE_TYPES,
        )),
        _ => {}
    }
    node_ports(&s, &sp, &mut errs);
    duplicate_ports(&s, &sp, &mut errs);
    load_balancer_fields(&s, &sp, &mut errs);
    traffic_policies(&s, &sp, &mut errs);
    errs
}

/// The per-type rules upstream checks up front: headless NodePort and
/// LoadBalancer, and what ExternalName must not (or must) have.
fn type_specific(s: &Svc, sp: &Path, errs: &mut Errors) {
    let spec = &s.svc.spec;
    match s.type_ {
        service_type::LOAD_BALANCER | service_type::NODE_PORT if s.headless() => {
            errs.push(FieldError::invalid(
                &sp.child("clusterIPs").index(0),
                q("None"),
                format!("may not be set to 'None' for {} services", s.type_),
            ));
        }
        service_type::EXTERNAL_NAME => {
            let forbid = "may not be set for ExternalName services";
            if !s.cluster_ips.is_empty() {
                errs.push(FieldError::forbidden(&sp.child("clusterIPs"), forbid));
            }
            if !spec.ip_families.is_empty() {
                errs.push(FieldError::forbidden(&sp.child("ipFamilies"), forbid));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(&sp.child("ipFamilyPolicy"), forbid));
            }
            // A CNAME may carry one trailing dot to mark it fully qualified.
            let name = spec.external_name.as_deref().unwrap_or("");
            let cname = name.strip_suffix('.').unwrap_or(name);
            let path = sp.child("externalName");
            if cname.is_empty() {
                errs.push(FieldError::required(&path, ""));
            } else {
                push_invalid_msgs(&path, cname, dns1123_subdomain(cname), errs);
            }
        }
        _ => {}
    }
}

/// `validateServicePort`. Service port names are DNS-1123 labels (up to 63
/// characters), unlike container port names; named target ports are
/// IANA_SVC_NAMEs because they refer to container port names.
fn service_port<'a>(
    port: &'a ServicePort,
    require_name: bool,
    names: &mut HashSet<&'a str>,
    path: &Path,
    errs: &mut Errors,
) {
    let name_path = path.child("name");
    if require_name && port.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else if !port.name.is_empty() {
        push_invalid_msgs(&name_path, &port.name, dns1123_label(&port.name), errs);
        if !names.insert(&port.name) {
            errs.push(FieldError::duplicate(&name_path, q(&port.name)));
        }
    }
    port_num(&path.child("port"), port.port, errs);
    protocol(
        &path.child("protocol"),
        port.protocol.as_deref().unwrap_or(""),
        errs,
    );
    let tp_path = path.child("targetPort");
    match &port.target_port {
        // Unset is Go's zero IntOrString, the number 0 (defaulting sets it).
        None => port_num(&tp_path, 0, errs),
        Some(IntOrString::Int(n)) => port_num(&tp_path, *n, errs),
        Some(IntOrString::Str(name)) => {
            push_invalid_msgs(&tp_path, name, iana_svc_name(name), errs)
        }
    }
    app_protocol(path, port.app_protocol.as_deref(), errs);
    // Upstream tolerates targetPort != port on headless Services (a v1
    // compatibility leftover), so nothing more to check here.
}

fn session_affinity(s: &Svc, sp: &Path, errs: &mut Errors) {
    let spec = &s.svc.spec;
    let path = sp.child("sessionAffinity");
    let affinity = spec.session_affinity.as_deref().unwrap_or("");
    match affinity {
        "" => errs.push(FieldError::required(&path, "")),
        a if !AFFINITIES.contains(&a) => {
            errs.push(FieldError::not_supported(&path, q(a), AFFINITIES))
        }
        _ => {}
    }
    let cfg_path = sp.child("sessionAffinityConfig");
    match affinity {
        "ClientIP" => {
            let when = "when session affinity type is ClientIP";
            let ip_path = cfg_path.child("clientIP");
            let timeout_path = ip_path.child("timeoutSeconds");
            let Some(cfg) = &spec.session_affinity_config else {
                errs.push(FieldError::required(&cfg_path, when));
                return;
            };
            let Some(client_ip) = &cfg.client_ip else {
                errs.push(FieldError::required(&ip_path, when));
                return;
            };
            match client_ip.timeout_seconds {
                None => errs.push(FieldError::required(&timeout_path, when)),
                Some(t) if t <= 0 || t > MAX_AFFINITY_TIMEOUT => errs.push(FieldError::invalid(
                    &timeout_path,
                    t,
                    format!("must be greater than 0 and less than {MAX_AFFINITY_TIMEOUT}"),
                )),
                Some(_) => {}
            }
        }
        "None" if spec.session_affinity_config.is_some() => errs.push(FieldError::forbidden(
            &cfg_path,
            "must not be set when session affinity is None",
        )),
        _ => {}
    }
}

/// `ValidateServiceClusterIPsRelatedFields`: clusterIP(s), ipFamilies and
/// ipFamilyPolicy, each on its own and against each other. ExternalName
/// was handled in [`type_specific`].
fn cluster_ips_related(s: &Svc, sp: &Path, errs: &mut Errors) {
    if s.type_ == service_type::EXTERNAL_NAME {
        return;
    }
    let spec = &s.svc.spec;
    let ips_path = sp.child("clusterIPs");
    let fam_path = sp.child("ipFamilies");
    let ips = &s.cluster_ips;

    if !s.cluster_ip.is_empty() {
        if ips.first() != Some(&s.cluster_ip) {
            errs.push(FieldError::invalid(
                &ips_path,
                q_list(ips),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            &ips_path,
            q_list(ips),
            "must be empty when `clusterIP` is not specified",
        ));
    }

    let mut seen = HashSet::new();
    for (i, family) in spec.ip_families.iter().enumerate() {
        if !IP_FAMILIES.contains(&family.as_str()) {
            errs.push(FieldError::not_supported(
                &fam_path.index(i),
                q(family),
                IP_FAMILIES,
            ));
        }
        if !seen.insert(family) {
            errs.push(FieldError::duplicate(&fam_path.index(i), q(family)));
        }
    }
    if let Some(policy) = spec.ip_family_policy.as_deref() {
        if !IP_FAMILY_POLICIES.contains(&policy) {
            errs.push(FieldError::not_supported(
                &sp.child("ipFamilyPolicy"),
                q(policy),
                IP_FAMILY_POLICIES,
            ));
        }
    }

    let mut has_invalid = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && *ip == "None" {
            if ips.len() > 1 {
                has_invalid = true;
                errs.push(FieldError::invalid(
                    &ips_path,
                    q_list(ips),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        has_invalid |= !push_ip_errors(&ips_path.index(i), ip, errs);
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            &ips_path,
            q_list(ips),
            "may only hold up to 2 values",
        ));
    }
    // Family checks on bad IPs would only repeat the errors above.
    if has_invalid {
        return;
    }
    let families: Vec<Option<IpAddr>> = ips.iter().map(|ip| ip.parse().ok()).collect();
    if ips.len() > 1 {
        let has = |v6: bool| families.iter().flatten().any(|ip| ip.is_ipv6() == v6);
        if !(has(false) && has(true)) {
            errs.push(FieldError::invalid(
                &ips_path,
                q_list(ips),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    if !s.headless() {
        for (i, (family, ip)) in spec.ip_families.iter().zip(&families).enumerate() {
            let Some(ip) = ip else { continue };
            let expected = match (family.as_str(), ip.is_ipv6()) {
                ("IPv4", true) => "IPv4",
                ("IPv6", false) => "IPv6",
                _ => continue,
            };
            errs.push(FieldError::invalid(
                &ips_path.index(i),
                q(ips[i]),
                format!("expected an {expected} value as indicated by `ipFamilies[{i}]`"),
            ));
        }
    }
}

/// nodePort is meaningless on ClusterIP Services, and a (protocol, nodePort)
/// pair may be used once. Its range is the allocator's business.
fn node_ports(s: &Svc, sp: &Path, errs: &mut Errors) {
    let ports = &s.svc.spec.ports;
    if s.type_ == service_type::CLUSTER_IP {
        for (i, p) in ports.iter().enumerate() {
            if p.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    &sp.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let node_port = p.node_port.unwrap_or(0);
        if node_port != 0 && !seen.insert((p.protocol.as_deref().unwrap_or(""), node_port)) {
            errs.push(FieldError::duplicate(
                &sp.child("ports").index(i).child("nodePort"),
                node_port,
            ));
        }
    }
}

/// A (protocol, port) pair may appear once; the error names the whole entry.
fn duplicate_ports(s: &Svc, sp: &Path, errs: &mut Errors) {
    let mut seen = HashSet::new();
    for (i, p) in s.svc.spec.ports.iter().enumerate() {
        let proto = p.protocol.as_deref().unwrap_or("");
        if !seen.insert((proto, p.port)) {
            errs.push(FieldError::duplicate(
                &sp.child("ports").index(i),
                format!("{}/{proto}", p.port),
            ));
        }
    }
}

/// Fields that only make sense on a LoadBalancer.
fn load_balancer_fields(s: &Svc, sp: &Path, errs: &mut Errors) {
    let spec = &s.svc.spec;
    let is_lb = s.type_ == service_type::LOAD_BALANCER;
    let lb_only = "may only be used when `type` is 'LoadBalancer'";

    if !spec.load_balancer_source_ranges.is_empty() {
        // Upstream's path really is capitalised like the Go field.
        let path = sp.child("LoadBalancerSourceRanges");
        if !is_lb {
            errs.push(FieldError::forbidden(&path, lb_only));
        }
        for (i, range) in spec.load_balancer_source_ranges.iter().enumerate() {
            // Space padding is tolerated, a leftover of the annotation days.
            let range = range.trim();
            for msg in cidr_errors(range) {
                errs.push(FieldError::invalid(&path.index(i), q(range), msg));
            }
        }
    } else if let Some(value) = s.svc.metadata.annotations.get(ANNOTATION_SOURCE_RANGES) {
        let path = Path::new("metadata")
            .child("annotations")
            .key(ANNOTATION_SOURCE_RANGES);
        if !is_lb {
            errs.push(FieldError::forbidden(&path, lb_only));
        }
        let value = value.trim();
        if !value.is_empty() {
            for range in value.split(',').map(str::trim) {
                for msg in cidr_errors(range) {
                    errs.push(FieldError::invalid(&path, q(range), msg));
                }
            }
        }
    }

    if spec.allocate_load_balancer_node_ports.is_some() && !is_lb {
        errs.push(FieldError::forbidden(
            &sp.child("allocateLoadBalancerNodePorts"),
            lb_only,
        ));
    }
    if is_lb && spec.allocate_load_balancer_node_ports.is_none() {
        // Upstream builds this path without "spec.".
        errs.push(FieldError::required(
            &Path::new("allocateLoadBalancerNodePorts"),
            "",
        ));
    }

    if let Some(class) = spec.load_balancer_class.as_deref() {
        let path = sp.child("loadBalancerClass");
        if is_lb {
            push_invalid_msgs(&path, class, qualified_name(class), errs);
        } else {
            errs.push(FieldError::forbidden(&path, lb_only));
        }
    }
}

/// External and internal traffic policy, healthCheckNodePort and
/// trafficDistribution.
fn traffic_policies(s: &Svc, sp: &Path, errs: &mut Errors) {
    let spec = &s.svc.spec;
    // `apiservice.ExternallyAccessible`, on the raw type.
    let accessible = matches!(
        s.type_,
        service_type::LOAD_BALANCER | service_type::NODE_PORT
    ) || (s.type_ == service_type::CLUSTER_IP && !spec.external_ips.is_empty());
    let etp = spec.external_traffic_policy.as_deref().unwrap_or("");
    let etp_path = sp.child("externalTrafficPolicy");
    if !accessible {
        if !etp.is_empty() {
            errs.push(FieldError::invalid(
                &etp_path,
                q(etp),
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(FieldError::required(&etp_path, ""));
    } else if !TRAFFIC_POLICIES.contains(&etp) {
        errs.push(FieldError::not_supported(
            &etp_path,
            q(etp),
            TRAFFIC_POLICIES,
        ));
    }

    let hc_path = sp.child("healthCheckNodePort");
    let hc = spec.health_check_node_port.unwrap_or(0);
    let needs_health_check = s.type_ == service_type::LOAD_BALANCER && etp == "Local";
    if !needs_health_check {
        if hc != 0 {
            errs.push(FieldError::invalid(
                &hc_path,
                hc,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if hc != 0 {
        // Upstream also requires it here, but it validates after the
        // allocator has filled it in; this runs before, so 0 means "allocate".
        port_num(&hc_path, hc, errs);
    }

    let itp_path = sp.child("internalTrafficPolicy");
    match spec.internal_traffic_policy.as_deref() {
        // Not required of ExternalName (or unknown types): upstream never
        // checked it there before it went beta, and keeps it that way.
        None if matches!(
            s.type_,
            service_type::CLUSTER_IP | service_type::NODE_PORT | service_type::LOAD_BALANCER
        ) =>
        {
            errs.push(FieldError::required(&itp_path, ""))
        }
        Some(p) if !TRAFFIC_POLICIES.contains(&p) => {
            errs.push(FieldError::not_supported(&itp_path, q(p), TRAFFIC_POLICIES))
        }
        _ => {}
    }

    if let Some(td) = spec.traffic_distribution.as_deref() {
        if !TRAFFIC_DISTRIBUTIONS.contains(&td) {
            errs.push(FieldError::not_supported(
                &sp.child("trafficDistribution"),
                q(td),
                TRAFFIC_DISTRIBUTIONS,
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Pod
// ---------------------------------------------------------------------------

const DNS_POLICIES: &[&str] = &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

/// The parts of `ValidatePod` (and of pod status validation) that Services
/// depend on: metadata, hostname/subdomain (DNS records), container names
/// and ports (named target ports), dnsPolicy, and the pod's IPs. Pods are
/// not assumed defaulted: an unset protocol or dnsPolicy is the default.
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    if plainly_valid(pod) {
        return Vec::new();
    }
    validate_pod_fully(pod)
}

/// A conservative shortcut for [`validate_pod`]: true only for pods that
/// certainly pass it — plain names, labels and ports, no annotations,
/// hostnames or init containers, at most one IP. Most pods of a big
/// cluster are such pods, and they skip building a field path per field;
/// a property test checks the shortcut never hides an error.
fn plainly_valid(pod: &Pod) -> bool {
    let m = &pod.metadata;
    let ns = m.ns();
    let meta = !m.name.is_empty()
        && m.name.len() <= 253
        && matches_dns1123_subdomain(&m.name)
        && !ns.is_empty()
        && ns.len() <= 63
        && matches_dns1123_label(ns)
        && m.annotations.is_empty()
        && m.labels
            .iter()
            .all(|(k, v)| qualified_name(k).is_empty() && label_value(v).is_empty());
    let spec = &pod.spec;
    let plain_spec = spec.hostname.is_none()
        && spec.subdomain.is_none()
        && spec.init_containers.is_empty()
        && !spec.containers.is_empty()
        && spec
            .dns_policy
            .as_deref()
            .is_none_or(|p| p.is_empty() || DNS_POLICIES.contains(&p));
    if !(meta && plain_spec) {
        return false;
    }
    for (i, c) in spec.containers.iter().enumerate() {
        let unique = spec.containers[..i].iter().all(|o| o.name != c.name);
        if c.name.is_empty() || c.name.len() > 63 || !matches_dns1123_label(&c.name) || !unique {
            return false;
        }
        for (j, p) in c.ports.iter().enumerate() {
            let name_ok = match p.name.as_deref() {
                None | Some("") => true,
                Some(n) => {
                    iana_svc_name(n).is_empty()
                        && c.ports[..j].iter().all(|o| o.name.as_deref() != Some(n))
                }
            };
            if !name_ok
                || !(1..=65535).contains(&p.container_port)
                || p.host_port.is_some_and(|h| h != 0)
                || !PROTOCOLS.contains(&p.protocol())
            {
                return false;
            }
        }
    }
    let status = &pod.status;
    let one_ip = match (status.pod_ip.as_deref(), status.pod_ips.as_slice()) {
        (None, []) => true,
        (Some(ip), []) => ip_errors(ip).is_empty(),
        (None, [only]) => ip_errors(&only.ip).is_empty(),
        (Some(ip), [only]) => ip == only.ip && ip_errors(ip).is_empty(),
        _ => false,
    };
    one_ip
        && status
            .host_ip
            .as_deref()
            .is_none_or(|ip| ip.is_empty() || ip_errors(ip).is_empty())
}

fn validate_pod_fully(pod: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    object_meta(&pod.metadata, dns1123_subdomain, &mut errs);
    let spec = &pod.spec;
    let sp = Path::new("spec");
    for (field, value) in [("hostname", &spec.hostname), ("subdomain", &spec.subdomain)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            push_invalid_msgs(&sp.child(field), v, dns1123_label(v), &mut errs);
        }
    }

    // Container names are unique across app and init containers.
    let mut names = HashSet::new();
    let containers_path = sp.child("containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(&containers_path, ""));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        container(c, &mut names, &containers_path.index(i), &mut errs);
    }
    let init_path = sp.child("initContainers");
    for (i, c) in spec.init_containers.iter().enumerate() {
        let path = init_path.index(i);
        container(c, &mut names, &path, &mut errs);
        if let Some(policy) = c.restart_policy.as_deref() {
            if policy != "Always" {
                errs.push(FieldError::not_supported(
                    &path.child("restartPolicy"),
                    q(policy),
                    &["Always"],
                ));
            }
        }
    }

    if let Some(policy) = spec.dns_policy.as_deref().filter(|p| !p.is_empty()) {
        if !DNS_POLICIES.contains(&policy) {
            errs.push(FieldError::not_supported(
                &sp.child("dnsPolicy"),
                q(policy),
                DNS_POLICIES,
            ));
        }
    }
    pod_ips(pod, &mut errs);
    errs
}

fn container<'a>(c: &'a Container, names: &mut HashSet<&'a str>, path: &Path, errs: &mut Errors) {
    let name_path = path.child("name");
    if c.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        push_invalid_msgs(&name_path, &c.name, dns1123_label(&c.name), errs);
        if !names.insert(&c.name) {
            errs.push(FieldError::duplicate(&name_path, q(&c.name)));
        }
    }
    // `validateContainerPorts`: names unique within the container.
    let mut port_names = HashSet::new();
    for (i, p) in c.ports.iter().enumerate() {
        let pp = path.child("ports").index(i);
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = iana_svc_name(name);
            if !msgs.is_empty() {
                push_invalid_msgs(&pp.child("name"), name, msgs, errs);
            } else if !port_names.insert(name) {
                errs.push(FieldError::duplicate(&pp.child("name"), q(name)));
            }
        }
        if p.container_port == 0 {
            errs.push(FieldError::required(&pp.child("containerPort"), ""));
        } else {
            port_num(&pp.child("containerPort"), p.container_port, errs);
        }
        if let Some(host_port) = p.host_port.filter(|h| *h != 0) {
            port_num(&pp.child("hostPort"), host_port, errs);
        }
        protocol(&pp.child("protocol"), p.protocol(), errs);
    }
}

/// `validatePodIPs` / `validateHostIPs`. As the v1 conversion does, a set
/// `podIP` that disagrees with `podIPs[0]` wins and replaces the list.
fn pod_ips(pod: &Pod, errs: &mut Errors) {
    let status = &pod.status;
    let st = Path::new("status");
    let single = status.pod_ip.as_deref().filter(|ip| !ip.is_empty());
    let ips: Vec<&str> = match single {
        Some(ip) if status.pod_ips.first().map(|p| p.ip.as_str()) != Some(ip) => vec![ip],
        _ => status.pod_ips.iter().map(|p| p.ip.as_str()).collect(),
    };
    let path = st.child("podIPs");
    for (i, ip) in ips.iter().enumerate() {
        push_ip_errors(&path.index(i), ip, errs);
    }
    if ips.len() > 1 {
        let parsed: Vec<IpAddr> = ips.iter().filter_map(|ip| ip.parse().ok()).collect();
        let dual = parsed.iter().any(IpAddr::is_ipv4) && parsed.iter().any(IpAddr::is_ipv6);
        if !dual || ips.len() > 2 {
            errs.push(FieldError::invalid(
                &path,
                q_list(&ips),
                "may specify no more than one IP for each IP family",
            ));
        }
        let mut seen = HashSet::new();
        for (i, ip) in ips.iter().enumerate() {
            if !seen.insert(ip) {
                errs.push(FieldError::duplicate(&path.index(i), q(ip)));
            }
        }
    }
    if let Some(ip) = status.host_ip.as_deref().filter(|ip| !ip.is_empty()) {
        push_ip_errors(&st.child("hostIPs").index(0), ip, errs);
    }
}

// ---------------------------------------------------------------------------
// Endpoints and EndpointSlice
// ---------------------------------------------------------------------------

/// `ValidateEndpoints`. Ports are taken as defaulted (unset protocol = TCP).
pub fn validate_endpoints(ep: &Endpoints) -> Vec<FieldError> {
    let mut errs = Vec::new();
    object_meta(&ep.metadata, dns1123_subdomain, &mut errs);
    for (i, subset) in ep.subsets.iter().enumerate() {
        let path = Path::new("subsets").index(i);
        if subset.addresses.is_empty() && subset.not_ready_addresses.is_empty() {
            errs.push(FieldError::required(
                &path,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (j, a) in subset.addresses.iter().enumerate() {
            endpoint_address(a, &path.child("addresses").index(j), &mut errs);
        }
        for (j, a) in subset.not_ready_addresses.iter().enumerate() {
            endpoint_address(a, &path.child("notReadyAddresses").index(j), &mut errs);
        }
        for (j, p) in subset.ports.iter().enumerate() {
            endpoint_port(
                p,
                subset.ports.len() > 1,
                &path.child("ports").index(j),
                &mut errs,
            );
        }
    }
    errs
}

fn endpoint_address(a: &EndpointAddress, path: &Path, errs: &mut Errors) {
    let ip_path = path.child("ip");
    push_ip_errors(&ip_path, &a.ip, errs);
    if let Some(h) = a.hostname.as_deref().filter(|h| !h.is_empty()) {
        push_invalid_msgs(&path.child("hostname"), h, dns1123_label(h), errs);
    }
    if let Some(node) = a.node_name.as_deref() {
        push_invalid_msgs(&path.child("nodeName"), node, dns1123_subdomain(node), errs);
    }
    push_special_ip_errors(&ip_path, &a.ip, errs);
}

/// `validateEndpointPort`: unlike Service ports, names are not checked for
/// duplicates.
fn endpoint_port(p: &EndpointPort, require_name: bool, path: &Path, errs: &mut Errors) {
    let name = p.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        push_invalid_msgs(&path.child("name"), name, dns1123_label(name), errs);
    }
    port_num(&path.child("port"), p.port, errs);
    let proto = p
        .protocol
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("TCP");
    protocol(&path.child("protocol"), proto, errs);
    app_protocol(path, p.app_protocol.as_deref(), errs);
}

const ADDRESS_TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
const MAX_ENDPOINTS: usize = 1000;
const MAX_ADDRESSES: usize = 100;
const MAX_PORTS: usize = 20000;
const MAX_ZONE_HINTS: usize = 8;

/// `ValidateEndpointSlice` (discovery/v1, create). Ports are taken as
/// defaulted: an unset name is "", an unset protocol TCP. Upstream does not
/// range-check slice port numbers (unset means "all ports"), so neither do we.
pub fn validate_endpoint_slice(es: &EndpointSlice) -> Vec<FieldError> {
    let mut errs = Vec::new();
    object_meta(&es.metadata, dns1123_subdomain, &mut errs);
    let at_path = Path::new("addressType");
    match es.address_type.as_str() {
        "" => errs.push(FieldError::required(&at_path, "")),
        t if !ADDRESS_TYPES.contains(&t) => {
            errs.push(FieldError::not_supported(&at_path, q(t), ADDRESS_TYPES))
        }
        _ => {}
    }
    let eps_path = Path::new("endpoints");
    if es.endpoints.len() > MAX_ENDPOINTS {
        errs.push(FieldError::too_many(
            &eps_path,
            es.endpoints.len(),
            MAX_ENDPOINTS,
        ));
    } else {
        for (i, e) in es.endpoints.iter().enumerate() {
            slice_endpoint(e, &es.address_type, &eps_path.index(i), &mut errs);
        }
    }
    slice_ports(&es.ports, &mut errs);
    errs
}

fn slice_endpoint(e: &Endpoint, address_type: &str, path: &Path, errs: &mut Errors) {
    let addr_path = path.child("addresses");
    if e.addresses.is_empty() {
        errs.push(FieldError::required(
            &addr_path,
            "must contain at least 1 address",
        ));
    } else if e.addresses.len() > MAX_ADDRESSES {
        errs.push(FieldError::too_many(
            &addr_path,
            e.addresses.len(),
            MAX_ADDRESSES,
        ));
    }
    for (i, a) in e.addresses.iter().enumerate() {
        let p = addr_path.index(i);
        // Unknown address types were reported above; their addresses are not checked.
        let want_v6 = match address_type {
            "IPv4" => false,
            "IPv6" => true,
            "FQDN" => {
                fqdn(&p, a, errs);
                continue;
            }
            _ => continue,
        };
        match parse_ip_sloppy(a) {
            Some(ip) if ip.is_ipv6() == want_v6 => {
                for msg in ip_errors(a) {
                    errs.push(FieldError::invalid(&p, q(a), msg));
                }
            }
            _ => {
                let msg = if want_v6 {
                    "must be a valid IPv6 address"
                } else {
                    "must be a valid IPv4 address"
                };
                errs.push(FieldError::invalid(&p, q(a), msg));
            }
        }
        push_special_ip_errors(&p, a, errs);
    }
    if let Some(node) = e.node_name.as_deref() {
        push_invalid_msgs(&path.child("nodeName"), node, dns1123_subdomain(node), errs);
    }
    if let Some(h) = e.hostname.as_deref() {
        push_invalid_msgs(&path.child("hostname"), h, dns1123_label(h), errs);
    }
    if let Some(hints) = &e.hints {
        let fz_path = path.child("hints").child("forZones");
        if hints.for_zones.len() > MAX_ZONE_HINTS {
            errs.push(FieldError::too_many(
                &fz_path,
                hints.for_zones.len(),
                MAX_ZONE_HINTS,
            ));
            return;
        }
        let mut seen = HashSet::new();
        for (i, zone) in hints.for_zones.iter().enumerate() {
            let zp = fz_path.index(i).child("name");
            if !seen.insert(zone.name.as_str()) {
                errs.push(FieldError::duplicate(&zp, q(&zone.name)));
            }
            push_invalid_msgs(&zp, &zone.name, label_value(&zone.name), errs);
        }
    }
}

/// `IsFullyQualifiedDomainName`: a subdomain of at least two labels, with
/// one optional trailing dot.
fn fqdn(path: &Path, name: &str, errs: &mut Errors) {
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let msgs = dns1123_subdomain(name);
    if !msgs.is_empty() {
        errs.push(FieldError::invalid(path, q(name), msgs.join(",")));
        return;
    }
    if !name.contains('.') {
        errs.push(FieldError::invalid(
            path,
            q(name),
            "should be a domain with at least two segments separated by dots",
        ));
        return;
    }
    if let Some((label, msgs)) = name
        .split('.')
        .map(|l| (l, dns1123_label(l)))
        .find(|(_, m)| !m.is_empty())
    {
        errs.push(FieldError::invalid(path, q(label), msgs.join(",")));
    }
}

fn slice_ports(ports: &[EndpointSlicePort], errs: &mut Errors) {
    let path = Path::new("ports");
    if ports.len() > MAX_PORTS {
        errs.push(FieldError::too_many(&path, ports.len(), MAX_PORTS));
        return;
    }
    let mut names = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = path.index(i);
        let name = p.name.as_deref().unwrap_or("");
        if !name.is_empty() {
            push_invalid_msgs(&pp.child("name"), name, dns1123_label(name), errs);
        }
        // Unnamed counts as a name: two unnamed ports are duplicates.
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&pp.child("name"), q(name)));
        }
        // Only a missing protocol is defaulted; an explicit "" is unsupported.
        let proto = p.protocol.as_deref().unwrap_or("TCP");
        if !PROTOCOLS.contains(&proto) {
            errs.push(FieldError::not_supported(
                &pp.child("protocol"),
                q(proto),
                PROTOCOLS,
            ));
        }
        app_protocol(&pp, p.app_protocol.as_deref(), errs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::ErrorType::{self, *};
    use crate::model::{
        ClientIPConfig, ContainerPort, EndpointHints, EndpointSubset, ForZone, PodIP,
        SessionAffinityConfig,
    };
    use proptest::prelude::*;

    fn pairs(errs: &[FieldError]) -> Vec<(String, ErrorType)> {
        let mut v: Vec<_> = errs.iter().map(|e| (e.field.clone(), e.type_)).collect();
        v.sort();
        v
    }

    #[track_caller]
    fn expect(errs: Vec<FieldError>, want: &[(&str, ErrorType)]) {
        let mut want: Vec<_> = want.iter().map(|(f, t)| (f.to_string(), *t)).collect();
        want.sort();
        assert_eq!(pairs(&errs), want, "errors: {errs:#?}");
    }

    fn meta(name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: Some("ns".into()),
            ..Default::default()
        }
    }

    fn port(name: &str, proto: &str, port: i32) -> ServicePort {
        ServicePort {
            name: name.into(),
            protocol: Some(proto.into()),
            port,
            target_port: Some(IntOrString::Int(port)),
            ..Default::default()
        }
    }

    /// A defaulted ClusterIP Service that passes validation.
    fn svc() -> Service {
        let mut s = Service {
            metadata: meta("web"),
            ..Default::default()
        };
        let spec = &mut s.spec;
        spec.type_ = Some("ClusterIP".into());
        spec.session_affinity = Some("None".into());
        spec.internal_traffic_policy = Some("Cluster".into());
        spec.ports = vec![port("http", "TCP", 80)];
        s
    }

    fn typed(type_: &str) -> Service {
        let mut s = svc();
        s.spec.type_ = Some(type_.into());
        match type_ {
            "NodePort" => s.spec.external_traffic_policy = Some("Cluster".into()),
            "LoadBalancer" => {
                s.spec.external_traffic_policy = Some("Cluster".into());
                s.spec.allocate_load_balancer_node_ports = Some(true);
            }
            "ExternalName" => {
                s.spec.internal_traffic_policy = None;
                s.spec.external_name = Some("db.example.com".into());
            }
            _ => {}
        }
        s
    }

    fn with(mut s: Service, f: impl FnOnce(&mut Service)) -> Vec<FieldError> {
        f(&mut s);
        validate_service(&s)
    }

    // --- name helpers -----------------------------------------------------

    #[test]
    fn dns1035_label_rule() {
        assert!(dns1035_label("my-name").is_empty());
        assert!(dns1035_label("a").is_empty());
        assert_eq!(
            dns1035_label("1abc"),
            ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]
        );
        for bad in ["", "-a", "a-", "Abc", "a.b", "a_b"] {
            assert_eq!(dns1035_label(bad).len(), 1, "{bad}");
        }
        let long = format!("a{}", "b".repeat(63));
        assert_eq!(dns1035_label(&long), ["must be no more than 63 characters"]);
    }

    #[test]
    fn dns1123_label_rule() {
        assert!(dns1123_label("123-abc").is_empty());
        assert_eq!(dns1123_label("a.b"), ["must not contain dots"]);
        assert!(dns1123_label("A")[0].starts_with(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"
        ));
        assert!(dns1123_label("A")[0].ends_with("(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        assert_eq!(
            dns1123_label(&"a".repeat(64)),
            ["must be no more than 63 characters"]
        );
        assert_eq!(dns1123_label("").len(), 1);
    }

    #[test]
    fn dns1123_subdomain_rule() {
        assert!(dns1123_subdomain("foo.bar.example.com").is_empty());
        assert!(dns1123_subdomain("123").is_empty());
        for bad in ["-123", "a..b", ".a", "a.", "Foo.com", ""] {
            assert_eq!(dns1123_subdomain(bad).len(), 1, "{bad}");
        }
        assert!(dns1123_subdomain("-1")[0]
            .contains("(e.g. 'example.com', regex used for validation is"));
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(long.len(), 255);
        assert_eq!(
            dns1123_subdomain(&long),
            ["must be no more than 253 characters"]
        );
    }

    #[test]
    fn iana_svc_name_rule() {
        for ok in ["http", "h2c-1", "a1"] {
            assert!(iana_svc_name(ok).is_empty(), "{ok}");
        }
        assert_eq!(
            iana_svc_name("abcdefghijklmnop"),
            ["must be no more than 15 characters"]
        );
        assert_eq!(
            iana_svc_name("my--port"),
            ["must not contain consecutive hyphens"]
        );
        assert_eq!(
            iana_svc_name("123"),
            ["must contain at least one letter (a-z)"]
        );
        assert_eq!(
            iana_svc_name("-ab"),
            ["must not begin or end with a hyphen"]
        );
        assert_eq!(
            iana_svc_name("a_b"),
            ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]
        );
        assert_eq!(iana_svc_name("").len(), 2);
    }

    #[test]
    fn qualified_name_and_label_value_rules() {
        for ok in ["http", "kubernetes.io/h2c", "example.com/My_Name.1"] {
            assert!(qualified_name(ok).is_empty(), "{ok}");
        }
        assert!(qualified_name("a/b/c")[0].starts_with("a valid label key must consist of"));
        assert_eq!(qualified_name("/a"), ["prefix part must be non-empty"]);
        assert!(qualified_name("a/")[0].starts_with("name part must be non-empty"));
        assert!(qualified_name("-a")[0].starts_with("name part must consist of alphanumeric"));
        assert!(qualified_name("Example.com/x")[0]
            .starts_with("prefix part a lowercase RFC 1123 subdomain"));
        assert_eq!(
            qualified_name(&"a".repeat(64)),
            ["name part must be no more than 63 characters"]
        );

        assert!(label_value("").is_empty());
        assert!(label_value("my_value").is_empty());
        assert_eq!(label_value("-x").len(), 1);
        assert_eq!(
            label_value(&"a".repeat(64)),
            ["must be no more than 63 characters"]
        );
    }

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

    // --- Service ------------------------------------------------------------

    #[test]
    fn base_services_are_valid() {
        for t in ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] {
            expect(validate_service(&typed(t)), &[]);
        }
    }

    #[test]
    fn generate_name_is_a_name_prefix() {
        let gen = |g: &str| with(svc(), |s| s.metadata.generate_name = Some(g.into()));
        expect(gen("-123"), &[("metadata.generateName", Invalid)]);
        expect(gen(&"a".repeat(64)), &[("metadata.generateName", Invalid)]);
        // A trailing '-' is fine (the suffix follows); masking it shortens
        // the prefix by one, so 64 bytes ending in '-' fit.
        expect(gen("web-"), &[]);
        expect(gen(&format!("{}-", "a".repeat(63))), &[]);
        expect(gen("-"), &[("metadata.generateName", Invalid)]);
        // Masking works on bytes, as upstream, without splitting a char.
        expect(gen("é-"), &[("metadata.generateName", Invalid)]);
    }

    #[test]
    fn metadata_rules() {
        expect(
            with(svc(), |s| s.metadata.name.clear()),
            &[("metadata.name", Required)],
        );
        expect(
            with(svc(), |s| s.metadata.name = "1abc".into()),
            &[("metadata.name", Invalid)],
        );
        expect(
            with(svc(), |s| s.metadata.namespace = None),
            &[("metadata.namespace", Required)],
        );
        expect(
            with(svc(), |s| s.metadata.namespace = Some("Bad_NS".into())),
            &[("metadata.namespace", Invalid)],
        );
        expect(
            with(svc(), |s| {
                s.metadata.labels.insert("app".into(), "-x".into());
                s.metadata.labels.insert("a/b/c".into(), "ok".into());
            }),
            &[("metadata.labels", Invalid), ("metadata.labels", Invalid)],
        );
        expect(
            with(svc(), |s| {
                s.metadata
                    .annotations
                    .insert("Example.COM/Key".into(), "x".into());
            }),
            &[],
        );
        expect(
            with(svc(), |s| {
                s.metadata.annotations.insert("a b".into(), "x".into());
            }),
            &[("metadata.annotations", Invalid)],
        );
        expect(
            with(svc(), |s| {
                s.metadata
                    .annotations
                    .insert("big".into(), "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT));
            }),
            &[("metadata.annotations", TooLong)],
        );
        let topo = |hints: &str, mode: &str| {
            with(svc(), |s| {
                s.metadata
                    .annotations
                    .insert(ANNOTATION_TOPOLOGY_HINTS.into(), hints.into());
                s.metadata
                    .annotations
                    .insert(ANNOTATION_TOPOLOGY_MODE.into(), mode.into());
            })
        };
        expect(topo("Auto", "Auto"), &[]);
        expect(
            topo("Auto", "Disabled"),
            &[(
                "metadata.annotations[service.kubernetes.io/topology-mode]",
                Invalid,
            )],
        );
    }

    #[test]
    fn selector_rules() {
        expect(
            with(svc(), |s| {
                s.spec.selector = Some([("app".into(), "web".into())].into())
            }),
            &[],
        );
        expect(
            with(svc(), |s| {
                s.spec.selector = Some([("a/b/c".into(), "web".into())].into())
            }),
            &[("spec.selector", Invalid)],
        );
        expect(
            with(svc(), |s| {
                s.spec.selector = Some([("app".into(), "web app".into())].into())
            }),
            &[("spec.selector", Invalid)],
        );
    }

    #[test]
    fn ports_required_unless_headless_or_external_name() {
        expect(
            with(svc(), |s| s.spec.ports.clear()),
            &[("spec.ports", Required)],
        );
        expect(
            with(svc(), |s| {
                s.spec.ports.clear();
                s.spec.cluster_ip = Some("None".into());
            }),
            &[],
        );
        expect(with(typed("ExternalName"), |s| s.spec.ports.clear()), &[]);
    }

    #[test]
    fn port_name_rules() {
        let two = |a: &str, b: &str| {
            with(svc(), |s| {
                s.spec.ports = vec![port(a, "TCP", 80), port(b, "TCP", 81)]
            })
        };
        expect(two("a", "b"), &[]);
        expect(two("a", ""), &[("spec.ports[1].name", Required)]);
        expect(two("a", "a"), &[("spec.ports[1].name", Duplicate)]);
        expect(two("a", "B"), &[("spec.ports[1].name", Invalid)]);
        expect(with(svc(), |s| s.spec.ports[0].name.clear()), &[]);
        expect(
            with(svc(), |s| s.spec.ports[0].name = "abcdefghijklmnop".into()),
            &[],
        );
    }

    #[test]
    fn port_number_and_target_port_rules() {
        expect(
            with(svc(), |s| s.spec.ports[0].port = 0),
            &[("spec.ports[0].port", Invalid)],
        );
        expect(
            with(svc(), |s| s.spec.ports[0].port = 65536),
            &[("spec.ports[0].port", Invalid)],
        );
        expect(with(svc(), |s| s.spec.ports[0].port = 65535), &[]);
        let tp = |t: Option<IntOrString>| with(svc(), |s| s.spec.ports[0].target_port = t);
        expect(
            tp(Some(IntOrString::Int(65536))),
            &[("spec.ports[0].targetPort", Invalid)],
        );
        expect(tp(None), &[("spec.ports[0].targetPort", Invalid)]);
        expect(tp(Some(IntOrString::Str("http".into()))), &[]);
        expect(
            tp(Some(IntOrString::Str("my--port".into()))),
            &[("spec.ports[0].targetPort", Invalid)],
        );
        let errs = with(svc(), |s| s.spec.ports[0].port = 65536);
        assert_eq!(
            errs[0].to_string(),
            "spec.ports[0].port: Invalid: 65536: must be between 1 and 65535, inclusive"
        );
        // Tolerated on headless Services for v1 compatibility.
        expect(
            with(svc(), |s| {
                s.spec.cluster_ip = Some("None".into());
                s.spec.ports[0].target_port = Some(IntOrString::Int(8080));
            }),
            &[],
        );
    }

    #[test]
    fn protocol_and_app_protocol_rules() {
        expect(
            with(svc(), |s| s.spec.ports[0].protocol = Some("SCTP".into())),
            &[],
        );
        let errs = with(svc(), |s| s.spec.ports[0].protocol = Some("tcp".into()));
        expect(errs.clone(), &[("spec.ports[0].protocol", NotSupported)]);
        assert!(errs[0]
            .to_string()
            .ends_with(r#""tcp": supported values: "SCTP", "TCP", "UDP""#));
        expect(
            with(svc(), |s| s.spec.ports[0].protocol = None),
            &[("spec.ports[0].protocol", Required)],
        );
        expect(
            with(svc(), |s| {
                s.spec.ports[0].app_protocol = Some("kubernetes.io/h2c".into())
            }),
            &[],
        );
        expect(
            with(svc(), |s| {
                s.spec.ports[0].app_protocol = Some("a/b/c".into())
            }),
            &[("spec.ports[0].appProtocol", Invalid)],
        );
    }

    #[test]
    fn duplicate_port_rules() {
        let two = |p2: ServicePort| with(svc(), |s| s.spec.ports.push(p2));
        expect(two(port("b", "UDP", 80)), &[]);
        expect(two(port("b", "TCP", 80)), &[("spec.ports[1]", Duplicate)]);
    }

    #[test]
    fn node_port_rules() {
        expect(
            with(svc(), |s| s.spec.ports[0].node_port = Some(30080)),
            &[("spec.ports[0].nodePort", Forbidden)],
        );
        expect(
            with(typed("NodePort"), |s| {
                s.spec.ports[0].node_port = Some(30080)
            }),
            &[],
        );
        // The range is the allocator's to check.
        expect(
            with(typed("NodePort"), |s| s.spec.ports[0].node_port = Some(1)),
            &[],
        );
        let dup = |proto: &str| {
            with(typed("NodePort"), |s| {
                s.spec.ports[0].node_port = Some(30080);
                let mut p = port("b", proto, 81);
                p.node_port = Some(30080);
                s.spec.ports.push(p);
            })
        };
        expect(dup("UDP"), &[]);
        expect(dup("TCP"), &[("spec.ports[1].nodePort", Duplicate)]);
    }

    #[test]
    fn type_rules() {
        expect(
            with(svc(), |s| s.spec.type_ = None),
            &[("spec.type", Required)],
        );
        let errs = with(svc(), |s| s.spec.type_ = Some("Bogus".into()));
        expect(errs.clone(), &[("spec.type", NotSupported)]);
        assert!(errs[0]
            .detail
            .contains(r#""ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#));
    }

    #[test]
    fn session_affinity_rules() {
        expect(
            with(svc(), |s| s.spec.session_affinity = Some(String::new())),
            &[("spec.sessionAffinity", Required)],
        );
        expect(
            with(svc(), |s| s.spec.session_affinity = Some("Cookie".into())),
            &[("spec.sessionAffinity", NotSupported)],
        );
        let client_ip = |cfg: Option<SessionAffinityConfig>| {
            with(svc(), |s| {
                s.spec.session_affinity = Some("ClientIP".into());
                s.spec.session_affinity_config = cfg;
            })
        };
        let timeout = |t: Option<i32>| {
            Some(SessionAffinityConfig {
                client_ip: Some(ClientIPConfig { timeout_seconds: t }),
            })
        };
        expect(client_ip(timeout(Some(10800))), &[]);
        expect(client_ip(timeout(Some(86400))), &[]);
        let path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds";
        expect(client_ip(timeout(Some(0))), &[(path, Invalid)]);
        expect(client_ip(timeout(Some(86401))), &[(path, Invalid)]);
        expect(client_ip(timeout(None)), &[(path, Required)]);
        expect(
            client_ip(Some(SessionAffinityConfig { client_ip: None })),
            &[("spec.sessionAffinityConfig.clientIP", Required)],
        );
        expect(client_ip(None), &[("spec.sessionAffinityConfig", Required)]);
        expect(
            with(svc(), |s| {
                s.spec.session_affinity_config = timeout(Some(10))
            }),
            &[("spec.sessionAffinityConfig", Forbidden)],
        );
    }

    fn ips(s: &mut Service, ips: &[&str]) {
        s.spec.cluster_ip = ips.first().map(|ip| ip.to_string());
        s.spec.cluster_ips = ips.iter().map(|ip| ip.to_string()).collect();
    }

    #[test]
    fn cluster_ip_rules() {
        expect(
            with(svc(), |s| s.spec.cluster_ip = Some("10.0.0.10".into())),
            &[],
        );
        expect(with(svc(), |s| ips(s, &["10.0.0.10", "fd00::10"])), &[]);
        expect(
            with(svc(), |s| s.spec.cluster_ip = Some("10.0.0.256".into())),
            &[("spec.clusterIPs[0]", Invalid)],
        );
        expect(
            with(svc(), |s| s.spec.cluster_ip = Some("010.0.0.1".into())),
            &[("spec.clusterIPs[0]", Invalid)],
        );
        expect(
            with(svc(), |s| {
                s.spec.cluster_ip = Some("10.0.0.1".into());
                s.spec.cluster_ips = vec!["10.0.0.2".into()];
            }),
            &[("spec.clusterIPs", Invalid)],
        );
        expect(
            with(svc(), |s| s.spec.cluster_ips = vec!["10.0.0.2".into()]),
            &[("spec.clusterIPs", Invalid)],
        );
        expect(
            with(svc(), |s| ips(s, &["None", "10.0.0.1"])),
            &[("spec.clusterIPs", Invalid)],
        );
        expect(
            with(svc(), |s| ips(s, &["10.0.0.1", "None"])),
            &[("spec.clusterIPs[1]", Invalid)],
        );
        expect(
            with(svc(), |s| ips(s, &["10.0.0.1", "10.0.0.2"])),
            &[("spec.clusterIPs", Invalid)],
        );
        expect(
            with(svc(), |s| ips(s, &["10.0.0.1", "fd00::1", "10.0.0.2"])),
            &[("spec.clusterIPs", Invalid)],
        );
        for t in ["NodePort", "LoadBalancer"] {
            expect(
                with(typed(t), |s| ips(s, &["None"])),
                &[("spec.clusterIPs[0]", Invalid)],
            );
        }
    }

    #[test]
    fn ip_family_rules() {
        let fam = |ip: &[&str], fams: &[&str]| {
            with(svc(), |s| {
                ips(s, ip);
                s.spec.ip_families = fams.iter().map(|f| f.to_string()).collect();
            })
        };
        expect(fam(&["fd00::1", "10.0.0.1"], &["IPv6", "IPv4"]), &[]);
        expect(
            fam(&[], &["IPv4", "IPv4"]),
            &[("spec.ipFamilies[1]", Duplicate)],
        );
        expect(fam(&[], &["IPv5"]), &[("spec.ipFamilies[0]", NotSupported)]);
        expect(
            fam(&["10.0.0.1"], &["IPv6"]),
            &[("spec.clusterIPs[0]", Invalid)],
        );
        expect(
            fam(&["10.0.0.1", "fd00::1"], &["IPv4", "IPv4"]),
            &[
                ("spec.ipFamilies[1]", Duplicate),
                ("spec.clusterIPs[1]", Invalid),
            ],
        );
        // Headless Services carry no IPs to match against families.
        expect(fam(&["None"], &["IPv6"]), &[]);
        expect(
            with(svc(), |s| {
                s.spec.ip_family_policy = Some("RequireDualStack".into())
            }),
            &[],
        );
        expect(
            with(svc(), |s| {
                s.spec.ip_family_policy = Some("DualStack".into())
            }),
            &[("spec.ipFamilyPolicy", NotSupported)],
        );
    }

    #[test]
    fn external_name_rules() {
        let en = |name: Option<&str>| {
            with(typed("ExternalName"), |s| {
                s.spec.external_name = name.map(String::from)
            })
        };
        expect(en(Some("foo.example.com.")), &[]);
        expect(en(Some("foo")), &[]);
        expect(en(None), &[("spec.externalName", Required)]);
        expect(en(Some(".")), &[("spec.externalName", Required)]);
        expect(en(Some("foo..")), &[("spec.externalName", Invalid)]);
        expect(en(Some("-123")), &[("spec.externalName", Invalid)]);
        expect(
            with(typed("ExternalName"), |s| {
                s.spec.cluster_ip = Some("10.0.0.1".into());
                s.spec.ip_families = vec!["IPv4".into()];
                s.spec.ip_family_policy = Some("SingleStack".into());
            }),
            &[
                ("spec.clusterIPs", Forbidden),
                ("spec.ipFamilies", Forbidden),
                ("spec.ipFamilyPolicy", Forbidden),
            ],
        );
    }

    #[test]
    fn external_ip_rules() {
        let ext = |ip: &str| {
            with(svc(), |s| {
                s.spec.external_ips = vec![ip.into()];
                s.spec.external_traffic_policy = Some("Cluster".into());
            })
        };
        expect(ext("1.2.3.4"), &[]);
        expect(ext("2001:db8::1"), &[]);
        for bad in [
            "myhost.mydomain",
            "127.0.0.1",
            "::1",
            "0.0.0.0",
            "::",
            "169.254.1.1",
            "fe80::1",
            "224.0.0.5",
            "ff02::1",
            "01.2.3.4",
        ] {
            expect(ext(bad), &[("spec.externalIPs[0]", Invalid)]);
        }
        assert!(ext("127.0.0.1")[0]
            .detail
            .contains("may not be in the loopback range"));
        assert_eq!(ext("0.0.0.0")[0].detail, "may not be unspecified (0.0.0.0)");
    }

    #[test]
    fn external_traffic_policy_rules() {
        expect(
            with(typed("NodePort"), |s| s.spec.external_traffic_policy = None),
            &[("spec.externalTrafficPolicy", Required)],
        );
        expect(
            with(svc(), |s| s.spec.external_ips = vec!["1.2.3.4".into()]),
            &[("spec.externalTrafficPolicy", Required)],
        );
        expect(
            with(svc(), |s| {
                s.spec.external_traffic_policy = Some("Cluster".into())
            }),
            &[("spec.externalTrafficPolicy", Invalid)],
        );
        expect(
            with(typed("ExternalName"), |s| {
                s.spec.external_traffic_policy = Some("Local".into())
            }),
            &[("spec.externalTrafficPolicy", Invalid)],
        );
        expect(
            with(typed("NodePort"), |s| {
                s.spec.external_traffic_policy = Some("Local".into())
            }),
            &[],
        );
        expect(
            with(typed("LoadBalancer"), |s| {
                s.spec.external_traffic_policy = Some("local".into())
            }),
            &[("spec.externalTrafficPolicy", NotSupported)],
        );
    }

    #[test]
    fn health_check_node_port_rules() {
        let local_lb = |hc: Option<i32>| {
            with(typed("LoadBalancer"), |s| {
                s.spec.external_traffic_policy = Some("Local".into());
                s.spec.health_check_node_port = hc;
            })
        };
        expect(local_lb(Some(31100)), &[]);
        // Left for the allocator.
        expect(local_lb(None), &[]);
        expect(
            local_lb(Some(65536)),
            &[("spec.healthCheckNodePort", Invalid)],
        );
        expect(
            with(typed("NodePort"), |s| {
                s.spec.external_traffic_policy = Some("Local".into());
                s.spec.health_check_node_port = Some(31100);
            }),
            &[("spec.healthCheckNodePort", Invalid)],
        );
        expect(
            with(typed("LoadBalancer"), |s| {
                s.spec.health_check_node_port = Some(31100)
            }),
            &[("spec.healthCheckNodePort", Invalid)],
        );
    }

    #[test]
    fn internal_traffic_policy_rules() {
        expect(
            with(svc(), |s| {
                s.spec.internal_traffic_policy = Some("Local".into())
            }),
            &[],
        );
        expect(
            with(svc(), |s| s.spec.internal_traffic_policy = None),
            &[("spec.internalTrafficPolicy", Required)],
        );
        expect(
            with(typed("LoadBalancer"), |s| {
                s.spec.internal_traffic_policy = None
            }),
            &[("spec.internalTrafficPolicy", Required)],
        );
        expect(
            with(svc(), |s| {
                s.spec.internal_traffic_policy = Some("Bogus".into())
            }),
            &[("spec.internalTrafficPolicy", NotSupported)],
        );
    }

    #[test]
    fn source_range_rules() {
        let ranges = |t: &str, r: &[&str]| {
            with(typed(t), |s| {
                s.spec.load_balancer_source_ranges = r.iter().map(|x| x.to_string()).collect()
            })
        };
        expect(
            ranges(
                "LoadBalancer",
                &["10.0.0.0/8", " 192.168.0.0/16 ", "1.2.3.4/8"],
            ),
            &[],
        );
        expect(
            ranges("LoadBalancer", &["10.0.0.0/8", "1.2.3.4/33"]),
            &[("spec.LoadBalancerSourceRanges[1]", Invalid)],
        );
        expect(
            ranges("NodePort", &["10.0.0.0/8"]),
            &[("spec.LoadBalancerSourceRanges", Forbidden)],
        );
        let annotated = |t: &str, v: &str| {
            with(typed(t), |s| {
                s.metadata
                    .annotations
                    .insert(ANNOTATION_SOURCE_RANGES.into(), v.into());
            })
        };
        let path = "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]";
        expect(annotated("LoadBalancer", "10.0.0.0/8, 1.2.3.0/24"), &[]);
        expect(
            annotated("LoadBalancer", "10.0.0.0/8,bogus"),
            &[(path, Invalid)],
        );
        expect(annotated("ClusterIP", ""), &[(path, Forbidden)]);
    }

    #[test]
    fn allocate_load_balancer_node_ports_rules() {
        let errs = with(typed("LoadBalancer"), |s| {
            s.spec.allocate_load_balancer_node_ports = None
        });
        expect(errs, &[("allocateLoadBalancerNodePorts", Required)]);
        expect(
            with(typed("LoadBalancer"), |s| {
                s.spec.allocate_load_balancer_node_ports = Some(false)
            }),
            &[],
        );
        let errs = with(typed("NodePort"), |s| {
            s.spec.allocate_load_balancer_node_ports = Some(true)
        });
        expect(
            errs.clone(),
            &[("spec.allocateLoadBalancerNodePorts", Forbidden)],
        );
        assert_eq!(
            errs[0].detail,
            "may only be used when `type` is 'LoadBalancer'"
        );
    }

    #[test]
    fn load_balancer_class_rules() {
        let class =
            |t: &str, c: &str| with(typed(t), |s| s.spec.load_balancer_class = Some(c.into()));
        expect(class("LoadBalancer", "example.com/internal"), &[]);
        expect(
            class("LoadBalancer", "-bad"),
            &[("spec.loadBalancerClass", Invalid)],
        );
        expect(
            class("ClusterIP", "example.com/internal"),
            &[("spec.loadBalancerClass", Forbidden)],
        );
    }

    #[test]
    fn traffic_distribution_rules() {
        for ok in TRAFFIC_DISTRIBUTIONS {
            expect(
                with(svc(), |s| {
                    s.spec.traffic_distribution = Some(ok.to_string())
                }),
                &[],
            );
        }
        expect(
            with(svc(), |s| {
                s.spec.traffic_distribution = Some("Random".into())
            }),
            &[("spec.trafficDistribution", NotSupported)],
        );
    }

    #[test]
    fn publish_not_ready_addresses_has_no_rules() {
        expect(
            with(svc(), |s| s.spec.publish_not_ready_addresses = Some(true)),
            &[],
        );
    }

    // --- Pod ----------------------------------------------------------------

    fn pod() -> Pod {
        let mut p = Pod {
            metadata: meta("web-0"),
            ..Default::default()
        };
        p.spec.containers = vec![Container {
            name: "app".into(),
            ports: vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                ..Default::default()
            }],
            ..Default::default()
        }];
        p.status.pod_ip = Some("10.244.0.5".into());
        p
    }

    fn with_pod(f: impl FnOnce(&mut Pod)) -> Vec<FieldError> {
        let mut p = pod();
        f(&mut p);
        validate_pod(&p)
    }

    fn cport(name: &str, n: i32) -> ContainerPort {
        ContainerPort {
            name: Some(name.into()),
            container_port: n,
            ..Default::default()
        }
    }

    #[test]
    fn pod_metadata_and_dns_rules() {
        expect(with_pod(|_| {}), &[]);
        expect(
            with_pod(|p| p.metadata.name.clear()),
            &[("metadata.name", Required)],
        );
        // Pod names are subdomains.
        expect(with_pod(|p| p.metadata.name = "web.0".into()), &[]);
        expect(
            with_pod(|p| p.spec.hostname = Some("web.0".into())),
            &[("spec.hostname", Invalid)],
        );
        expect(
            with_pod(|p| p.spec.subdomain = Some("Sub".into())),
            &[("spec.subdomain", Invalid)],
        );
        expect(
            with_pod(|p| p.spec.dns_policy = Some("ClusterFirst".into())),
            &[],
        );
        expect(
            with_pod(|p| p.spec.dns_policy = Some("Cluster".into())),
            &[("spec.dnsPolicy", NotSupported)],
        );
    }

    #[test]
    fn pod_container_rules() {
        expect(
            with_pod(|p| p.spec.containers.clear()),
            &[("spec.containers", Required)],
        );
        expect(
            with_pod(|p| {
                let c = p.spec.containers[0].clone();
                p.spec.containers.push(c.clone());
                p.spec.init_containers.push(c);
            }),
            &[
                ("spec.containers[1].name", Duplicate),
                ("spec.initContainers[0].name", Duplicate),
            ],
        );
        expect(
            with_pod(|p| p.spec.containers[0].name.clear()),
            &[("spec.containers[0].name", Required)],
        );
        expect(
            with_pod(|p| {
                p.spec.init_containers.push(Container {
                    name: "init".into(),
                    restart_policy: Some("OnFailure".into()),
                    ..Default::default()
                })
            }),
            &[("spec.initContainers[0].restartPolicy", NotSupported)],
        );
    }

    #[test]
    fn pod_port_rules() {
        let ports = |ps: Vec<ContainerPort>| with_pod(|p| p.spec.containers[0].ports = ps);
        expect(ports(vec![cport("http", 80), cport("metrics", 9090)]), &[]);
        expect(
            ports(vec![cport("http", 80), cport("http", 81)]),
            &[("spec.containers[0].ports[1].name", Duplicate)],
        );
        // Only unique within one container.
        expect(
            with_pod(|p| {
                let mut c = p.spec.containers[0].clone();
                c.name = "sidecar".into();
                p.spec.containers.push(c);
            }),
            &[],
        );
        expect(
            ports(vec![cport("http", 70000)]),
            &[("spec.containers[0].ports[0].containerPort", Invalid)],
        );
        expect(
            ports(vec![cport("http", 0)]),
            &[("spec.containers[0].ports[0].containerPort", Required)],
        );
        expect(
            ports(vec![cport("my--port", 80)]),
            &[("spec.containers[0].ports[0].name", Invalid)],
        );
        let mut p = cport("http", 80);
        p.protocol = Some("ICMP".into());
        p.host_port = Some(-1);
        expect(
            ports(vec![p]),
            &[
                ("spec.containers[0].ports[0].hostPort", Invalid),
                ("spec.containers[0].ports[0].protocol", NotSupported),
            ],
        );
    }

    #[test]
    fn pod_ip_rules() {
        let pod_ips = |single: Option<&str>, list: &[&str]| {
            with_pod(|p| {
                p.status.pod_ip = single.map(String::from);
                p.status.pod_ips = list.iter().map(|ip| PodIP { ip: ip.to_string() }).collect();
            })
        };
        expect(pod_ips(Some("10.0.0.1"), &["10.0.0.1", "fd00::1"]), &[]);
        expect(
            pod_ips(Some("10.0.0.256"), &[]),
            &[("status.podIPs[0]", Invalid)],
        );
        expect(
            pod_ips(None, &["10.0.0.1", "10.0.0.2"]),
            &[("status.podIPs", Invalid)],
        );
        expect(
            pod_ips(None, &["10.0.0.1", "10.0.0.1"]),
            &[("status.podIPs", Invalid), ("status.podIPs[1]", Duplicate)],
        );
        // podIP wins over a disagreeing podIPs, as in the v1 conversion.
        expect(pod_ips(Some("10.0.0.1"), &["bogus", "10.0.0.2"]), &[]);
        expect(
            with_pod(|p| p.status.host_ip = Some("node-1".into())),
            &[("status.hostIPs[0]", Invalid)],
        );
    }

    // --- Endpoints ----------------------------------------------------------

    fn address(ip: &str) -> EndpointAddress {
        EndpointAddress {
            ip: ip.into(),
            ..Default::default()
        }
    }

    fn ep_port(name: Option<&str>, port: i32) -> EndpointPort {
        EndpointPort {
            name: name.map(String::from),
            port,
            ..Default::default()
        }
    }

    fn endpoints(subset: EndpointSubset) -> Vec<FieldError> {
        validate_endpoints(&Endpoints {
            metadata: meta("web"),
            subsets: vec![subset],
        })
    }

    fn subset(addrs: &[&str], ports: Vec<EndpointPort>) -> EndpointSubset {
        EndpointSubset {
            addresses: addrs.iter().map(|a| address(a)).collect(),
            ports,
            ..Default::default()
        }
    }

    #[test]
    fn endpoints_rules() {
        expect(
            endpoints(subset(&["10.0.0.1", "fd00::1"], vec![ep_port(None, 80)])),
            &[],
        );
        expect(
            endpoints(subset(&[], vec![ep_port(None, 80)])),
            &[("subsets[0]", Required)],
        );
        expect(
            endpoints(EndpointSubset {
                not_ready_addresses: vec![address("127.0.0.1")],
                ..Default::default()
            }),
            &[("subsets[0].notReadyAddresses[0].ip", Invalid)],
        );
        // Both the format check and the special-range check report it.
        expect(
            endpoints(subset(&["bogus"], vec![])),
            &[
                ("subsets[0].addresses[0].ip", Invalid),
                ("subsets[0].addresses[0].ip", Invalid),
            ],
        );
        let mut a = address("10.0.0.1");
        a.hostname = Some("web.0".into());
        a.node_name = Some("Node_1".into());
        expect(
            endpoints(EndpointSubset {
                addresses: vec![a],
                ..Default::default()
            }),
            &[
                ("subsets[0].addresses[0].hostname", Invalid),
                ("subsets[0].addresses[0].nodeName", Invalid),
            ],
        );
        let mut udp = ep_port(Some("dns"), 53);
        udp.protocol = Some("ICMP".into());
        expect(
            endpoints(subset(&["10.0.0.1"], vec![ep_port(None, 0), udp])),
            &[
                ("subsets[0].ports[0].name", Required),
                ("subsets[0].ports[0].port", Invalid),
                ("subsets[0].ports[1].protocol", NotSupported),
            ],
        );
        // Endpoints do not check port names for duplicates.
        expect(
            endpoints(subset(
                &["10.0.0.1"],
                vec![ep_port(Some("a"), 80), ep_port(Some("a"), 81)],
            )),
            &[],
        );
    }

    // --- EndpointSlice ------------------------------------------------------

    fn slice(address_type: &str, addrs: &[&str]) -> EndpointSlice {
        EndpointSlice {
            metadata: meta("web-abc12"),
            address_type: address_type.into(),
            endpoints: vec![Endpoint {
                addresses: addrs.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            }],
            ports: vec![EndpointSlicePort {
                name: Some("http".into()),
                port: Some(80),
                ..Default::default()
            }],
        }
    }

    fn with_slice(mut es: EndpointSlice, f: impl FnOnce(&mut EndpointSlice)) -> Vec<FieldError> {
        f(&mut es);
        validate_endpoint_slice(&es)
    }

    #[test]
    fn endpoint_slice_address_rules() {
        expect(validate_endpoint_slice(&slice("IPv4", &["10.0.0.1"])), &[]);
        expect(validate_endpoint_slice(&slice("IPv6", &["fd00::1"])), &[]);
        expect(
            validate_endpoint_slice(&slice("FQDN", &["db.example.com."])),
            &[],
        );
        expect(
            validate_endpoint_slice(&slice("", &["10.0.0.1"])),
            &[("addressType", Required)],
        );
        expect(
            validate_endpoint_slice(&slice("IP", &["10.0.0.1"])),
            &[("addressType", NotSupported)],
        );
        let a0 = "endpoints[0].addresses[0]";
        expect(
            validate_endpoint_slice(&slice("IPv4", &["fd00::1"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("IPv6", &["10.0.0.1"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("IPv4", &["169.254.169.254"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("IPv4", &["010.0.0.1"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("FQDN", &["db"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("FQDN", &["-db.example.com"])),
            &[(a0, Invalid)],
        );
        expect(
            validate_endpoint_slice(&slice("FQDN", &[""])),
            &[(a0, Required)],
        );
        expect(
            validate_endpoint_slice(&slice("IPv4", &[])),
            &[("endpoints[0].addresses", Required)],
        );
        let many: Vec<String> = (0..101)
            .map(|i| format!("10.0.{}.{}", i / 200, i % 200 + 1))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        expect(
            validate_endpoint_slice(&slice("IPv4", &many)),
            &[("endpoints[0].addresses", TooMany)],
        );
        expect(
            with_slice(slice("IPv4", &["10.0.0.1"]), |es| {
                let e = es.endpoints[0].clone();
                es.endpoints = vec![e; MAX_ENDPOINTS + 1];
            }),
            &[("endpoints", TooMany)],
        );
    }

    #[test]
    fn endpoint_slice_endpoint_rules() {
        expect(
            with_slice(slice("IPv4", &["10.0.0.1"]), |es| {
                es.endpoints[0].hostname = Some("web.0".into());
                es.endpoints[0].node_name = Some("node_1".into());
            }),
            &[
                ("endpoints[0].hostname", Invalid),
                ("endpoints[0].nodeName", Invalid),
            ],
        );
        let zones = |names: &[&str]| {
            with_slice(slice("IPv4", &["10.0.0.1"]), |es| {
                es.endpoints[0].hints = Some(EndpointHints {
                    for_zones: names
                        .iter()
                        .map(|n| ForZone {
                            name: n.to_string(),
                        })
                        .collect(),
                    ..Default::default()
                });
            })
        };
        expect(zones(&["zone-a", "zone-b"]), &[]);
        expect(
            zones(&["zone-a", "zone-a"]),
            &[("endpoints[0].hints.forZones[1].name", Duplicate)],
        );
        expect(
            zones(&["zone a"]),
            &[("endpoints[0].hints.forZones[0].name", Invalid)],
        );
        expect(
            zones(&["z"; 9]),
            &[("endpoints[0].hints.forZones", TooMany)],
        );
    }

    #[test]
    fn endpoint_slice_port_rules() {
        let ports = |ps: Vec<EndpointSlicePort>| {
            with_slice(slice("IPv4", &["10.0.0.1"]), |es| es.ports = ps)
        };
        let sp = |name: Option<&str>, proto: Option<&str>| EndpointSlicePort {
            name: name.map(String::from),
            protocol: proto.map(String::from),
            port: Some(80),
            app_protocol: None,
        };
        expect(ports(vec![sp(None, None)]), &[]);
        expect(
            ports(vec![sp(None, None), sp(Some(""), Some("UDP"))]),
            &[("ports[1].name", Duplicate)],
        );
        expect(
            ports(vec![sp(Some("Http"), None)]),
            &[("ports[0].name", Invalid)],
        );
        expect(
            ports(vec![sp(None, Some(""))]),
            &[("ports[0].protocol", NotSupported)],
        );
        let mut p = sp(None, None);
        p.app_protocol = Some("a/b/c".into());
        expect(ports(vec![p]), &[("ports[0].appProtocol", Invalid)]);
        expect(
            ports(vec![sp(None, None); MAX_PORTS + 1]),
            &[("ports", TooMany)],
        );
    }

    // --- properties ---------------------------------------------------------

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9.:/%_ -]{0,24}",
            prop::sample::select(vec![
                "",
                "None",
                "ClusterIP",
                "NodePort",
                "LoadBalancer",
                "ExternalName",
                "TCP",
                "UDP",
                "Local",
                "Cluster",
                "ClientIP",
                "IPv4",
                "IPv6",
                "10.0.0.1",
                "fd00::1",
                "::ffff:1.2.3.4",
                "1.2.3.0/24",
                "PreferClose",
                "SingleStack",
                "http",
            ])
            .prop_map(String::from),
        ]
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text())
    }

    fn service_port() -> impl Strategy<Value = ServicePort> {
        (
            text(),
            opt_text(),
            opt_text(),
            any::<i32>(),
            prop::option::of(prop_oneof![
                any::<i32>().prop_map(IntOrString::Int),
                text().prop_map(IntOrString::Str),
            ]),
            prop::option::of(any::<i32>()),
        )
            .prop_map(
                |(name, protocol, app_protocol, port, target_port, node_port)| ServicePort {
                    name,
                    protocol,
                    app_protocol,
                    port,
                    target_port,
                    node_port,
                },
            )
    }

    fn service() -> impl Strategy<Value = Service> {
        let meta = (
            text(),
            opt_text(),
            prop::collection::btree_map(text(), text(), 0..3),
        );
        let kinds = (
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
        );
        let ips = (
            opt_text(),
            prop::collection::vec(text(), 0..4),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(text(), 0..3),
            opt_text(),
        );
        let rest = (
            prop::collection::vec(service_port(), 0..4),
            prop::option::of(prop::option::of(any::<i32>())),
            prop::option::of(any::<i32>()),
            prop::option::of(any::<bool>()),
            opt_text(),
            opt_text(),
            prop::option::of(prop::collection::btree_map(text(), text(), 0..3)),
        );
        (meta, kinds, ips, rest).prop_map(|(meta, kinds, ips, rest)| {
            let mut s = Service::default();
            (
                s.metadata.name,
                s.metadata.namespace,
                s.metadata.annotations,
            ) = meta;
            let spec = &mut s.spec;
            (
                spec.type_,
                spec.session_affinity,
                spec.external_traffic_policy,
                spec.internal_traffic_policy,
                spec.ip_family_policy,
                spec.traffic_distribution,
            ) = kinds;
            (
                spec.cluster_ip,
                spec.cluster_ips,
                spec.ip_families,
                spec.external_ips,
                spec.load_balancer_source_ranges,
                spec.external_name,
            ) = ips;
            let timeout;
            (
                spec.ports,
                timeout,
                spec.health_check_node_port,
                spec.allocate_load_balancer_node_ports,
                spec.load_balancer_class,
                spec.load_balancer_ip,
                spec.selector,
            ) = rest;
            spec.session_affinity_config = timeout.map(|t| SessionAffinityConfig {
                client_ip: Some(ClientIPConfig { timeout_seconds: t }),
            });
            s
        })
    }

    #[test]
    fn ordinary_pods_take_the_shortcut() {
        let mut p = Pod::default();
        p.metadata.name = "web-1".into();
        p.metadata.namespace = Some("shop".into());
        p.metadata
            .labels
            .insert("app.kubernetes.io/name".into(), "web".into());
        p.spec.containers.push(Container {
            name: "app".into(),
            ports: vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                ..Default::default()
            }],
            ..Default::default()
        });
        p.status.pod_ip = Some("10.244.1.5".into());
        assert!(plainly_valid(&p));
        p.spec.containers[0].ports[0].protocol = Some("HTTP".into());
        assert!(!plainly_valid(&p));
        assert_eq!(validate_pod(&p).len(), 1);
    }

    /// Mostly valid names, so that whole pods are often plainly valid,
    /// with each kind of invalid name now and then.
    fn arb_name() -> impl Strategy<Value = String> {
        prop_oneof![
            12 => "[a-z][a-z0-9-]{0,8}[a-z0-9]",
            1 => "[a-zA-Z0-9._/-]{0,12}",
            1 => Just(String::new()),
            1 => "[a-z]{60,70}",
            1 => Just("a--b".to_string()),
            1 => Just("1234".to_string()),
        ]
    }

    fn arb_pod() -> impl Strategy<Value = Pod> {
        let label = (arb_name(), arb_name());
        let port = (
            proptest::option::of(arb_name()),
            prop_oneof![8 => Just(80), 1 => Just(0), 1 => Just(65536), 1 => -5..70000i32],
            proptest::option::of(
                prop_oneof![6 => Just("TCP".to_string()), 2 => Just("UDP".to_string()), 1 => Just("tcp".to_string()), 1 => Just(String::new())],
            ),
            proptest::option::weighted(0.2, prop_oneof![Just(0), Just(8080), Just(70000)]),
        );
        let container = (arb_name(), prop::collection::vec(port, 0..4));
        let ip = prop_oneof![
            6 => Just("10.0.0.1".to_string()),
            2 => Just("fd00::1".to_string()),
            1 => Just("010.0.0.1".to_string()),
            1 => "[0-9.:a-f]{0,12}",
        ];
        (
            arb_name(),
            proptest::option::of(arb_name()),
            prop::collection::vec(label, 0..4),
            prop::collection::vec(container, 1..3),
            proptest::option::of(ip.clone()),
            prop::collection::vec(ip, 0..2),
            proptest::option::weighted(0.1, arb_name()),
        )
            .prop_map(
                |(name, ns, labels, containers, pod_ip, pod_ips, dns_policy)| {
                    let mut p = Pod::default();
                    p.metadata.name = name;
                    p.metadata.namespace = ns;
                    p.metadata.labels = labels.into_iter().collect();
                    p.spec.containers = containers
                        .into_iter()
                        .map(|(name, ports)| Container {
                            name,
                            ports: ports
                                .into_iter()
                                .map(
                                    |(name, container_port, protocol, host_port)| ContainerPort {
                                        name,
                                        container_port,
                                        protocol,
                                        host_port,
                                    },
                                )
                                .collect(),
                            ..Default::default()
                        })
                        .collect();
                    p.status.pod_ip = pod_ip;
                    p.status.pod_ips = pod_ips.into_iter().map(|ip| PodIP { ip }).collect();
                    p.spec.dns_policy = dns_policy;
                    p
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        /// The shortcut never hides an error the full check finds (and it
        /// is taken for ordinary pods: see `ordinary_pods_take_the_shortcut`).
        #[test]
        fn plainly_valid_pods_pass_the_full_check(pod in arb_pod()) {
            if plainly_valid(&pod) {
                let errs = validate_pod_fully(&pod);
                prop_assert!(errs.is_empty(), "{errs:?}");
            }
        }

        #[test]
        fn validate_service_never_panics(s in service()) {
            let _ = validate_service(&s);
        }

        #[test]
        fn strict_ips_are_std_ips(s in text()) {
            // Whatever we accept, std parses with the same meaning; whatever
            // std parses (bar IPv4-mapped IPv6), we accept.
            let std = s.parse::<IpAddr>().ok();
            let mapped = matches!(std, Some(IpAddr::V6(a)) if a.to_ipv4_mapped().is_some());
            prop_assert_eq!(is_valid_ip(&s), std.is_some() && !mapped);
            if let Some(ip) = std {
                prop_assert_eq!(parse_ip_sloppy(&s), Some(ip.to_canonical()));
            }
            let _ = cidr_errors(&s);
        }
    }
}
