//! Routing simulation: where a connection from a pod, a node or an outside
//! client to a Service address ends up, hop by hop, under kube-proxy's
//! rules on the node that handles it.
//!
//! The decisions are the iptables proxier's ([`super::iptables::Plan`] and
//! the endpoint categorisation); in iptables mode every hop names the rule
//! that matched. The backend of each connection is picked by a hash of
//! the source and connection index (of the source only under ClientIP
//! affinity), so a trace is deterministic and N connections show the
//! spread the random cascade gives.
//!
//! Userspace mode models the 2015 proxier instead: iptables redirects the
//! service address to a port kube-proxy listens on, and kube-proxy relays
//! the connection to a backend it picks round robin, from the node's IP.

use super::iptables::{self, Plan, Rules};
use super::{categorize, join_host_port, meant, node_config, ProxyConfig, ServicePortInfo};
use crate::dns::{DnsOptions, RData, RType, ZoneIndex};
use crate::error::Error;
use crate::hash::fnv1a;
use crate::hint::Hint;
use crate::model::service_type;
use crate::net::{parse_ip, Cidr, Family};
use crate::objects::NsName;
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// The proxy mode a trace models.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Iptables,
    Ipvs,
    Nftables,
    Userspace,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "iptables" => Some(Mode::Iptables),
            "ipvs" => Some(Mode::Ipvs),
            "nftables" => Some(Mode::Nftables),
            "userspace" => Some(Mode::Userspace),
            _ => None,
        }
    }
}

/// What to trace, as the CLI's `route` options and the JS API's
/// `route({ from, to, … })` give it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteRequest {
    /// `NAMESPACE/POD`, `node/NAME` or an IP.
    pub from: String,
    /// `HOST:PORT`: a Service DNS name or an IP.
    pub to: String,
    /// `TCP` (the default), `UDP` or `SCTP`, in any case.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// How many connections to simulate (1 to 1,000,000; default 1).
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(default = "one")]
    pub connections: u32,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(default)]
    pub mode: Mode,
    /// The node an outside client's packets enter (default: chosen as a
    /// load balancer would).
    #[serde(default)]
    pub node: Option<String>,
    /// kube-proxy's `--cluster-cidr` (the local-traffic detector).
    #[serde(default)]
    pub cluster_cidr: Option<String>,
}

fn default_protocol() -> String {
    "TCP".into()
}

fn one() -> u32 {
    1
}

impl RouteRequest {
    /// A request with the defaults: TCP, one connection, iptables.
    pub fn new(from: &str, to: &str) -> Self {
        RouteRequest {
            from: from.to_string(),
            to: to.to_string(),
            protocol: default_protocol(),
            connections: 1,
            mode: Mode::default(),
            node: None,
            cluster_cidr: None,
        }
    }
}

/// One step of the packet's way.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    /// source, dns, ingress, capture, firewall, policy, masquerade,
    /// loadBalance, affinity, hairpin, dnat, snat, deliver; in userspace
    /// mode also proxyAccept and proxyConnect.
    pub step: &'static str,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// The rule that matched (iptables mode).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub detail: String,
}

/// A backend the load-balancing step may pick.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub endpoint: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub probability: f64,
    pub ready: bool,
    pub terminating: bool,
}

/// Where one connection went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub index: u32,
    pub backend: String,
    /// The source address the backend sees.
    pub source_ip: String,
}

/// Connections per backend.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    pub backend: String,
    pub connections: u32,
    pub fraction: f64,
}

/// How the trace ends.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum VerdictKind {
    Delivered,
    Reject,
    Drop,
    PortNotExposed,
    NotProxied,
    NoSuchService,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub kind: VerdictKind,
    pub reason: String,
}

/// A complete trace.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub from: String,
    pub to: String,
    pub protocol: String,
    pub mode: Mode,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub hops: Vec<Hop>,
    pub candidates: Vec<Candidate>,
    pub connections: Vec<Connection>,
    pub distribution: Vec<Share>,
    pub verdict: Verdict,
    /// What a `--to` that matches nothing was probably meant to be.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Hint>,
}

impl Trace {
    /// One hop per line, the distribution (for several connections), then
    /// the verdict.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for h in &self.hops {
            s.push_str(h.step);
            s.push_str(": ");
            s.push_str(&h.detail);
            if let Some(r) = &h.rule {
                s.push_str(" [");
                s.push_str(r);
                s.push(']');
            }
            s.push('\n');
        }
        if self.connections.len() > 1 {
            for d in &self.distribution {
                s.push_str(&format!(
                    "distribution: {} {}/{} ({:.1}%)\n",
                    d.backend,
                    d.connections,
                    self.connections.len(),
                    d.fraction * 100.0
                ));
            }
        }
        let kind = match self.verdict.kind {
            VerdictKind::Delivered => "DELIVERED",
            VerdictKind::Reject => "REJECT",
            VerdictKind::Drop => "DROP",
            VerdictKind::PortNotExposed => "PORT NOT EXPOSED",
            VerdictKind::NotProxied => "NOT PROXIED",
            VerdictKind::NoSuchService => "NO SUCH SERVICE",
        };
        s.push_str(&format!("verdict: {kind}: {}\n", self.verdict.reason));
        for h in &self.hints {
            s.push_str(&format!("hint: {h}\n"));
        }
        s
    }
}

/// How a Service answers DNS.
#[derive(Debug, Clone)]
enum DnsTarget {
    /// The cluster IP of the index's family.
    Proxied(IpAddr),
    Headless,
    ExternalName(String),
}

/// Which address of a service port a destination matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    NodePort,
}

#[derive(Debug, Clone)]
struct PodInfo {
    ip: Option<IpAddr>,
    node: Option<String>,
    host_network: bool,
    /// What the pod's resolv.conf depends on, for name lookups.
    dns_policy: Option<String>,
    dns_config: Option<crate::model::PodDnsConfig>,
}

