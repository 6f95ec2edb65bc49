//! The ruleset kube-proxy's nftables proxier (`syncProxyRules` in
//! `pkg/proxy/nftables`) writes for one node: the `kube-proxy` table of the
//! proxier's family, as [`nft`] values, printed as `nft list table ip
//! kube-proxy` shows it. Base chains and rule text follow the current
//! release (`filter-prerouting-pre-dnat` and the other base chains at
//! their priorities; the service chain's masquerade rule matches the
//! cluster IP but not the port).
//!
//! Unlike the iptables proxier, dispatch is by verdict maps keyed on
//! `address . protocol . port` (`service-ips`, `service-nodeports`, and the
//! `no-endpoint-*` and `firewall-ips` maps the filter chains consult), and
//! per-service chains are named `PREFIX-HASH-ns/name/proto/port`. Service
//! ports add only map elements and chains of their own, so a trace can
//! build just the ones it reaches.
//!
//! Objects come out in creation order (as the kernel lists them): the
//! fixed sets and maps, then affinity sets, then the fixed chains, then
//! the chains of each service port, service ports taken in name order.
//! Map elements are listed in the order they are added.

use super::hash::{base32, sha256};
use super::ipt::Net;
use super::iptables::Plan;
use super::nft::{self, duration, Element, Expr, Key, Verdict};
use super::route::Mode;
use super::ruleset::{ip_x, ChainOrder, Name, Role, Ruleset, Spans, Table};
use super::{categorize, Categorized, EndpointInfo, Entry, ProxyConfig, ServicePortInfo};
use crate::hash::FastMap;
use crate::net::{Cidr, Family};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};

/// Longest chain-name base (nftables' 128 less the longest prefix).
const CHAIN_NAME_BASE_MAX: usize = 128 - 16;

pub const TABLE: &str = "kube-proxy";
pub const SERVICES: &str = "services";
pub const MARK_MASQ: &str = "mark-for-masquerade";
pub const MASQUERADING: &str = "masquerading";
pub const REJECT_CHAIN: &str = "reject-chain";
pub const SERVICE_IPS: &str = "service-ips";
pub const SERVICE_NODEPORTS: &str = "service-nodeports";
pub const NO_ENDPOINT_SERVICES: &str = "no-endpoint-services";
pub const NO_ENDPOINT_NODEPORTS: &str = "no-endpoint-nodeports";
pub const FIREWALL_IPS: &str = "firewall-ips";
pub const CLUSTER_IPS: &str = "cluster-ips";
pub const NODEPORT_IPS: &str = "nodeport-ips";
pub const CLUSTER_IPS_CHECK: &str = "cluster-ips-check";
pub const SERVICE_ENDPOINTS_CHECK: &str = "service-endpoints-check";
pub const NODEPORT_ENDPOINTS_CHECK: &str = "nodeport-endpoints-check";
pub const FIREWALL_CHECK: &str = "firewall-check";

/// The base chains, hooked as the current release hooks them: the filter
/// chains that must see the Service address before DNAT, the filter
/// chains at the filter priority, and the NAT chains.
pub const BASE_CHAINS: [(&str, &str); 8] = [
    (
        "filter-prerouting-pre-dnat",
        "type filter hook prerouting priority dstnat - 10; policy accept;",
    ),
    (
        "filter-output-pre-dnat",
        "type filter hook output priority -110; policy accept;",
    ),
    (
        "filter-input",
        "type filter hook input priority filter; policy accept;",
    ),
    (
        "filter-forward",
        "type filter hook forward priority filter; policy accept;",
    ),
    (
        "filter-output",
        "type filter hook output priority filter; policy accept;",
    ),
    (
        "nat-prerouting",
        "type nat hook prerouting priority dstnat; policy accept;",
    ),
    (
        "nat-output",
        "type nat hook output priority -100; policy accept;",
    ),
    (
        "nat-postrouting",
        "type nat hook postrouting priority srcnat; policy accept;",
    ),
];

