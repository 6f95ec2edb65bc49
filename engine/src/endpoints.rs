//! Endpoints and EndpointSlices, as the endpoints, EndpointSlice and
//! EndpointSlice-mirroring controllers write them.
//!
//! - Which pods count: not terminal, with an IP; terminating pods only in
//!   slices (or everywhere with `publishNotReadyAddresses`).
//! - Ports: each Service port's targetPort resolved per pod (a name is
//!   looked up by name *and* protocol in the containers, then in sidecar
//!   init containers); a pod without the named port gets no endpoint for
//!   that Service port.
//! - Endpoints are repacked: ports offered by the same set of addresses
//!   share a subset. Slices are one set per address family, grouped by
//!   identical port lists, at most 100 endpoints each.
//! - Manual Endpoints of selectorless Services are repacked too, then
//!   mirrored: one slice per subset and family, at most 1000 addresses.

use crate::model::*;
use crate::net::Family;
use crate::objects::NsName;
use std::collections::BTreeMap;

/// `maxCapacity` of the endpoints controller: larger Endpoints are truncated.
pub const MAX_ENDPOINTS_ADDRESSES: usize = 1000;
/// `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

pub const LABEL_ENDPOINTS_MANAGED_BY: &str = "endpoints.kubernetes.io/managed-by";
pub const ENDPOINTS_CONTROLLER: &str = "endpoint-controller";
pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
pub const LABEL_SKIP_MIRROR: &str = "endpointslice.kubernetes.io/skip-mirror";
pub const MANAGED_BY_CONTROLLER: &str = "endpointslice-controller.k8s.io";
pub const MANAGED_BY_MIRRORING: &str = "endpointslicemirroring-controller.k8s.io";
pub const ANNOTATION_OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// `--mirroring-max-endpoints-per-subset` default: addresses of one subset
/// mirrored into slices (the rest are skipped).
pub const MAX_MIRRORED_ADDRESSES_PER_SUBSET: usize = 1000;
/// Endpoints carrying this annotation are leader-election locks, which the
/// mirroring controller leaves alone.
const ANNOTATION_LEADER: &str = "control-plane.alpha.kubernetes.io/leader";
const ANNOTATION_LAST_CHANGE_TRIGGER_TIME: &str =
    "endpoints.kubernetes.io/last-change-trigger-time";
const ANNOTATION_LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `findPort`: the port number a Service port's targetPort means on a pod.
pub fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    match port.target_port.as_ref() {
        None => Some(port.port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::Str(name)) => pod
            .serving_containers()
            .flat_map(|c| &c.ports)
            .find(|cp| {
                cp.name.as_deref() == Some(name.as_str()) && cp.protocol() == port.protocol()
            })
            .map(|cp| cp.container_port),
    }
}

/// `ShouldPodBeInEndpoints`.
pub fn should_pod_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    !pod.is_terminal() && !pod.ips().is_empty() && (include_terminating || !pod.is_terminating())
}

/// `ShouldSetHostname`: the pod's hostname is published when its subdomain
/// names this Service (same namespace).
pub fn should_set_hostname(pod: &Pod, svc: &Service) -> bool {
    pod.spec.hostname.as_deref().is_some_and(|h| !h.is_empty())
        && pod.spec.subdomain.as_deref() == Some(svc.metadata.name.as_str())
        && pod.metadata.namespace == svc.metadata.namespace
}

/// The Service's families, primary first, as the controllers read them.
pub fn service_families(svc: &Service) -> Vec<Family> {
    let fams: Vec<Family> = svc
        .spec
        .ip_families
        .iter()
        .filter_map(|f| Family::parse(f))
        .collect();
    if !fams.is_empty() {
        return fams;
    }
    match svc.cluster_ips().first() {
        Some(ip) => crate::net::family_of(ip).into_iter().collect(),
        // Headless without families: assume both, as upstream does.
        None => vec![Family::IPv4, Family::IPv6],
    }
}

fn pod_ip_of_family(pod: &Pod, family: Family) -> impl Iterator<Item = &str> {
    pod.ips()
        .into_iter()
        .filter(move |ip| crate::net::family_of(ip) == Some(family))
}

fn target_ref(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: Some(pod.metadata.name.clone()),
        uid: pod.metadata.uid.clone(),
    }
}

/// Whether the EndpointSlice controller manages this slice (its
/// managed-by label says so); it keeps its hands off any other.
pub fn is_controller_slice(es: &EndpointSlice) -> bool {
    es.metadata.labels.get(LABEL_MANAGED_BY).map(String::as_str) == Some(MANAGED_BY_CONTROLLER)
}

