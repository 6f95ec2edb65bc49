//! The rules kube-proxy's iptables proxier (`syncProxyRules`) writes for
//! one node: the `nat` and `filter` tables as `iptables-restore` input.
//!
//! Chains come out in upstream's normalised order (KUBE-NODEPORTS and
//! KUBE-SERVICES first, the rest sorted by name), rules grouped per chain;
//! within a chain the order is the order kube-proxy writes them, service
//! ports taken in name order.

use super::{categorize, Categorized, EndpointInfo, ProxyConfig, ServicePortInfo};
use crate::net::Family;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
pub const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
pub const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";

/// One table: chain → rules (each a full `-A CHAIN …` line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub chains: BTreeMap<String, Vec<String>>,
}

impl Table {
    fn declare(&mut self, chain: &str) {
        self.chains.entry(chain.to_string()).or_default();
    }

    fn add(&mut self, chain: &str, rule: String) {
        let mut line = String::with_capacity(4 + chain.len() + rule.len());
        line.push_str("-A ");
        line.push_str(chain);
        line.push(' ');
        line.push_str(&rule);
        // Most rules go to a chain already there: no key to allocate.
        match self.chains.get_mut(chain) {
            Some(rules) => rules.push(line),
            None => {
                self.chains.insert(chain.to_string(), vec![line]);
            }
        }
    }

    /// The rules of `chain` (empty when it is not there).
    pub fn rules(&self, chain: &str) -> &[String] {
        self.chains.get(chain).map_or(&[], Vec::as_slice)
    }

    /// The chains in upstream's normalised order: KUBE-NODEPORTS and
    /// KUBE-SERVICES first, the rest by name.
    pub fn ordered_chains(&self) -> impl Iterator<Item = (&str, &[String])> {
        let first = [KUBE_NODEPORTS, KUBE_SERVICES]
            .into_iter()
            .filter_map(|c| self.chains.get_key_value(c));
        let rest = self
            .chains
            .iter()
            .filter(|(k, _)| k.as_str() != KUBE_NODEPORTS && k.as_str() != KUBE_SERVICES);
        first.chain(rest).map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// `iptables-restore` input: header, declarations, rules, COMMIT.
    fn render(&self, name: &str, out: &mut Vec<String>) {
        out.push(format!("*{name}"));
        for (chain, _) in self.ordered_chains() {
            out.push(format!(":{chain} - [0:0]"));
        }
        for (_, rules) in self.ordered_chains() {
            out.extend(rules.iter().cloned());
        }
        out.push("COMMIT".to_string());
    }
}

/// Both tables kube-proxy writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub filter: Table,
    pub nat: Table,
    /// Large cluster mode: more endpoints than
    /// [`LARGE_CLUSTER_ENDPOINTS`], so endpoint rules carry no comments
    /// (they would grow the ruleset by 40% and more).
    pub large_cluster: bool,
}

/// `largeClusterEndpointsThreshold`.
pub const LARGE_CLUSTER_ENDPOINTS: usize = 1000;

/// Whether a sync of `ports` runs in large cluster mode.
pub fn is_large_cluster(ports: &[ServicePortInfo]) -> bool {
    ports.iter().map(|p| p.endpoints.len()).sum::<usize>() > LARGE_CLUSTER_ENDPOINTS
}

/// `appendServiceCommentLocked`: the comment of an endpoint rule, or
/// nothing in large cluster mode.
fn endpoint_comment(large_cluster: bool, text: &str) -> String {
    if large_cluster {
        String::new()
    } else {
        format!("-m comment --comment {text} ")
    }
}

impl Rules {
    /// The filter table's lines, then the nat table's.
    pub fn lines(&self) -> (Vec<String>, Vec<String>) {
        let (mut f, mut n) = (Vec::new(), Vec::new());
        self.filter.render("filter", &mut f);
        self.nat.render("nat", &mut n);
        (f, n)
    }