/// `HASH-name`: the first 8 characters of base32(sha256(name)) before the
/// name, which keeps truncated names unique and similar names apart.
pub fn hash_and_truncate(name: &str) -> String {
    // Every 5 bytes are 8 characters of their own: 8 need only 5.
    let mut s = base32(&sha256(name.as_bytes())[..5]);
    s.push('-');
    s.push_str(name);
    if s.len() > CHAIN_NAME_BASE_MAX {
        // Chain names are ASCII (DNS labels, IPs, digits); cut on a char
        // boundary anyway.
        let mut cut = CHAIN_NAME_BASE_MAX - 3;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// The chain-name base of a service port: `HASH-ns/name/proto/portName`.
pub fn service_chain_base(sp: &ServicePortInfo) -> String {
    hash_and_truncate(&format!(
        "{}/{}/{}/{}",
        sp.service.namespace, sp.service.name, sp.proto, sp.port_name
    ))
}

/// The chain-name base of an endpoint:
/// `HASH-ns/name/proto/portName__ip/port` (IPv6 colons become dots, which
/// chain names allow).
pub fn endpoint_chain_base(sp: &ServicePortInfo, ep: &EndpointInfo) -> String {
    hash_and_truncate(&format!(
        "{}/{}/{}/{}__{}/{}",
        sp.service.namespace,
        sp.service.name,
        sp.proto,
        sp.port_name,
        ep.ip.to_string().replace(':', "."),
        ep.port
    ))
}

/// The chain names of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNames {
    pub service: Name,
    pub local: Name,
    pub external: Name,
    pub firewall: Name,
}

impl ChainNames {
    pub fn of(sp: &ServicePortInfo) -> Self {
        let base = service_chain_base(sp);
        ChainNames {
            service: format!("service-{base}").into(),
            local: format!("local-{base}").into(),
            external: format!("external-{base}").into(),
            firewall: format!("firewall-{base}").into(),
        }
    }
}

/// The chain and set names of one service port and of its endpoints,
/// hashed once: a sync names each service port once, and the route index
/// keeps a service port's names for every trace that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortNames {
    pub chains: ChainNames,
    /// Each endpoint's chain and affinity set, by `ip:port`.
    endpoints: FastMap<Name, (Name, Name)>,
}

impl PortNames {
    /// The names of `sp` and of `endpoints` (those its chains may name).
    pub fn of<'e>(
        sp: &ServicePortInfo,
        endpoints: impl IntoIterator<Item = &'e EndpointInfo>,
    ) -> Self {
        let endpoints = endpoints
            .into_iter()
            .map(|ep| {
                let base = endpoint_chain_base(sp, ep);
                (
                    ep.addr_name(),
                    (
                        format!("endpoint-{base}").into(),
                        format!("affinity-{base}").into(),
                    ),
                )
            })
            .collect();
        PortNames {
            chains: ChainNames::of(sp),
            endpoints,
        }
    }

    /// The chain and affinity set of `ep`.
    fn endpoint(&self, sp: &ServicePortInfo, ep: &EndpointInfo) -> (Name, Name) {
        match self.endpoints.get(ep.addr()) {
            Some(names) => names.clone(),
            None => {
                let base = endpoint_chain_base(sp, ep);
                (
                    format!("endpoint-{base}").into(),
                    format!("affinity-{base}").into(),
                )
            }
        }
    }
}

fn add_set(t: &mut Table, kind: &'static str, name: &str, type_: Name, comment: &'static str) {
    t.sets.push(nft::Set {
        kind,
        name: name.into(),
        type_,
        flags: None,
        timeout: None,
        comment: (!comment.is_empty()).then_some(comment),
        elements: Vec::new(),
    });
}

fn element(t: &mut Table, set: &str, e: Element) {
    if let Some(s) = t.set_mut(set) {
        s.elements.push(e);
    }
}

