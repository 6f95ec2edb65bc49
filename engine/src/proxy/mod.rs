//! What kube-proxy makes of Services on one node: the proxy's view of each
//! service port and its endpoints (as `pkg/proxy`'s service and endpoint
//! change trackers build it from Services and EndpointSlices), the
//! endpoint categorisation by traffic policy and topology (`topology.go`),
//! and on top of that the [`ruleset`] each proxy mode programs
//! ([`iptables`], [`ipvs`], [`nftables`], [`userspace`]; rules written in
//! the [`ipt`] and [`nft`] syntaxes), the interpreter that walks a packet
//! through it ([`walk`]) and the traces built on that ([`route`]), whose
//! `--to` that matches nothing gets hints of what was meant (`meant`).
//!
//! This module owns the proxy model; the engine owns Services and slices.

pub mod hash;
pub mod ipt;
pub mod iptables;
pub mod ipvs;
mod meant;
pub mod nft;
pub mod nftables;
pub mod route;
pub mod ruleset;
pub mod userspace;
pub mod walk;

use crate::model::{EndpointHints, EndpointSlice, ForZone, Service, LABEL_ZONE};
use crate::net::{parse_cidr_masked, parse_ip, push_decimal, push_ip, Cidr, Family};
use crate::objects::NsName;
use crate::state::State;
use ruleset::{Name, Ruleset};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Which address of a service port a packet is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    NodePort,
}

impl Entry {
    /// `the cluster IP`, `an external IP`, …
    pub fn describe(self) -> &'static str {
        match self {
            Entry::ClusterIp => "the cluster IP",
            Entry::ExternalIp => "an external IP",
            Entry::LoadBalancer => "a load-balancer IP",
            Entry::NodePort => "a node port",
        }
    }
}

/// The proxier's own settings (kube-proxy flags and the node it runs on).
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyConfig {
    /// The node kube-proxy runs on (`--hostname-override`).
    pub node_name: String,
    /// The node's primary IP (for LoadBalancer source ranges that cover it).
    pub node_ip: Option<IpAddr>,
    /// Every address of the node in this family (its InternalIPs and
    /// ExternalIPs): what `--dst-type LOCAL` matches and where IPVS serves
    /// node ports.
    pub node_addresses: Vec<IpAddr>,
    /// The node's `topology.kubernetes.io/zone` label.
    pub node_zone: Option<String>,
    /// `--cluster-cidr`: the local-traffic detector; `None` is the no-op
    /// detector upstream uses when the flag is unset.
    pub cluster_cidr: Option<Cidr>,
    /// `--masquerade-all`.
    pub masquerade_all: bool,
    /// `--iptables-masquerade-bit` (14 by default).
    pub masquerade_bit: u8,
    /// The IP family this proxier handles (kube-proxy runs one per family).
    pub family: Family,
}

impl ProxyConfig {
    /// Defaults for `node`: bit 14, no detector, IPv4.
    pub fn new(node_name: &str) -> Self {
        ProxyConfig {
            node_name: node_name.to_string(),
            node_ip: None,
            node_addresses: Vec::new(),
            node_zone: None,
            cluster_cidr: None,
            masquerade_all: false,
            masquerade_bit: 14,
            family: Family::IPv4,
        }
    }

    /// The masquerade mark, e.g. `0x4000`.
    pub fn mark_value(&self) -> u32 {
        1u32 << self.masquerade_bit.min(31)
    }
}

/// One endpoint of a service port, as kube-proxy's endpoint info holds it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointInfo {
    pub ip: IpAddr,
    pub port: u16,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zone_hints: Vec<String>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_hints: Vec<String>,
    /// Its KUBE-SEP chain (hashed once, when the service port is built).
    #[serde(skip)]
    pub chain: Name,
    /// `ip:port`, written once: rules and traces name it many times.
    #[serde(skip)]
    addr: Name,
    /// The pod behind the endpoint (`targetRef`), when known.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl EndpointInfo {
    /// `ip:port` (`[ip]:port` for IPv6), as `--to-destination` takes it.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `ip:port`, shared.
    pub fn addr_name(&self) -> Name {
        self.addr.clone()
    }

    pub fn is_local(&self, node: &str) -> bool {
        self.node_name.as_deref() == Some(node)
    }

    /// Ready, or serving while terminating: an endpoint some policy uses.
    pub fn usable(&self) -> bool {
        self.ready || (self.serving && self.terminating)
    }
}