/// Everything a trace looks up, built once per cluster so that each trace
/// is cheap.
#[derive(Debug, Clone)]
pub struct RouteIndex {
    family: Family,
    cluster_cidr: Option<Cidr>,
    cluster_domain: String,
    ports: Vec<ServicePortInfo>,
    /// Service VIPs (cluster, external, LB) → (port index, kind).
    vips: HashMap<IpAddr, Vec<(usize, Entry)>>,
    /// Node addresses → node name.
    node_ips: HashMap<IpAddr, String>,
    nodes: BTreeMap<String, ProxyConfig>,
    pods: HashMap<NsName, PodInfo>,
    pods_by_ip: HashMap<IpAddr, NsName>,
    dns: HashMap<NsName, DnsTarget>,
    /// The cluster IPs of the implicit `default/kubernetes` (whose
    /// endpoints, the apiservers, the input does not name).
    implicit_ips: Vec<IpAddr>,
    /// kube-proxy's large cluster mode (no comments on endpoint rules).
    large_cluster: bool,
    /// The cluster DNS, which pods ask for Service names.
    zone: ZoneIndex,
}

impl RouteIndex {
    pub fn new(state: &State, family: Family, cluster_cidr: Option<Cidr>) -> Self {
        let ports = super::stored_service_ports(state, family);
        let mut vips: HashMap<IpAddr, Vec<(usize, Entry)>> = HashMap::new();
        for (i, sp) in ports.iter().enumerate() {
            vips.entry(sp.cluster_ip)
                .or_default()
                .push((i, Entry::ClusterIp));
            for ip in &sp.external_ips {
                vips.entry(*ip).or_default().push((i, Entry::ExternalIp));
            }
            for ip in &sp.load_balancer_ips {
                vips.entry(*ip).or_default().push((i, Entry::LoadBalancer));
            }
        }
        let cluster = state.objects;
        let mut node_ips = HashMap::new();
        let mut nodes = BTreeMap::new();
        for (name, node) in &cluster.nodes {
            for a in &node.status.addresses {
                if matches!(a.type_.as_str(), "InternalIP" | "ExternalIP") {
                    if let Some(ip) = parse_ip(&a.address) {
                        node_ips.entry(ip).or_insert_with(|| name.clone());
                    }
                }
            }
            if let Some(mut cfg) = node_config(state, name, family) {
                cfg.cluster_cidr = cluster_cidr;
                nodes.insert(name.clone(), cfg);
            }
        }
        let mut pods = HashMap::new();
        let mut pods_by_ip = HashMap::new();
        for (key, pod) in &cluster.pods {
            let ip = pod
                .ips()
                .into_iter()
                .filter_map(parse_ip)
                .find(|ip| Family::of(ip) == family);
            if let Some(ip) = ip {
                pods_by_ip.entry(ip).or_insert_with(|| key.clone());
            }
            pods.insert(
                key.clone(),
                PodInfo {
                    ip,
                    node: pod.spec.node_name.clone().filter(|n| !n.is_empty()),
                    host_network: pod.spec.host_network.unwrap_or(false),
                    dns_policy: pod.spec.dns_policy.clone(),
                    dns_config: pod.spec.dns_config.clone(),
                },
            );
        }
        let mut dns = HashMap::new();
        for (key, st) in state.services() {
            let svc = &st.service;
            let target = if svc.type_() == service_type::EXTERNAL_NAME {
                DnsTarget::ExternalName(svc.spec.external_name.clone().unwrap_or_default())
            } else if svc.is_headless() {
                DnsTarget::Headless
            } else {
                match svc
                    .cluster_ips()
                    .into_iter()
                    .filter_map(parse_ip)
                    .find(|ip| Family::of(ip) == family)
                {
                    Some(ip) => DnsTarget::Proxied(ip),
                    None => continue,
                }
            };
            dns.insert(key.clone(), target);
        }
        let implicit_ips = state
            .services()
            .filter(|(_, st)| st.implicit)
            .flat_map(|(_, st)| st.service.cluster_ips())
            .filter_map(parse_ip)
            .collect();
        RouteIndex {
            family,
            cluster_cidr,
            implicit_ips,
            large_cluster: iptables::is_large_cluster(&ports),
            cluster_domain: state.config.cluster_domain.clone(),
            zone: ZoneIndex::from_state(
                state,
                DnsOptions {
                    zone: state.config.cluster_domain.clone(),
                    ..DnsOptions::default()
                },
            ),
            ports,
            vips,
            node_ips,
            nodes,
            pods,
            pods_by_ip,
            dns,
        }
    }

    /// Traces `req`; bad input (unknown pod, unparsable address) is an
    /// error value.
    pub fn trace(&self, req: &RouteRequest) -> Result<Trace, Error> {
        let src = self.source(&req.from)?;
        let (host, port) = split_host_port(&req.to)?;
        let protocol = req.protocol.to_ascii_uppercase();
        let mut t = Trace {
            from: req.from.clone(),
            to: req.to.clone(),
            protocol: protocol.clone(),
            mode: req.mode,
            service: None,
            hops: vec![Hop {
                step: "source",
                node: src.node.clone(),
                chain: None,
                rule: None,
                detail: src.describe(),
            }],
            candidates: Vec::new(),
            connections: Vec::new(),
            distribution: Vec::new(),
            verdict: Verdict {
                kind: VerdictKind::NotProxied,
                reason: String::new(),
            },
            hints: Vec::new(),
        };
        let dst = match parse_ip(host.trim_start_matches('[').trim_end_matches(']')) {
            Some(ip) => ip,
            None => match self.resolve_name(host, port, &src, &mut t)? {
                Some(ip) => ip,
                None => return Ok(t),
            },
        };
        self.route(req, &src, dst, port, &protocol, &mut t);
        Ok(t)
    }

