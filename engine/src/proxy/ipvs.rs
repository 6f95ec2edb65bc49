//! What kube-proxy's IPVS proxier programs on one node: the ipsets it
//! fills (`KUBE-CLUSTER-IP`, `KUBE-NODE-PORT-TCP`, …), the iptables rules
//! that match them for masquerade, node ports, source ranges and the VIP
//! filter (`writeIptablesRules`), and the IPVS virtual servers with their
//! real servers, as `ipset save`, `iptables-save` and `ipvsadm -Ln` print
//! them.
//!
//! Virtual servers: one per cluster IP, external IP and load-balancer IP,
//! and a node port on every node address; real servers are the cluster
//! endpoints, or for a Local policy the node's own, falling back to the
//! cluster endpoints when the node has none (kubernetes#97081), and
//! `persistent <timeout>` stands for ClientIP affinity. The iptables rules
//! are the same for every service port; which of them exist depends only
//! on which ipsets have entries ([`Flags`]).

use super::ipt::{self, Net, Part, KUBE_POSTROUTING};
use super::route::Mode;
use super::ruleset::{ChainOrder, Name, Role, Ruleset, Table};
use super::{categorize, join_host_port, Categorized, EndpointInfo, ProxyConfig, ServicePortInfo};
use crate::net::{Cidr, Family};
use std::fmt::{self, Write as _};
use std::net::IpAddr;

pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
pub const KUBE_NODE_PORT: &str = "KUBE-NODE-PORT";
pub const KUBE_LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
pub const KUBE_FORWARD: &str = "KUBE-FORWARD";
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
pub const KUBE_SOURCE_RANGES_FIREWALL: &str = "KUBE-SOURCE-RANGES-FIREWALL";
pub const KUBE_IPVS_FILTER: &str = "KUBE-IPVS-FILTER";
pub const KUBE_IPVS_OUT_FILTER: &str = "KUBE-IPVS-OUT-FILTER";

/// The ipsets, in `ipsetInfo`'s order: name, type, comment.
pub const IPSETS: [(&str, &str, &str); 17] = [
    (
        "KUBE-LOOP-BACK",
        "hash:ip,port,ip",
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
    ),
    (
        "KUBE-CLUSTER-IP",
        "hash:ip,port",
        "Kubernetes service cluster ip + port for masquerade purpose",
    ),
    (
        "KUBE-EXTERNAL-IP",
        "hash:ip,port",
        "Kubernetes service external ip + port for masquerade and filter purpose",
    ),
    (
        "KUBE-EXTERNAL-IP-LOCAL",
        "hash:ip,port",
        "Kubernetes service external ip + port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-LOAD-BALANCER",
        "hash:ip,port",
        "Kubernetes service lb portal",
    ),
    (
        "KUBE-LOAD-BALANCER-FW",
        "hash:ip,port",
        "Kubernetes service load balancer ip + port for load balancer with sourceRange",
    ),
    (
        "KUBE-LOAD-BALANCER-LOCAL",
        "hash:ip,port",
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-LOAD-BALANCER-SOURCE-IP",
        "hash:ip,port,ip",
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
    ),
    (
        "KUBE-LOAD-BALANCER-SOURCE-CIDR",
        "hash:ip,port,net",
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
    ),
    (
        "KUBE-NODE-PORT-TCP",
        "bitmap:port",
        "Kubernetes nodeport TCP port for masquerade purpose",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-TCP",
        "bitmap:port",
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-NODE-PORT-UDP",
        "bitmap:port",
        "Kubernetes nodeport UDP port for masquerade purpose",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-UDP",
        "bitmap:port",
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-NODE-PORT-SCTP-HASH",
        "hash:ip,port",
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
        "hash:ip,port",
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
    ),
    (
        "KUBE-HEALTH-CHECK-NODE-PORT",
        "bitmap:port",
        "Kubernetes health check node port",
    ),
    (
        "KUBE-IPVS-IPS",
        "hash:ip",
        "Addresses on the ipvs interface",
    ),
];