/// `tcp`, `udp` or `sctp` for an API protocol; `None` for any other.
pub fn proto_static(protocol: &str) -> Option<&'static str> {
    match protocol {
        "TCP" => Some("tcp"),
        "UDP" => Some("udp"),
        "SCTP" => Some("sctp"),
        _ => None,
    }
}

/// Service ports in the order the proxiers write them: by name, then
/// protocol.
pub fn sort_ports(ports: &mut [&ServicePortInfo]) {
    crate::order::sort_by(ports, |a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.protocol.cmp(&b.protocol))
    });
}

/// `ip:port`, bracketing IPv6.
pub fn join_host_port(ip: &IpAddr, port: u16) -> String {
    let mut s = String::with_capacity(21);
    if ip.is_ipv6() {
        s.push('[');
        push_ip(&mut s, ip);
        s.push(']');
    } else {
        push_ip(&mut s, ip);
    }
    s.push(':');
    push_decimal(&mut s, u32::from(port));
    s
}

/// One port of one Service, as kube-proxy's service change tracker holds
/// it for one IP family.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePortInfo {
    pub service: NsName,
    /// `ns/name:port`, or `ns/name` for an unnamed port.
    pub name: String,
    /// The hash shared by the SVC, SVL, EXT and FW chains.
    pub hash: String,
    pub port_name: String,
    /// Upper case, as in the API (`TCP`).
    pub protocol: String,
    /// Lower case, as the rules spell it (`tcp`).
    pub proto: &'static str,
    pub cluster_ip: IpAddr,
    pub port: u16,
    /// 0: none.
    pub node_port: u16,
    pub external_ips: Vec<IpAddr>,
    pub load_balancer_ips: Vec<IpAddr>,
    pub source_ranges: Vec<Cidr>,
    /// 0: none (only LoadBalancer + `externalTrafficPolicy: Local` has one).
    pub health_check_node_port: u16,
    pub external_policy_local: bool,
    pub internal_policy_local: bool,
    /// ClientIP affinity timeout in seconds; `None`: no affinity.
    pub affinity_timeout: Option<u32>,
    /// Sorted by `ip:port` string, as the endpoints cache sorts them.
    pub endpoints: Vec<EndpointInfo>,
}

impl ServicePortInfo {
    /// `ns/name:port`, or `ns/name` for an unnamed port.
    pub fn name_string(&self) -> &str {
        &self.name
    }

    pub fn protocol_lower(&self) -> String {
        self.proto.to_string()
    }

    /// `tcp`, `udp` or `sctp`.
    pub fn protocol_static(&self) -> &'static str {
        self.proto
    }

    /// Some endpoint anywhere is usable (independent of the node: topology
    /// only narrows a non-empty set).
    pub fn has_usable_endpoints(&self) -> bool {
        self.endpoints.iter().any(EndpointInfo::usable)
    }

    /// Some usable endpoint is on `node` (what Local policies ask).
    pub fn has_local_endpoints(&self, node: &str) -> bool {
        self.endpoints
            .iter()
            .any(|e| e.usable() && e.is_local(node))
    }

    /// Whether rules differ between nodes with and without a local
    /// endpoint (a Local traffic policy).
    pub fn local_sensitive(&self) -> bool {
        self.internal_policy_local || self.external_policy_local
    }

    /// Reachable from outside: a node port, external IPs or LB IPs.
    pub fn externally_accessible(&self) -> bool {
        self.node_port != 0 || !self.external_ips.is_empty() || !self.load_balancer_ips.is_empty()
    }

    /// Needs the cluster-wide endpoint set (even with ETP Local, for the
    /// short-circuit of pod and node traffic).
    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_policy_local || self.externally_accessible()
    }

    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_policy_local || (self.external_policy_local && self.externally_accessible())
    }
}