/// Whether the endpoints controllers manage this Service's endpoints.
pub fn is_controller_managed(svc: &Service) -> bool {
    svc.type_() != service_type::EXTERNAL_NAME
        && svc.spec.selector.as_ref().is_some_and(|s| !s.is_empty())
}

/// The Service's labels, plus the controller's own (`managed-by` since
/// 1.33) and the headless marker.
fn endpoints_labels(svc: &Service) -> StringMap {
    let mut labels = svc.metadata.labels.clone();
    labels.insert(
        LABEL_ENDPOINTS_MANAGED_BY.into(),
        ENDPOINTS_CONTROLLER.into(),
    );
    if svc.is_headless() {
        labels.insert(LABEL_HEADLESS.into(), String::new());
    } else {
        labels.remove(LABEL_HEADLESS);
    }
    labels
}

/// The family of the address a Service publishes for a pod in its
/// Endpoints (`podToEndpointAddressForService`): the Service's primary
/// family; for a Service without families (never allocated), the family of
/// its cluster IP, or for a headless one the family of the pod's primary IP.
fn endpoints_family(svc: &Service, pod: &Pod) -> Family {
    if let Some(f) = svc.spec.ip_families.first() {
        return if f == "IPv6" {
            Family::IPv6
        } else {
            Family::IPv4
        };
    }
    let from_ip = |ip: Option<&str>| match ip.and_then(crate::net::family_of) {
        Some(Family::IPv6) => Family::IPv6,
        _ => Family::IPv4,
    };
    match svc.cluster_ips().first() {
        Some(ip) => from_ip(Some(ip)),
        None => from_ip(pod.ips().first().copied()),
    }
}

/// The Endpoints object the endpoints controller writes for a Service and
/// the pods its selector matches (`pods` in any order).
pub fn build_endpoints(svc: &Service, pods: &[&Pod]) -> Endpoints {
    let tolerate_unready = svc.publish_not_ready_addresses();
    // The addresses, one per eligible pod, with their readiness.
    let mut members: Vec<(EndpointAddress, bool, &Pod)> = Vec::with_capacity(pods.len());
    for pod in pods {
        if !should_pod_be_in_endpoints(pod, tolerate_unready) {
            continue;
        }
        let family = endpoints_family(svc, pod);
        let Some(ip) = pod_ip_of_family(pod, family).next() else {
            continue;
        };
        let address = EndpointAddress {
            ip: ip.to_string(),
            hostname: should_set_hostname(pod, svc)
                .then(|| pod.spec.hostname.clone())
                .flatten(),
            node_name: pod.spec.node_name.clone().filter(|n| !n.is_empty()),
            target_ref: Some(target_ref(pod)),
        };
        members.push((address, tolerate_unready || pod.is_ready(), pod));
    }
    // `LessEndpointAddress`: byte-wise IP, then the pod's UID (pods read
    // from manifests often have none; their namespace/name stands in).
    crate::order::sort_by(&mut members, |a, b| {
        a.0.ip
            .cmp(&b.0.ip)
            .then_with(|| address_identity(a.2).cmp(&address_identity(b.2)))
    });
    // RepackSubsets, computed directly (each pod is one address): every
    // port, by Service port index and number (`None`: a port-less headless
    // Service), mapped to the members offering it, ...
    let mut by_port: BTreeMap<Option<(usize, i32)>, Vec<usize>> = BTreeMap::new();
    for (m, (_, _, pod)) in members.iter().enumerate() {
        if svc.spec.ports.is_empty() {
            // Headless Services may have no ports; others get nothing.
            if svc.is_headless() {
                by_port.entry(None).or_default().push(m);
            }
            continue;
        }
        for (i, sp) in svc.spec.ports.iter().enumerate() {
            if let Some(n) = find_port(pod, sp) {
                by_port.entry(Some((i, n))).or_default().push(m);
            }
        }
    }
    // ... and ports offered by the same members share a subset.
    let mut groups: BTreeMap<Vec<usize>, Vec<EndpointPort>> = BTreeMap::new();
    for (port, offered_by) in by_port {
        let ports = groups.entry(offered_by).or_default();
        if let Some((i, n)) = port {
            let sp = &svc.spec.ports[i];
            ports.push(EndpointPort {
                name: (!sp.name.is_empty()).then(|| sp.name.clone()),
                port: n,
                protocol: Some(sp.protocol().to_string()),
                app_protocol: sp.app_protocol.clone(),
            });
        }
    }
    let mut subsets: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(offered_by, mut ports)| {
            crate::order::sort(&mut ports);
            let mut subset = EndpointSubset {
                ports,
                ..Default::default()
            };
            for m in offered_by {
                let (address, ready, _) = &members[m];
                if *ready {
                    subset.addresses.push(address.clone());
                } else {
                    subset.not_ready_addresses.push(address.clone());
                }
            }
            subset
        })
        .collect();
    sort_subsets(&mut subsets);
    let mut metadata = ObjectMeta {
        name: svc.metadata.name.clone(),
        namespace: svc.metadata.namespace.clone(),
        labels: endpoints_labels(svc),
        ..Default::default()
    };
    if truncate(&mut subsets) {
        metadata
            .annotations
            .insert(ANNOTATION_OVER_CAPACITY.into(), "truncated".into());
    }
    Endpoints { metadata, subsets }
}