/// The ruleset for every service port on the node `cfg` describes;
/// `service_cidrs` of the proxier's family feed the drop rule for
/// unallocated cluster IPs.
pub fn sync_ruleset(
    ports: &[ServicePortInfo],
    cfg: &ProxyConfig,
    service_cidrs: &[Cidr],
) -> Ruleset {
    let mut r = base(cfg, service_cidrs);
    let mut order: Vec<&ServicePortInfo> = ports.iter().collect();
    super::sort_ports(&mut order);
    for sp in order {
        let cat = categorize(sp, cfg);
        let names = PortNames::of(sp, cat.reachable.iter().copied());
        service_port(&mut r, sp, &names, &cat, cfg);
    }
    r
}

fn addr_type(family: Family) -> &'static str {
    match family {
        Family::IPv4 => "ipv4_addr",
        Family::IPv6 => "ipv6_addr",
    }
}

/// `ip daddr != 127.0.0.0/8` (`ip6 daddr != ::1`): localhost never takes
/// node ports.
fn not_localhost(family: Family) -> Expr {
    Expr::DaddrNot(match family {
        Family::IPv4 => Net::Cidr(Cidr::loopback(Family::IPv4)),
        Family::IPv6 => Net::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    })
}

/// What `setupNFTables` writes: base chains, the jumps into the fixed
/// chains, masquerading, and the empty dispatch sets and maps.
pub fn base(cfg: &ProxyConfig, service_cidrs: &[Cidr]) -> Ruleset {
    let family = cfg.family;
    let addr = addr_type(family);
    let mut t = Table::new(TABLE, ChainOrder::Created);
    let triple: Name = format!("{addr} . inet_proto . inet_service : verdict").into();
    add_set(&mut t, "set", CLUSTER_IPS, addr.into(), "Active ClusterIPs");
    // Node ports are accepted on the node's primary IP (the nftables
    // proxier's default `--nodeport-addresses primary`); with no node IP
    // known, on every local address.
    if let Some(node_ip) = cfg.node_ip {
        add_set(
            &mut t,
            "set",
            NODEPORT_IPS,
            addr.into(),
            "IPs that accept NodePort traffic",
        );
        element(&mut t, NODEPORT_IPS, Element::new(Key::Addr(node_ip), None));
    }
    add_set(
        &mut t,
        "map",
        NO_ENDPOINT_SERVICES,
        triple.clone(),
        "vmap to drop or reject packets to services with no endpoints",
    );
    add_set(
        &mut t,
        "map",
        NO_ENDPOINT_NODEPORTS,
        "inet_proto . inet_service : verdict".into(),
        "vmap to drop or reject packets to service nodeports with no endpoints",
    );
    add_set(
        &mut t,
        "map",
        FIREWALL_IPS,
        triple.clone(),
        "destinations that are subject to LoadBalancerSourceRanges",
    );
    add_set(
        &mut t,
        "map",
        SERVICE_IPS,
        triple,
        "ClusterIP, ExternalIP and LoadBalancer IP traffic",
    );
    add_set(
        &mut t,
        "map",
        SERVICE_NODEPORTS,
        "inet_proto . inet_service : verdict".into(),
        "NodePort traffic",
    );

    for (name, hook) in BASE_CHAINS {
        t.chain_mut(name).hook = Some(hook);
    }
    for (dst, src, new) in [
        (NODEPORT_ENDPOINTS_CHECK, "filter-input", true),
        (SERVICE_ENDPOINTS_CHECK, "filter-input", true),
        (SERVICE_ENDPOINTS_CHECK, "filter-forward", true),
        (SERVICE_ENDPOINTS_CHECK, "filter-output", true),
        (FIREWALL_CHECK, "filter-prerouting-pre-dnat", true),
        (FIREWALL_CHECK, "filter-output-pre-dnat", true),
        (SERVICES, "nat-output", false),
        (SERVICES, "nat-prerouting", false),
        (MASQUERADING, "nat-postrouting", false),
        (CLUSTER_IPS_CHECK, "filter-forward", true),
        (CLUSTER_IPS_CHECK, "filter-output", true),
    ] {
        t.declare(dst);
        let mut exprs = Vec::with_capacity(2);
        if new {
            exprs.push(Expr::CtStateNew);
        }
        exprs.push(Expr::Jump(dst.into()));
        t.add_nft(src, Role::Hook, exprs);
    }
    let mark = cfg.mark_value();
    t.add_nft(
        MARK_MASQ,
        Role::MarkForMasquerade,
        vec![Expr::MarkSetOr(mark)],
    );
    t.add_nft(
        MASQUERADING,
        Role::PostroutingSkip,
        vec![Expr::MarkClear(mark), Expr::Return],
    );
    t.add_nft(
        MASQUERADING,
        Role::PostroutingUnmark,
        vec![Expr::MarkSetXor(mark)],
    );
    t.add_nft(MASQUERADING, Role::Masquerade, vec![Expr::Masquerade]);
    t.add_nft(
        CLUSTER_IPS_CHECK,
        Role::ClusterIpCheck,
        vec![
            Expr::DaddrInSet(CLUSTER_IPS.into()),
            Expr::Reject,
            Expr::Comment("Reject traffic to invalid ports of ClusterIPs".into()),
        ],
    );
    let cidrs: Vec<Net> = service_cidrs
        .iter()
        .filter(|c| c.family() == family)
        .map(|c| Net::Cidr(*c))
        .collect();
    if !cidrs.is_empty() {
        t.add_nft(
            CLUSTER_IPS_CHECK,
            Role::ClusterIpCheck,
            vec![
                Expr::DaddrIn(cidrs),
                Expr::Drop,
                Expr::Comment("Drop traffic to unallocated ClusterIPs".into()),
            ],
        );
    }
    let reject = t.chain_mut(REJECT_CHAIN);
    reject.comment = Some("helper for @no-endpoint-services / @no-endpoint-nodeports");
    t.add_nft(REJECT_CHAIN, Role::NoEndpoints, vec![Expr::Reject]);
    t.add_nft(
        SERVICE_ENDPOINTS_CHECK,
        Role::EndpointsCheck,
        vec![Expr::VmapAddrProtoPort(NO_ENDPOINT_SERVICES.into())],
    );
    // The node-port check only runs for local destinations (filter-input),
    // so it needs no `fib daddr type local`.
    let node_port_dst = |with_fib: bool| -> Vec<Expr> {
        if cfg.node_ip.is_some() {
            vec![Expr::DaddrInSet(NODEPORT_IPS.into())]
        } else if with_fib {
            vec![Expr::FibDaddrLocal, not_localhost(family)]
        } else {
            vec![not_localhost(family)]
        }
    };
    let mut np_check = node_port_dst(false);
    np_check.push(Expr::VmapProtoPort(NO_ENDPOINT_NODEPORTS.into()));
    t.add_nft(NODEPORT_ENDPOINTS_CHECK, Role::EndpointsCheck, np_check);
    t.add_nft(
        FIREWALL_CHECK,
        Role::FirewallCheck,
        vec![Expr::VmapAddrProtoPort(FIREWALL_IPS.into())],
    );
    t.add_nft(
        SERVICES,
        Role::Dispatch,
        vec![Expr::VmapAddrProtoPort(SERVICE_IPS.into())],
    );
    let mut np_dispatch = node_port_dst(true);
    np_dispatch.push(Expr::VmapProtoPort(SERVICE_NODEPORTS.into()));
    t.add_nft(SERVICES, Role::Dispatch, np_dispatch);
    Ruleset::new(Mode::Nftables, family, vec![t])
}

