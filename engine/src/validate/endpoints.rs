//! `ValidateEndpoints` and `ValidateEndpointSlice`.

use super::*;

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

pub(super) fn endpoint_address(a: &EndpointAddress, path: &Path, errs: &mut Errors) {
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
pub(super) fn endpoint_port(p: &EndpointPort, require_name: bool, path: &Path, errs: &mut Errors) {
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

pub(super) const ADDRESS_TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
pub(super) const MAX_ENDPOINTS: usize = 1000;
pub(super) const MAX_ADDRESSES: usize = 100;
pub(super) const MAX_PORTS: usize = 20000;
pub(super) const MAX_ZONE_HINTS: usize = 8;

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

pub(super) fn slice_endpoint(e: &Endpoint, address_type: &str, path: &Path, errs: &mut Errors) {
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
pub(super) fn fqdn(path: &Path, name: &str, errs: &mut Errors) {
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

pub(super) fn slice_ports(ports: &[EndpointSlicePort], errs: &mut Errors) {
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
    use crate::field::ErrorType::*;
    use crate::validate::test_support::*;

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
}