const LOOP_BACK: usize = 0;
const CLUSTER_IP: usize = 1;
const EXTERNAL_IP: usize = 2;
const EXTERNAL_IP_LOCAL: usize = 3;
const LOAD_BALANCER: usize = 4;
const LOAD_BALANCER_FW: usize = 5;
const LOAD_BALANCER_LOCAL: usize = 6;
const LB_SOURCE_IP: usize = 7;
const LB_SOURCE_CIDR: usize = 8;
const NODE_PORT_TCP: usize = 9;
const NODE_PORT_LOCAL_TCP: usize = 10;
const NODE_PORT_UDP: usize = 11;
const NODE_PORT_LOCAL_UDP: usize = 12;
const NODE_PORT_SCTP: usize = 13;
const NODE_PORT_LOCAL_SCTP: usize = 14;
const HEALTH_CHECK: usize = 15;
const IPVS_IPS: usize = 16;

/// An ipset's name for the proxier's family: IPv6 sets are `KUBE-6-…`,
/// cut to ipset's 31 characters.
pub fn set_name(i: usize, family: Family) -> Name {
    let base = IPSETS[i].0;
    match family {
        Family::IPv4 => base.into(),
        Family::IPv6 => {
            let mut n = base.replacen("KUBE-", "KUBE-6-", 1);
            n.truncate(31);
            n.into()
        }
    }
}

/// One ipset entry, as `ipset` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpsetEntry {
    Ip(IpAddr),
    Port(u16),
    IpPort(IpAddr, &'static str, u16),
    IpPortIp(IpAddr, &'static str, u16, IpAddr),
    IpPortNet(IpAddr, &'static str, u16, Cidr),
}

impl fmt::Display for IpsetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpsetEntry::Ip(ip) => write!(f, "{ip}"),
            IpsetEntry::Port(p) => write!(f, "{p}"),
            IpsetEntry::IpPort(ip, pr, p) => write!(f, "{ip},{pr}:{p}"),
            IpsetEntry::IpPortIp(ip, pr, p, ip2) => write!(f, "{ip},{pr}:{p},{ip2}"),
            IpsetEntry::IpPortNet(ip, pr, p, net) => write!(f, "{ip},{pr}:{p},{net}"),
        }
    }
}

/// An ipset and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpSet {
    pub name: Name,
    pub type_: &'static str,
    pub comment: &'static str,
    pub family: Family,
    pub entries: Vec<IpsetEntry>,
}

impl IpSet {
    pub fn contains(&self, e: &IpsetEntry) -> bool {
        self.entries.contains(e)
    }

    /// `add NAME ENTRY`, as `ipset save` prints an entry.
    pub fn entry_text(&self, e: &IpsetEntry) -> String {
        format!("add {} {e}", self.name)
    }

    fn create_line(&self) -> String {
        if self.type_ == "bitmap:port" {
            format!("create {} {} range 0-65535", self.name, self.type_)
        } else {
            let fam = match self.family {
                Family::IPv4 => "inet",
                Family::IPv6 => "inet6",
            };
            format!(
                "create {} {} family {fam} hashsize 1024 maxelem 65536",
                self.name, self.type_
            )
        }
    }
}

/// A real server of a virtual server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServer {
    pub ip: IpAddr,
    pub port: u16,
    pub addr: Name,
}

impl RealServer {
    fn of(e: &EndpointInfo) -> Self {
        RealServer {
            ip: e.ip,
            port: e.port,
            addr: e.addr_name(),
        }
    }

    /// `-> ip:port  Masq  1  0  0`, as `ipvsadm -Ln` lists it (without
    /// the indentation).
    pub fn text(&self) -> String {
        format!("-> {:<28} {:<7} {:<6} {:<10} 0", self.addr, "Masq", 1, 0)
    }
}

/// One virtual server and its real servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServer {
    pub protocol: String,
    pub address: IpAddr,
    pub port: u16,
    pub scheduler: &'static str,
    /// ClientIP affinity timeout (`persistent`).
    pub persistent: Option<u32>,
    pub reals: Vec<RealServer>,
}

impl VirtualServer {
    /// `TCP 10.0.0.1:80`: the identity ipvsadm keys it by.
    pub fn key(&self) -> String {
        format!(
            "{} {}",
            self.protocol,
            join_host_port(&self.address, self.port)
        )
    }