/// `RepackSubsets`: the canonical layout of Endpoints subsets. Every port
/// is mapped to the set of addresses offering it (port-less subsets count
/// as one sentinel port, so their addresses are kept); ports offered by the
/// same address set share a subset, so an address can appear in several.
/// Addresses are de-duplicated by IP and `identity` (upstream: the
/// targetRef UID); an address listed both ready and not ready for a port
/// is not ready. Addresses are sorted by byte-wise IP string, then
/// identity (`LessEndpointAddress`). Upstream orders ports and subsets by a
/// hash; here they are sorted, which is as good for comparison.
fn repack(
    subsets: Vec<EndpointSubset>,
    identity: impl Fn(&EndpointAddress) -> String,
) -> Vec<EndpointSubset> {
    type Key = (String, String);
    let mut addrs: BTreeMap<Key, EndpointAddress> = BTreeMap::new();
    // Port (None: the sentinel of port-less subsets) → address → ready.
    let mut by_port: BTreeMap<Option<EndpointPort>, BTreeMap<Key, bool>> = BTreeMap::new();
    for subset in subsets {
        let ports: Vec<Option<EndpointPort>> = if subset.ports.is_empty() {
            vec![None]
        } else {
            subset.ports.into_iter().map(Some).collect()
        };
        let all = subset
            .addresses
            .into_iter()
            .map(|a| (a, true))
            .chain(subset.not_ready_addresses.into_iter().map(|a| (a, false)));
        for (a, ready) in all {
            let key = (a.ip.clone(), identity(&a));
            addrs.entry(key.clone()).or_insert(a);
            for port in &ports {
                let r = by_port
                    .entry(port.clone())
                    .or_default()
                    .entry(key.clone())
                    .or_insert(ready);
                // Not ready always trumps ready.
                *r &= ready;
            }
        }
    }
    let mut groups: BTreeMap<Vec<(Key, bool)>, Vec<EndpointPort>> = BTreeMap::new();
    for (port, set) in by_port {
        // The sentinel only makes its address set present.
        groups
            .entry(set.into_iter().collect())
            .or_default()
            .extend(port);
    }
    let mut subsets: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(members, mut ports)| {
            crate::order::sort(&mut ports);
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            // Members are ordered by (IP string, identity) already.
            for (key, r) in members {
                let a = addrs[&key].clone();
                if r {
                    ready.push(a);
                } else {
                    not_ready.push(a);
                }
            }
            EndpointSubset {
                addresses: ready,
                not_ready_addresses: not_ready,
                ports,
            }
        })
        .collect();
    sort_subsets(&mut subsets);
    subsets
}

/// Upstream orders ports and subsets by a hash; sorted is as good for
/// comparison, and deterministic.
fn sort_subsets(subsets: &mut [EndpointSubset]) {
    crate::order::sort_by(subsets, |a, b| {
        a.ports
            .cmp(&b.ports)
            .then_with(|| a.addresses.cmp(&b.addresses))
            .then_with(|| a.not_ready_addresses.cmp(&b.not_ready_addresses))
    });
}

/// What tells two addresses with one IP apart: the pod's UID, else its
/// namespace/name.
fn address_identity(pod: &Pod) -> (&str, &str) {
    match pod.metadata.uid.as_deref() {
        Some(uid) => (uid, ""),
        None => (pod.metadata.ns(), &pod.metadata.name),
    }
}

