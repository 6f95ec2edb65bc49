//! `ValidateService`.

use super::*;

pub(super) const SERVICE_TYPES: &[&str] =
    &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
pub(super) const AFFINITIES: &[&str] = &["ClientIP", "None"];
pub(super) const TRAFFIC_POLICIES: &[&str] = &["Cluster", "Local"];
pub(super) const IP_FAMILIES: &[&str] = &["IPv4", "IPv6"];
pub(super) const IP_FAMILY_POLICIES: &[&str] =
    &["PreferDualStack", "RequireDualStack", "SingleStack"];
/// `PreferClose` is GA; `PreferSameZone` and `PreferSameNode` came with the
/// `PreferSameTrafficDistribution` gate (beta, on by default, in 1.34). We
/// accept all three, as a current cluster does; older releases reject the
/// two newer ones (conformance case val-073 only tests an unknown value).
pub(super) const TRAFFIC_DISTRIBUTIONS: &[&str] =
    &["PreferClose", "PreferSameZone", "PreferSameNode"];
pub(super) const MAX_AFFINITY_TIMEOUT: i32 = 86400;
pub(super) const ANNOTATION_SOURCE_RANGES: &str =
    "service.beta.kubernetes.io/load-balancer-source-ranges";

/// The Service as the internal API sees it: enumerations as plain strings
/// ("" when unset, like Go's zero value) and `clusterIPs` mirrored.
pub(super) struct Svc<'a> {
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
pub(super) fn type_specific(s: &Svc, sp: &Path, errs: &mut Errors) {
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
pub(super) fn service_port<'a>(
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

pub(super) fn session_affinity(s: &Svc, sp: &Path, errs: &mut Errors) {
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
pub(super) fn cluster_ips_related(s: &Svc, sp: &Path, errs: &mut Errors) {
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
pub(super) fn node_ports(s: &Svc, sp: &Path, errs: &mut Errors) {
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
pub(super) fn duplicate_ports(s: &Svc, sp: &Path, errs: &mut Errors) {
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
pub(super) fn load_balancer_fields(s: &Svc, sp: &Path, errs: &mut Errors) {
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
            push_invalid_msgs(&path, class, label_key(class), errs);
        } else {
            errs.push(FieldError::forbidden(&path, lb_only));
        }
    }
}

/// External and internal traffic policy, healthCheckNodePort and
/// trafficDistribution.
pub(super) fn traffic_policies(s: &Svc, sp: &Path, errs: &mut Errors) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::ErrorType::*;
    use crate::validate::test_support::*;

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
}