    /// `TCP  10.0.0.1:80 rr [persistent T]`, as `ipvsadm -Ln` lists it.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{:<4} {} {}",
            self.protocol,
            join_host_port(&self.address, self.port),
            self.scheduler
        );
        if let Some(t) = self.persistent {
            let _ = write!(s, " persistent {t}");
        }
        s
    }
}

/// The ipsets (empty) and the chains every sync declares.
pub fn base(cfg: &ProxyConfig) -> Ruleset {
    let mut nat = Table::new("nat", ChainOrder::Created);
    let mut filter = Table::new("filter", ChainOrder::Created);
    for c in [
        KUBE_SERVICES,
        KUBE_POSTROUTING,
        KUBE_NODE_PORT,
        KUBE_LOAD_BALANCER,
        KUBE_MARK_MASQ,
    ] {
        nat.declare(c);
    }
    for c in [
        KUBE_FORWARD,
        KUBE_NODE_PORT,
        KUBE_PROXY_FIREWALL,
        KUBE_SOURCE_RANGES_FIREWALL,
        KUBE_IPVS_FILTER,
        KUBE_IPVS_OUT_FILTER,
    ] {
        filter.declare(c);
    }
    let mut r = Ruleset::new(Mode::Ipvs, cfg.family, vec![nat, filter]);
    r.ipsets = IPSETS
        .iter()
        .enumerate()
        .map(|(i, (_, type_, comment))| IpSet {
            name: set_name(i, cfg.family),
            type_,
            comment,
            family: cfg.family,
            entries: Vec::new(),
        })
        .collect();
    r
}