    fn source(&self, from: &str) -> Result<Source, Error> {
        if let Some(name) = from.strip_prefix("node/") {
            let cfg = self
                .nodes
                .get(name)
                .ok_or_else(|| Error::not_found("Node", &NsName::new("", name)))?;
            let ip = cfg.node_ip.ok_or_else(|| {
                Error::bad_argument(
                    "from",
                    format!("{from:?}: node {name:?} has no {} InternalIP", self.family),
                )
            })?;
            return Ok(Source::node(name, ip));
        }
        if let Some(ip) = parse_ip(from) {
            if let Some(node) = self.node_ips.get(&ip) {
                return Ok(Source::node(node, ip));
            }
            if let Some(key) = self.pods_by_ip.get(&ip) {
                return self.pod_source(key);
            }
            return Ok(Source {
                kind: SourceKind::External,
                ip,
                node: None,
                namespace: None,
                name: from.to_string(),
                pod: None,
            });
        }
        let key = NsName::parse(from)
            .filter(|_| from.contains('/'))
            .ok_or_else(|| {
                Error::bad_argument(
                    "from",
                    format!("{from:?}: expected NAMESPACE/POD, node/NAME or an IP"),
                )
            })?;
        self.pod_source(&key)
    }

    fn pod_source(&self, key: &NsName) -> Result<Source, Error> {
        let pod = self
            .pods
            .get(key)
            .ok_or_else(|| Error::not_found("Pod", key))?;
        if pod.host_network {
            // A host-network pod sends from its node, but resolves names
            // as its own DNS policy says, in its own namespace.
            if let Some(cfg) = pod.node.as_ref().and_then(|n| self.nodes.get(n)) {
                if let Some(ip) = cfg.node_ip {
                    let mut s = Source::node(&cfg.node_name, ip);
                    s.name = format!("pod {key} (host network)");
                    s.namespace = Some(key.namespace.clone());
                    s.pod = Some(key.clone());
                    return Ok(s);
                }
            }
        }
        let ip = pod.ip.ok_or_else(|| {
            Error::bad_argument(
                "from",
                format!("\"{key}\": the pod has no {} IP", self.family),
            )
        })?;
        Ok(Source {
            kind: SourceKind::Pod,
            ip,
            node: pod.node.clone(),
            namespace: Some(key.namespace.clone()),
            name: format!("pod {key}"),
            pod: Some(key.clone()),
        })
    }

    /// How the source's resolver finds `host`: a pod walks its search
    /// path through the cluster DNS; a note of the queries it cost, and
    /// the address answered.
    fn lookup(&self, host: &str, src: &Source) -> Option<(String, Option<IpAddr>)> {
        let key = src.pod.as_ref()?;
        let info = self.pods.get(key)?;
        let mut pod = crate::model::Pod::default();
        pod.metadata.name = key.name.clone();
        pod.metadata.namespace = Some(key.namespace.clone());
        pod.spec.dns_policy = info.dns_policy.clone();
        pod.spec.dns_config = info.dns_config.clone();
        pod.spec.host_network = Some(info.host_network);
        let lookup = self.zone.resolve_from_pod(&pod, host, self.qtype());
        let ip = first_address(&lookup.answer.answer);
        let n = lookup.queries.len();
        let note = format!(
            "{n} DNS quer{} through the pod's search path, answer {}",
            if n == 1 { "y" } else { "ies" },
            lookup.answer.rcode
        );
        Some((note, ip))
    }

    /// The first address the cluster DNS answers for `fqdn`.
    fn address_of(&self, fqdn: &str) -> Option<IpAddr> {
        first_address(&self.zone.answer(fqdn, self.qtype()).answer)
    }

    /// The address record type of the traced family.
    fn qtype(&self) -> RType {
        match self.family {
            Family::IPv4 => RType::A,
            Family::IPv6 => RType::AAAA,
        }
    }

    /// Cluster DNS for a Service name; `None` when the trace ends here.
    fn resolve_name(
        &self,
        host: &str,
        port: u16,
        src: &Source,
        t: &mut Trace,
    ) -> Result<Option<IpAddr>, Error> {
        let lower = host.trim_end_matches('.').to_ascii_lowercase();
        let zone = format!(".svc.{}", self.cluster_domain.trim_end_matches('.'));
        let stem = lower
            .strip_suffix(&zone)
            .or_else(|| lower.strip_suffix(".svc"))
            .unwrap_or(&lower);
        let labels: Vec<&str> = stem.split('.').collect();
        let key = match labels.as_slice() {
            [name, ns] => NsName::new(ns, name),
            [name] => NsName::new(src.namespace.as_deref().unwrap_or("default"), name),
            _ => {
                return Err(Error::bad_argument(
                    "to",
                    format!(
                        "{host:?}: not a Service name (svc.ns[.svc.{}])",
                        self.cluster_domain
                    ),
                ))
            }
        };
        let fqdn = format!("{}.{}{zone}", key.name, key.namespace);
        t.service = Some(key.to_string());
        let Some(target) = self.dns.get(&key) else {
            t.verdict = Verdict {
                kind: VerdictKind::NoSuchService,
                reason: format!("{fqdn} does not resolve (NXDOMAIN): no Service {key}"),
            };
            let from = src.namespace.as_deref().filter(|_| labels.len() == 1);
            t.hints = meant::service_hints(&self.zone, &key, port, &t.to, from);
            return Ok(None);
        };
        // Pods resolve through their own resolver (the cluster DNS as
        // their policy and search path lead there); what it answers is what
        // they connect to. Other sources ask the cluster DNS directly.
        let looked_up = self.lookup(host, src);
        let via = looked_up
            .as_ref()
            .map(|(note, _)| format!("; {note}"))
            .unwrap_or_default();
        let answered = || match &looked_up {
            Some((_, ip)) => *ip,
            None => self.address_of(&fqdn),
        };
        let (detail, ip) = match target {
            // Other sources get the cluster IP the index holds.
            DnsTarget::Proxied(ip) => match looked_up.as_ref().map(|(_, a)| *a) {
                Some(None) => {
                    let src_name = &src.name;
                    t.verdict = Verdict {
                        kind: VerdictKind::NoSuchService,
                        reason: format!(
                            "{host} does not resolve to {key} through the resolver of {src_name}{via}"
                        ),
                    };
                    (format!("{host}: no address{via}"), None)
                }
                answered => {
                    let ip = answered.flatten().unwrap_or(*ip);
                    (format!("{fqdn} -> {ip} (cluster IP{via})"), Some(ip))
                }
            },
            DnsTarget::Headless => {
                let reason = if answered().is_some() {
                    format!(
                        "Service {key} is headless: DNS answers with the pod IPs and clients connect to them directly; kube-proxy writes no rules"
                    )
                } else {
                    format!(
                        "Service {key} is headless and has no ready endpoints: DNS has no address for it (NXDOMAIN); kube-proxy writes no rules"
                    )
                };
                t.verdict = Verdict {
                    kind: VerdictKind::NotProxied,
                    reason,
                };
                (format!("{fqdn} -> endpoint IPs (headless{via})"), None)
            }
            DnsTarget::ExternalName(name) => {
                t.verdict = Verdict {
                    kind: VerdictKind::NotProxied,
                    reason: format!(
                        "Service {key} is ExternalName: DNS answers with a CNAME to {name}; kube-proxy writes no rules"
                    ),
                };
                (format!("{fqdn} -> CNAME {name}{via}"), None)
            }
        };
        t.hops.push(Hop {
            step: "dns",
            node: None,
            chain: None,
            rule: None,
            detail,
        });
        Ok(ip)
    }