/// `truncateEndpoints`: keeps at most [`MAX_ENDPOINTS_ADDRESSES`]
/// addresses. With more ready addresses than that, ready ones are cut to
/// the limit and every not-ready one is dropped; otherwise only not-ready
/// ones are cut, to what the ready ones leave. Each subset keeps its
/// proportional share rounded up, while capacity remains.
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    if ready + not_ready <= MAX_ENDPOINTS_ADDRESSES {
        return false;
    }
    let truncate_ready = ready > MAX_ENDPOINTS_ADDRESSES;
    let (max, total) = if truncate_ready {
        (MAX_ENDPOINTS_ADDRESSES, ready)
    } else {
        (MAX_ENDPOINTS_ADDRESSES - ready, not_ready)
    };
    let mut can_be_added = max;
    for s in subsets.iter_mut() {
        let in_subset = if truncate_ready {
            s.addresses.len()
        } else {
            s.not_ready_addresses.len()
        };
        // Computed in floating point, as upstream does.
        let share = ((in_subset as f64 / total as f64) * max as f64).ceil() as usize;
        let keep = share.min(can_be_added);
        if truncate_ready {
            s.addresses.truncate(keep);
            s.not_ready_addresses.clear();
            can_be_added -= s.addresses.len();
        } else {
            s.not_ready_addresses.truncate(keep);
            can_be_added -= s.not_ready_addresses.len();
        }
    }
    true
}

/// Stable five-character suffix in the alphabet Kubernetes uses for
/// generated names (no vowels, no ambiguous digits).
fn name_suffix(parts: &[&str]) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let h = crate::hash::fnv1a_parts(parts);
    (0..5)
        .map(|i| {
            let idx = ((h >> (i * 12)) % ALPHABET.len() as u64) as usize;
            char::from(ALPHABET[idx])
        })
        .collect()
}

/// `generateName` with the prefix `<base>-`: the prefix is cut to 58
/// characters so that, with the five-character suffix, the name stays
/// within 63.
fn generated_name(base: &str, parts: &[&str]) -> String {
    let prefix: String = format!("{base}-").chars().take(58).collect();
    format!("{prefix}{}", name_suffix(parts))
}

/// What the EndpointSlice controller needs to know about nodes: their zones,
/// and whether node objects were given at all (without any, pods are not
/// skipped for naming an unknown node).
#[derive(Debug, Clone, Copy)]
pub struct NodeInfo<'a> {
    pub nodes: &'a BTreeMap<String, Node>,
}

impl NodeInfo<'_> {
    fn known(&self) -> bool {
        !self.nodes.is_empty()
    }
}

/// Why a selected pod has no endpoint in the slices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SliceSkip {
    /// The pod names a node the cluster does not have.
    NodeNotFound { pod: String, node: String },
}

/// The EndpointSlices the EndpointSlice controller writes for a Service.
pub fn build_slices(
    svc: &Service,
    pods: &[&Pod],
    nodes: NodeInfo,
) -> (Vec<EndpointSlice>, Vec<SliceSkip>) {
    let mut slices = Vec::new();
    let mut skips = Vec::new();
    let families = service_families(svc);
    for &family in &families {
        // Port list (by Service port index and number) → endpoints
        // offering exactly those ports.
        let mut groups: BTreeMap<Vec<(usize, i32)>, Vec<Endpoint>> = BTreeMap::new();
        for pod in pods {
            if !should_pod_be_in_endpoints(pod, true) {
                continue;
            }
            let group = groups.entry(slice_ports(svc, pod)).or_default();
            let node_name = pod.spec.node_name.as_deref().filter(|n| !n.is_empty());
            let node = node_name.and_then(|n| nodes.nodes.get(n));
            if nodes.known() && node.is_none() && !svc.publish_not_ready_addresses() {
                // Upstream skips pods on missing nodes until the pod GC runs.
                if family == families[0] {
                    skips.push(SliceSkip::NodeNotFound {
                        pod: pod.metadata.name.clone(),
                        node: node_name.unwrap_or("").to_string(),
                    });
                }
                continue;
            }
            let addresses: Vec<String> = pod_ip_of_family(pod, family).map(String::from).collect();
            if addresses.is_empty() {
                continue;
            }
            let serving = pod.is_ready();
            let terminating = pod.is_terminating();
            let ready = svc.publish_not_ready_addresses() || (serving && !terminating);
            let zone = node.and_then(|n| n.zone()).filter(|z| !z.is_empty());
            group.push(Endpoint {
                addresses,
                conditions: EndpointConditions {
                    ready: Some(ready),
                    serving: Some(serving),
                    terminating: Some(terminating),
                },
                hostname: should_set_hostname(pod, svc)
                    .then(|| pod.spec.hostname.clone())
                    .flatten(),
                target_ref: Some(target_ref(pod)),
                node_name: node_name.map(String::from),
                zone: zone.map(String::from),
                hints: ready.then(|| hints(svc, zone, node_name)).flatten(),
            });
        }
        // Slices follow the port lists' order, so names are stable.
        let mut ordered: Vec<(Vec<EndpointSlicePort>, Vec<Endpoint>)> = groups
            .into_iter()
            .filter(|(_, eps)| !eps.is_empty())
            .map(|(ports, eps)| (endpoint_slice_ports(svc, &ports), eps))
            .collect();
        if ordered.is_empty() {
            // A placeholder slice keeps the Service's family visible.
            slices.push(new_slice(svc, family, Vec::new(), Vec::new(), 0));
            continue;
        }
        crate::order::sort_by(&mut ordered, |a, b| a.0.cmp(&b.0));
        for (ports, mut eps) in ordered {
            crate::order::sort_by(&mut eps, |a, b| {
                a.addresses
                    .cmp(&b.addresses)
                    .then_with(|| a.target_ref.cmp(&b.target_ref))
            });
            while !eps.is_empty() {
                let rest = eps.split_off(eps.len().min(MAX_ENDPOINTS_PER_SLICE));
                let idx = slices.len();
                slices.push(new_slice(svc, family, ports.clone(), eps, idx));
                eps = rest;
            }
        }
    }
    (slices, skips)
}