/// The endpoints one node's proxy uses for a service port.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Categorized<'a> {
    /// For Cluster policies (ready, topology-filtered; else serving and
    /// terminating).
    pub cluster: Vec<&'a EndpointInfo>,
    /// For Local policies (ready local; else serving+terminating local).
    pub local: Vec<&'a EndpointInfo>,
    /// Everything some chain jumps to (each gets a KUBE-SEP chain).
    pub reachable: Vec<&'a EndpointInfo>,
    /// Some usable endpoint exists anywhere in the cluster.
    pub has_any: bool,
    /// Node or zone hints narrowed the cluster endpoints to this node or
    /// its zone.
    pub topology: bool,
}

/// What topology hints narrow cluster endpoints to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topology {
    Node,
    Zone,
}

/// Splits a service port's endpoints as `CategorizeEndpoints` does.
pub fn categorize<'a>(sp: &'a ServicePortInfo, cfg: &ProxyConfig) -> Categorized<'a> {
    let mut c = Categorized::default();
    let eps = &sp.endpoints;
    let mut use_topology = false;
    if sp.uses_cluster_endpoints() {
        let topology = topology_mode(sp, cfg);
        use_topology = topology.is_some();
        c.topology = use_topology;
        let zone = cfg.node_zone.as_deref().unwrap_or("");
        let node = cfg.node_name.as_str();
        c.cluster = eps
            .iter()
            .filter(|e| {
                e.ready
                    && match topology {
                        None => true,
                        Some(Topology::Node) => e.node_hints.iter().any(|n| n == node),
                        Some(Topology::Zone) => e.zone_hints.iter().any(|z| z == zone),
                    }
            })
            .collect();
        // No ready endpoint anywhere: fall back to serving terminating ones.
        if c.cluster.is_empty() {
            c.cluster = eps.iter().filter(|e| e.serving && e.terminating).collect();
        }
        c.has_any = !c.cluster.is_empty();
    }
    if !sp.uses_local_endpoints() {
        c.reachable = c.cluster.clone();
        return c;
    }
    let node = cfg.node_name.as_str();
    let (mut local_ready, mut local_terminating) = (false, false);
    for e in eps {
        if e.ready {
            c.has_any = true;
            local_ready |= e.is_local(node);
        } else if e.serving && e.terminating {
            c.has_any = true;
            local_terminating |= e.is_local(node);
        }
    }
    let mut serving_terminating = false;
    if local_ready {
        c.local = eps.iter().filter(|e| e.is_local(node) && e.ready).collect();
    } else if local_terminating {
        serving_terminating = true;
        c.local = eps
            .iter()
            .filter(|e| e.is_local(node) && e.serving && e.terminating)
            .collect();
    }
    if !sp.uses_cluster_endpoints() {
        c.reachable = c.local.clone();
        return c;
    }
    if !use_topology && !serving_terminating {
        // Cluster holds every ready endpoint, a superset of local.
        c.reachable = c.cluster.clone();
        return c;
    }
    let mut merged: BTreeMap<&str, &EndpointInfo> = BTreeMap::new();
    for e in c.cluster.iter().chain(&c.local) {
        merged.insert(e.addr(), e);
    }
    c.reachable = merged.into_values().collect();
    c
}

/// `topologyModeFromHints`: node hints apply when every ready endpoint has
/// some and one is for this node; else zone hints, when every ready
/// endpoint has some and one is for this node's zone. kube-proxy reads
/// only the hints; asking for them (`trafficDistribution`, the
/// topology-mode annotation) is the EndpointSlice controller's business.
fn topology_mode(sp: &ServicePortInfo, cfg: &ProxyConfig) -> Option<Topology> {
    let zone = cfg.node_zone.as_deref().filter(|z| !z.is_empty());
    let (mut all_node, mut for_node) = (true, false);
    let (mut all_zone, mut for_zone) = (true, false);
    for e in sp.endpoints.iter().filter(|e| e.ready) {
        all_node &= !e.node_hints.is_empty();
        for_node |= e.node_hints.contains(&cfg.node_name);
        all_zone &= !e.zone_hints.is_empty();
        for_zone |= zone.is_some_and(|z| e.zone_hints.iter().any(|h| h == z));
    }
    if all_node && for_node {
        Some(Topology::Node)
    } else if all_zone && for_zone {
        Some(Topology::Zone)
    } else {
        None
    }
}