    /// `iptables-save`-style text: filter, then nat.
    pub fn to_text(&self) -> String {
        let (f, n) = self.lines();
        let mut s = String::new();
        for line in f.iter().chain(&n) {
            s.push_str(line);
            s.push('\n');
        }
        s
    }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

/// The rules for every service port on the node `cfg` describes.
pub fn sync_rules(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> Rules {
    let mut r = base_rules(cfg);
    r.large_cluster = is_large_cluster(ports);
    let mut order: Vec<(&str, &ServicePortInfo)> =
        ports.iter().map(|sp| (sp.name_string(), sp)).collect();
    order.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.protocol.cmp(&b.1.protocol)));
    for (_, sp) in order {
        let cat = categorize(sp, cfg);
        service_port_rules(&mut r, sp, &cat, cfg);
    }
    // Localhost node ports never work over IPv6, so IPv6 excludes them
    // (IPv4 allows them: kube-proxy sets `route_localnet`).
    let not_localhost = match cfg.family {
        Family::IPv4 => "",
        Family::IPv6 => " ! -d ::1/128",
    };
    r.nat.add(
        KUBE_SERVICES,
        format!(
            "-m comment --comment {} -m addrtype --dst-type LOCAL{not_localhost} -j {KUBE_NODEPORTS}",
            quoted("kubernetes service nodeports; NOTE: this must be the last rule in this chain")
        ),
    );
    r
}

/// The chains and rules every sync writes, services or not.
fn base_rules(cfg: &ProxyConfig) -> Rules {
    let mark = cfg.mark();
    let mut r = Rules::default();
    // KUBE-FIREWALL guards the hole `route_localnet` opens for localhost
    // node ports, which only IPv4 has.
    let ipv4 = cfg.family == Family::IPv4;
    for c in [
        KUBE_NODEPORTS,
        KUBE_SERVICES,
        KUBE_EXTERNAL_SERVICES,
        "KUBE-FIREWALL",
        "KUBE-FORWARD",
        KUBE_PROXY_FIREWALL,
    ] {
        if c != "KUBE-FIREWALL" || ipv4 {
            r.filter.declare(c);
        }
    }
    if ipv4 {
        r.filter.add(
            "KUBE-FIREWALL",
            format!(
                "-m comment --comment {} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
                quoted("block incoming localnet connections")
            ),
        );
    }
    r.filter.add(
        "KUBE-FORWARD",
        "-m conntrack --ctstate INVALID -j DROP".into(),
    );
    r.filter.add(
        "KUBE-FORWARD",
        format!(
            "-m comment --comment {} -m mark --mark {mark}/{mark} -j ACCEPT",
            quoted("kubernetes forwarding rules")
        ),
    );
    r.filter.add(
        "KUBE-FORWARD",
        format!(
            "-m comment --comment {} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            quoted("kubernetes forwarding conntrack rule")
        ),
    );
    for c in [
        KUBE_NODEPORTS,
        KUBE_SERVICES,
        KUBE_MARK_MASQ,
        "KUBE-POSTROUTING",
    ] {
        r.nat.declare(c);
    }
    r.nat
        .add(KUBE_MARK_MASQ, format!("-j MARK --or-mark {mark}"));
    r.nat.add(
        "KUBE-POSTROUTING",
        format!("-m mark ! --mark {mark}/{mark} -j RETURN"),
    );
    r.nat
        .add("KUBE-POSTROUTING", format!("-j MARK --xor-mark {mark}"));
    r.nat.add(
        "KUBE-POSTROUTING",
        format!(
            "-m comment --comment {} -j MASQUERADE",
            quoted("kubernetes service traffic requiring SNAT")
        ),
    );
    r
}

/// The chain names of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNames {
    pub svc: String,
    pub svl: String,
    pub ext: String,
    pub fw: String,
}

impl ChainNames {
    pub fn of(sp: &ServicePortInfo) -> Self {
        let h = &sp.hash;
        ChainNames {
            svc: format!("KUBE-SVC-{h}"),
            svl: format!("KUBE-SVL-{h}"),
            ext: format!("KUBE-EXT-{h}"),
            fw: format!("KUBE-FW-{h}"),
        }
    }
}

/// What the proxier decided for one service port on this node; shared by
/// the rule writer and the route simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub chains: ChainNames,
    pub has_endpoints: bool,
    pub has_internal_endpoints: bool,
    pub has_external_endpoints: bool,
    /// The chain cluster-IP traffic goes to (SVC, or SVL for ITP Local).
    pub internal_chain: String,
    /// The chain external traffic ends in (SVC, or SVL for ETP Local).
    pub external_chain: String,
    pub uses_cluster_chain: bool,
    pub uses_local_chain: bool,
    pub uses_external_chain: bool,
    pub uses_fw_chain: bool,
}

