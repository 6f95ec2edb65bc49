//! Traffic traces: where a connection from a pod, a node or an outside
//! client to a Service address ends up, hop by hop, on the node that
//! handles it, in each proxy mode.
//!
//! A trace is a walk ([`super::walk`]) of the node's own [`Ruleset`] in
//! that mode — its fixed rules, built once per node and borrowed, and over
//! them ([`Layers`]) only the pieces of the service ports the packet can
//! reach, numbered as in the full ruleset — and every hop is a rule,
//! map element, ipset entry or IPVS server that matched, quoted as
//! `rules` prints it. Before the rules: who sends, what the name resolves
//! to, which node the packet reaches (and that nothing outside the cluster
//! routes a cluster IP); after them: the backend, what source it sees, and
//! whether the reply can come back.
//!
//! The backend of each connection is picked as the rules pick it, with
//! deterministic randomness (a hash of the client, the Service and the
//! connection number): iptables' `statistic` cascade, nftables' `numgen`,
//! IPVS's round robin (and persistence templates), the userspace
//! proxier's round robin; ClientIP affinity is the rules' own memory
//! (`recent` lists, affinity sets) carried from connection to connection.

use super::iptables;
use super::ipvs;
use super::nftables;
use super::ruleset::{Layers, Quote, Role, RuleId, Ruleset};
use super::userspace;
use super::walk::{self, Dice, End, From, Memory, Packet, Step, Walker};
use super::{categorize, join_host_port, meant, node_config, Entry, ProxyConfig, ServicePortInfo};
use crate::dns::{DnsOptions, RData, RType, ZoneIndex};
use crate::error::Error;
use crate::hash::fnv1a;
use crate::hint::Hint;
use crate::model::service_type;
use crate::net::{ip_string, parse_cidr_masked, parse_ip, push_decimal, Cidr, Family};
use crate::objects::NsName;
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

/// The proxy mode a trace or ruleset models.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
    /// load balancer would). For a cluster IP, it says that the outside
    /// network routes the Service CIDR to that node.
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

/// A packet's source and destination at some point of its way.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Addresses {
    pub source: String,
    /// `ip:port`.
    pub destination: String,
}

impl Addresses {
    fn of(p: &Packet) -> Self {
        Addresses {
            source: ip_string(&p.src),
            destination: join_host_port(&p.dst, p.dport),
        }
    }
}

/// One step of the packet's way.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    /// source, dns, route, ingress, capture, firewall, policy, masquerade,
    /// mark, loadBalance, affinity, hairpin, dnat, snat, accept, filter,
    /// reject, drop, deliver; in userspace mode also proxyAccept and
    /// proxyConnect.
    pub step: &'static str,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The rule (or map element, ipset entry, IPVS server) that matched:
    /// where it is in the node's ruleset, and its text as `rules` prints
    /// it.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Quote>,
    /// The map element or ipset entry that made the rule match.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<Quote>,
    /// The packet before this hop …
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Addresses>,
    /// … and after it.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Addresses>,
    pub detail: String,
}