/// Everything IPVS programs for every service port on the node `cfg`
/// describes.
pub fn sync(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> Ruleset {
    let mut r = base(cfg);
    let mut order: Vec<&ServicePortInfo> = ports.iter().collect();
    super::sort_ports(&mut order);
    for sp in &order {
        let cat = categorize(sp, cfg);
        service_port(&mut r, sp, &cat, cfg);
    }
    let loopback = !r.ipsets[LOOP_BACK].entries.is_empty();
    let flags = Flags::new(
        &global_flags(order.iter().copied()),
        order.iter().copied(),
        loopback,
        cfg,
    );
    rules(&mut r, cfg, &flags);
    r
}

fn add(r: &mut Ruleset, set: usize, e: IpsetEntry) {
    if let Some(s) = r.ipsets.get_mut(set) {
        s.entries.push(e);
    }
}

/// The node addresses IPVS serves node ports on: those of the proxier's
/// family.
fn node_port_ips(cfg: &ProxyConfig) -> Vec<IpAddr> {
    cfg.node_addresses.clone()
}

/// One service port's ipset entries and virtual servers.
pub fn service_port(r: &mut Ruleset, sp: &ServicePortInfo, cat: &Categorized, cfg: &ProxyConfig) {
    let proto = sp.proto;
    for e in &sp.endpoints {
        // Hairpin: a local backend reaching itself through the Service.
        if e.is_local(&cfg.node_name) {
            add(
                r,
                LOOP_BACK,
                IpsetEntry::IpPortIp(e.ip, proto, e.port, e.ip),
            );
        }
    }
    let reals = |local_policy: bool| -> Vec<RealServer> {
        let eps: &[&EndpointInfo] = if local_policy && !cat.local.is_empty() {
            &cat.local
        } else {
            &cat.cluster
        };
        eps.iter().map(|e| RealServer::of(e)).collect()
    };
    let vs = |address: IpAddr, port: u16, local_policy: bool| VirtualServer {
        protocol: sp.protocol.clone(),
        address,
        port,
        scheduler: "rr",
        persistent: sp.affinity_timeout,
        reals: reals(local_policy),
    };
    add(
        r,
        CLUSTER_IP,
        IpsetEntry::IpPort(sp.cluster_ip, proto, sp.port),
    );
    add(r, IPVS_IPS, IpsetEntry::Ip(sp.cluster_ip));
    r.virtual_servers
        .push(vs(sp.cluster_ip, sp.port, sp.internal_policy_local));
    let local = sp.external_policy_local;
    for ip in &sp.external_ips {
        let set = if local {
            EXTERNAL_IP_LOCAL
        } else {
            EXTERNAL_IP
        };
        add(r, set, IpsetEntry::IpPort(*ip, proto, sp.port));
        if !cfg.node_addresses.contains(ip) {
            add(r, IPVS_IPS, IpsetEntry::Ip(*ip));
        }
        r.virtual_servers.push(vs(*ip, sp.port, local));
    }
    for ip in &sp.load_balancer_ips {
        let entry = IpsetEntry::IpPort(*ip, proto, sp.port);
        add(r, LOAD_BALANCER, entry);
        if local {
            add(r, LOAD_BALANCER_LOCAL, entry);
        }
        if !sp.source_ranges.is_empty() {
            add(r, LOAD_BALANCER_FW, entry);
            let mut from_node = false;
            for cidr in &sp.source_ranges {
                add(
                    r,
                    LB_SOURCE_CIDR,
                    IpsetEntry::IpPortNet(*ip, proto, sp.port, *cidr),
                );
                from_node |= cfg.node_ip.is_some_and(|n| cidr.contains(&n));
            }
            // The node reaching its own LB VIP loops back with the VIP as
            // source.
            if from_node {
                add(
                    r,
                    LB_SOURCE_IP,
                    IpsetEntry::IpPortIp(*ip, proto, sp.port, *ip),
                );
            }
        }
        if !cfg.node_addresses.contains(ip) {
            add(r, IPVS_IPS, IpsetEntry::Ip(*ip));
        }
        r.virtual_servers.push(vs(*ip, sp.port, local));
    }
    let node_ips = node_port_ips(cfg);
    if sp.node_port != 0 && !node_ips.is_empty() {
        let np = sp.node_port;
        let (set, local_set) = match proto {
            "udp" => (NODE_PORT_UDP, NODE_PORT_LOCAL_UDP),
            "sctp" => (NODE_PORT_SCTP, NODE_PORT_LOCAL_SCTP),
            _ => (NODE_PORT_TCP, NODE_PORT_LOCAL_TCP),
        };
        // SCTP sets are hash:ip,port over every node address.
        let entries: Vec<IpsetEntry> = if proto == "sctp" {
            node_ips
                .iter()
                .map(|ip| IpsetEntry::IpPort(*ip, proto, np))
                .collect()
        } else {
            vec![IpsetEntry::Port(np)]
        };
        for e in &entries {
            add(r, set, *e);
            if local {
                add(r, local_set, *e);
            }
        }
        for ip in node_ips {
            r.virtual_servers.push(vs(ip, np, local));
        }
    }
    if sp.health_check_node_port != 0 {
        add(r, HEALTH_CHECK, IpsetEntry::Port(sp.health_check_node_port));
    }
}

/// Which ipsets have entries (their iptables rules exist only then) and
/// the load-balancer addresses the node itself may not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    pub nonempty: [bool; 17],
    /// `KUBE-IPVS-OUT-FILTER`: LB IP, protocol, port whose source ranges
    /// leave the node out.
    pub out_filter: Vec<(IpAddr, &'static str, u16)>,
}

/// The ipsets that have entries whatever the node (all but the hairpin,
/// node-IP and node-address dependent ones, which [`Flags::new`] adds).
pub fn global_flags<'a>(ports: impl Iterator<Item = &'a ServicePortInfo>) -> [bool; 17] {
    let mut f = [false; 17];
    for sp in ports {
        f[CLUSTER_IP] = true;
        f[IPVS_IPS] = true;
        let local = sp.external_policy_local;
        if !sp.external_ips.is_empty() {
            f[if local {
                EXTERNAL_IP_LOCAL
            } else {
                EXTERNAL_IP
            }] = true;
        }
        if !sp.load_balancer_ips.is_empty() {
            f[LOAD_BALANCER] = true;
            f[LOAD_BALANCER_LOCAL] |= local;
            if !sp.source_ranges.is_empty() {
                f[LOAD_BALANCER_FW] = true;
                f[LB_SOURCE_CIDR] = true;
            }
        }
        if sp.node_port != 0 {
            match sp.proto {
                "udp" => {
                    f[NODE_PORT_UDP] = true;
                    f[NODE_PORT_LOCAL_UDP] |= local;
                }
                // SCTP entries need node addresses: see `Flags::new`.
                "sctp" => {}
                _ => {
                    f[NODE_PORT_TCP] = true;
                    f[NODE_PORT_LOCAL_TCP] |= local;
                }
            }
        }
        f[HEALTH_CHECK] |= sp.health_check_node_port != 0;
    }
    f
}