/// Appends one service port's map elements, chains and affinity sets,
/// named by `names`.
pub fn service_port(
    r: &mut Ruleset,
    sp: &ServicePortInfo,
    names: &PortNames,
    cat: &Categorized,
    cfg: &ProxyConfig,
) {
    // The endpoint/policy decisions are the iptables proxier's; only the
    // names and the syntax differ.
    let plan = Plan::new(sp, cat);
    let ch = &names.chains;
    let proto = sp.proto;
    let port = sp.port;
    let svc: Name = sp.name_string().into();
    let family = cfg.family;
    let t = r.table_mut(TABLE);
    // Every endpoint a chain names is reachable, so it has its names.
    let ep_chain = |ep: &EndpointInfo| -> Name { names.endpoint(sp, ep).0 };
    let affinity_set = |ep: &EndpointInfo| -> Name { names.endpoint(sp, ep).1 };
    let masq: Name = MARK_MASQ.into();

    for ep in &cat.reachable {
        t.declare_shared(&ep_chain(ep));
    }
    if plan.uses_cluster_chain {
        t.declare_shared(&ch.service);
    }
    if plan.uses_local_chain {
        t.declare_shared(&ch.local);
    }
    let internal = if sp.internal_policy_local {
        &ch.local
    } else {
        &ch.service
    };
    let external_policy = if sp.external_policy_local {
        &ch.local
    } else {
        &ch.service
    };
    if plan.uses_external_chain {
        t.declare_shared(&ch.external);
    }
    let no_endpoint_verdict = if !plan.has_endpoints {
        Verdict::Goto(REJECT_CHAIN.into())
    } else {
        Verdict::Drop
    };
    let no_ep = |key: Key| Element {
        key,
        comment: Some(svc.clone()),
        value: Some(no_endpoint_verdict.clone()),
    };
    let goto = |key: Key, chain: &Name| Element::new(key, Some(Verdict::Goto(chain.clone())));

    element(t, CLUSTER_IPS, Element::new(Key::Addr(sp.cluster_ip), None));
    let cluster_key = Key::AddrProtoPort(sp.cluster_ip, proto, port);
    if plan.has_internal_endpoints {
        element(t, SERVICE_IPS, goto(cluster_key, internal));
    } else {
        element(t, NO_ENDPOINT_SERVICES, no_ep(cluster_key));
    }
    for eip in &sp.external_ips {
        let key = Key::AddrProtoPort(*eip, proto, port);
        if plan.has_endpoints {
            element(t, SERVICE_IPS, goto(key, &ch.external));
        }
        if !plan.has_external_endpoints {
            element(t, NO_ENDPOINT_SERVICES, no_ep(key));
        }
    }
    if plan.uses_fw_chain {
        t.declare_shared(&ch.firewall);
    }
    for lb in &sp.load_balancer_ips {
        let key = Key::AddrProtoPort(*lb, proto, port);
        if plan.has_endpoints {
            element(t, SERVICE_IPS, goto(key, &ch.external));
        }
        if plan.uses_fw_chain {
            element(t, FIREWALL_IPS, goto(key, &ch.firewall));
        }
    }
    if !plan.has_external_endpoints {
        for lb in &sp.load_balancer_ips {
            element(
                t,
                NO_ENDPOINT_SERVICES,
                no_ep(Key::AddrProtoPort(*lb, proto, port)),
            );
        }
    }
    if sp.node_port != 0 {
        let key = Key::ProtoPort(proto, sp.node_port);
        if plan.has_endpoints {
            element(t, SERVICE_NODEPORTS, goto(key, &ch.external));
        }
        if !plan.has_external_endpoints {
            element(t, NO_ENDPOINT_NODEPORTS, no_ep(key));
        }
    }

    if plan.has_internal_endpoints {
        let vip = Expr::Daddr(Net::Ip(sp.cluster_ip));
        if cfg.masquerade_all {
            t.add_nft(
                internal,
                Role::MasqueradeAll,
                vec![vip, Expr::Jump(masq.clone())],
            );
        } else if let Some(cidr) = cfg.cluster_cidr {
            // Off-cluster traffic to the VIP may bounce to another node.
            t.add_nft(
                internal,
                Role::MasqueradeOffCluster,
                vec![
                    vip,
                    Expr::SaddrNot(Net::Cidr(cidr)),
                    Expr::Jump(masq.clone()),
                ],
            );
        }
    }

    if plan.uses_external_chain {
        if !sp.external_policy_local {
            // Cluster endpoints may be on other nodes: masquerade.
            t.add_nft(
                &ch.external,
                Role::MasqueradeExternal,
                vec![Expr::Jump(masq.clone())],
            );
        } else {
            if let Some(cidr) = cfg.cluster_cidr {
                t.add_nft(
                    &ch.external,
                    Role::ShortCircuitPods,
                    vec![
                        Expr::Saddr(Net::Cidr(cidr)),
                        Expr::Goto(ch.service.clone()),
                        Expr::Comment("short-circuit pod traffic".into()),
                    ],
                );
            }
            // The node's own traffic has a local (often the LB) source.
            t.add_nft(
                &ch.external,
                Role::MasqueradeLocal,
                vec![
                    Expr::FibSaddrLocal,
                    Expr::Jump(masq.clone()),
                    Expr::Comment("masquerade local traffic".into()),
                ],
            );
            t.add_nft(
                &ch.external,
                Role::ShortCircuitLocal,
                vec![
                    Expr::FibSaddrLocal,
                    Expr::Goto(ch.service.clone()),
                    Expr::Comment("short-circuit local traffic".into()),
                ],
            );
        }
        if plan.has_external_endpoints {
            t.add_nft(
                &ch.external,
                Role::ToPolicyChain,
                vec![Expr::Goto(external_policy.clone())],
            );
        }
    }

    if plan.uses_fw_chain {
        let mut sources: Vec<Net> = sp.source_ranges.iter().map(|c| Net::Cidr(*c)).collect();
        let from_node = cfg
            .node_ip
            .is_some_and(|n| sp.source_ranges.iter().any(|c| c.contains(&n)));
        if from_node {
            // The node reaching its own LB VIP loops back with the VIP as
            // source.
            sources.extend(sp.load_balancer_ips.iter().map(|ip| Net::Ip(*ip)));
        }
        t.add_nft(
            &ch.firewall,
            Role::FirewallDrop,
            vec![Expr::SaddrNotIn(sources), Expr::Drop],
        );
    }

    if let Some(timeout) = sp.affinity_timeout {
        for ep in &cat.reachable {
            t.sets.push(nft::Set {
                kind: "set",
                name: affinity_set(ep),
                type_: addr_type(family).into(),
                flags: Some("dynamic,timeout"),
                timeout: Some(timeout),
                comment: None,
                elements: Vec::new(),
            });
        }
    }

    for (chain, eps) in [
        (&ch.service, plan.uses_cluster_chain.then_some(&cat.cluster)),
        (&ch.local, plan.uses_local_chain.then_some(&cat.local)),
    ] {
        let Some(eps) = eps else { continue };
        if sp.affinity_timeout.is_some() {
            for ep in eps {
                t.add_nft(
                    chain,
                    Role::Affinity,
                    vec![Expr::SaddrInSet(affinity_set(ep)), Expr::Goto(ep_chain(ep))],
                );
            }
        }
        t.add_nft(
            chain,
            Role::LoadBalance,
            vec![Expr::Numgen(eps.iter().map(|ep| ep_chain(ep)).collect())],
        );
    }

    for ep in &cat.reachable {
        let chain = ep_chain(ep);
        // Hairpin: a backend reaching itself through the Service.
        t.add_nft(
            &chain,
            Role::Hairpin,
            vec![Expr::Saddr(Net::Ip(ep.ip)), Expr::Jump(masq.clone())],
        );
        if sp.affinity_timeout.is_some() {
            t.add_nft(
                &chain,
                Role::AffinityRecord,
                vec![Expr::UpdateSaddr(affinity_set(ep))],
            );
        }
        t.add_nft(
            &chain,
            Role::Dnat,
            vec![Expr::L4proto(proto), Expr::DnatTo(ep.addr_name())],
        );
    }
}