    fn route(
        &self,
        req: &RouteRequest,
        src: &Source,
        dst: IpAddr,
        port: u16,
        protocol: &str,
        t: &mut Trace,
    ) {
        let dst_str = join_host_port(&dst, port);
        // The service port and how it was reached.
        let (idx, entry, node_port_node) = if let Some(node) = self.node_ips.get(&dst) {
            match self
                .ports
                .iter()
                .position(|sp| sp.node_port == port && sp.protocol == protocol)
            {
                Some(i) => (i, Entry::NodePort, Some(node.clone())),
                None => {
                    t.verdict = Verdict {
                        kind: VerdictKind::PortNotExposed,
                        reason: format!(
                            "{dst_str} is node {node}; no Service has node port {port}/{protocol}"
                        ),
                    };
                    let exposed: Vec<&ServicePortInfo> =
                        self.ports.iter().filter(|sp| sp.node_port != 0).collect();
                    t.hints = meant::port_hints(to_host(&req.to), &exposed, port, protocol, true);
                    return;
                }
            }
        } else if let Some(list) = self.vips.get(&dst) {
            match list
                .iter()
                .find(|(i, _)| self.ports[*i].port == port && self.ports[*i].protocol == protocol)
            {
                Some((i, e)) => (*i, *e, None),
                None => {
                    let names: Vec<String> = list
                        .iter()
                        .map(|(i, _)| {
                            let sp = &self.ports[*i];
                            format!("{}/{}", sp.port, sp.protocol)
                        })
                        .collect();
                    t.verdict = Verdict {
                        kind: VerdictKind::PortNotExposed,
                        reason: format!(
                            "{dst} belongs to Service {} but {port}/{protocol} is not one of its ports ({}); no rule matches",
                            self.ports[list[0].0].service,
                            names.join(", ")
                        ),
                    };
                    let here: Vec<&ServicePortInfo> =
                        list.iter().map(|(i, _)| &self.ports[*i]).collect();
                    t.hints = meant::port_hints(to_host(&req.to), &here, port, protocol, false);
                    return;
                }
            }
        } else if self.implicit_ips.contains(&dst) {
            t.verdict = Verdict {
                kind: VerdictKind::NoSuchService,
                reason: format!(
                    "{dst} is default/kubernetes, which the input does not hold: its endpoints are the apiservers; add the Service and its EndpointSlice to trace it"
                ),
            };
            return;
        } else {
            let what = match self.pods_by_ip.get(&dst) {
                Some(p) => format!("pod {p}"),
                None => "no Service address".to_string(),
            };
            t.verdict = Verdict {
                kind: VerdictKind::NotProxied,
                reason: format!("{dst} is {what}; kube-proxy does not touch the packet"),
            };
            return;
        };
        let sp = &self.ports[idx];
        t.service = Some(sp.name_string().to_string());

        // The node whose rules handle the packet.
        let node = match (&node_port_node, src.kind) {
            (Some(n), _) => n.clone(),
            (None, SourceKind::Pod | SourceKind::Node) => src.node.clone().unwrap_or_default(),
            (None, SourceKind::External) => self.ingress_node(req, sp, src, entry),
        };
        let unknown;
        let cfg = match self.nodes.get(&node) {
            Some(c) => c,
            None => {
                let mut c = ProxyConfig::new(&node);
                c.cluster_cidr = self.cluster_cidr;
                c.family = self.family;
                unknown = c;
                &unknown
            }
        };
        let node_label = if node.is_empty() {
            "(unknown node)".to_string()
        } else {
            node.clone()
        };
        if src.kind == SourceKind::External && node_port_node.is_none() {
            let why = if req.node.is_some() {
                "as --node says"
            } else if self.health_checked(req, sp, entry) && self.nodes.contains_key(&node) {
                "the first node passing the load balancer's health check (it has a local ready endpoint)"
            } else {
                "a node chosen by hashing the client (use --node to pick one)"
            };
            t.hops.push(Hop {
                step: "ingress",
                node: Some(node_label.clone()),
                chain: None,
                rule: None,
                detail: format!("the packet enters node {node_label}: {why}"),
            });
        }
        if req.mode == Mode::Userspace {
            self.userspace(req, src, sp, cfg, entry, (dst, port), &node_label, t);
            return;
        }
        let cat = categorize(sp, cfg);
        let plan = Plan::new(sp, &cat);
        // The rules are only shown in iptables mode.
        let show = req.mode == Mode::Iptables;
        let mut rules = Rules {
            large_cluster: self.large_cluster,
            ..Rules::default()
        };
        if show {
            iptables::service_rules(&mut rules, sp, &cat, cfg);
        }
        let rule = |table: &str, chain: &str, needle: &str| -> Option<String> {
            if !show {
                return None;
            }
            let t = if table == "nat" {
                &rules.nat
            } else {
                &rules.filter
            };
            t.rules(chain).iter().find(|r| r.contains(needle)).cloned()
        };
        let hop = |step: &'static str, chain: &str, rule: Option<String>, detail: String| Hop {
            step,
            node: Some(node_label.clone()),
            chain: (!chain.is_empty()).then(|| chain.to_string()),
            rule,
            detail,
        };
        let svc = sp.name_string();
        let src_local = src.kind == SourceKind::Node && src.node.as_deref() == Some(node.as_str());
        let in_cluster = cfg.cluster_cidr.is_some_and(|c| c.contains(&src.ip));
        let mut masq = false;

