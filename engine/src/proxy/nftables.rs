//! The ruleset kube-proxy's nftables proxier (`syncProxyRules` in
//! `pkg/proxy/nftables`) writes for one node: the `kube-proxy` table of the
//! proxier's family, printed as `nft list table ip kube-proxy` shows it.
//!
//! Unlike the iptables proxier, dispatch is by verdict maps keyed on
//! `address . protocol . port` (`service-ips`, `service-nodeports`, and the
//! `no-endpoint-*` and `firewall-ips` maps the filter chains consult), and
//! per-service chains are named `PREFIX-HASH-ns/name/proto/port`.
//!
//! Objects come out in creation order (as the kernel lists them): the
//! fixed sets and maps, then affinity sets, then the fixed chains, then
//! the chains of each service port, service ports taken in name order.
//! Map elements are listed in the order they are added.

use super::hash::{base32, sha256};
use super::iptables::Plan;
use super::{categorize, Categorized, EndpointInfo, ProxyConfig, ServicePortInfo};
use crate::net::{Cidr, Family};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Longest chain-name base (nftables' 128 less the longest prefix).
const CHAIN_NAME_BASE_MAX: usize = 128 - 16;

pub const SERVICES: &str = "services";
pub const MARK_MASQ: &str = "mark-for-masquerade";
pub const REJECT_CHAIN: &str = "reject-chain";
pub const SERVICE_IPS: &str = "service-ips";
pub const SERVICE_NODEPORTS: &str = "service-nodeports";
pub const NO_ENDPOINT_SERVICES: &str = "no-endpoint-services";
pub const NO_ENDPOINT_NODEPORTS: &str = "no-endpoint-nodeports";
pub const FIREWALL_IPS: &str = "firewall-ips";
pub const CLUSTER_IPS: &str = "cluster-ips";
pub const NODEPORT_IPS: &str = "nodeport-ips";

/// `HASH-name`: the first 8 characters of base32(sha256(name)) before the
/// name, which keeps truncated names unique and similar names apart.
pub fn hash_and_truncate(name: &str) -> String {
    let mut s = base32(&sha256(name.as_bytes()));
    s.truncate(8);
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
        sp.service.namespace,
        sp.service.name,
        sp.protocol_lower(),
        sp.port_name
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
        sp.protocol_lower(),
        sp.port_name,
        ep.ip.to_string().replace(':', "."),
        ep.port
    ))
}

/// The chain names of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNames {
    pub service: String,
    pub local: String,
    pub external: String,
    pub firewall: String,
}

impl ChainNames {
    pub fn of(sp: &ServicePortInfo) -> Self {
        let base = service_chain_base(sp);
        ChainNames {
            service: format!("service-{base}"),
            local: format!("local-{base}"),
            external: format!("external-{base}"),
            firewall: format!("firewall-{base}"),
        }
    }
}

/// A set or verdict map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// `set` or `map`.
    pub kind: &'static str,
    pub name: String,
    pub type_: String,
    pub flags: Option<&'static str>,
    pub timeout: Option<u32>,
    pub comment: Option<String>,
    pub elements: Vec<String>,
}

/// A chain; `hook` is set for base chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    pub hook: Option<String>,
    pub comment: Option<String>,
    pub rules: Vec<String>,
}

/// The `kube-proxy` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    pub family: Family,
    pub sets: Vec<Set>,
    pub chains: Vec<Chain>,
    set_index: HashMap<String, usize>,
    chain_index: HashMap<String, usize>,
}

impl Ruleset {
    fn new(family: Family) -> Self {
        Ruleset {
            family,
            sets: Vec::new(),
            chains: Vec::new(),
            set_index: HashMap::new(),
            chain_index: HashMap::new(),
        }
    }

    fn add_set(&mut self, kind: &'static str, name: &str, type_: String, comment: &str) {
        self.set_index.insert(name.to_string(), self.sets.len());
        self.sets.push(Set {
            kind,
            name: name.to_string(),
            type_,
            flags: None,
            timeout: None,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            elements: Vec::new(),
        });
    }