/// The hints `trafficDistribution` asks the controller to put on a ready
/// endpoint (`trafficdist`): its zone for PreferClose and PreferSameZone,
/// its node as well for PreferSameNode. The topology-mode annotation takes
/// precedence with proportional hints from node capacity, which the input
/// does not give: none are written then.
fn hints(svc: &Service, zone: Option<&str>, node: Option<&str>) -> Option<EndpointHints> {
    let named = |n: Option<&str>| -> Vec<ForZone> {
        n.map(|name| ForZone { name: name.into() })
            .into_iter()
            .collect()
    };
    let distribution = svc.spec.traffic_distribution.as_deref()?;
    let auto = [ANNOTATION_TOPOLOGY_HINTS, ANNOTATION_TOPOLOGY_MODE]
        .iter()
        .find_map(|k| svc.metadata.annotations.get(*k))
        .is_some_and(|v| v == "Auto" || v == "auto");
    if auto {
        return None;
    }
    let hints = match distribution {
        "PreferClose" | "PreferSameZone" => EndpointHints {
            for_zones: named(zone),
            for_nodes: Vec::new(),
        },
        "PreferSameNode" => EndpointHints {
            for_zones: named(zone),
            for_nodes: named(node),
        },
        _ => return None,
    };
    (!hints.for_zones.is_empty() || !hints.for_nodes.is_empty()).then_some(hints)
}

/// `getEndpointPorts`: every Service port whose targetPort the pod has,
/// as (Service port index, number).
fn slice_ports(svc: &Service, pod: &Pod) -> Vec<(usize, i32)> {
    svc.spec
        .ports
        .iter()
        .enumerate()
        .filter_map(|(i, sp)| find_port(pod, sp).map(|n| (i, n)))
        .collect()
}

/// The slice ports for a list from [`slice_ports`].
fn endpoint_slice_ports(svc: &Service, ports: &[(usize, i32)]) -> Vec<EndpointSlicePort> {
    ports
        .iter()
        .map(|&(i, n)| {
            let sp = &svc.spec.ports[i];
            EndpointSlicePort {
                name: Some(sp.name.clone()),
                port: Some(n),
                protocol: Some(sp.protocol().to_string()),
                app_protocol: sp.app_protocol.clone(),
            }
        })
        .collect()
}

fn address_type(family: Family) -> String {
    family.as_str().to_string()
}

fn new_slice(
    svc: &Service,
    family: Family,
    ports: Vec<EndpointSlicePort>,
    endpoints: Vec<Endpoint>,
    idx: usize,
) -> EndpointSlice {
    let ns = svc.metadata.ns();
    let name = &svc.metadata.name;
    let mut labels: StringMap = svc
        .metadata
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != LABEL_SERVICE_NAME && k.as_str() != LABEL_MANAGED_BY)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(LABEL_SERVICE_NAME.into(), name.clone());
    labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_CONTROLLER.into());
    if svc.is_headless() {
        labels.insert(LABEL_HEADLESS.into(), String::new());
    } else {
        labels.remove(LABEL_HEADLESS);
    }
    let idx = idx.to_string();
    EndpointSlice {
        metadata: ObjectMeta {
            name: generated_name(name, &[ns, name, family.as_str(), &idx]),
            namespace: svc.metadata.namespace.clone(),
            labels,
            ..Default::default()
        },
        address_type: address_type(family),
        endpoints,
        ports,
    }
}