/// The service ports kube-proxy of `family` would program for `svc`, with
/// endpoints from `slices` (the Service's EndpointSlices).
pub fn service_ports(
    key: &NsName,
    svc: &Service,
    slices: &[EndpointSlice],
    family: Family,
) -> Vec<ServicePortInfo> {
    // Headless and ExternalName Services are not proxied.
    let Some(cluster_ip) = svc
        .cluster_ips()
        .into_iter()
        .filter_map(parse_ip)
        .find(|ip| Family::of(ip) == family)
    else {
        return Vec::new();
    };
    let of_family = |v: &mut Vec<IpAddr>| v.retain(|ip| Family::of(ip) == family);
    let mut external_ips: Vec<IpAddr> = svc
        .spec
        .external_ips
        .iter()
        .filter_map(|s| parse_ip(s.trim()))
        .collect();
    of_family(&mut external_ips);
    let is_lb = svc.type_() == crate::model::service_type::LOAD_BALANCER;
    let mut lb_ips: Vec<IpAddr> = if is_lb {
        svc.status
            .load_balancer
            .ingress
            .iter()
            // "Proxy" ingress is reached through the load balancer, never
            // captured on the node.
            .filter(|i| i.ip_mode.as_deref() != Some("Proxy"))
            .filter_map(|i| i.ip.as_deref().and_then(parse_ip))
            .collect()
    } else {
        Vec::new()
    };
    of_family(&mut lb_ips);
    let source_ranges: Vec<Cidr> = if is_lb {
        svc.spec
            .load_balancer_source_ranges
            .iter()
            .filter_map(|s| parse_cidr_masked(s.trim()))
            .filter(|c| c.family() == family)
            .collect()
    } else {
        Vec::new()
    };
    let external_local =
        svc.externally_accessible() && svc.spec.external_traffic_policy.as_deref() == Some("Local");
    let internal_local = svc.spec.internal_traffic_policy.as_deref() == Some("Local");
    let health_check_node_port = if is_lb && external_local {
        svc.spec
            .health_check_node_port
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0)
    } else {
        0
    };
    let affinity_timeout = (svc.spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
        svc.spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .and_then(|c| c.timeout_seconds)
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(10800)
    });
    let mut out = Vec::new();
    for p in &svc.spec.ports {
        let Ok(port) = u16::try_from(p.port) else {
            continue;
        };
        let protocol = p.protocol().to_string();
        // kube-proxy writes rules only for the protocols the kernel
        // matches; the apiserver refuses the others.
        let Some(proto) = proto_static(&protocol) else {
            continue;
        };
        let mut endpoints = port_endpoints(slices, &p.name, &protocol, family);
        let name = if p.name.is_empty() {
            key.to_string()
        } else {
            format!("{key}:{}", p.name)
        };
        for e in &mut endpoints {
            e.chain = format!(
                "KUBE-SEP-{}",
                hash::chain_hash(&format!("{name}{proto}{}", e.addr()))
            )
            .into();
        }
        out.push(ServicePortInfo {
            hash: hash::chain_hash(&format!("{name}{proto}")),
            name,
            service: key.clone(),
            port_name: p.name.clone(),
            protocol,
            proto,
            cluster_ip,
            port,
            node_port: p.node_port.and_then(|n| u16::try_from(n).ok()).unwrap_or(0),
            external_ips: external_ips.clone(),
            load_balancer_ips: lb_ips.clone(),
            source_ranges: source_ranges.clone(),
            health_check_node_port,
            external_policy_local: external_local,
            internal_policy_local: internal_local,
            affinity_timeout,
            endpoints,
        });
    }
    out
}