impl Hop {
    fn note(step: &'static str, node: Option<String>, detail: String) -> Self {
        Hop {
            step,
            node,
            rule: None,
            element: None,
            before: None,
            after: None,
            detail,
        }
    }
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
    /// The share of new connections the rules give it.
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
    /// The packet never reaches a node: nothing outside the cluster routes
    /// the Service CIDR.
    Unroutable,
    /// The backend gets the packet, but its answer leaves by another node
    /// and never reaches the client.
    ReplyLost,
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
    /// One hop per line (with the quoted rule and element), the
    /// distribution (for several connections), then the verdict.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for h in &self.hops {
            s.push_str(h.step);
            s.push_str(": ");
            s.push_str(&h.detail);
            for q in h.rule.iter().chain(&h.element) {
                s.push_str(" [");
                s.push_str(&q.text);
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
            VerdictKind::Unroutable => "UNROUTABLE",
            VerdictKind::ReplyLost => "REPLY LOST",
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

#[derive(Debug, Clone)]
struct PodInfo {
    ip: Option<IpAddr>,
    node: Option<String>,
    host_network: bool,
    /// What the pod's resolv.conf depends on, for name lookups.
    dns_policy: Option<String>,
    dns_config: Option<crate::model::PodDnsConfig>,
}

/// Where each service port's rules sit in the chains several service
/// ports share, so a trace can number the pieces it builds as the full
/// ruleset numbers them: rules before service port `i` on a node without
/// local endpoints, and per node the changes Local policies make.
#[derive(Debug, Clone, Default)]
struct Offsets<const N: usize> {
    /// `prefix[i][c]`: rules ports `0..i` add to shared chain `c` (length
    /// `ports + 1`).
    prefix: Vec<[u32; N]>,
    /// Per node: (port, running total of what its local endpoints change).
    local: HashMap<String, Vec<(usize, [i64; N])>>,
}

impl<const N: usize> Offsets<N> {
    /// The rules ports `0..i` add to each shared chain on `node`.
    fn before(&self, i: usize, node: &str) -> [u32; N] {
        let mut out = self.prefix.get(i).copied().unwrap_or([0; N]);
        if let Some(list) = self.local.get(node) {
            let k = list.partition_point(|(p, _)| *p < i);
            if k > 0 {
                let d = list[k - 1].1;
                for c in 0..N {
                    out[c] = (i64::from(out[c]) + d[c]).max(0) as u32;
                }
            }
        }
        out
    }
}

/// Everything a trace looks up, built once per cluster so that each trace
/// is cheap.
#[derive(Debug, Clone)]
pub struct RouteIndex {
    family: Family,
    cluster_cidr: Option<Cidr>,
    cluster_domain: String,
    service_cidrs: Vec<Cidr>,
    /// In the order the proxiers write them (by name, then protocol).
    ports: Vec<ServicePortInfo>,
    /// Service VIPs (cluster, external, LB) → (port index, kind).
    vips: HashMap<IpAddr, Vec<(usize, Entry)>>,
    /// Node addresses → node name.
    node_ips: HashMap<IpAddr, String>,
    /// Nodes' pod CIDRs (`spec.podCIDRs`) → node name.
    pod_cidrs: Vec<(Cidr, String)>,
    nodes: BTreeMap<String, ProxyConfig>,
    pods: HashMap<NsName, PodInfo>,
    pods_by_ip: HashMap<IpAddr, NsName>,
    dns: HashMap<NsName, DnsTarget>,
    /// The cluster IPs of the implicit `default/kubernetes` (whose
    /// endpoints, the apiservers, the input does not name).
    implicit_ips: Vec<IpAddr>,
    /// kube-proxy's large cluster mode (no comments on endpoint rules).
    large_cluster: bool,
    iptables: Offsets<6>,
    /// Userspace offsets, for nodes with and without a known node IP.
    userspace: [Offsets<5>; 2],
    /// IPVS: the ipsets that have entries whatever the node, the service
    /// ports whose entries depend on the node, and the nodes some endpoint
    /// is on (their hairpin set has entries).
    ipvs_global: [bool; 17],
    ipvs_node_dependent: Vec<usize>,
    endpoint_nodes: HashSet<String>,
    /// The cluster DNS, which pods ask for Service names.
    zone: ZoneIndex,
    /// Each node's fixed rules per mode, built on first use: every trace
    /// on the node walks them, none writes them again.
    bases: RefCell<HashMap<String, Bases>>,
    /// nftables: each service port's chain and set names, hashed on the
    /// first trace that reaches it.
    nft_names: RefCell<HashMap<usize, Arc<nftables::PortNames>>>,
}

/// A node's fixed rules, per mode built so far.
type Bases = Vec<(Mode, Arc<Ruleset>)>;

impl RouteIndex {
    pub fn new(state: &State, family: Family, cluster_cidr: Option<Cidr>) -> Self {
        let mut ports = super::stored_service_ports(state, family);
        crate::order::sort_by(&mut ports, |a, b| {
            a.name
                .cmp(&b.name)
                .then_with(|| a.protocol.cmp(&b.protocol))
        });
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
        let mut pod_cidrs = Vec::new();
        for (name, node) in &cluster.nodes {
            for a in &node.status.addresses {
                if matches!(a.type_.as_str(), "InternalIP" | "ExternalIP") {
                    if let Some(ip) = parse_ip(&a.address) {
                        node_ips.entry(ip).or_insert_with(|| name.clone());
                    }
                }
            }
            for c in node.spec.pod_cidrs.iter().chain(&node.spec.pod_cidr) {
                if let Some(c) = parse_cidr_masked(c.trim()).filter(|c| c.family() == family) {
                    pod_cidrs.push((c, name.clone()));
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
        let mut endpoint_nodes = HashSet::new();
        for sp in &ports {
            for e in &sp.endpoints {
                if let Some(n) = &e.node_name {
                    if !endpoint_nodes.contains(n) {
                        endpoint_nodes.insert(n.clone());
                    }
                }
            }
        }
        RouteIndex {
            family,
            cluster_cidr,
            implicit_ips,
            large_cluster: iptables::is_large_cluster(&ports),
            cluster_domain: state.config.cluster_domain.clone(),
            service_cidrs: state.config.service_cidrs.clone(),
            zone: ZoneIndex::from_state(
                state,
                DnsOptions {
                    zone: state.config.cluster_domain.clone(),
                    ..DnsOptions::default()
                },
            ),
            iptables: iptables_offsets(&ports),
            userspace: [
                prefix_offsets(&ports, |sp| userspace::shared_counts(sp, false)),
                prefix_offsets(&ports, |sp| userspace::shared_counts(sp, true)),
            ],
            ipvs_global: ipvs::global_flags(ports.iter()),
            ipvs_node_dependent: ports
                .iter()
                .enumerate()
                .filter(|(_, sp)| ipvs::node_dependent(sp))
                .map(|(i, _)| i)
                .collect(),
            endpoint_nodes,
            bases: RefCell::new(HashMap::new()),
            nft_names: RefCell::new(HashMap::new()),
            ports,
            vips,
            node_ips,
            pod_cidrs,
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
            hops: vec![Hop::note("source", src.node.clone(), src.describe())],
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

    /// The fixed rules of `mode` on the node `cfg` describes: built on
    /// the node's first trace in that mode, then shared.
    fn base(&self, mode: Mode, cfg: &ProxyConfig) -> Arc<Ruleset> {
        let node = cfg.node_name.as_str();
        let built = self.bases.borrow().get(node).and_then(|modes| {
            modes
                .iter()
                .find(|(m, _)| *m == mode)
                .map(|(_, r)| r.clone())
        });
        if let Some(r) = built {
            return r;
        }
        let r = Arc::new(match mode {
            Mode::Iptables => iptables::base(cfg),
            Mode::Nftables => nftables::base(cfg, &self.service_cidrs),
            Mode::Ipvs => {
                // IPVS service ports add ipset entries and virtual
                // servers, never rules: the rules are fixed per node.
                let mut r = ipvs::base(cfg);
                let flags = ipvs::Flags::new(
                    &self.ipvs_global,
                    self.ipvs_node_dependent
                        .iter()
                        .filter_map(|i| self.ports.get(*i)),
                    self.endpoint_nodes.contains(node),
                    cfg,
                );
                ipvs::rules(&mut r, cfg, &flags);
                r
            }
            Mode::Userspace => userspace::base(cfg),
        });
        self.bases
            .borrow_mut()
            .entry(node.to_string())
            .or_default()
            .push((mode, r.clone()));
        r
    }

    /// The nftables names of service port `i`, `sp`: of every endpoint
    /// some node's rules may name (the usable ones).
    fn nft_names(&self, i: usize, sp: &ServicePortInfo) -> Arc<nftables::PortNames> {
        if let Some(names) = self.nft_names.borrow().get(&i) {
            return names.clone();
        }
        let names = Arc::new(nftables::PortNames::of(
            sp,
            sp.endpoints.iter().filter(|e| e.usable()),
        ));
        self.nft_names.borrow_mut().insert(i, names.clone());
        names
    }

    /// The ruleset a trace walks on the node `cfg` describes: over the
    /// mode's fixed rules `base`, the pieces of the service ports `reach`
    /// (indices into `ports`, ascending), each numbered as in the node's
    /// full ruleset.
    pub fn trace_ruleset<'b>(
        &self,
        base: &'b Ruleset,
        cfg: &ProxyConfig,
        reach: &[usize],
    ) -> Layers<'b> {
        let node = cfg.node_name.as_str();
        let mut l = Layers::over(base);
        let ports = reach.iter().filter_map(|&i| Some((i, self.ports.get(i)?)));
        match base.mode {
            Mode::Iptables => {
                let fixed = fixed_counts(base, &iptables::SHARED);
                for (i, sp) in ports {
                    let at = self.iptables.before(i, node);
                    skip_to(l.top_mut(), &iptables::SHARED, &fixed, &at);
                    let cat = categorize(sp, cfg);
                    iptables::service_port(l.top_mut(), sp, &cat, cfg, self.large_cluster);
                }
                let all = self.iptables.before(self.ports.len(), node);
                skip_to(l.top_mut(), &iptables::SHARED, &fixed, &all);
                iptables::finish(l.top_mut(), cfg);
            }
            Mode::Nftables => {
                for (i, sp) in ports {
                    let names = self.nft_names(i, sp);
                    let cat = categorize(sp, cfg);
                    nftables::service_port(l.top_mut(), sp, &names, &cat, cfg);
                }
            }
            Mode::Ipvs => {
                for (_, sp) in ports {
                    let cat = categorize(sp, cfg);
                    ipvs::service_port(l.top_mut(), sp, &cat, cfg);
                }
            }
            Mode::Userspace => {
                let offsets = &self.userspace[usize::from(cfg.node_ip.is_some())];
                let fixed = fixed_counts(base, &userspace::SHARED);
                for (i, sp) in ports {
                    let at = offsets.before(i, node);
                    skip_to(l.top_mut(), &userspace::SHARED, &fixed, &at);
                    userspace::service_port(l.top_mut(), sp, cfg);
                }
            }
        }
        l
    }
}

/// How many rules the fixed rules `base` put in each shared chain: the
/// top layer's rules of that chain are numbered on from there.
fn fixed_counts<const N: usize>(base: &Ruleset, shared: &[(&'static str, &str); N]) -> [u32; N] {
    shared.map(|(table, chain)| {
        base.table(table)
            .and_then(|t| t.chain(chain))
            .map_or(0, |c| c.next_index())
    })
}

/// Advances each shared chain of the top layer `top` (over fixed rules
/// that put `fixed` rules in them) to the index its next rule has in the
/// full ruleset.
fn skip_to<const N: usize>(
    top: &mut Ruleset,
    shared: &[(&'static str, &str); N],
    fixed: &[u32; N],
    at: &[u32; N],
) {
    for (c, (table, chain)) in shared.iter().enumerate() {
        let ch = top.table_mut(table).chain_mut(chain);
        let n = at[c].saturating_sub(fixed[c] + ch.next_index());
        ch.skip(n);
    }
}

/// Offsets whose counts do not depend on the node.
fn prefix_offsets<const N: usize>(
    ports: &[ServicePortInfo],
    counts: impl Fn(&ServicePortInfo) -> [u32; N],
) -> Offsets<N> {
    let mut prefix = Vec::with_capacity(ports.len() + 1);
    let mut acc = [0u32; N];
    prefix.push(acc);
    for sp in ports {
        let c = counts(sp);
        for k in 0..N {
            acc[k] += c[k];
        }
        prefix.push(acc);
    }
    Offsets {
        prefix,
        local: HashMap::new(),
    }
}

/// The iptables proxier's offsets: counts without local endpoints, and
/// for service ports with a Local policy what a node's own endpoints
/// change.
fn iptables_offsets(ports: &[ServicePortInfo]) -> Offsets<6> {
    let mut o = Offsets {
        prefix: Vec::with_capacity(ports.len() + 1),
        local: HashMap::new(),
    };
    let mut acc = [0u32; 6];
    o.prefix.push(acc);
    for (i, sp) in ports.iter().enumerate() {
        let has = sp.has_usable_endpoints();
        let without = iptables::shared_counts(sp, has, false);
        for c in 0..6 {
            acc[c] += without[c];
        }
        o.prefix.push(acc);
        if !sp.local_sensitive() {
            continue;
        }
        let with = iptables::shared_counts(sp, has, true);
        let mut delta = [0i64; 6];
        for c in 0..6 {
            delta[c] = i64::from(with[c]) - i64::from(without[c]);
        }
        if delta == [0; 6] {
            continue;
        }
        let mut seen: Vec<&str> = Vec::new();
        for e in sp.endpoints.iter().filter(|e| e.usable()) {
            let Some(n) = e.node_name.as_deref() else {
                continue;
            };
            if seen.contains(&n) {
                continue;
            }
            seen.push(n);
            let list = o.local.entry(n.to_string()).or_default();
            let mut total = list.last().map_or([0; 6], |(_, d)| *d);
            for c in 0..6 {
                total[c] += delta[c];
            }
            list.push((i, total));
        }
    }
    o
}

impl RouteIndex {
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
            // An address in a node's pod CIDR is a pod of that node the
            // input does not have.
            if let Some((_, node)) = self.pod_cidrs.iter().find(|(c, _)| c.contains(&ip)) {
                return Ok(Source {
                    kind: SourceKind::Pod,
                    ip,
                    node: Some(node.clone()),
                    namespace: None,
                    name: format!("{ip} (in node {node}'s pod CIDR; no pod of the input has it)"),
                    pod: None,
                    in_cluster: true,
                });
            }
            return Ok(Source {
                kind: SourceKind::External,
                ip,
                node: None,
                namespace: None,
                name: from.to_string(),
                pod: None,
                in_cluster: self.cluster_cidr.is_some_and(|c| c.contains(&ip)),
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
            in_cluster: true,
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
        t.hops.push(Hop::note("dns", None, detail));
        Ok(ip)
    }
}

/// What every connection of a trace walks.
#[derive(Clone, Copy)]
struct Run<'a> {
    sp: &'a ServicePortInfo,
    rs: &'a Layers<'a>,
    cfg: &'a ProxyConfig,
    from: From,
    seed: u64,
    packet: Packet,
    /// The client is outside the cluster (its replies go back through the
    /// node it sent to, or nowhere).
    outside: bool,
}

/// What a trace needs to narrate the steps of one walk.
struct Narration<'a> {
    sp: &'a ServicePortInfo,
    cfg: &'a ProxyConfig,
    node: &'a str,
    entry: Entry,
    mode: Mode,
    /// `2 candidate(s): a p=0.5000, …` for the load-balancing step.
    candidates: String,
}

impl RouteIndex {
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
        let svc = sp.name_string();
        t.service = Some(svc.to_string());

        // A cluster IP is virtual: only nodes and pods route it.
        let outside = src.kind == SourceKind::External && !src.in_cluster;
        if outside && entry == Entry::ClusterIp && req.node.is_none() {
            t.verdict = Verdict {
                kind: VerdictKind::Unroutable,
                reason: format!(
                    "{dst} is the cluster IP of {svc}, a virtual address that only the cluster's nodes and pods route (kube-proxy captures it on every node); {} is outside the cluster, and nothing there routes the Service CIDR to a node, so the packet never arrives. Fix: expose {} as a NodePort or LoadBalancer Service, or give it externalIPs (or, if your network does route the Service CIDR to a node, say which with --node)",
                    src.ip, sp.service
                ),
            };
            return;
        }

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
            let why = if req.node.is_some() && entry == Entry::ClusterIp {
                "as --node says, the outside network routes the Service CIDR to it"
            } else if req.node.is_some() {
                "as --node says"
            } else if self.health_checked(req, sp, entry) && self.nodes.contains_key(&node) {
                "the first node passing the load balancer's health check (it has a local ready endpoint)"
            } else {
                "a node chosen by hashing the client (use --node to pick one)"
            };
            t.hops.push(Hop::note(
                "ingress",
                Some(node_label.clone()),
                format!("the packet enters node {node_label}: {why}"),
            ));
        } else if src.node.as_deref().is_some_and(|n| n != node) {
            t.hops.push(Hop::note(
                "route",
                src.node.clone(),
                format!(
                    "{dst} is not an address of {}: the packet is routed to node {node_label}",
                    src.node.as_deref().unwrap_or_default()
                ),
            ));
        }
        let from = match (src.kind, src.node.as_deref() == Some(node.as_str())) {
            (SourceKind::Pod, true) => From::LocalPod,
            (SourceKind::Node, true) => From::Node,
            _ => From::Network,
        };

        // The pieces of every service port the destination address has:
        // the packet meets all their rules.
        let mut reach: Vec<usize> = match entry {
            Entry::NodePort => vec![idx],
            _ => self
                .vips
                .get(&dst)
                .map(|l| l.iter().map(|(i, _)| *i).collect())
                .unwrap_or_default(),
        };
        crate::order::sort(&mut reach);
        reach.dedup();
        let base = self.base(req.mode, cfg);
        let rs = self.trace_ruleset(&base, cfg, &reach);

        let mut packet = Packet {
            proto: sp.proto,
            src: src.ip,
            dst,
            dport: port,
            mark: 0,
        };
        // IPVS binds the VIPs to kube-ipvs0: a local address, which the
        // node's own connection to it takes as its source.
        if req.mode == Mode::Ipvs
            && from == From::Node
            && entry != Entry::NodePort
            && !cfg.node_addresses.contains(&dst)
        {
            packet.src = dst;
            t.hops.push(Hop::note(
                "route",
                Some(node_label.clone()),
                format!(
                    "{dst} is on kube-ipvs0, so a local address: the node's connection to it takes {dst} as its source"
                ),
            ));
        }
        let seed = walk::Dice::seed(&src.ip, svc);
        let mut memory = Memory::default();
        let first = Walker::new(
            &rs,
            cfg,
            from,
            Dice::new(seed, 0),
            &mut memory,
            true,
            packet,
        )
        .run();
        let lb = first
            .steps
            .iter()
            .find(|s| s.role == Role::LoadBalance)
            .cloned();
        let cands: Vec<Candidate> = match req.mode {
            Mode::Userspace => {
                let eps: Vec<&super::EndpointInfo> =
                    sp.endpoints.iter().filter(|e| e.ready).collect();
                let n = eps.len().max(1) as f64;
                eps.iter().map(|e| candidate(sp, e, 1.0 / n)).collect()
            }
            _ => lb
                .as_ref()
                .map(|s| {
                    walk::candidates(&rs, s)
                        .into_iter()
                        .filter_map(|(ip, p, share)| {
                            endpoint(sp, &ip, p).map(|e| candidate(sp, e, share))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let cat = categorize(sp, cfg);
        let local_chain = lb.as_ref().is_some_and(|s| match &s.quote.id {
            RuleId::Rule { chain, .. } => {
                chain.starts_with("KUBE-SVL-") || chain.starts_with("local-")
            }
            _ => false,
        });
        let fallback = if !cands.is_empty() && cands.iter().all(|c| !c.ready) {
            format!(
                " (no ready {}endpoint: falling back to serving terminating ones)",
                if local_chain { "local " } else { "" }
            )
        } else if cat.topology
            && cands.len() < sp.endpoints.iter().filter(|e| e.ready).count()
            && !sp.internal_policy_local
        {
            format!(
                " (topology hints: only endpoints for {})",
                cfg.node_zone
                    .as_deref()
                    .map_or_else(|| format!("node {node_label}"), |z| format!("zone {z}"))
            )
        } else {
            String::new()
        };
        let mut listing = String::new();
        for (i, c) in cands.iter().enumerate() {
            if i > 0 {
                listing.push_str(", ");
            }
            listing.push_str(&c.endpoint);
            listing.push_str(" p=");
            push_probability(&mut listing, c.probability);
        }
        let narration = Narration {
            sp,
            cfg,
            node: &node_label,
            entry,
            mode: req.mode,
            candidates: format!("{} candidate(s){fallback}: {listing}", cands.len()),
        };
        for step in &first.steps {
            t.hops.push(self.narrate(step, &narration));
        }
        t.candidates = cands;

        match &first.end {
            End::Proxy { port: proxy_port } => {
                self.userspace_proxy(req, src, sp, cfg, entry, *proxy_port, &node_label, t);
            }
            End::Backend { .. } => {
                let run = Run {
                    sp,
                    rs: &rs,
                    cfg,
                    from,
                    seed,
                    packet,
                    outside,
                };
                self.connections(req, &run, first, memory, &node_label, t);
            }
            End::Rejected | End::Dropped => {
                t.verdict = self.stopped_verdict(sp, &first, cfg, &node_label, entry, req);
            }
            End::Untouched => {
                t.verdict = Verdict {
                    kind: VerdictKind::NotProxied,
                    reason: format!(
                        "no rule of {node_label}'s {} ruleset rewrites {dst_str}: the packet goes on as addressed",
                        mode_name(req.mode)
                    ),
                };
            }
        }
    }

    /// Every connection's backend and the source it sees, the
    /// distribution, the last hop and the verdict.
    fn connections(
        &self,
        req: &RouteRequest,
        run: &Run,
        first: walk::Walk,
        mut memory: Memory,
        node: &str,
        t: &mut Trace,
    ) {
        let Run {
            sp,
            rs,
            cfg,
            from,
            seed,
            packet,
            outside,
        } = *run;
        let connections = req.connections.max(1);
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for c in 0..connections {
            // The rules' memory (affinity) carries from each connection to
            // the next.
            let later;
            let w = if c == 0 {
                &first
            } else {
                later = Walker::new(
                    rs,
                    cfg,
                    from,
                    Dice::new(seed, c),
                    &mut memory,
                    false,
                    packet,
                )
                .run();
                &later
            };
            if let End::Backend { ip, port } = w.end {
                let addr = join_host_port(&ip, port);
                *counts.entry(addr.clone()).or_default() += 1;
                t.connections.push(Connection {
                    index: c,
                    backend: addr,
                    source_ip: w.packet.src.to_string(),
                });
            }
        }
        t.distribution = counts
            .into_iter()
            .map(|(backend, k)| Share {
                backend,
                connections: k,
                fraction: f64::from(k) / f64::from(connections),
            })
            .collect();
        let End::Backend { ip, port } = first.end else {
            return;
        };
        let seen = first.packet.src.to_string();
        let Some(e) = endpoint(sp, &ip, port) else {
            t.verdict = Verdict {
                kind: VerdictKind::Delivered,
                reason: format!("{} -> {}", sp.name_string(), join_host_port(&ip, port)),
            };
            return;
        };
        let how = if first.masqueraded {
            "masqueraded"
        } else {
            "preserved"
        };
        deliver(t, sp, e, &seen, how);
        // An unmasqueraded packet from outside the cluster answered from
        // another node: the reply leaves there, from the backend's own
        // address, and the client drops it.
        if outside && !first.masqueraded {
            if let Some(n) = e.node_name.as_deref().filter(|n| *n != node) {
                t.verdict = Verdict {
                    kind: VerdictKind::ReplyLost,
                    reason: format!(
                        "{} -> {}{}: the packet arrives unmasqueraded, so the backend answers {} directly from {n} with its own address instead of {}; the client drops a reply from an address it never connected to{}",
                        sp.name_string(),
                        e.addr(),
                        whose(sp, e),
                        packet.src,
                        join_host_port(&packet.dst, packet.dport),
                        ipvs_local_note(req.mode, sp, node),
                    ),
                };
            }
        }
    }

    /// The verdict of a walk a rule stopped: what the last rule was for.
    fn stopped_verdict(
        &self,
        sp: &ServicePortInfo,
        w: &walk::Walk,
        cfg: &ProxyConfig,
        node: &str,
        entry: Entry,
        req: &RouteRequest,
    ) -> Verdict {
        let svc = sp.name_string();
        let last = w.steps.last();
        let role = last.map(|s| s.role);
        let kind = if w.end == End::Rejected {
            VerdictKind::Reject
        } else {
            VerdictKind::Drop
        };
        let reason = match role {
            Some(Role::FirewallDrop | Role::FirewallOther) => {
                let ranges: Vec<String> = sp.source_ranges.iter().map(ToString::to_string).collect();
                format!(
                    "source {} is not allowed by loadBalancerSourceRanges [{}] of {svc}",
                    w.packet.src,
                    ranges.join(", ")
                )
            }
            Some(Role::ClusterIpCheck) => format!(
                "{} is in the Service CIDR but no Service of the node's ruleset has it: dropped",
                w.packet.dst
            ),
            _ if !sp.has_usable_endpoints() => match req.mode {
                Mode::Ipvs => format!(
                    "{svc} has no endpoints: its virtual server has no real servers, so IPVS answers ICMP port unreachable"
                ),
                _ => format!(
                    "{svc} has no endpoints: the connection is rejected (ICMP port unreachable)"
                ),
            },
            _ => {
                let external = entry != Entry::ClusterIp;
                let health = if entry == Entry::LoadBalancer && sp.health_check_node_port != 0 {
                    format!(
                        " (the load balancer's health check on node port {} fails there)",
                        sp.health_check_node_port
                    )
                } else {
                    String::new()
                };
                if external && sp.external_policy_local {
                    format!(
                        "{svc} has externalTrafficPolicy Local and no usable endpoint on {node}; the packet is dropped{health}"
                    )
                } else if sp.internal_policy_local {
                    match req.mode {
                        Mode::Ipvs => format!(
                            "{svc} has internalTrafficPolicy Local and no endpoint on {node}: its virtual server has no real servers, so IPVS answers ICMP port unreachable (iptables and nftables drop)"
                        ),
                        _ => format!(
                            "{svc} has internalTrafficPolicy Local and no endpoint on {node}: the packet is dropped"
                        ),
                    }
                } else {
                    let _ = cfg;
                    format!("{svc} has no endpoints usable on {node}: the packet is dropped")
                }
            }
        };
        Verdict { kind, reason }
    }

    /// One step as a hop: what the rule did, in words.
    fn narrate(&self, s: &Step, n: &Narration) -> Hop {
        let svc = n.sp.name_string();
        let (src, dst) = (s.before.src, join_host_port(&s.before.dst, s.before.dport));
        let target = s.target.as_deref().unwrap_or("");
        let chain = match &s.quote.id {
            RuleId::Rule { chain, .. } => chain.to_string(),
            _ => String::new(),
        };
        let (step, detail): (&'static str, String) = match s.role {
            Role::Hook => ("hook", format!("{chain} (a base chain) jumps to {target}")),
            Role::Capture(_) | Role::Dispatch | Role::ToLoadBalancer => (
                "capture",
                match n.mode {
                    Mode::Nftables => format!(
                        "{dst} is {} of {svc}; the verdict map sends it to {target}",
                        n.entry.describe()
                    ),
                    _ => format!(
                        "{dst} is {} of {svc}; {} jumps to {target}",
                        n.entry.describe(),
                        n.node
                    ),
                },
            ),
            Role::Portal(_) => (
                "capture",
                format!(
                    "{dst} is {} of {svc}; {chain} sends it to kube-proxy's own socket {}",
                    n.entry.describe(),
                    join_host_port(&s.after.dst, s.after.dport)
                ),
            ),
            Role::ToNodePorts => (
                "capture",
                format!("{} is an address of {}: {target} handles its node ports", s.before.dst, n.node),
            ),
            Role::MasqueradeOffCluster => (
                "masquerade",
                format!(
                    "source {src} is outside the cluster CIDR{}: marked for masquerade (the backend may be on another node)",
                    n.cfg.cluster_cidr.map(|c| format!(" {c}")).unwrap_or_default()
                ),
            ),
            Role::MasqueradeAll => (
                "masquerade",
                "--masquerade-all: marked for masquerade".to_string(),
            ),
            Role::MasqueradeExternal => (
                "masquerade",
                match n.mode {
                    Mode::Ipvs => format!(
                        "traffic to {} of {svc}: marked for masquerade (the backend may be on another node)",
                        n.entry.describe()
                    ),
                    _ => "externalTrafficPolicy Cluster: marked for masquerade (the backend may be on another node)".to_string(),
                },
            ),
            Role::MasqueradeLocal => (
                "masquerade",
                "traffic from the node itself: marked for masquerade".to_string(),
            ),
            Role::ShortCircuitPods => (
                "policy",
                format!(
                    "source {src} is a pod: short-circuit to the cluster-wide chain {target}, source kept"
                ),
            ),
            Role::ShortCircuitLocal => (
                "policy",
                format!("traffic from the node itself goes to the cluster-wide chain {target}"),
            ),
            Role::ToPolicyChain if n.sp.external_policy_local => (
                "policy",
                format!(
                    "externalTrafficPolicy Local: only endpoints on {}; client source {src} preserved",
                    n.node
                ),
            ),
            Role::ToPolicyChain => ("policy", format!("on to the cluster-wide chain {target}")),
            Role::LocalReturn => (
                "policy",
                format!("externalTrafficPolicy Local: not masqueraded; client source {src} preserved"),
            ),
            Role::FirewallCheck => (
                "firewall",
                format!("{dst} has loadBalancerSourceRanges: {target} checks the source"),
            ),
            Role::FirewallAllow => (
                "firewall",
                format!("source {src} is allowed by loadBalancerSourceRanges"),
            ),
            Role::FirewallOther => (
                "firewall",
                format!(
                    "source {src} is in none of loadBalancerSourceRanges: no jump, so KUBE-PROXY-FIREWALL drops it"
                ),
            ),
            Role::FirewallDrop => (
                "drop",
                format!("source {src} is not allowed by loadBalancerSourceRanges: dropped"),
            ),
            Role::MarkForMasquerade => (
                "mark",
                format!("sets the masquerade mark {:#x}", n.cfg.mark_value()),
            ),
            Role::Affinity => (
                "affinity",
                match n.mode {
                    Mode::Ipvs => format!(
                        "sessionAffinity ClientIP: {src} has a persistence template: back to its real server"
                    ),
                    _ => format!(
                        "sessionAffinity ClientIP: {src} connected recently: back to the backend it had"
                    ),
                },
            ),
            Role::LoadBalance => (
                "loadBalance",
                match &s.quote.id {
                    RuleId::VirtualServer { virtual_server } => {
                        let persistent = n
                            .sp
                            .affinity_timeout
                            .map(|t| format!(", persistent {t}s for sessionAffinity ClientIP"))
                            .unwrap_or_default();
                        format!(
                            "virtual server {virtual_server} (scheduler rr{persistent}): {}",
                            n.candidates
                        )
                    }
                    _ => n.candidates.clone(),
                },
            ),
            Role::AffinityRecord => (
                "affinity",
                format!(
                    "sessionAffinity ClientIP: records {src} for this backend ({}s)",
                    n.sp.affinity_timeout.unwrap_or(0)
                ),
            ),
            Role::Hairpin => (
                "hairpin",
                format!("backend {src} is the client itself: marked for masquerade"),
            ),
            Role::Dnat => (
                "dnat",
                format!(
                    "destination {dst} rewritten to {}{}",
                    join_host_port(&s.after.dst, s.after.dport),
                    match (n.mode, n.sp.affinity_timeout) {
                        // The same rule records the client (`--set`).
                        (Mode::Iptables, Some(t)) => format!(
                            "; sessionAffinity ClientIP: {src} is recorded for this backend ({t}s)"
                        ),
                        _ => String::new(),
                    }
                ),
            ),
            Role::NoEndpoints | Role::EndpointsCheck => {
                let rejected = s.element.as_ref().is_some_and(|e| e.text.ends_with("reject-chain"))
                    || s.quote.text.contains("REJECT")
                    || s.quote.text == "reject"
                    || matches!(s.quote.id, RuleId::VirtualServer { .. });
                if rejected {
                    ("reject", format!("{dst}: {svc} has no endpoints to send it to"))
                } else {
                    ("drop", format!("{dst}: {svc} has no endpoint for this traffic on {}", n.node))
                }
            }
            Role::HealthCheck => ("accept", format!("{dst} is {svc}'s health check node port")),
            Role::PostroutingSkip => ("snat", format!("not marked: the source stays {src}")),
            Role::PostroutingUnmark => ("snat", "marked: the mark is cleared".to_string()),
            Role::Masquerade => (
                "snat",
                if s.after.src == s.before.src {
                    format!("source {src} is the node's own address and stays")
                } else {
                    format!(
                        "source {src} becomes {} (MASQUERADE takes the egress interface's address, shown here as the node's InternalIP)",
                        s.after.src
                    )
                },
            ),
            Role::ClusterIpCheck => (
                if s.quote.text.contains("reject") {
                    "reject"
                } else {
                    "drop"
                },
                format!("{dst} is no port of a cluster IP the node knows"),
            ),
            Role::Accept => (
                "accept",
                format!("{dst} is a virtual server's address: accepted, IPVS takes it"),
            ),
            Role::VipFilter => ("filter", format!("{dst} is a virtual server's port: allowed")),
            Role::ProxyAccept => (
                "accept",
                format!("traffic to kube-proxy's port {} is accepted", s.before.dport),
            ),
            Role::Plumbing => ("rule", format!("{chain} matches")),
        };
        Hop {
            step,
            node: Some(n.node.to_string()),
            rule: Some(s.quote.clone()),
            element: s.element.clone(),
            before: Some(Addresses::of(&s.before)),
            after: Some(Addresses::of(&s.after)),
            detail,
        }
    }

    /// The userspace proxier after its rules: kube-proxy accepts, picks a
    /// backend (round robin, or the client's under ClientIP affinity) and
    /// dials it from the node, so the backend always sees the node's IP.
    /// It knew no traffic policies, topology, source ranges or terminating
    /// endpoints: every ready endpoint is a candidate.
    #[allow(clippy::too_many_arguments)]
    fn userspace_proxy(
        &self,
        req: &RouteRequest,
        src: &Source,
        sp: &ServicePortInfo,
        cfg: &ProxyConfig,
        entry: Entry,
        proxy_port: u16,
        node: &str,
        t: &mut Trace,
    ) {
        let svc = sp.name_string();
        let node_ip = cfg
            .node_ip
            .map_or_else(|| "(node IP)".to_string(), |ip| ip.to_string());
        let proxy_addr = cfg.node_ip.map_or_else(
            || format!("(node IP):{proxy_port}"),
            |ip| join_host_port(&ip, proxy_port),
        );
        let hop =
            |step: &'static str, detail: String| Hop::note(step, Some(node.to_string()), detail);
        t.hops.push(hop(
            "proxyAccept",
            format!(
                "kube-proxy accepts on {proxy_addr}, the port it opened for {svc} (upstream takes a random free port; here a hash of the service port name in 32768-60999, so the trace is stable); the client's connection ends at kube-proxy"
            ),
        ));
        // Where the userspace proxier's ignorance changes the outcome.
        let mut knew_not = Vec::new();
        if entry != Entry::ClusterIp && sp.external_policy_local {
            knew_not.push("externalTrafficPolicy Local");
        }
        if entry == Entry::ClusterIp && sp.internal_policy_local {
            knew_not.push("internalTrafficPolicy Local");
        }
        if entry == Entry::LoadBalancer && !sp.source_ranges.is_empty() {
            knew_not.push("loadBalancerSourceRanges");
        }
        if categorize(sp, cfg).topology {
            knew_not.push("topology hints");
        }
        let eps: Vec<&super::EndpointInfo> = sp.endpoints.iter().filter(|e| e.ready).collect();
        if eps.is_empty() {
            let terminating = sp.endpoints.iter().any(|e| e.serving && e.terminating);
            t.verdict = Verdict {
                kind: VerdictKind::Reject,
                reason: format!(
                    "{svc} has no ready endpoints: kube-proxy accepts and immediately closes the connection{}",
                    if terminating {
                        " (the userspace proxier knew no fallback to serving terminating endpoints)"
                    } else {
                        ""
                    }
                ),
            };
            return;
        }
        if !knew_not.is_empty() {
            t.hops.push(hop(
                "policy",
                format!(
                    "the userspace proxier knew no {}: every ready endpoint is a candidate",
                    knew_not.join(", ")
                ),
            ));
        }
        let n = eps.len();
        // Round robin from the first endpoint; under ClientIP affinity the
        // client's first pick sticks.
        let connections = req.connections.max(1);
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for c in 0..connections {
            let i = if sp.affinity_timeout.is_some() {
                0
            } else {
                c as usize % n
            };
            let addr = eps[i].addr().to_string();
            *counts.entry(addr.clone()).or_default() += 1;
            t.connections.push(Connection {
                index: c,
                backend: addr,
                source_ip: node_ip.clone(),
            });
        }
        t.distribution = counts
            .into_iter()
            .map(|(backend, k)| Share {
                backend,
                connections: k,
                fraction: f64::from(k) / f64::from(connections),
            })
            .collect();
        let e = eps[0];
        let list: Vec<String> = eps.iter().map(|e| e.addr().to_string()).collect();
        t.hops.push(hop(
            "loadBalance",
            format!(
                "kube-proxy's round robin over {n} ready endpoint(s), in order: {}",
                list.join(", ")
            ),
        ));
        if let Some(timeout) = sp.affinity_timeout {
            t.hops.push(hop(
                "affinity",
                format!(
                    "sessionAffinity ClientIP: kube-proxy keeps {} on {} for {timeout}s",
                    src.ip,
                    e.addr()
                ),
            ));
        }
        let mut connect = hop(
            "proxyConnect",
            format!(
                "kube-proxy opens a new connection from {node_ip} to {} and copies bytes both ways",
                e.addr()
            ),
        );
        if let Some(ip) = cfg.node_ip {
            connect.after = Some(Addresses {
                source: ip.to_string(),
                destination: e.addr().to_string(),
            });
        }
        t.hops.push(connect);
        deliver(t, sp, e, &node_ip, "kube-proxy's own connection");
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
    /// counts no terminating ones), else for an address in a node's pod
    /// CIDR that node, else a node picked by hashing the client.
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

/// The IPVS reason a Local policy reached another node's endpoint.
fn ipvs_local_note(mode: Mode, sp: &ServicePortInfo, node: &str) -> String {
    if mode == Mode::Ipvs && sp.external_policy_local && !sp.has_local_endpoints(node) {
        format!(
            " (with no endpoint on {node}, IPVS gives the virtual server of an externalTrafficPolicy Local Service the cluster's endpoints, kubernetes#97081; iptables and nftables drop)"
        )
    } else {
        String::new()
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Iptables => "iptables",
        Mode::Ipvs => "IPVS",
        Mode::Nftables => "nftables",
        Mode::Userspace => "userspace",
    }
}

/// The endpoint of a service port at `ip:port`.
fn endpoint<'a>(
    sp: &'a ServicePortInfo,
    ip: &IpAddr,
    port: u16,
) -> Option<&'a super::EndpointInfo> {
    sp.endpoints.iter().find(|e| e.ip == *ip && e.port == port)
}

/// Appends a probability with four decimals exactly as `{:.4}` writes it
/// (the decimal nearest its binary value, ties to even), in integer
/// arithmetic: float formatting was a twelfth of a trace's time.
fn push_probability(out: &mut String, p: f64) {
    if p.is_sign_negative() || !(0.0..=1.0).contains(&p) {
        let _ = write!(out, "{p:.4}");
        return;
    }
    // p = m × 2^-shift, and p ≤ 1 makes shift ≥ 52.
    let bits = p.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as u32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, shift) = if exp == 0 {
        (frac, 1074)
    } else {
        (frac | 1 << 52, 1075 - exp)
    };
    // m × 10⁴ < 2⁶⁷: beyond 2⁻¹²⁰ the value rounds to 0.0000.
    let q = if shift > 120 {
        0
    } else {
        let v = u128::from(m) * 10_000;
        let q = v >> shift;
        let r = v & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if r > half || (r == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }
    };
    let q = q as u32;
    push_decimal(out, q / 10_000);
    out.push('.');
    let f = q % 10_000;
    for d in [1000, 100, 10, 1] {
        out.push(char::from(b'0' + (f / d % 10) as u8));
    }
}

fn candidate(sp: &ServicePortInfo, e: &super::EndpointInfo, probability: f64) -> Candidate {
    Candidate {
        endpoint: e.addr().to_string(),
        pod: e
            .pod
            .as_ref()
            .map(|p| format!("{}/{p}", sp.service.namespace)),
        node: e.node_name.clone(),
        probability,
        ready: e.ready,
        terminating: e.terminating,
    }
}

/// The trace's last hop and verdict: `e` gets the packet and sees `source`
/// (`how` says why that source).
fn deliver(t: &mut Trace, sp: &ServicePortInfo, e: &super::EndpointInfo, source: &str, how: &str) {
    let whose = whose(sp, e);
    let mut hop = Hop::note(
        "deliver",
        e.node_name.clone(),
        format!("{}{whose} sees source {source}", e.addr()),
    );
    hop.after = Some(Addresses {
        source: source.to_string(),
        destination: e.addr().to_string(),
    });
    t.hops.push(hop);
    t.verdict = Verdict {
        kind: VerdictKind::Delivered,
        reason: format!(
            "{} -> {}{whose}, source seen {source} ({how})",
            sp.name_string(),
            e.addr()
        ),
    };
}

/// Which pod and node an endpoint is, as ` (pod ns/name on node)`.
fn whose(sp: &ServicePortInfo, e: &super::EndpointInfo) -> String {
    match (&e.pod, &e.node_name) {
        (Some(p), Some(n)) => format!(" (pod {}/{p} on {n})", sp.service.namespace),
        (Some(p), None) => format!(" (pod {}/{p})", sp.service.namespace),
        (None, Some(n)) => format!(" (on {n})"),
        (None, None) => String::new(),
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
    /// A pod's or node's address, or one in a pod CIDR or the cluster
    /// CIDR: not a client outside the cluster.
    in_cluster: bool,
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
            in_cluster: true,
        }
    }

    fn describe(&self) -> String {
        match (self.kind, &self.node) {
            (SourceKind::External, _) if self.in_cluster => format!(
                "client {} (in the cluster CIDR; no pod or node of the input has it)",
                self.ip
            ),
            (SourceKind::External, _) => format!("external client {}", self.ip),
            (_, Some(n)) if self.kind == SourceKind::Pod => {
                format!("{} ({}) on node {n}", self.name, self.ip)
            }
            _ => format!("{} ({})", self.name, self.ip),
        }
    }
}

/// The host of a `--to` as written.
fn to_host(to: &str) -> &str {
    to.rsplit_once(':').map_or(to, |(h, _)| h)
}

/// `HOST:PORT` or `[V6]:PORT`.
fn split_host_port(s: &str) -> Result<(&str, u16), Error> {
    let bad = || Error::bad_argument("to", format!("{s:?}: expected HOST:PORT"));
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || (host.contains(':') && !host.starts_with('[')) {
        return Err(bad());
    }
    let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(bad)?;
    Ok((host, port))
}

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

    #[test]
    fn probabilities_are_written_as_float_formatting_writes_them() {
        let mut ps: Vec<f64> = vec![0.0, -0.0, 1.0, 1.5, f64::NAN, 5e-324, 0.00005, 0.99995];
        // Every share a cascade of up to 200 backends gives, halvings
        // (whose ties round to even), and a sweep of bit patterns.
        for n in 1..=200u32 {
            ps.extend((0..=n).map(|k| f64::from(k) / f64::from(n)));
        }
        ps.extend((0..80).map(|k| 0.5f64.powi(k)));
        ps.extend(
            (0..20_000u64).map(|i| f64::from_bits(0x3f00_0000_0000_0000 + i * 0x312_6e97_8d4b)),
        );
        for p in ps.into_iter().filter(|p| p.is_nan() || *p <= 2.0) {
            let mut s = String::new();
            push_probability(&mut s, p);
            assert_eq!(s, format!("{p:.4}"), "{p:e}");
        }
    }
}