/// The slices the mirroring controller writes for a selectorless Service's
/// manual Endpoints (none if the Endpoints opt out with `skip-mirror` or
/// are a leader-election lock).
///
/// As the EndpointSlice mirroring controller does: the subsets are first
/// repacked (`RepackSubsets`: duplicates merged, not-ready wins), then each
/// subset gives one slice per address family holding at most
/// [`MAX_MIRRORED_ADDRESSES_PER_SUBSET`] of its addresses (ready ones
/// first; the rest are skipped, not spilled into more slices). Addresses
/// that are not IPs are skipped. Labels and annotations are copied from
/// the Endpoints, except the two annotations upstream leaves out.
pub fn mirror_slices(svc: &Service, ep: &Endpoints) -> Vec<EndpointSlice> {
    if ep
        .metadata
        .labels
        .get(LABEL_SKIP_MIRROR)
        .map(String::as_str)
        == Some("true")
        || ep.metadata.annotations.contains_key(ANNOTATION_LEADER)
    {
        return Vec::new();
    }
    let ns = svc.metadata.ns();
    // API defaulting gives Endpoints ports a protocol; do it before
    // repacking so that `TCP` and unset are one port.
    let mut given = ep.subsets.clone();
    for p in given.iter_mut().flat_map(|s| s.ports.iter_mut()) {
        if p.protocol.as_deref().unwrap_or("").is_empty() {
            p.protocol = Some("TCP".into());
        }
    }
    // Upstream tells addresses apart by IP and targetRef UID only.
    let subsets = repack(given, |a| {
        a.target_ref
            .as_ref()
            .and_then(|r| r.uid.clone())
            .unwrap_or_default()
    });
    let mut labels: StringMap = ep.metadata.labels.clone();
    labels.insert(LABEL_SERVICE_NAME.into(), ep.metadata.name.clone());
    labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_MIRRORING.into());
    let annotations: StringMap = ep
        .metadata
        .annotations
        .iter()
        .filter(|(k, _)| {
            k.as_str() != ANNOTATION_LAST_CHANGE_TRIGGER_TIME
                && k.as_str() != ANNOTATION_LAST_APPLIED
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut slices = Vec::new();
    for (si, subset) in subsets.iter().enumerate() {
        let ports: Vec<EndpointSlicePort> = subset
            .ports
            .iter()
            .map(|p| EndpointSlicePort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(p.port),
                protocol: Some(p.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: p.app_protocol.clone(),
            })
            .collect();
        let mut by_family: BTreeMap<Family, Vec<Endpoint>> = BTreeMap::new();
        let mut added = 0;
        let all = subset
            .addresses
            .iter()
            .map(|a| (a, true))
            .chain(subset.not_ready_addresses.iter().map(|a| (a, false)));
        for (a, ready) in all {
            if added >= MAX_MIRRORED_ADDRESSES_PER_SUBSET {
                break;
            }
            let Some(ip) = crate::net::parse_ip(&a.ip) else {
                continue;
            };
            // IPv4-mapped IPv6 addresses are IPv4 (Go's `To4`).
            let ip = match ip {
                std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
                v4 => v4,
            };
            added += 1;
            by_family
                .entry(Family::of(&ip))
                .or_default()
                .push(Endpoint {
                    addresses: vec![ip.to_string()],
                    conditions: EndpointConditions {
                        ready: Some(ready),
                        serving: None,
                        terminating: None,
                    },
                    hostname: a.hostname.clone().filter(|h| !h.is_empty()),
                    target_ref: a.target_ref.clone(),
                    node_name: a.node_name.clone(),
                    zone: None,
                    hints: None,
                });
        }
        for (family, endpoints) in by_family {
            let si = si.to_string();
            slices.push(EndpointSlice {
                metadata: ObjectMeta {
                    // (The trailing "0" keeps names as they were when
                    // subsets spilled into several slices.)
                    name: generated_name(
                        &ep.metadata.name,
                        &[ns, &ep.metadata.name, family.as_str(), &si, "0"],
                    ),
                    namespace: ep.metadata.namespace.clone(),
                    labels: labels.clone(),
                    annotations: annotations.clone(),
                    ..Default::default()
                },
                address_type: address_type(family),
                endpoints,
                ports: ports.clone(),
            });
        }
    }
    slices
}

/// Slices given in the input for a Service (by the service-name label).
pub fn input_slices<'a>(
    svc_key: &NsName,
    slices: impl Iterator<Item = &'a EndpointSlice>,
) -> Vec<EndpointSlice> {
    slices
        .filter(|s| {
            s.metadata.ns() == svc_key.namespace
                && s.metadata.labels.get(LABEL_SERVICE_NAME) == Some(&svc_key.name)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(ip: &str, pod: &str) -> EndpointAddress {
        EndpointAddress {
            ip: ip.into(),
            target_ref: Some(ObjectReference {
                kind: Some("Pod".into()),
                namespace: Some("ns".into()),
                name: Some(pod.into()),
                uid: Some(format!("uid-{pod}")),
            }),
            ..Default::default()
        }
    }

    fn port(name: &str, n: i32) -> EndpointPort {
        EndpointPort {
            name: Some(name.into()),
            port: n,
            protocol: Some("TCP".into()),
            app_protocol: None,
        }
    }

    fn uid(a: &EndpointAddress) -> String {
        a.target_ref
            .as_ref()
            .and_then(|r| r.uid.clone())
            .unwrap_or_default()
    }

    #[test]
    fn repack_not_ready_trumps_ready() {
        let subsets = vec![
            EndpointSubset {
                addresses: vec![addr("10.0.0.1", "a")],
                ports: vec![port("http", 80)],
                ..Default::default()
            },
            EndpointSubset {
                not_ready_addresses: vec![addr("10.0.0.1", "a")],
                ports: vec![port("http", 80)],
                ..Default::default()
            },
        ];
        let out = repack(subsets, uid);
        assert_eq!(out.len(), 1);
        assert!(out[0].addresses.is_empty());
        assert_eq!(out[0].not_ready_addresses, [addr("10.0.0.1", "a")]);
    }

    #[test]
    fn repack_keeps_port_less_addresses() {
        let subsets = vec![
            EndpointSubset {
                addresses: vec![addr("10.0.0.2", "b")],
                ..Default::default()
            },
            EndpointSubset {
                addresses: vec![addr("10.0.0.1", "a")],
                ..Default::default()
            },
        ];
        let out = repack(subsets, uid);
        assert_eq!(out.len(), 1);
        assert!(out[0].ports.is_empty());
        let ips: Vec<&str> = out[0].addresses.iter().map(|a| a.ip.as_str()).collect();
        assert_eq!(ips, ["10.0.0.1", "10.0.0.2"]);
    }

    fn many(n: usize, prefix: &str) -> Vec<EndpointAddress> {
        (0..n)
            .map(|i| {
                addr(
                    &format!("10.{}.{}.{}", prefix, i / 250, i % 250),
                    &format!("{prefix}-{i}"),
                )
            })
            .collect()
    }

    #[test]
    fn truncation_rounds_shares_up() {
        // Not-ready addresses share what 700 ready ones leave (300), in
        // proportion, rounded up: 100 of 300 → 100, then 200 of 300 → 200.
        let mut subsets = vec![
            EndpointSubset {
                addresses: many(700, "1"),
                not_ready_addresses: many(200, "2"),
                ports: vec![port("a", 1)],
            },
            EndpointSubset {
                not_ready_addresses: many(400, "3"),
                ports: vec![port("b", 2)],
                ..Default::default()
            },
        ];
        assert!(truncate(&mut subsets));
        assert_eq!(subsets[0].addresses.len(), 700);
        assert_eq!(subsets[0].not_ready_addresses.len(), 100);
        assert_eq!(subsets[1].not_ready_addresses.len(), 200);
        // Three equal subsets of ready addresses: ceil(1000/3) = 334 twice,
        // the last one gets what is left; every not-ready one is dropped.
        let mut subsets: Vec<EndpointSubset> = (0..3)
            .map(|i| EndpointSubset {
                addresses: many(500, &format!("{}", i + 4)),
                not_ready_addresses: many(5, &format!("{}", i + 7)),
                ports: vec![port("p", i + 1)],
            })
            .collect();
        assert!(truncate(&mut subsets));
        let kept: Vec<usize> = subsets.iter().map(|s| s.addresses.len()).collect();
        assert_eq!(kept, [334, 334, 332]);
        assert!(subsets.iter().all(|s| s.not_ready_addresses.is_empty()));
    }

    #[test]
    fn generated_names_fit_in_63_characters() {
        let long = "a".repeat(63);
        let name = generated_name(&long, &["x"]);
        assert_eq!(name.len(), 63);
        assert!(name.starts_with(&"a".repeat(58)));
        let short = generated_name("web", &["x"]);
        assert!(short.starts_with("web-") && short.len() == 9, "{short}");
    }

    fn selectorless() -> Service {
        let mut svc = Service::default();
        svc.metadata.name = "manual".into();
        svc.metadata.namespace = Some("ns".into());
        svc
    }

    fn manual(subsets: Vec<EndpointSubset>) -> Endpoints {
        let mut ep = Endpoints {
            subsets,
            ..Default::default()
        };
        ep.metadata.name = "manual".into();
        ep.metadata.namespace = Some("ns".into());
        ep
    }

    #[test]
    fn mirroring_repacks_and_caps_each_subset() {
        // The same address twice (once not ready) and 1200 more: one slice
        // with 1000 endpoints, duplicates merged, not-ready wins.
        let mut addresses = vec![addr("10.9.9.9", "dup")];
        addresses.extend(many(1200, "1"));
        let ep = manual(vec![
            EndpointSubset {
                addresses,
                ports: vec![port("http", 80)],
                ..Default::default()
            },
            EndpointSubset {
                not_ready_addresses: vec![addr("10.9.9.9", "dup")],
                ports: vec![port("http", 80)],
                ..Default::default()
            },
        ]);
        let slices = mirror_slices(&selectorless(), &ep);
        assert_eq!(slices.len(), 1);
        assert_eq!(slices[0].address_type, "IPv4");
        assert_eq!(slices[0].endpoints.len(), 1000);
        // The duplicate became not ready, and ready addresses are taken
        // first, so it is among the skipped ones.
        assert!(slices[0]
            .endpoints
            .iter()
            .all(|e| e.conditions.ready == Some(true) && e.addresses != ["10.9.9.9"]));
        // Small enough, it is there once, not ready.
        let ep = manual(vec![
            EndpointSubset {
                addresses: vec![addr("10.9.9.9", "dup"), addr("10.0.0.1", "a")],
                ports: vec![port("http", 80)],
                ..Default::default()
            },
            EndpointSubset {
                not_ready_addresses: vec![addr("10.9.9.9", "dup")],
                ports: vec![port("http", 80)],
                ..Default::default()
            },
        ]);
        let slices = mirror_slices(&selectorless(), &ep);
        assert_eq!(slices.len(), 1);
        let got: Vec<(&str, Option<bool>)> = slices[0]
            .endpoints
            .iter()
            .map(|e| (e.addresses[0].as_str(), e.conditions.ready))
            .collect();
        assert_eq!(got, [("10.0.0.1", Some(true)), ("10.9.9.9", Some(false))]);
    }

    #[test]
    fn mirroring_splits_families_and_skips_bad_ips() {
        let ep = manual(vec![EndpointSubset {
            addresses: vec![
                addr("10.0.0.1", "a"),
                addr("fd00::1", "b"),
                addr("not-an-ip", "c"),
            ],
            ports: vec![port("http", 80)],
            ..Default::default()
        }]);
        let slices = mirror_slices(&selectorless(), &ep);
        let types: Vec<&str> = slices.iter().map(|s| s.address_type.as_str()).collect();
        assert_eq!(types, ["IPv4", "IPv6"]);
        assert!(slices.iter().all(|s| s.endpoints.len() == 1));
    }

    #[test]
    fn mirroring_skips_leader_locks_and_copies_annotations() {
        let subsets = vec![EndpointSubset {
            addresses: vec![addr("10.0.0.1", "a")],
            ..Default::default()
        }];
        let mut ep = manual(subsets);
        ep.metadata
            .annotations
            .insert(ANNOTATION_LEADER.into(), "{}".into());
        assert!(mirror_slices(&selectorless(), &ep).is_empty());
        ep.metadata.annotations.clear();
        ep.metadata.annotations.insert("team".into(), "x".into());
        ep.metadata
            .annotations
            .insert(ANNOTATION_LAST_APPLIED.into(), "{}".into());
        let slices = mirror_slices(&selectorless(), &ep);
        assert_eq!(slices.len(), 1);
        assert_eq!(
            slices[0].metadata.annotations,
            [("team".to_string(), "x".to_string())].into()
        );
    }

    #[test]
    fn headless_without_families_uses_the_pods_primary_family() {
        let mut svc = selectorless();
        svc.spec.cluster_ip = Some("None".into());
        svc.spec.selector = Some([("app".to_string(), "x".to_string())].into());
        let mut pod = Pod::default();
        pod.metadata.name = "p".into();
        pod.metadata.namespace = Some("ns".into());
        pod.status.pod_ips = vec![
            PodIP {
                ip: "fd00::5".into(),
            },
            PodIP {
                ip: "10.0.0.5".into(),
            },
        ];
        let ep = build_endpoints(&svc, &[&pod]);
        assert_eq!(ep.subsets.len(), 1);
        assert_eq!(ep.subsets[0].not_ready_addresses[0].ip, "fd00::5");
    }
}