/// The endpoints of one service port across slices: the slice port with the
/// same name and protocol gives the target port; the first address of each
/// endpoint counts; duplicates (same `ip:port`) collapse; sorted by
/// `ip:port` string.
fn port_endpoints(
    slices: &[EndpointSlice],
    name: &str,
    protocol: &str,
    family: Family,
) -> Vec<EndpointInfo> {
    let mut by_addr: BTreeMap<String, EndpointInfo> = BTreeMap::new();
    for slice in slices {
        if Family::parse(&slice.address_type) != Some(family) {
            continue;
        }
        let Some(port) = slice
            .ports
            .iter()
            .find(|p| {
                p.name.as_deref().unwrap_or("") == name
                    && p.protocol.as_deref().unwrap_or("TCP") == protocol
            })
            .and_then(|p| p.port)
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
        else {
            continue;
        };
        for e in &slice.endpoints {
            let Some(ip) = e.addresses.first().and_then(|a| parse_ip(a)) else {
                continue;
            };
            let c = &e.conditions;
            let hinted = |pick: fn(&EndpointHints) -> &Vec<ForZone>| -> Vec<String> {
                e.hints
                    .iter()
                    .flat_map(pick)
                    .map(|z| z.name.clone())
                    .collect()
            };
            let info = EndpointInfo {
                ip,
                port,
                ready: c.ready.unwrap_or(true),
                serving: c.serving.unwrap_or(true),
                terminating: c.terminating.unwrap_or(false),
                node_name: e.node_name.clone().filter(|n| !n.is_empty()),
                zone: e.zone.clone().filter(|z| !z.is_empty()),
                zone_hints: hinted(|h| &h.for_zones),
                node_hints: hinted(|h| &h.for_nodes),
                chain: "".into(),
                addr: join_host_port(&ip, port).into(),
                pod: e
                    .target_ref
                    .as_ref()
                    .filter(|r| r.kind.as_deref() == Some("Pod"))
                    .and_then(|r| r.name.clone()),
            };
            by_addr.entry(info.addr.to_string()).or_insert(info);
        }
    }
    by_addr.into_values().collect()
}

/// Every service port the engine's served Services give kube-proxy of
/// `family`, in namespace/name order. The implicit `default/kubernetes` is
/// left out: its endpoints are the apiservers, which the input does not
/// name, and a real one always has them.
pub fn stored_service_ports(state: &State, family: Family) -> Vec<ServicePortInfo> {
    state
        .services()
        .filter(|(_, st)| !st.implicit)
        .flat_map(|(key, st)| service_ports(key, &st.service, &st.slices, family))
        .collect()
}

/// The IP family kube-proxy on node `name` programs when none is asked for
/// (`cluster_cidr`, when given, decides): that of the node's first
/// InternalIP, as kube-proxy detects its node IP; for a node the input
/// lacks, the family most served Services' primary cluster IPs have; else
/// that of the primary service CIDR.
pub fn proxy_family(state: &State, name: &str, cluster_cidr: Option<&Cidr>) -> Family {
    if let Some(c) = cluster_cidr {
        return c.family();
    }
    let node_ip = state
        .objects
        .nodes
        .get(name)
        .and_then(|n| n.internal_ips().find_map(parse_ip));
    if let Some(ip) = node_ip {
        return Family::of(&ip);
    }
    let (mut v4, mut v6) = (0usize, 0usize);
    for (_, st) in state.services().filter(|(_, st)| !st.implicit) {
        match st.service.cluster_ips().first().and_then(|ip| parse_ip(ip)) {
            Some(ip) if Family::of(&ip) == Family::IPv6 => v6 += 1,
            Some(_) => v4 += 1,
            None => {}
        }
    }
    match (v4, v6) {
        (0, 0) => state
            .config
            .service_cidrs
            .first()
            .map_or(Family::IPv4, Cidr::family),
        (v4, v6) if v6 > v4 => Family::IPv6,
        _ => Family::IPv4,
    }
}