/// `nft list table` text.
pub fn render(r: &Ruleset, s: &mut String, spans: &mut Spans) {
    let ip = ip_x(r.family);
    let _ = writeln!(
        s,
        "table {ip} {TABLE} {{\n\tcomment \"rules for kube-proxy\""
    );
    let Some(t) = r.table(TABLE) else {
        s.push_str("}\n");
        return;
    };
    for set in &t.sets {
        let _ = writeln!(s, "\t{} {} {{", set.kind, set.name);
        let _ = writeln!(s, "\t\ttype {}", set.type_);
        if let Some(f) = set.flags {
            let _ = writeln!(s, "\t\tflags {f}");
        }
        if let Some(t) = set.timeout {
            let _ = writeln!(s, "\t\ttimeout {}", duration(t));
        }
        if let Some(c) = set.comment {
            let _ = writeln!(s, "\t\tcomment \"{c}\"");
        }
        if !set.elements.is_empty() {
            s.push_str("\t\telements = { ");
            for (i, e) in set.elements.iter().enumerate() {
                if i > 0 {
                    s.push_str(",\n\t\t\t     ");
                }
                let start = s.len();
                e.render(s);
                spans.elements.push(start..s.len());
            }
            s.push_str(" }\n");
        }
        s.push_str("\t}\n\n");
    }
    let chains = t.ordered_chains();
    for (i, c) in chains.iter().enumerate() {
        let _ = writeln!(s, "\tchain {} {{", c.name);
        if let Some(h) = c.hook {
            let _ = writeln!(s, "\t\t{h}");
        }
        if let Some(cm) = c.comment {
            let _ = writeln!(s, "\t\tcomment \"{cm}\"");
        }
        for p in &c.rules {
            s.push_str("\t\t");
            let start = s.len();
            p.rule.render(&c.name, r.family, s);
            spans.rules.push(start..s.len());
            s.push('\n');
        }
        s.push_str("\t}\n");
        if i + 1 < chains.len() {
            s.push('\n');
        }
    }
    s.push_str("}\n");
}