        let chain = match entry {
            Entry::ClusterIp => {
                if !plan.has_internal_endpoints {
                    let (kind, why) = self.no_endpoints(sp, &plan, sp.internal_policy_local);
                    t.hops.push(hop(
                        "capture",
                        iptables::KUBE_SERVICES,
                        rule("filter", iptables::KUBE_SERVICES, &format!("-d {dst} ")),
                        format!("{dst_str} is the cluster IP of {svc} on {node_label}"),
                    ));
                    t.verdict = Verdict { kind, reason: why };
                    return;
                }
                t.hops.push(hop(
                    "capture",
                    iptables::KUBE_SERVICES,
                    rule("nat", iptables::KUBE_SERVICES, &format!("-d {dst} ")),
                    format!(
                        "{dst_str} is the cluster IP of {svc}; {node_label} jumps to {}",
                        plan.internal_chain
                    ),
                ));
                let off_cluster = cfg.cluster_cidr.is_some_and(|c| !c.contains(&src.ip));
                if cfg.masquerade_all || off_cluster {
                    masq = true;
                    t.hops.push(hop(
                        "masquerade",
                        &plan.internal_chain,
                        rule("nat", &plan.internal_chain, iptables::KUBE_MARK_MASQ),
                        format!(
                            "source {} is outside the cluster CIDR: marked for masquerade",
                            src.ip
                        ),
                    ));
                }
                plan.internal_chain.clone()
            }
            Entry::ExternalIp | Entry::LoadBalancer | Entry::NodePort => {
                let (what, chain_name, needle) = match entry {
                    Entry::ExternalIp => (
                        "an external IP",
                        iptables::KUBE_SERVICES,
                        format!("-d {dst} "),
                    ),
                    Entry::LoadBalancer => (
                        "a load-balancer IP",
                        iptables::KUBE_SERVICES,
                        format!("-d {dst} "),
                    ),
                    _ => (
                        "a node port",
                        iptables::KUBE_NODEPORTS,
                        format!("--dport {port} "),
                    ),
                };
                if !plan.has_endpoints {
                    t.hops.push(hop(
                        "capture",
                        iptables::KUBE_EXTERNAL_SERVICES,
                        rule("filter", iptables::KUBE_EXTERNAL_SERVICES, &needle),
                        format!("{dst_str} is {what} of {svc} on {node_label}"),
                    ));
                    let (kind, why) = self.no_endpoints(sp, &plan, false);
                    t.verdict = Verdict { kind, reason: why };
                    return;
                }
                let first = if entry == Entry::LoadBalancer && plan.uses_fw_chain {
                    &plan.chains.fw
                } else {
                    &plan.chains.ext
                };
                t.hops.push(hop(
                    "capture",
                    chain_name,
                    rule("nat", chain_name, &needle),
                    format!("{dst_str} is {what} of {svc}; {node_label} jumps to {first}"),
                ));
                if entry == Entry::LoadBalancer && plan.uses_fw_chain {
                    let allowed = sp.source_ranges.iter().find(|c| c.contains(&src.ip));
                    match allowed {
                        Some(c) => t.hops.push(hop(
                            "firewall",
                            &plan.chains.fw,
                            rule("nat", &plan.chains.fw, &format!("-s {c} ")),
                            format!("source {} is in loadBalancerSourceRanges ({c})", src.ip),
                        )),
                        None => {
                            t.hops.push(hop(
                                "firewall",
                                iptables::KUBE_PROXY_FIREWALL,
                                rule(
                                    "filter",
                                    iptables::KUBE_PROXY_FIREWALL,
                                    &format!("-d {dst} "),
                                ),
                                format!("source {} is in none of loadBalancerSourceRanges", src.ip),
                            ));
                            let ranges: Vec<String> =
                                sp.source_ranges.iter().map(ToString::to_string).collect();
                            t.verdict = Verdict {
                                kind: VerdictKind::Drop,
                                reason: format!(
                                    "source {} is not allowed by loadBalancerSourceRanges [{}] of {svc}",
                                    src.ip,
                                    ranges.join(", ")
                                ),
                            };
                            return;
                        }
                    }
                }
                let ext = &plan.chains.ext;
                if !sp.external_policy_local {
                    masq = true;
                    t.hops.push(hop(
                        "masquerade",
                        ext,
                        rule("nat", ext, iptables::KUBE_MARK_MASQ),
                        "externalTrafficPolicy Cluster: marked for masquerade (the backend may be on another node)".into(),
                    ));
                    plan.chains.svc.clone()
                } else if in_cluster {
                    t.hops.push(hop(
                        "policy",
                        ext,
                        rule("nat", ext, "pod traffic"),
                        format!("source {} is a pod: short-circuit to the cluster-wide chain, source kept", src.ip),
                    ));
                    plan.chains.svc.clone()
                } else if src_local {
                    masq = true;
                    t.hops.push(hop(
                        "masquerade",
                        ext,
                        rule("nat", ext, "masquerade LOCAL"),
                        "traffic from the node itself: marked for masquerade, routed cluster-wide"
                            .into(),
                    ));
                    plan.chains.svc.clone()
                } else if plan.has_external_endpoints {
                    t.hops.push(hop(
                        "policy",
                        ext,
                        rule("nat", ext, &format!("-j {}", plan.chains.svl)),
                        format!(
                            "externalTrafficPolicy Local: only endpoints on {node_label}; client source {} preserved",
                            src.ip
                        ),
                    ));
                    plan.chains.svl.clone()
                } else {
                    let needle = match entry {
                        Entry::NodePort => format!("--dport {port} "),
                        _ => format!("-d {dst} "),
                    };
                    t.hops.push(hop(
                        "policy",
                        iptables::KUBE_EXTERNAL_SERVICES,
                        rule("filter", iptables::KUBE_EXTERNAL_SERVICES, &needle),
                        format!(
                            "externalTrafficPolicy Local and no endpoint of {svc} on {node_label}"
                        ),
                    ));
                    let health = if entry == Entry::LoadBalancer && sp.health_check_node_port != 0 {
                        format!(
                            " (the load balancer's health check on node port {} fails there)",
                            sp.health_check_node_port
                        )
                    } else {
                        String::new()
                    };
                    t.verdict = Verdict {
                        kind: VerdictKind::Drop,
                        reason: format!(
                            "{svc} has externalTrafficPolicy Local and no usable endpoint on {node_label}; the packet is dropped{health}"
                        ),
                    };
                    return;
                }
            }
        };