impl Flags {
    /// The flags of the node `cfg` describes: `global` from
    /// [`global_flags`], `with_ranges` the service ports with
    /// load-balancer source ranges and SCTP node ports (the only ones
    /// whose entries depend on the node), `loopback` whether some
    /// endpoint is on this node.
    pub fn new<'a>(
        global: &[bool; 17],
        node_dependent: impl Iterator<Item = &'a ServicePortInfo>,
        loopback: bool,
        cfg: &ProxyConfig,
    ) -> Self {
        let mut f = Flags {
            nonempty: *global,
            out_filter: Vec::new(),
        };
        f.nonempty[LOOP_BACK] = loopback;
        for sp in node_dependent {
            if sp.proto == "sctp" && sp.node_port != 0 && !cfg.node_addresses.is_empty() {
                f.nonempty[NODE_PORT_SCTP] = true;
                f.nonempty[NODE_PORT_LOCAL_SCTP] |= sp.external_policy_local;
            }
            if sp.source_ranges.is_empty() {
                continue;
            }
            let from_node = cfg
                .node_ip
                .is_some_and(|n| sp.source_ranges.iter().any(|c| c.contains(&n)));
            for ip in &sp.load_balancer_ips {
                if from_node {
                    f.nonempty[LB_SOURCE_IP] = true;
                } else {
                    f.out_filter.push((*ip, sp.proto, sp.port));
                }
            }
        }
        f
    }
}

/// Whether a service port's ipset entries depend on the node.
pub fn node_dependent(sp: &ServicePortInfo) -> bool {
    (!sp.source_ranges.is_empty() && !sp.load_balancer_ips.is_empty())
        || (sp.proto == "sctp" && sp.node_port != 0)
}

fn comment(set: usize) -> Part {
    Part::Comment(IPSETS[set].2.into())
}