/// Which address of a service port a map element's key is.
pub fn entry_of(sp: &ServicePortInfo, key: &Key) -> Option<Entry> {
    match *key {
        Key::ProtoPort(_, _) => Some(Entry::NodePort),
        Key::AddrProtoPort(ip, _, _) if ip == sp.cluster_ip => Some(Entry::ClusterIp),
        Key::AddrProtoPort(ip, _, _) if sp.external_ips.contains(&ip) => Some(Entry::ExternalIp),
        Key::AddrProtoPort(ip, _, _) if sp.load_balancer_ips.contains(&ip) => {
            Some(Entry::LoadBalancer)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names_match_upstream() {
        // From kube-proxy's nftables proxier tests.
        assert_eq!(
            hash_and_truncate("ns1/svc1/tcp/p80"),
            "ULMVA6XW-ns1/svc1/tcp/p80"
        );
        assert_eq!(
            hash_and_truncate("ns1/svc1/tcp/p80__10.180.0.1/80"),
            "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"
        );
        assert_eq!(
            hash_and_truncate("ns4/svc4/tcp/p80__10.180.0.5/80"),
            "5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80"
        );
    }

    #[test]
    fn long_names_are_truncated() {
        let long = format!("ns/{}/tcp/p", "a".repeat(200));
        let s = hash_and_truncate(&long);
        assert_eq!(s.len(), CHAIN_NAME_BASE_MAX);
        assert!(s.ends_with("..."));
        assert_ne!(
            s,
            hash_and_truncate(&format!("ns/{}/tcp/q", "a".repeat(200)))
        );
    }
}