    fn element(&mut self, set: &str, element: String) {
        if let Some(i) = self.set_index.get(set) {
            self.sets[*i].elements.push(element);
        }
    }

    /// Creates `name` if needed (as `ensureChain` does) and returns it.
    fn chain(&mut self, name: &str) -> &mut Chain {
        let i = match self.chain_index.get(name) {
            Some(i) => *i,
            None => {
                self.chain_index.insert(name.to_string(), self.chains.len());
                self.chains.push(Chain {
                    name: name.to_string(),
                    hook: None,
                    comment: None,
                    rules: Vec::new(),
                });
                self.chains.len() - 1
            }
        };
        &mut self.chains[i]
    }

    fn add(&mut self, chain: &str, rule: String) {
        self.chain(chain).rules.push(rule);
    }

    /// `nft list table` text.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "table {} kube-proxy {{\n\tcomment \"rules for kube-proxy\"\n",
            ip_x(self.family)
        );
        for set in &self.sets {
            let _ = writeln!(s, "\t{} {} {{", set.kind, set.name);
            let _ = writeln!(s, "\t\ttype {}", set.type_);
            if let Some(f) = set.flags {
                let _ = writeln!(s, "\t\tflags {f}");
            }
            if let Some(t) = set.timeout {
                let _ = writeln!(s, "\t\ttimeout {}", duration(t));
            }
            if let Some(c) = &set.comment {
                let _ = writeln!(s, "\t\tcomment \"{c}\"");
            }
            if !set.elements.is_empty() {
                let _ = writeln!(
                    s,
                    "\t\telements = {{ {} }}",
                    set.elements.join(",\n\t\t\t     ")
                );
            }
            s.push_str("\t}\n\n");
        }
        for (i, c) in self.chains.iter().enumerate() {
            let _ = writeln!(s, "\tchain {} {{", c.name);
            if let Some(h) = &c.hook {
                let _ = writeln!(s, "\t\t{h}");
            }
            if let Some(cm) = &c.comment {
                let _ = writeln!(s, "\t\tcomment \"{cm}\"");
            }
            for r in &c.rules {
                let _ = writeln!(s, "\t\t{r}");
            }
            s.push_str("\t}\n");
            if i + 1 < self.chains.len() {
                s.push('\n');
            }
        }
        s.push_str("}\n");
        s
    }
}

fn ip_x(family: Family) -> &'static str {
    match family {
        Family::IPv4 => "ip",
        Family::IPv6 => "ip6",
    }
}

/// An nft duration: `3h`, `10m30s`, as `nft list` prints timeouts.
fn duration(secs: u32) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v != 0 {
            let _ = write!(out, "{v}{unit}");
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// The ruleset for every service port on the node `cfg` describes;
/// `service_cidrs` of the proxier's family feed the drop rule for
/// unallocated cluster IPs.
pub fn sync_ruleset(
    ports: &[ServicePortInfo],
    cfg: &ProxyConfig,
    service_cidrs: &[Cidr],
) -> Ruleset {
    let mut r = base_ruleset(cfg, service_cidrs);
    let mut order: Vec<&ServicePortInfo> = ports.iter().collect();
    order.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.protocol.cmp(&b.protocol))
    });
    for sp in order {
        let cat = categorize(sp, cfg);
        service_port_rules(&mut r, sp, &cat, cfg);
    }
    r
}