        // Load balancing in the SVC or SVL chain.
        let eps = if chain == plan.chains.svl {
            &cat.local
        } else {
            &cat.cluster
        };
        if eps.is_empty() {
            // Only reachable when the chain has no endpoints for this path.
            let (kind, why) = self.no_endpoints(sp, &plan, chain == plan.chains.svl);
            t.verdict = Verdict { kind, reason: why };
            return;
        }
        let n = eps.len();
        t.candidates = candidates(sp, eps.iter().copied());
        let fallback = if eps.iter().all(|e| !e.ready) {
            let which = if chain == plan.chains.svl {
                "local "
            } else {
                ""
            };
            format!(" (no ready {which}endpoint: falling back to serving terminating ones)")
        } else if cat.topology && chain == plan.chains.svc {
            format!(
                " (zone hints: only endpoints for zone {})",
                cfg.node_zone.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        };
        // Per-connection choice.
        let connections = req.connections.max(1);
        let mut counts: BTreeMap<usize, u32> = BTreeMap::new();
        let mut first_choice = None;
        for c in 0..connections {
            let key = match sp.affinity_timeout {
                Some(_) => format!("{}|{svc}", src.ip),
                None => format!("{}|{svc}|{c}", src.ip),
            };
            let i = (fnv1a(key.as_bytes()) % n as u64) as usize;
            first_choice.get_or_insert(i);
            *counts.entry(i).or_default() += 1;
            let e = eps[i];
            let hairpin = e.ip == src.ip;
            let seen = if masq || hairpin {
                cfg.node_ip
                    .map_or_else(|| "(node IP)".to_string(), |ip| ip.to_string())
            } else {
                src.ip.to_string()
            };
            t.connections.push(Connection {
                index: c,
                backend: e.addr().to_string(),
                source_ip: seen,
            });
        }
        t.distribution = distribution(eps, &counts, connections);

        // The hops of the first connection.
        let first = t.connections[0].clone();
        let Some(e) = first_choice.map(|i| eps[i]) else {
            return;
        };
        let sep = sp.endpoint_chain(e);
        let mut sep_rules = Rules {
            large_cluster: self.large_cluster,
            ..Rules::default()
        };
        if show {
            iptables::endpoint_chain_rules(&mut sep_rules, sp, e);
        }
        let sep_rule = |needle: &str| -> Option<String> {
            sep_rules
                .nat
                .rules(sep)
                .iter()
                .find(|r| r.contains(needle))
                .cloned()
        };
        let list: Vec<String> = t
            .candidates
            .iter()
            .map(|c| format!("{} p={:.4}", c.endpoint, c.probability))
            .collect();
        t.hops.push(hop(
            "loadBalance",
            &chain,
            show.then(|| {
                rules
                    .nat
                    .rules(&chain)
                    .iter()
                    .find(|r| r.ends_with(&format!("-j {sep}")) && !r.contains("--rcheck"))
                    .cloned()
            })
            .flatten(),
            format!("{n} candidate(s){fallback}: {}", list.join(", ")),
        ));
        if let Some(timeout) = sp.affinity_timeout {
            t.hops.push(hop(
                "affinity",
                &chain,
                rule("nat", &chain, &format!("--name {sep} --rcheck")),
                format!(
                    "sessionAffinity ClientIP: {} sticks to its first backend for {timeout}s",
                    src.ip
                ),
            ));
        }

        if e.ip == src.ip {
            t.hops.push(hop(
                "hairpin",
                sep,
                sep_rule("-s "),
                format!(
                    "backend {} is the client itself: marked for masquerade",
                    e.ip
                ),
            ));
        }
        t.hops.push(hop(
            "dnat",
            sep,
            sep_rule("DNAT"),
            format!("destination {dst_str} rewritten to {}", e.addr()),
        ));
        let masqueraded = masq || e.ip == src.ip;
        if masqueraded {
            let why = "KUBE-POSTROUTING masquerades marked packets";
            t.hops.push(hop(
                "snat",
                "KUBE-POSTROUTING",
                rule("nat", "KUBE-POSTROUTING", "MASQUERADE"),
                if first.source_ip == src.ip.to_string() {
                    format!(
                        "source {} is the node's own address and stays ({why})",
                        src.ip
                    )
                } else {
                    // MASQUERADE takes the address of the interface the
                    // packet leaves by; the network plugin decides which.
                    format!(
                        "source {} becomes {} ({why}; MASQUERADE takes the egress interface's address, shown here as the node's InternalIP)",
                        src.ip, first.source_ip
                    )
                },
            ));
        }
        let how = if masqueraded {
            "masqueraded"
        } else {
            "preserved"
        };
        deliver(t, sp, e, &first.source_ip, how);
    }