impl Plan {
    pub fn new(sp: &ServicePortInfo, cat: &Categorized) -> Self {
        let chains = ChainNames::of(sp);
        let has_endpoints = cat.has_any;
        let has_internal_endpoints = has_endpoints
            && if sp.internal_policy_local {
                !cat.local.is_empty()
            } else {
                !cat.cluster.is_empty()
            };
        let has_external_endpoints =
            has_endpoints && (!sp.external_policy_local || !cat.local.is_empty());
        Plan {
            internal_chain: if sp.internal_policy_local {
                chains.svl.clone()
            } else {
                chains.svc.clone()
            },
            external_chain: if sp.external_policy_local {
                chains.svl.clone()
            } else {
                chains.svc.clone()
            },
            uses_cluster_chain: !cat.cluster.is_empty() && sp.uses_cluster_endpoints(),
            uses_local_chain: !cat.local.is_empty() && sp.uses_local_endpoints(),
            uses_external_chain: has_endpoints && sp.externally_accessible(),
            uses_fw_chain: has_endpoints
                && !sp.load_balancer_ips.is_empty()
                && !sp.source_ranges.is_empty(),
            chains,
            has_endpoints,
            has_internal_endpoints,
            has_external_endpoints,
        }
    }

    /// REJECT with no endpoints at all, DROP with none for the policy.
    fn filter_target(
        &self,
        has_policy_endpoints: bool,
        svc: &str,
    ) -> Option<(&'static str, String)> {
        if !self.has_endpoints {
            Some(("REJECT", quoted(&format!("{svc} has no endpoints"))))
        } else if !has_policy_endpoints {
            Some(("DROP", quoted(&format!("{svc} has no local endpoints"))))
        } else {
            None
        }
    }
}

/// Appends one service port's rules.
pub fn service_port_rules(
    r: &mut Rules,
    sp: &ServicePortInfo,
    cat: &Categorized,
    cfg: &ProxyConfig,
) {
    service_rules(r, sp, cat, cfg);
    for ep in &cat.reachable {
        endpoint_chain_rules(r, sp, ep);
    }
}

