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

mod endpoints;
mod ip;
mod pod;
mod service;
mod workload;

use crate::names::*;
pub use endpoints::{validate_endpoint_slice, validate_endpoints};
use ip::*;
pub use pod::validate_pod;
pub use service::validate_service;
pub use workload::validate_workload;

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/// Values render as Go's `%q` renders strings in `field.Error`.
pub(super) fn q(s: &str) -> String {
    crate::field::go_quote(s)
}

pub(super) fn q_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| q(s.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}

pub(super) const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
pub(super) const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

pub(super) fn push_invalid_msgs(path: &Path, value: &str, msgs: Vec<String>, errs: &mut Errors) {
    for msg in msgs {
        errs.push(FieldError::invalid(path, q(value), msg));
    }
}

pub(super) fn port_num(path: &Path, port: i32, errs: &mut Errors) {
    if !(1..=65535).contains(&port) {
        errs.push(FieldError::invalid(
            path,
            port,
            "must be between 1 and 65535, inclusive",
        ));
    }
}

pub(super) fn protocol(path: &Path, value: &str, errs: &mut Errors) {
    if value.is_empty() {
        errs.push(FieldError::required(path, ""));
    } else if !PROTOCOLS.contains(&value) {
        errs.push(FieldError::not_supported(path, q(value), PROTOCOLS));
    }
}

/// `ValidateLabels`: errors are reported on the map itself, not the key.
pub(super) fn labels(map: &BTreeMap<String, String>, path: &Path, errs: &mut Errors) {
    for (k, v) in map {
        push_invalid_msgs(path, k, label_key(k), errs);
        push_invalid_msgs(path, v, label_value(v), errs);
    }
}

/// `ValidateObjectMeta` for a namespaced object, with the kind's name rule.
pub(super) fn object_meta(
    meta: &ObjectMeta,
    name_rule: fn(&str) -> Vec<String>,
    errs: &mut Errors,
) {
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
        push_invalid_msgs(&ann_path, k, label_key(&k.to_lowercase()), errs);
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

pub(super) fn app_protocol(path: &Path, value: Option<&str>, errs: &mut Errors) {
    if let Some(v) = value {
        push_invalid_msgs(&path.child("appProtocol"), v, label_key(v), errs);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    pub(crate) use super::*;
    pub(crate) use crate::field::ErrorType;
    pub(crate) use crate::model::{
        ClientIPConfig, ContainerPort, EndpointHints, EndpointSubset, ForZone, PodIP,
        SessionAffinityConfig,
    };
    pub(crate) use proptest::prelude::*;

    pub(crate) fn pairs(errs: &[FieldError]) -> Vec<(String, ErrorType)> {
        let mut v: Vec<_> = errs.iter().map(|e| (e.field.clone(), e.type_)).collect();
        v.sort();
        v
    }

    #[track_caller]
    pub(crate) fn expect(errs: Vec<FieldError>, want: &[(&str, ErrorType)]) {
        let mut want: Vec<_> = want.iter().map(|(f, t)| (f.to_string(), *t)).collect();
        want.sort();
        assert_eq!(pairs(&errs), want, "errors: {errs:#?}");
    }

    pub(crate) fn meta(name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: Some("ns".into()),
            ..Default::default()
        }
    }

    pub(crate) fn port(name: &str, proto: &str, port: i32) -> ServicePort {
        ServicePort {
            name: name.into(),
            protocol: Some(proto.into()),
            port,
            target_port: Some(IntOrString::Int(port)),
            ..Default::default()
        }
    }

    /// A defaulted ClusterIP Service that passes validation.
    pub(crate) fn svc() -> Service {
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

    pub(crate) fn typed(type_: &str) -> Service {
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

    pub(crate) fn with(mut s: Service, f: impl FnOnce(&mut Service)) -> Vec<FieldError> {
        f(&mut s);
        validate_service(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::pod::{plainly_valid, validate_pod_fully};
    use super::test_support::*;
    use std::net::IpAddr;

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
            prop::collection::btree_map(text(), text(), 0..3)
                .prop_map(crate::model::StringMap::from),
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
            prop::option::of(
                prop::collection::btree_map(text(), text(), 0..3)
                    .prop_map(crate::model::StringMap::from),
            ),
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
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
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
        std::sync::Arc::make_mut(&mut p.spec.containers)[0].ports[0].protocol = Some("HTTP".into());
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
                        .collect::<Vec<_>>()
                        .into();
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