    /// The 2015 userspace proxier: iptables only redirects the service
    /// address to a port kube-proxy itself listens on; kube-proxy accepts,
    /// picks a backend (round robin, or sticky per client IP under ClientIP
    /// affinity) and dials it from the node, so the backend always sees
    /// the node's IP. It knew no traffic policies, topology, source ranges
    /// or terminating endpoints: every ready endpoint is a candidate.
    #[allow(clippy::too_many_arguments)]
    fn userspace(
        &self,
        req: &RouteRequest,
        src: &Source,
        sp: &ServicePortInfo,
        cfg: &ProxyConfig,
        entry: Entry,
        (dst, port): (IpAddr, u16),
        node_label: &str,
        t: &mut Trace,
    ) {
        let svc = sp.name_string();
        let dst_str = join_host_port(&dst, port);
        let proxy_port = userspace_proxy_port(sp);
        let node_ip = cfg
            .node_ip
            .map_or_else(|| "(node IP)".to_string(), |ip| ip.to_string());
        let proxy_addr = cfg.node_ip.map_or_else(
            || format!("(node IP):{proxy_port}"),
            |ip| join_host_port(&ip, proxy_port),
        );
        let hop =
            |step: &'static str, chain: Option<&str>, rule: Option<String>, detail: String| Hop {
                step,
                node: Some(node_label.to_string()),
                chain: chain.map(String::from),
                rule,
                detail,
            };
        // The node's own packets pass OUTPUT, where there is no incoming
        // interface to REDIRECT to: those chains DNAT to the node IP.
        let from_host = src.kind == SourceKind::Node && src.node.as_deref() == Some(node_label);
        let (chain, matcher) = match (entry, from_host) {
            (Entry::NodePort, false) => ("KUBE-NODEPORT-CONTAINER", String::new()),
            (Entry::NodePort, true) => ("KUBE-NODEPORT-HOST", String::new()),
            (_, false) => ("KUBE-PORTALS-CONTAINER", format!("-d {dst}/32 ")),
            (_, true) => ("KUBE-PORTALS-HOST", format!("-d {dst}/32 ")),
        };
        let proto = sp.protocol_lower();
        let target = if from_host {
            format!("DNAT --to-destination {proxy_addr}")
        } else {
            format!("REDIRECT --to-ports {proxy_port}")
        };
        let what = match entry {
            Entry::ClusterIp => "the portal (cluster IP)",
            Entry::ExternalIp => "an external IP",
            Entry::LoadBalancer => "a load-balancer IP",
            Entry::NodePort => "a node port",
        };
        t.hops.push(hop(
            "capture",
            Some(chain),
            Some(format!(
                "-A {chain} {matcher}-p {proto} -m comment --comment \"{svc}\" -m {proto} --dport {port} -j {target}"
            )),
            format!("{dst_str} is {what} of {svc}; {chain} sends it to kube-proxy's own socket {proxy_addr}"),
        ));
        t.hops.push(hop(
            "proxyAccept",
            None,
            None,
            format!(
                "kube-proxy accepts on {proxy_addr}, the port it opened for {svc} (upstream takes a random free port; here a hash of the service port name in 32768-60999, so the trace is stable); the client's connection ends at kube-proxy"
            ),
        ));
        let eps: Vec<&super::EndpointInfo> = sp.endpoints.iter().filter(|e| e.ready).collect();
        if eps.is_empty() {
            t.verdict = Verdict {
                kind: VerdictKind::Reject,
                reason: format!(
                    "{svc} has no ready endpoints: kube-proxy accepts and immediately closes the connection"
                ),
            };
            return;
        }
        let n = eps.len();
        t.candidates = candidates(sp, eps.iter().copied());
        // Round robin from the first endpoint; under ClientIP affinity the
        // client's first pick sticks.
        let connections = req.connections.max(1);
        let mut counts: BTreeMap<usize, u32> = BTreeMap::new();
        for c in 0..connections {
            let i = if sp.affinity_timeout.is_some() {
                0
            } else {
                c as usize % n
            };
            *counts.entry(i).or_default() += 1;
            t.connections.push(Connection {
                index: c,
                backend: eps[i].addr().to_string(),
                source_ip: node_ip.clone(),
            });
        }
        t.distribution = distribution(&eps, &counts, connections);
        let e = eps[0];
        let list: Vec<String> = eps.iter().map(|e| e.addr().to_string()).collect();
        t.hops.push(hop(
            "loadBalance",
            None,
            None,
            format!(
                "kube-proxy's round robin over {n} ready endpoint(s), in order: {}",
                list.join(", ")
            ),
        ));
        if let Some(timeout) = sp.affinity_timeout {
            t.hops.push(hop(
                "affinity",
                None,
                None,
                format!(
                    "sessionAffinity ClientIP: kube-proxy keeps {} on {} for {timeout}s",
                    src.ip,
                    e.addr()
                ),
            ));
        }
        t.hops.push(hop(
            "proxyConnect",
            None,
            None,
            format!(
                "kube-proxy opens a new connection from {node_ip} to {} and copies bytes both ways",
                e.addr()
            ),
        ));
        deliver(
            t,
            sp,
            e,
            &node_ip.to_string(),
            "kube-proxy's own connection",
        );
    }

    /// REJECT when the Service has no endpoints, DROP when a Local policy
    /// finds none on this node.
    fn no_endpoints(
        &self,
        sp: &ServicePortInfo,
        plan: &Plan,
        local: bool,
    ) -> (VerdictKind, String) {
        let svc = sp.name_string();
        if !plan.has_endpoints {
            (
                VerdictKind::Reject,
                format!(
                    "{svc} has no endpoints: the connection is rejected (ICMP port unreachable)"
                ),
            )
        } else if local {
            (
                VerdictKind::Drop,
                format!("{svc} has a Local traffic policy and no endpoint on this node: the packet is dropped"),
            )
        } else {
            (
                VerdictKind::Drop,
                format!("{svc} has no endpoints usable on this node: the packet is dropped"),
            )
        }
    }

    /// Whether a load balancer health-checks the nodes for this packet:
    /// one sent to a LoadBalancer address of an `externalTrafficPolicy:
    /// Local` Service (the userspace proxier predates health checks).
    fn health_checked(&self, req: &RouteRequest, sp: &ServicePortInfo, entry: Entry) -> bool {
        entry == Entry::LoadBalancer && sp.external_policy_local && req.mode != Mode::Userspace
    }

    /// The node an outside client's packets enter: `--node`, else for a
    /// health-checked load balancer the first node passing the check (one
    /// with a local *ready* endpoint: kube-proxy's health check server
    /// counts no terminating ones), else a node picked by hashing the
    /// client.
    fn ingress_node(
        &self,
        req: &RouteRequest,
        sp: &ServicePortInfo,
        src: &Source,
        entry: Entry,
    ) -> String {
        if let Some(n) = &req.node {
            return n.clone();
        }
        if self.health_checked(req, sp, entry) {
            let healthy = self.nodes.values().find(|cfg| {
                sp.endpoints
                    .iter()
                    .any(|e| e.ready && e.node_name.as_deref() == Some(cfg.node_name.as_str()))
            });
            if let Some(cfg) = healthy {
                return cfg.node_name.clone();
            }
        }
        if self.nodes.is_empty() {
            return String::new();
        }
        let i = (fnv1a(src.ip.to_string().as_bytes()) % self.nodes.len() as u64) as usize;
        self.nodes.keys().nth(i).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Pod,
    Node,
    External,
}

