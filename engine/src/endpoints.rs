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

use crate::cluster::NsName;
use crate::model::*;
use crate::net::Family;
use std::collections::BTreeMap;

/// `maxCapacity` of the endpoints controller: larger Endpoints are truncated.
pub const MAX_ENDPOINTS_ADDRESSES: usize = 1000;
/// `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
pub const LABEL_SKIP_MIRROR: &str = "endpointslice.kubernetes.io/skip-mirror";
pub const MANAGED_BY_CONTROLLER: &str = "endpointslice-controller.k8s.io";
pub const MANAGED_BY_MIRRORING: &str = "endpointslicemirroring-controller.k8s.io";
pub const ANNOTATION_OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";

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

/// Whether the endpoints controllers manage this Service's endpoints.
pub fn is_controller_managed(svc: &Service) -> bool {
    svc.type_() != service_type::EXTERNAL_NAME
        && svc.spec.selector.as_ref().is_some_and(|s| !s.is_empty())
}

fn endpoints_labels(svc: &Service) -> StringMap {
    let mut labels = svc.metadata.labels.clone();
    if svc.is_headless() {
        labels.insert(LABEL_HEADLESS.into(), String::new());
    } else {
        labels.remove(LABEL_HEADLESS);
    }
    labels
}

/// The Endpoints object the endpoints controller writes for a Service and
/// the pods its selector matches (`pods` in any order).
pub fn build_endpoints(svc: &Service, pods: &[&Pod]) -> Endpoints {
    let tolerate_unready = svc.publish_not_ready_addresses();
    let family = service_families(svc)
        .first()
        .copied()
        .unwrap_or(Family::IPv4);
    // (address identity, port or None for port-less headless) → ready?
    type Key = (String, String);
    let mut addrs: BTreeMap<Key, EndpointAddress> = BTreeMap::new();
    let mut by_port: BTreeMap<Option<EndpointPort>, BTreeMap<Key, bool>> = BTreeMap::new();
    for pod in pods {
        if !should_pod_be_in_endpoints(pod, tolerate_unready) {
            continue;
        }
        let Some(ip) = pod_ip_of_family(pod, family).next() else {
            continue;
        };
        let identity = pod
            .metadata
            .uid
            .clone()
            .unwrap_or_else(|| format!("{}/{}", pod.metadata.ns(), pod.metadata.name));
        let key = (ip.to_string(), identity);
        let ready = tolerate_unready || pod.is_ready();
        addrs.entry(key.clone()).or_insert_with(|| EndpointAddress {
            ip: ip.to_string(),
            hostname: should_set_hostname(pod, svc)
                .then(|| pod.spec.hostname.clone())
                .flatten(),
            node_name: pod.spec.node_name.clone().filter(|n| !n.is_empty()),
            target_ref: Some(target_ref(pod)),
        });
        let mut record = |port: Option<EndpointPort>| {
            let set = by_port.entry(port).or_default();
            // Ready wins when one address is seen twice.
            let r = set.entry(key.clone()).or_insert(ready);
            *r |= ready;
        };
        if svc.spec.ports.is_empty() {
            if svc.is_headless() {
                record(None);
            }
            continue;
        }
        for sp in &svc.spec.ports {
            if let Some(n) = find_port(pod, sp) {
                record(Some(EndpointPort {
                    name: (!sp.name.is_empty()).then(|| sp.name.clone()),
                    port: n,
                    protocol: Some(sp.protocol().to_string()),
                    app_protocol: sp.app_protocol.clone(),
                }));
            }
        }
    }
    // RepackSubsets: ports offered by the same address set share a subset.
    let mut groups: BTreeMap<Vec<(Key, bool)>, Vec<EndpointPort>> = BTreeMap::new();
    for (port, set) in by_port {
        let members: Vec<(Key, bool)> = set.into_iter().collect();
        let ports = groups.entry(members).or_default();
        ports.extend(port);
    }
    let mut subsets: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(members, mut ports)| {
            ports.sort();
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            for (key, r) in members {
                let a = addrs[&key].clone();
                if r {
                    ready.push(a);
                } else {
                    not_ready.push(a);
                }
            }
            // LessEndpointAddress: byte-wise IP string, then UID.
            let order = |a: &EndpointAddress, b: &EndpointAddress| {
                a.ip.cmp(&b.ip).then_with(|| {
                    let uid =
                        |x: &EndpointAddress| x.target_ref.as_ref().and_then(|t| t.uid.clone());
                    uid(a).cmp(&uid(b))
                })
            };
            ready.sort_by(order);
            not_ready.sort_by(order);
            EndpointSubset {
                addresses: ready,
                not_ready_addresses: not_ready,
                ports,
            }
        })
        .collect();
    subsets.sort_by(|a, b| {
        a.ports
            .cmp(&b.ports)
            .then_with(|| a.addresses.cmp(&b.addresses))
    });
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

/// Keeps at most [`MAX_ENDPOINTS_ADDRESSES`] addresses, ready ones first,
/// each kind spread over the subsets in proportion, the last subset taking
/// the rounding (`truncateEndpoints`).
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    if ready + not_ready <= MAX_ENDPOINTS_ADDRESSES {
        return false;
    }
    let ready_budget = ready.min(MAX_ENDPOINTS_ADDRESSES);
    let not_ready_budget = MAX_ENDPOINTS_ADDRESSES - ready_budget;
    let (mut ready_left, mut not_ready_left) = (ready_budget, not_ready_budget);
    let last = subsets.len().saturating_sub(1);
    for (i, s) in subsets.iter_mut().enumerate() {
        let share = |len: usize, total: usize, budget: usize, left: usize| {
            if i == last || total == 0 {
                left.min(len)
            } else {
                (budget * len / total).min(len).min(left)
            }
        };
        let r = share(s.addresses.len(), ready, ready_budget, ready_left);
        let n = share(
            s.not_ready_addresses.len(),
            not_ready,
            not_ready_budget,
            not_ready_left,
        );
        s.addresses.truncate(r);
        s.not_ready_addresses.truncate(n);
        ready_left -= r;
        not_ready_left -= n;
    }
    true
}