/// One service port's rules but its KUBE-SEP chains: capture, filter,
/// EXT, FW, SVC and SVL chains.
pub fn service_rules(r: &mut Rules, sp: &ServicePortInfo, cat: &Categorized, cfg: &ProxyConfig) {
    let plan = Plan::new(sp, cat);
    let ch = &plan.chains;
    let svc = sp.name_string();
    let proto = sp.protocol_lower();
    let m = format!("-m {proto} -p {proto}");
    let port = sp.port;

    // The cluster IP.
    let cluster_match = format!(
        "-m comment --comment {} {m} -d {} --dport {port}",
        quoted(&format!("{svc} cluster IP")),
        sp.cluster_ip
    );
    if plan.has_internal_endpoints {
        r.nat.declare(&plan.internal_chain);
        if cfg.masquerade_all {
            r.nat.add(
                &plan.internal_chain,
                format!("{cluster_match} -j {KUBE_MARK_MASQ}"),
            );
        } else if let Some(cidr) = cfg.cluster_cidr {
            // Off-cluster traffic to the VIP may bounce to another node.
            r.nat.add(
                &plan.internal_chain,
                format!("{cluster_match} ! -s {cidr} -j {KUBE_MARK_MASQ}"),
            );
        }
        r.nat.add(
            KUBE_SERVICES,
            format!("{cluster_match} -j {}", plan.internal_chain),
        );
    } else if let Some((target, comment)) = plan.filter_target(false, svc) {
        r.filter.add(
            KUBE_SERVICES,
            format!(
                "-m comment --comment {comment} {m} -d {} --dport {port} -j {target}",
                sp.cluster_ip
            ),
        );
    }

    let ext_filter = plan.filter_target(plan.has_external_endpoints, svc);
    for ip in &sp.external_ips {
        if plan.has_endpoints {
            r.nat.add(
                KUBE_SERVICES,
                format!(
                    "-m comment --comment {} {m} -d {ip} --dport {port} -j {}",
                    quoted(&format!("{svc} external IP")),
                    ch.ext
                ),
            );
        }
        if let Some((target, comment)) = &ext_filter {
            r.filter.add(
                KUBE_EXTERNAL_SERVICES,
                format!("-m comment --comment {comment} {m} -d {ip} --dport {port} -j {target}"),
            );
        }
    }
    let lb_chain = if plan.uses_fw_chain { &ch.fw } else { &ch.ext };
    for ip in &sp.load_balancer_ips {
        if plan.has_endpoints {
            r.nat.add(
                KUBE_SERVICES,
                format!(
                    "-m comment --comment {} {m} -d {ip} --dport {port} -j {lb_chain}",
                    quoted(&format!("{svc} loadbalancer IP"))
                ),
            );
        }
        if plan.uses_fw_chain {
            r.filter.add(
                KUBE_PROXY_FIREWALL,
                format!(
                    "-m comment --comment {} {m} -d {ip} --dport {port} -j DROP",
                    quoted(&format!("{svc} traffic not accepted by {}", ch.fw))
                ),
            );
        }
    }
    if let Some((target, comment)) = &ext_filter {
        for ip in &sp.load_balancer_ips {
            r.filter.add(
                KUBE_EXTERNAL_SERVICES,
                format!("-m comment --comment {comment} {m} -d {ip} --dport {port} -j {target}"),
            );
        }
    }
    if sp.node_port != 0 {
        let np = sp.node_port;
        if plan.has_endpoints {
            r.nat.add(
                KUBE_NODEPORTS,
                format!("-m comment --comment {svc} {m} --dport {np} -j {}", ch.ext),
            );
        }
        if let Some((target, comment)) = &ext_filter {
            r.filter.add(
                KUBE_EXTERNAL_SERVICES,
                format!(
                    "-m comment --comment {comment} -m addrtype --dst-type LOCAL {m} --dport {np} -j {target}"
                ),
            );
        }
    }
    if sp.health_check_node_port != 0 {
        // Accepted whether or not the node has local endpoints: the load
        // balancer's health check must get its answer.
        r.filter.add(
            KUBE_NODEPORTS,
            format!(
                "-m comment --comment {} -m tcp -p tcp --dport {} -j ACCEPT",
                quoted(&format!("{svc} health check node port")),
                sp.health_check_node_port
            ),
        );
    }

    if plan.uses_external_chain {
        r.nat.declare(&ch.ext);
        if !sp.external_policy_local {
            // Cluster endpoints may be on other nodes: masquerade.
            r.nat.add(
                &ch.ext,
                format!(
                    "-m comment --comment {} -j {KUBE_MARK_MASQ}",
                    quoted(&format!(
                        "masquerade traffic for {svc} external destinations"
                    ))
                ),
            );
        } else {
            // Source IP is kept, except for pod and node traffic, which is
            // short-circuited to the cluster-wide chain.
            if let Some(cidr) = cfg.cluster_cidr {
                r.nat.add(
                    &ch.ext,
                    format!(
                        "-m comment --comment {} -s {cidr} -j {}",
                        quoted(&format!("pod traffic for {svc} external destinations")),
                        ch.svc
                    ),
                );
            }
            r.nat.add(
                &ch.ext,
                format!(
                    "-m comment --comment {} -m addrtype --src-type LOCAL -j {KUBE_MARK_MASQ}",
                    quoted(&format!(
                        "masquerade LOCAL traffic for {svc} external destinations"
                    ))
                ),
            );
            r.nat.add(
                &ch.ext,
                format!(
                    "-m comment --comment {} -m addrtype --src-type LOCAL -j {}",
                    quoted(&format!(
                        "route LOCAL traffic for {svc} external destinations"
                    )),
                    ch.svc
                ),
            );
        }
        if plan.has_external_endpoints {
            r.nat.add(&ch.ext, format!("-j {}", plan.external_chain));
        }
    }

    if plan.uses_fw_chain {
        r.nat.declare(&ch.fw);
        let head = format!(
            "-m comment --comment {}",
            quoted(&format!("{svc} loadbalancer IP"))
        );
        let mut from_node = false;
        for cidr in &sp.source_ranges {
            r.nat.add(&ch.fw, format!("{head} -s {cidr} -j {}", ch.ext));
            from_node |= cfg.node_ip.is_some_and(|ip| cidr.contains(&ip));
        }
        if from_node {
            // The node reaching its own LB VIP loops back with the VIP as
            // source.
            for ip in &sp.load_balancer_ips {
                r.nat.add(&ch.fw, format!("{head} -s {ip} -j {}", ch.ext));
            }
        }
        r.nat.add(
            &ch.fw,
            format!(
                "-m comment --comment {}",
                quoted(&format!(
                    "other traffic to {svc} will be dropped by {KUBE_PROXY_FIREWALL}"
                ))
            ),
        );
    }

    if plan.uses_cluster_chain {
        r.nat.declare(&ch.svc);
        endpoint_rules(&mut r.nat, r.large_cluster, sp, &ch.svc, &cat.cluster);
    }
    if plan.uses_local_chain {
        r.nat.declare(&ch.svl);
        endpoint_rules(&mut r.nat, r.large_cluster, sp, &ch.svl, &cat.local);
    }
}