/// The iptables rules `writeIptablesRules` writes, given which ipsets have
/// entries.
pub fn rules(r: &mut Ruleset, cfg: &ProxyConfig, flags: &Flags) {
    let family = cfg.family;
    let mark = cfg.mark_value();
    let nonempty = |i: usize| flags.nonempty[i];
    let set = |i: usize| set_name(i, family);
    let Some((nat, filter)) = r.tables_mut("nat", "filter") else {
        return;
    };
    let masq: Name = KUBE_MARK_MASQ.into();
    // Dismiss connects to localhost early in the service chain.
    nat.add_ipt(
        KUBE_SERVICES,
        Role::Plumbing,
        vec![Part::Src(Net::Cidr(Cidr::loopback(family))), Part::Return],
    );
    let match_set = |i: usize, flags: &'static str| Part::MatchSet { set: set(i), flags };
    let with_proto = |i: usize, p: Option<&'static str>, flags: &'static str, target: Part| {
        let mut v = Vec::with_capacity(4);
        if let Some(p) = p {
            v.push(Part::Proto(p));
        }
        v.push(comment(i));
        v.push(match_set(i, flags));
        v.push(target);
        v
    };
    // `ipsetWithIptablesChain`, in order.
    if nonempty(LOOP_BACK) {
        nat.add_ipt(
            KUBE_POSTROUTING,
            Role::Masquerade,
            with_proto(
                LOOP_BACK,
                None,
                "dst,dst,src",
                Part::Masquerade {
                    random_fully: false,
                },
            ),
        );
    }
    if nonempty(LOAD_BALANCER) {
        nat.add_ipt(
            KUBE_SERVICES,
            Role::ToLoadBalancer,
            with_proto(
                LOAD_BALANCER,
                None,
                "dst,dst",
                Part::Jump(KUBE_LOAD_BALANCER.into()),
            ),
        );
    }
    if nonempty(LOAD_BALANCER_LOCAL) {
        nat.add_ipt(
            KUBE_LOAD_BALANCER,
            Role::LocalReturn,
            with_proto(LOAD_BALANCER_LOCAL, None, "dst,dst", Part::Return),
        );
    }
    for (local, all, p, flags) in [
        (NODE_PORT_LOCAL_TCP, NODE_PORT_TCP, "tcp", "dst"),
        (NODE_PORT_LOCAL_UDP, NODE_PORT_UDP, "udp", "dst"),
        (NODE_PORT_LOCAL_SCTP, NODE_PORT_SCTP, "sctp", "dst,dst"),
    ] {
        if nonempty(local) {
            nat.add_ipt(
                KUBE_NODE_PORT,
                Role::LocalReturn,
                with_proto(local, Some(p), flags, Part::Return),
            );
        }
        if nonempty(all) {
            nat.add_ipt(
                KUBE_NODE_PORT,
                Role::MasqueradeExternal,
                with_proto(all, Some(p), flags, Part::Jump(masq.clone())),
            );
        }
    }
    if nonempty(LOAD_BALANCER_FW) {
        filter.add_ipt(
            KUBE_PROXY_FIREWALL,
            Role::FirewallCheck,
            with_proto(
                LOAD_BALANCER_FW,
                None,
                "dst,dst",
                Part::Jump(KUBE_SOURCE_RANGES_FIREWALL.into()),
            ),
        );
    }
    for i in [LB_SOURCE_CIDR, LB_SOURCE_IP] {
        if nonempty(i) {
            filter.add_ipt(
                KUBE_SOURCE_RANGES_FIREWALL,
                Role::FirewallAllow,
                with_proto(i, None, "dst,dst,src", Part::Return),
            );
        }
    }
    if nonempty(CLUSTER_IP) {
        let mut v = vec![comment(CLUSTER_IP)];
        let role = if cfg.masquerade_all {
            v.push(match_set(CLUSTER_IP, "dst,dst"));
            Role::MasqueradeAll
        } else if let Some(cidr) = cfg.cluster_cidr {
            // Off-cluster traffic to the VIP may bounce to another node.
            v.push(match_set(CLUSTER_IP, "dst,dst"));
            v.push(Part::NotSrc(Net::Cidr(cidr)));
            Role::MasqueradeOffCluster
        } else {
            // The node reaching a VIP picks the VIP (on kube-ipvs0) as
            // its source: such connections are masqueraded.
            v.push(match_set(CLUSTER_IP, "src,dst"));
            Role::MasqueradeLocal
        };
        v.push(Part::Jump(masq.clone()));
        nat.add_ipt(KUBE_SERVICES, role, v);
    }
    let external_rules = |nat: &mut Table, i: usize| {
        // Traffic from off the machine (not bridged in, not local) …
        nat.add_ipt(
            KUBE_SERVICES,
            Role::Accept,
            vec![
                comment(i),
                match_set(i, "dst,dst"),
                Part::NotPhysdevIn,
                Part::NotSrcLocal,
                Part::Accept,
            ],
        );
        // … and external IPs that are the node's own stay.
        nat.add_ipt(
            KUBE_SERVICES,
            Role::Accept,
            vec![
                comment(i),
                match_set(i, "dst,dst"),
                Part::DstLocal,
                Part::Accept,
            ],
        );
    };
    if nonempty(EXTERNAL_IP) {
        nat.add_ipt(
            KUBE_SERVICES,
            Role::MasqueradeExternal,
            vec![
                comment(EXTERNAL_IP),
                match_set(EXTERNAL_IP, "dst,dst"),
                Part::Jump(masq.clone()),
            ],
        );
        external_rules(nat, EXTERNAL_IP);
    }
    if nonempty(EXTERNAL_IP_LOCAL) {
        external_rules(nat, EXTERNAL_IP_LOCAL);
    }
    nat.add_ipt(
        KUBE_SERVICES,
        Role::ToNodePorts,
        vec![Part::DstLocal, Part::Jump(KUBE_NODE_PORT.into())],
    );
    nat.add_ipt(
        KUBE_LOAD_BALANCER,
        Role::MasqueradeExternal,
        vec![Part::Jump(masq.clone())],
    );
    filter.add_ipt(
        KUBE_SOURCE_RANGES_FIREWALL,
        Role::FirewallDrop,
        vec![Part::Drop],
    );
    for (ip, proto, port) in &flags.out_filter {
        filter.add_ipt(
            KUBE_IPVS_OUT_FILTER,
            Role::FirewallDrop,
            vec![
                Part::Src(Net::Ip(*ip)),
                Part::Ipvs {
                    vaddr: *ip,
                    proto,
                    port: *port,
                },
                Part::Drop,
            ],
        );
    }
    // Accept traffic for the virtual servers before other rules can block
    // it; these must be the last rules of KUBE-SERVICES.
    for i in [CLUSTER_IP, LOAD_BALANCER] {
        if nonempty(i) {
            nat.add_ipt(
                KUBE_SERVICES,
                Role::Accept,
                vec![match_set(i, "dst,dst"), Part::Accept],
            );
        }
    }
    filter.add_ipt(
        KUBE_FORWARD,
        Role::Plumbing,
        vec![
            Part::Comment("kubernetes forwarding rules".into()),
            Part::Mark { not: false, mark },
            Part::Accept,
        ],
    );
    filter.add_ipt(
        KUBE_FORWARD,
        Role::Plumbing,
        vec![
            Part::Comment("kubernetes forwarding conntrack rule".into()),
            Part::CtState {
                not: false,
                states: "RELATED,ESTABLISHED",
            },
            Part::Accept,
        ],
    );
    filter.add_ipt(
        KUBE_NODE_PORT,
        Role::HealthCheck,
        vec![
            comment(HEALTH_CHECK),
            match_set(HEALTH_CHECK, "dst"),
            Part::Accept,
        ],
    );
    // Keep the node's other ports off the VIPs (kubernetes#72236).
    for (i, flags) in [
        (LOAD_BALANCER, "dst,dst"),
        (CLUSTER_IP, "dst,dst"),
        (EXTERNAL_IP, "dst,dst"),
        (EXTERNAL_IP_LOCAL, "dst,dst"),
        (HEALTH_CHECK, "dst"),
    ] {
        filter.add_ipt(
            KUBE_IPVS_FILTER,
            Role::VipFilter,
            vec![match_set(i, flags), Part::Return],
        );
    }
    filter.add_ipt(
        KUBE_IPVS_FILTER,
        Role::VipFilter,
        vec![
            Part::CtState {
                not: false,
                states: "NEW",
            },
            match_set(IPVS_IPS, "dst"),
            Part::Reject,
        ],
    );
    ipt::kube_postrouting(nat, mark, true);
    nat.add_ipt(
        KUBE_MARK_MASQ,
        Role::MarkForMasquerade,
        vec![Part::MarkOr(mark)],
    );
}

/// `ipset save` text: each set's `create` line, then its entries sorted.
pub fn render_ipsets(sets: &[IpSet], out: &mut String) {
    for s in sets {
        out.push_str(&s.create_line());
        out.push('\n');
        let mut entries = s.entries.clone();
        crate::order::sort_by_key(&mut entries, ToString::to_string);
        entries.dedup();
        for e in &entries {
            let _ = writeln!(out, "add {} {e}", s.name);
        }
    }
}

/// The virtual servers as `ipvsadm -Ln` lists them, by protocol, address
/// and port.
pub fn render_virtual_servers(servers: &[VirtualServer], out: &mut String) {
    out.push_str(
        "IP Virtual Server version 1.2.1 (size=4096)\n\
         Prot LocalAddress:Port Scheduler Flags\n  \
         -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
    );
    let mut v: Vec<&VirtualServer> = servers.iter().collect();
    crate::order::sort_by(&mut v, |a, b| {
        (&a.protocol, a.address, a.port).cmp(&(&b.protocol, b.address, b.port))
    });
    for vs in v {
        out.push_str(&vs.text());
        out.push('\n');
        for r in &vs.reals {
            out.push_str("  ");
            out.push_str(&r.text());
            out.push('\n');
        }
    }
}