/// Stable five-character suffix in the alphabet Kubernetes uses for
/// generated names (no vowels, no ambiguous digits).
fn name_suffix(parts: &[&str]) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..5)
        .map(|i| {
            let idx = ((h >> (i * 12)) % ALPHABET.len() as u64) as usize;
            char::from(ALPHABET[idx])
        })
        .collect()
}

/// `generateName` truncates the base so the name stays ≤ 63 characters.
fn generated_name(base: &str, parts: &[&str]) -> String {
    let base: String = base.chars().take(58).collect();
    format!("{base}-{}", name_suffix(parts))
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
    for family in service_families(svc) {
        // Port list → endpoints offering exactly those ports.
        let mut groups: BTreeMap<Vec<EndpointSlicePort>, Vec<Endpoint>> = BTreeMap::new();
        for pod in pods {
            if !should_pod_be_in_endpoints(pod, true) {
                continue;
            }
            let ports = slice_ports(svc, pod);
            let group = groups.entry(ports).or_default();
            let node_name = pod.spec.node_name.as_deref().filter(|n| !n.is_empty());
            let node = node_name.and_then(|n| nodes.nodes.get(n));
            if nodes.known() && node.is_none() && !svc.publish_not_ready_addresses() {
                // Upstream skips pods on missing nodes until the pod GC runs.
                if family == service_families(svc)[0] {
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
            group.push(Endpoint {
                addresses,
                conditions: EndpointConditions {
                    ready: Some(svc.publish_not_ready_addresses() || (serving && !terminating)),
                    serving: Some(serving),
                    terminating: Some(terminating),
                },
                hostname: should_set_hostname(pod, svc)
                    .then(|| pod.spec.hostname.clone())
                    .flatten(),
                target_ref: Some(target_ref(pod)),
                node_name: node_name.map(String::from),
                zone: node
                    .and_then(|n| n.zone())
                    .filter(|z| !z.is_empty())
                    .map(String::from),
                hints: None,
            });
        }
        groups.retain(|_, eps| !eps.is_empty());
        if groups.is_empty() {
            // A placeholder slice keeps the Service's family visible.
            slices.push(new_slice(svc, family, Vec::new(), Vec::new(), 0));
            continue;
        }
        for (ports, mut eps) in groups {
            eps.sort_by(|a, b| {
                a.addresses
                    .cmp(&b.addresses)
                    .then_with(|| a.target_ref.cmp(&b.target_ref))
            });
            for chunk in eps.chunks(MAX_ENDPOINTS_PER_SLICE) {
                let idx = slices.len();
                slices.push(new_slice(svc, family, ports.clone(), chunk.to_vec(), idx));
            }
        }
    }
    (slices, skips)
}

/// `getEndpointPorts`: every Service port whose targetPort the pod has.
fn slice_ports(svc: &Service, pod: &Pod) -> Vec<EndpointSlicePort> {
    svc.spec
        .ports
        .iter()
        .filter_map(|sp| {
            find_port(pod, sp).map(|n| EndpointSlicePort {
                name: Some(sp.name.clone()),
                port: Some(n),
                protocol: Some(sp.protocol().to_string()),
                app_protocol: sp.app_protocol.clone(),
            })
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
/// manual Endpoints (none if the Endpoints opt out with `skip-mirror`).
pub fn mirror_slices(svc: &Service, ep: &Endpoints) -> Vec<EndpointSlice> {
    if ep
        .metadata
        .labels
        .get(LABEL_SKIP_MIRROR)
        .map(String::as_str)
        == Some("true")
    {
        return Vec::new();
    }
    let ns = svc.metadata.ns();
    let mut slices = Vec::new();
    for (si, subset) in ep.subsets.iter().enumerate() {
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
        for family in [Family::IPv4, Family::IPv6] {
            let eps: Vec<Endpoint> = subset
                .addresses
                .iter()
                .map(|a| (a, true))
                .chain(subset.not_ready_addresses.iter().map(|a| (a, false)))
                .filter(|(a, _)| crate::net::family_of(&a.ip) == Some(family))
                .map(|(a, ready)| Endpoint {
                    addresses: vec![a.ip.clone()],
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
                })
                .collect();
            if eps.is_empty() {
                continue;
            }
            for (ci, chunk) in eps.chunks(MAX_ENDPOINTS_PER_SLICE).enumerate() {
                let mut labels: StringMap = ep
                    .metadata
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                labels.insert(LABEL_SERVICE_NAME.into(), svc.metadata.name.clone());
                labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_MIRRORING.into());
                let (si, ci) = (si.to_string(), ci.to_string());
                slices.push(EndpointSlice {
                    metadata: ObjectMeta {
                        name: generated_name(
                            &ep.metadata.name,
                            &[ns, &ep.metadata.name, family.as_str(), &si, &ci],
                        ),
                        namespace: ep.metadata.namespace.clone(),
                        labels,
                        ..Default::default()
                    },
                    address_type: address_type(family),
                    endpoints: chunk.to_vec(),
                    ports: ports.clone(),
                });
            }
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