#[derive(Debug, Clone)]
struct Source {
    kind: SourceKind,
    ip: IpAddr,
    node: Option<String>,
    namespace: Option<String>,
    name: String,
    /// The pod, when the source is one.
    pod: Option<NsName>,
}

impl Source {
    fn node(name: &str, ip: IpAddr) -> Source {
        Source {
            kind: SourceKind::Node,
            ip,
            node: Some(name.to_string()),
            namespace: None,
            name: format!("node {name}"),
            pod: None,
        }
    }

    fn describe(&self) -> String {
        match (self.kind, &self.node) {
            (SourceKind::External, _) => format!("external client {}", self.ip),
            (_, Some(n)) if self.kind == SourceKind::Pod => {
                format!("{} ({}) on node {n}", self.name, self.ip)
            }
            _ => format!("{} ({})", self.name, self.ip),
        }
    }
}

/// `HOST:PORT` or `[V6]:PORT`.
/// The host of a `--to` as written.
fn to_host(to: &str) -> &str {
    to.rsplit_once(':').map_or(to, |(h, _)| h)
}

fn split_host_port(s: &str) -> Result<(&str, u16), Error> {
    let bad = || Error::bad_argument("to", format!("{s:?}: expected HOST:PORT"));
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || (host.contains(':') && !host.starts_with('[')) {
        return Err(bad());
    }
    let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(bad)?;
    Ok((host, port))
}

/// The port the userspace proxier listens on for `sp`: upstream asks the
/// kernel for a random free port; a hash of the service port name into
/// Linux's default ephemeral range (32768-60999) keeps traces stable.
/// Which pod and node an endpoint is, as ` (pod ns/name on node)`.
/// The trace's last hop and verdict: `e` gets the packet and sees `source`
/// (`how` says why that source).
fn deliver(t: &mut Trace, sp: &ServicePortInfo, e: &super::EndpointInfo, source: &str, how: &str) {
    let whose = whose(sp, e);
    t.hops.push(Hop {
        step: "deliver",
        node: e.node_name.clone(),
        chain: None,
        rule: None,
        detail: format!("{}{whose} sees source {source}", e.addr()),
    });
    t.verdict = Verdict {
        kind: VerdictKind::Delivered,
        reason: format!(
            "{} -> {}{whose}, source seen {source} ({how})",
            sp.name_string(),
            e.addr()
        ),
    };
}

fn whose(sp: &ServicePortInfo, e: &super::EndpointInfo) -> String {
    match (&e.pod, &e.node_name) {
        (Some(p), Some(n)) => format!(" (pod {}/{p} on {n})", sp.service.namespace),
        (Some(p), None) => format!(" (pod {}/{p})", sp.service.namespace),
        (None, Some(n)) => format!(" (on {n})"),
        (None, None) => String::new(),
    }
}

/// The endpoints a connection may go to, each equally likely.
fn candidates<'a>(
    sp: &ServicePortInfo,
    eps: impl ExactSizeIterator<Item = &'a super::EndpointInfo>,
) -> Vec<Candidate> {
    let n = eps.len();
    eps.map(|e| Candidate {
        endpoint: e.addr().to_string(),
        pod: e
            .pod
            .as_ref()
            .map(|p| format!("{}/{p}", sp.service.namespace)),
        node: e.node_name.clone(),
        probability: 1.0 / n as f64,
        ready: e.ready,
        terminating: e.terminating,
    })
    .collect()
}

fn userspace_proxy_port(sp: &ServicePortInfo) -> u16 {
    let key = format!("{}/{}", sp.name_string(), sp.protocol);
    // The modulus keeps the value below 28232, so the sum fits.
    32768 + (fnv1a(key.as_bytes()) % (60999 - 32768 + 1)) as u16
}

/// How `connections` spread over the endpoints (`counts`: endpoint index
/// → connections it got).
fn distribution(
    eps: &[&super::EndpointInfo],
    counts: &BTreeMap<usize, u32>,
    connections: u32,
) -> Vec<Share> {
    counts
        .iter()
        .map(|(i, k)| Share {
            backend: eps[*i].addr().to_string(),
            connections: *k,
            fraction: f64::from(*k) / f64::from(connections),
        })
        .collect()
}

/// The first address among DNS records.
fn first_address(records: &[crate::dns::Record]) -> Option<IpAddr> {
    records.iter().find_map(|r| match &r.data {
        RData::A(ip) => Some(IpAddr::V4(*ip)),
        RData::Aaaa(ip) => Some(IpAddr::V6(*ip)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port() {
        assert_eq!(split_host_port("a.b:80").unwrap(), ("a.b", 80));
        assert_eq!(split_host_port("[::1]:80").unwrap(), ("[::1]", 80));
        assert!(split_host_port("a.b").is_err());
        assert!(split_host_port("::1:80").is_err());
        assert!(split_host_port("a:0").is_err());
        assert!(split_host_port(":80").is_err());
    }
}