/// The proxy config of node `name` in the engine's cluster: its first
/// InternalIP of `family` and its zone label. `None`: no such node.
pub fn node_config(state: &State, name: &str, family: Family) -> Option<ProxyConfig> {
    let node = state.objects.nodes.get(name)?;
    let mut cfg = ProxyConfig::new(name);
    cfg.family = family;
    cfg.node_ip = node
        .internal_ips()
        .filter_map(parse_ip)
        .find(|ip| Family::of(ip) == family);
    for a in &node.status.addresses {
        if matches!(a.type_.as_str(), "InternalIP" | "ExternalIP") {
            if let Some(ip) = parse_ip(&a.address).filter(|ip| Family::of(ip) == family) {
                if !cfg.node_addresses.contains(&ip) {
                    cfg.node_addresses.push(ip);
                }
            }
        }
    }
    cfg.node_zone = node.metadata.labels.get(LABEL_ZONE).cloned();
    Some(cfg)
}

/// The node's full ruleset in `mode`: what `rules` prints and `route`
/// walks (a trace builds only the service ports it reaches).
pub fn ruleset(
    mode: route::Mode,
    ports: &[ServicePortInfo],
    cfg: &ProxyConfig,
    service_cidrs: &[Cidr],
) -> Ruleset {
    match mode {
        route::Mode::Iptables => iptables::sync_rules(ports, cfg),
        route::Mode::Nftables => nftables::sync_ruleset(ports, cfg, service_cidrs),
        route::Mode::Ipvs => ipvs::sync(ports, cfg),
        route::Mode::Userspace => userspace::sync(ports, cfg),
    }
}

/// The ruleset as the `rules` document: tables, chains and rules (a
/// rule's index in its chain is its identity), sets and maps with their
/// elements by key, ipsets, virtual servers by key, and the text.
pub fn rules_document(rs: &Ruleset, node: &str) -> crate::cluster::documents::ProxyRules {
    use crate::cluster::documents as d;
    let family = rs.family;
    let (text, spans) = rs.render();
    let mut rules = spans.rules.iter().map(|r| text[r.clone()].to_string());
    let mut elements = spans.elements.iter().map(|r| text[r.clone()].to_string());
    let tables = rs
        .tables
        .iter()
        .map(|t| d::RuleTable {
            name: t.name.to_string(),
            chains: t
                .ordered_chains()
                .into_iter()
                .map(|c| d::RuleChain {
                    name: c.name.to_string(),
                    hook: c.hook.map(String::from),
                    rules: rules.by_ref().take(c.rules.len()).collect(),
                })
                .collect(),
            sets: t
                .sets
                .iter()
                .map(|s| d::RuleSet {
                    kind: s.kind,
                    name: s.name.to_string(),
                    elements: s
                        .elements
                        .iter()
                        .zip(elements.by_ref())
                        .map(|(e, text)| d::RuleElement {
                            key: e.key.to_string(),
                            value: e.value.as_ref().map(ToString::to_string),
                            text,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let ipsets = rs
        .ipsets
        .iter()
        .map(|s| {
            let mut entries: Vec<String> = s.entries.iter().map(ToString::to_string).collect();
            crate::order::sort(&mut entries);
            entries.dedup();
            d::Ipset {
                name: s.name.to_string(),
                type_: s.type_,
                comment: s.comment,
                entries,
            }
        })
        .collect();
    let virtual_servers = rs
        .virtual_servers
        .iter()
        .map(|v| d::VirtualServer {
            key: v.key(),
            protocol: v.protocol.clone(),
            address: join_host_port(&v.address, v.port),
            scheduler: v.scheduler,
            persistent: v.persistent,
            text: v.text(),
            real_servers: v
                .reals
                .iter()
                .map(|r| d::RealServer {
                    address: r.addr.to_string(),
                    text: r.text(),
                })
                .collect(),
        })
        .collect();
    d::ProxyRules {
        node: node.to_string(),
        mode: rs.mode,
        family: family.as_str(),
        tables,
        ipsets,
        virtual_servers,
        text,
        notes: Vec::new(),
    }
}