/// What `setupNFTables` writes: base chains, the jumps into the fixed
/// chains, masquerading, and the empty dispatch sets and maps.
fn base_ruleset(cfg: &ProxyConfig, service_cidrs: &[Cidr]) -> Ruleset {
    let ip = ip_x(cfg.family);
    let addr = addr_type(cfg.family);
    let no_localhost = match cfg.family {
        Family::IPv4 => "ip daddr != 127.0.0.0/8",
        Family::IPv6 => "ip6 daddr != ::1",
    };
    let mut r = Ruleset::new(cfg.family);
    let triple = format!("{addr} . inet_proto . inet_service : verdict");
    r.add_set("set", CLUSTER_IPS, addr.into(), "Active ClusterIPs");
    // Node ports are accepted on the node's primary IP (the nftables
    // proxier's default `--nodeport-addresses primary`); with no node IP
    // known, on every local address.
    if let Some(node_ip) = cfg.node_ip {
        r.add_set(
            "set",
            NODEPORT_IPS,
            addr.into(),
            "IPs that accept NodePort traffic",
        );
        r.element(NODEPORT_IPS, node_ip.to_string());
    }
    r.add_set(
        "map",
        NO_ENDPOINT_SERVICES,
        triple.clone(),
        "vmap to drop or reject packets to services with no endpoints",
    );
    r.add_set(
        "map",
        NO_ENDPOINT_NODEPORTS,
        "inet_proto . inet_service : verdict".into(),
        "vmap to drop or reject packets to service nodeports with no endpoints",
    );
    r.add_set(
        "map",
        FIREWALL_IPS,
        triple.clone(),
        "destinations that are subject to LoadBalancerSourceRanges",
    );
    r.add_set(
        "map",
        SERVICE_IPS,
        triple,
        "ClusterIP, ExternalIP and LoadBalancer IP traffic",
    );
    r.add_set(
        "map",
        SERVICE_NODEPORTS,
        "inet_proto . inet_service : verdict".into(),
        "NodePort traffic",
    );

    // Filter chains run before DNAT so that they see the service address.
    for (name, hook) in [
        (
            "filter-prerouting",
            "type filter hook prerouting priority dstnat - 10; policy accept;",
        ),
        (
            "filter-input",
            "type filter hook input priority -110; policy accept;",
        ),
        (
            "filter-forward",
            "type filter hook forward priority -110; policy accept;",
        ),
        (
            "filter-output",
            "type filter hook output priority -110; policy accept;",
        ),
        (
            "filter-output-post-dnat",
            "type filter hook output priority -90; policy accept;",
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
    ] {
        r.chain(name).hook = Some(hook.to_string());
    }
    for (dst, src, extra) in [
        ("nodeport-endpoints-check", "filter-input", "ct state new "),
        ("service-endpoints-check", "filter-input", "ct state new "),
        ("service-endpoints-check", "filter-forward", "ct state new "),
        ("service-endpoints-check", "filter-output", "ct state new "),
        ("firewall-check", "filter-prerouting", "ct state new "),
        ("firewall-check", "filter-output", "ct state new "),
        (SERVICES, "nat-output", ""),
        (SERVICES, "nat-prerouting", ""),
        ("masquerading", "nat-postrouting", ""),
        ("cluster-ips-check", "filter-forward", "ct state new "),
        (
            "cluster-ips-check",
            "filter-output-post-dnat",
            "ct state new ",
        ),
    ] {
        r.chain(dst);
        r.add(src, format!("{extra}jump {dst}"));
    }
    let mark = format!("{:#010x}", 1u64 << cfg.masquerade_bit.min(31));
    r.add(MARK_MASQ, format!("meta mark set meta mark | {mark}"));
    r.add(
        "masquerading",
        format!("meta mark & {mark} == 0x00000000 return"),
    );
    r.add("masquerading", format!("meta mark set meta mark ^ {mark}"));
    r.add("masquerading", "masquerade fully-random".into());
    r.add(
        "cluster-ips-check",
        format!("{ip} daddr @{CLUSTER_IPS} reject comment \"Reject traffic to invalid ports of ClusterIPs\""),
    );
    let cidrs: Vec<String> = service_cidrs
        .iter()
        .filter(|c| c.family() == cfg.family)
        .map(ToString::to_string)
        .collect();
    if !cidrs.is_empty() {
        r.add(
            "cluster-ips-check",
            format!(
                "{ip} daddr {{ {} }} drop comment \"Drop traffic to unallocated ClusterIPs\"",
                cidrs.join(", ")
            ),
        );
    }
    let reject = r.chain(REJECT_CHAIN);
    reject.comment = Some("helper for @no-endpoint-services / @no-endpoint-nodeports".into());
    reject.rules.push("reject".into());
    r.add(
        "service-endpoints-check",
        format!("{ip} daddr . meta l4proto . th dport vmap @{NO_ENDPOINT_SERVICES}"),
    );
    let node_port_dst = if cfg.node_ip.is_some() {
        format!("{ip} daddr @{NODEPORT_IPS}")
    } else {
        format!("fib daddr type local {no_localhost}")
    };
    r.add(
        "nodeport-endpoints-check",
        format!("{node_port_dst} meta l4proto . th dport vmap @{NO_ENDPOINT_NODEPORTS}"),
    );
    r.add(
        "firewall-check",
        format!("{ip} daddr . meta l4proto . th dport vmap @{FIREWALL_IPS}"),
    );
    r.add(
        SERVICES,
        format!("{ip} daddr . meta l4proto . th dport vmap @{SERVICE_IPS}"),
    );
    r.add(
        SERVICES,
        format!("{node_port_dst} meta l4proto . th dport vmap @{SERVICE_NODEPORTS}"),
    );
    r
}

/// Appends one service port's map elements, chains and affinity sets.
pub fn service_port_rules(
    r: &mut Ruleset,
    sp: &ServicePortInfo,
    cat: &Categorized,
    cfg: &ProxyConfig,
) {
    // The endpoint/policy decisions are the iptables proxier's; only the
    // names and the syntax differ.
    let plan = Plan::new(sp, cat);
    let ch = ChainNames::of(sp);
    let ip = ip_x(cfg.family);
    let proto = sp.protocol_lower();
    let port = sp.port;
    let svc = sp.name_string();
    let ep_chain = |ep: &EndpointInfo| format!("endpoint-{}", endpoint_chain_base(sp, ep));
    let affinity_set = |ep: &EndpointInfo| format!("affinity-{}", endpoint_chain_base(sp, ep));

    for ep in &cat.reachable {
        r.chain(&ep_chain(ep));
    }
    if plan.uses_cluster_chain {
        r.chain(&ch.service);
    }
    if plan.uses_local_chain {
        r.chain(&ch.local);
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
        r.chain(&ch.external);
    }
    let reject = format!("goto {REJECT_CHAIN}");
    let (internal_verdict, external_verdict) = if !plan.has_endpoints {
        (reject.clone(), reject)
    } else {
        ("drop".to_string(), "drop".to_string())
    };
    let no_ep = |key: String| format!("{key} comment \"{svc}\"");

    r.element(CLUSTER_IPS, sp.cluster_ip.to_string());
    let cluster_key = format!("{} . {proto} . {port}", sp.cluster_ip);
    if plan.has_internal_endpoints {
        r.element(SERVICE_IPS, format!("{cluster_key} : goto {internal}"));
    } else {
        r.element(
            NO_ENDPOINT_SERVICES,
            format!("{} : {internal_verdict}", no_ep(cluster_key)),
        );
    }
    for eip in &sp.external_ips {
        let key = format!("{eip} . {proto} . {port}");
        if plan.has_endpoints {
            r.element(SERVICE_IPS, format!("{key} : goto {}", ch.external));
        }
        if !plan.has_external_endpoints {
            r.element(
                NO_ENDPOINT_SERVICES,
                format!("{} : {external_verdict}", no_ep(key)),
            );
        }
    }
    if plan.uses_fw_chain {
        r.chain(&ch.firewall);
    }
    for lb in &sp.load_balancer_ips {
        let key = format!("{lb} . {proto} . {port}");
        if plan.has_endpoints {
            r.element(SERVICE_IPS, format!("{key} : goto {}", ch.external));
        }
        if plan.uses_fw_chain {
            r.element(FIREWALL_IPS, format!("{key} : goto {}", ch.firewall));
        }
    }
    if !plan.has_external_endpoints {
        for lb in &sp.load_balancer_ips {
            let key = format!("{lb} . {proto} . {port}");
            r.element(
                NO_ENDPOINT_SERVICES,
                format!("{} : {external_verdict}", no_ep(key)),
            );
        }
    }
    if sp.node_port != 0 {
        let key = format!("{proto} . {}", sp.node_port);
        if plan.has_endpoints {
            r.element(SERVICE_NODEPORTS, format!("{key} : goto {}", ch.external));
        }
        if !plan.has_external_endpoints {
            r.element(
                NO_ENDPOINT_NODEPORTS,
                format!("{} : {external_verdict}", no_ep(key)),
            );
        }
    }

    if plan.has_internal_endpoints {
        let m = format!("{ip} daddr {} {proto} dport {port}", sp.cluster_ip);
        if cfg.masquerade_all {
            r.add(internal, format!("{m} jump {MARK_MASQ}"));
        } else if let Some(cidr) = cfg.cluster_cidr {
            // Off-cluster traffic to the VIP may bounce to another node.
            r.add(
                internal,
                format!("{m} {ip} saddr != {cidr} jump {MARK_MASQ}"),
            );
        }
    }

    if plan.uses_external_chain {
        if !sp.external_policy_local {
            // Cluster endpoints may be on other nodes: masquerade.
            r.add(&ch.external, format!("jump {MARK_MASQ}"));
        } else {
            if let Some(cidr) = cfg.cluster_cidr {
                r.add(
                    &ch.external,
                    format!(
                        "{ip} saddr {cidr} goto {} comment \"short-circuit pod traffic\"",
                        ch.service
                    ),
                );
            }
            // The node's own traffic has a local (often the LB) source.
            r.add(
                &ch.external,
                format!(
                    "fib saddr type local jump {MARK_MASQ} comment \"masquerade local traffic\""
                ),
            );
            r.add(
                &ch.external,
                format!(
                    "fib saddr type local goto {} comment \"short-circuit local traffic\"",
                    ch.service
                ),
            );
        }
        if plan.has_external_endpoints {
            r.add(&ch.external, format!("goto {external_policy}"));
        }
    }

    if plan.uses_fw_chain {
        let mut sources: Vec<String> = sp.source_ranges.iter().map(ToString::to_string).collect();
        let from_node = cfg
            .node_ip
            .is_some_and(|n| sp.source_ranges.iter().any(|c| c.contains(&n)));
        if from_node {
            // The node reaching its own LB VIP loops back with the VIP as
            // source.
            sources.extend(sp.load_balancer_ips.iter().map(ToString::to_string));
        }
        r.add(
            &ch.firewall,
            format!("{ip} saddr != {{ {} }} drop", sources.join(", ")),
        );
    }

    if let Some(timeout) = sp.affinity_timeout {
        for ep in &cat.reachable {
            let name = affinity_set(ep);
            r.add_set("set", &name, addr_type(cfg.family).into(), "");
            let i = r.sets.len() - 1;
            r.sets[i].flags = Some("dynamic,timeout");
            r.sets[i].timeout = Some(timeout);
        }
    }

    for (chain, eps) in [
        (&ch.service, plan.uses_cluster_chain.then_some(&cat.cluster)),
        (&ch.local, plan.uses_local_chain.then_some(&cat.local)),
    ] {
        let Some(eps) = eps else { continue };
        if sp.affinity_timeout.is_some() {
            for ep in eps {
                r.add(
                    chain,
                    format!("{ip} saddr @{} goto {}", affinity_set(ep), ep_chain(ep)),
                );
            }
        }
        let arms: Vec<String> = eps
            .iter()
            .enumerate()
            .map(|(i, ep)| format!("{i} : goto {}", ep_chain(ep)))
            .collect();
        r.add(
            chain,
            format!(
                "numgen random mod {} vmap {{ {} }}",
                eps.len(),
                arms.join(", ")
            ),
        );
    }

    for ep in &cat.reachable {
        let chain = ep_chain(ep);
        // Hairpin: a backend reaching itself through the Service.
        r.add(&chain, format!("{ip} saddr {} jump {MARK_MASQ}", ep.ip));
        if sp.affinity_timeout.is_some() {
            r.add(
                &chain,
                format!("update @{} {{ {ip} saddr }}", affinity_set(ep)),
            );
        }
        r.add(
            &chain,
            format!("meta l4proto {proto} dnat to {}", ep.addr()),
        );
    }
}

fn addr_type(family: Family) -> &'static str {
    match family {
        Family::IPv4 => "ipv4_addr",
        Family::IPv6 => "ipv6_addr",
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

    #[test]
    fn durations() {
        assert_eq!(duration(10800), "3h");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(0), "0s");
    }
}