/// The KUBE-SEP chain of one endpoint: hairpin masquerade, then DNAT.
pub fn endpoint_chain_rules(r: &mut Rules, sp: &ServicePortInfo, ep: &EndpointInfo) {
    let svc = sp.name_string();
    let proto = sp.protocol_lower();
    let chain = sp.endpoint_chain(ep);
    let comment = endpoint_comment(r.large_cluster, svc);
    r.nat
        .add(chain, format!("{comment}-s {} -j {KUBE_MARK_MASQ}", ep.ip));
    let mut rule = comment;
    if sp.affinity_timeout.is_some() {
        let _ = write!(rule, "-m recent --name {chain} --set ");
    }
    let _ = write!(
        rule,
        "-m {proto} -p {proto} -j DNAT --to-destination {}",
        ep.addr()
    );
    r.nat.add(chain, rule);
}

/// `--probability` of the i-th of n rules: 1/(n-i), 10 decimals, as Go's
/// `%0.10f` rounds the float. Computed in integers (float formatting is
/// most of a route trace's time): the float is within 2^-53 of 1/n, far
/// closer than 1/n ever lies to a rounding boundary, unless it sits on one
/// (10^10/n ending in .5), where the float's own rounding decides.
pub fn probability(remaining: usize) -> String {
    const SCALE: u128 = 10_000_000_000;
    let n = remaining.max(1) as u128;
    if (2 * SCALE) % n == 0 && SCALE % n != 0 {
        return format!("{:.10}", 1.0 / remaining as f64);
    }
    let q = (2 * SCALE + n) / (2 * n);
    format!("{}.{:010}", q / SCALE, q % SCALE)
}

/// A SVC or SVL chain: affinity checks, then the random cascade.
fn endpoint_rules(
    t: &mut Table,
    large_cluster: bool,
    sp: &ServicePortInfo,
    chain: &str,
    eps: &[&EndpointInfo],
) {
    let svc = sp.name_string();
    let comment = |ep: &EndpointInfo| {
        if large_cluster {
            String::new()
        } else {
            format!("-m comment --comment \"{svc} -> {}\" ", ep.addr())
        }
    };
    if let Some(timeout) = sp.affinity_timeout {
        for ep in eps {
            let sep = sp.endpoint_chain(ep);
            t.add(
                chain,
                format!(
                    "{}-m recent --name {sep} --rcheck --seconds {timeout} --reap -j {sep}",
                    comment(ep)
                ),
            );
        }
    }
    let n = eps.len();
    for (i, ep) in eps.iter().enumerate() {
        let mut rule = comment(ep);
        if i + 1 < n {
            let _ = write!(
                rule,
                "-m statistic --mode random --probability {} ",
                probability(n - i)
            );
        }
        let _ = write!(rule, "-j {}", sp.endpoint_chain(ep));
        t.add(chain, rule);
    }
}

#[cfg(test)]
mod tests {
    use super::probability;

    #[test]
    fn probability_matches_float_formatting() {
        for n in (1..=200_000).chain([1 << 20, 3 << 20, 10_000_000_000, 20_000_000_001]) {
            assert_eq!(probability(n), format!("{:.10}", 1.0 / n as f64), "{n}");
        }
    }
}
