//! The rules kube-proxy's iptables proxier (`syncProxyRules`) writes for
//! one node: the `filter` and `nat` tables as `iptables-restore` input,
//! built as [`ipt::Rule`] values.
//!
//! Chains come out in upstream's normalised order (KUBE-NODEPORTS and
//! KUBE-SERVICES first, the rest sorted by name), rules grouped per chain;
//! within a chain the order is the order kube-proxy writes them, service
//! ports taken in name order. A node's ruleset is [`base`], then
//! [`service_port`] for each service port, then [`finish`]; a trace builds
//! only the service ports it can reach, skipping the rules the others add
//! to the chains they share ([`SHARED`], [`shared_counts`]).

use super::ipt::{self, Net, Part, KUBE_POSTROUTING};
use super::route::Mode;
use super::ruleset::{ChainOrder, Name, Role, Ruleset, Table};
use super::{categorize, Categorized, EndpointInfo, Entry, ProxyConfig, ServicePortInfo};
use crate::net::{Cidr, Family};
use std::net::IpAddr;

pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
pub const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
pub const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";

/// `largeClusterEndpointsThreshold`.
pub const LARGE_CLUSTER_ENDPOINTS: usize = 1000;

/// Whether a sync of `ports` runs in large cluster mode: more endpoints
/// than [`LARGE_CLUSTER_ENDPOINTS`], so endpoint rules carry no comments
/// (they would grow the ruleset by 40% and more).
pub fn is_large_cluster(ports: &[ServicePortInfo]) -> bool {
    ports.iter().map(|p| p.endpoints.len()).sum::<usize>() > LARGE_CLUSTER_ENDPOINTS
}

/// The chains several service ports add rules to, as (table, chain).
pub const SHARED: [(&str, &str); 6] = [
    ("nat", KUBE_SERVICES),
    ("nat", KUBE_NODEPORTS),
    ("filter", KUBE_SERVICES),
    ("filter", KUBE_EXTERNAL_SERVICES),
    ("filter", KUBE_NODEPORTS),
    ("filter", KUBE_PROXY_FIREWALL),
];

/// How many rules [`service_port`] adds to each of the [`SHARED`] chains,
/// from what decides it: whether the port has usable endpoints anywhere
/// and whether it has some on this node (which only Local policies ask).
pub fn shared_counts(sp: &ServicePortInfo, has_endpoints: bool, local: bool) -> [u32; 6] {
    let n_ext = sp.external_ips.len() as u32;
    let n_lb = sp.load_balancer_ips.len() as u32;
    let has_internal = has_endpoints && (!sp.internal_policy_local || local);
    let has_external = has_endpoints && (!sp.external_policy_local || local);
    let ext_filter = !has_endpoints || !has_external;
    let fw = has_endpoints && n_lb > 0 && !sp.source_ranges.is_empty();
    let served = u32::from(has_endpoints);
    [
        u32::from(has_internal) + served * (n_ext + n_lb),
        served * u32::from(sp.node_port != 0),
        u32::from(!has_internal),
        u32::from(ext_filter) * (n_ext + n_lb + u32::from(sp.node_port != 0)),
        u32::from(sp.health_check_node_port != 0),
        u32::from(fw) * n_lb,
    ]
}

/// The rules for every service port on the node `cfg` describes.
pub fn sync_rules(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> Ruleset {
    let mut r = base(cfg);
    let large = is_large_cluster(ports);
    let mut order: Vec<&ServicePortInfo> = ports.iter().collect();
    super::sort_ports(&mut order);
    for sp in order {
        let cat = categorize(sp, cfg);
        service_port(&mut r, sp, &cat, cfg, large);
    }
    finish(&mut r, cfg);
    r
}

fn comment(s: &str) -> Part {
    Part::Comment(s.into())
}

/// The chains and rules every sync writes, services or not.
pub fn base(cfg: &ProxyConfig) -> Ruleset {
    let mark = cfg.mark_value();
    let mut filter = Table::new("filter", ChainOrder::KubeServicesFirst);
    let mut nat = Table::new("nat", ChainOrder::KubeServicesFirst);
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
            filter.declare(c);
        }
    }
    if ipv4 {
        let lo: Cidr = Cidr::loopback(Family::IPv4);
        filter.add_ipt(
            "KUBE-FIREWALL",
            Role::Plumbing,
            vec![
                comment("block incoming localnet connections"),
                Part::Dst(Net::Cidr(lo)),
                Part::NotSrc(Net::Cidr(lo)),
                Part::CtState {
                    not: true,
                    states: "RELATED,ESTABLISHED,DNAT",
                },
                Part::Drop,
            ],
        );
    }
    filter.add_ipt(
        "KUBE-FORWARD",
        Role::Plumbing,
        vec![
            Part::CtState {
                not: false,
                states: "INVALID",
            },
            Part::Drop,
        ],
    );
    filter.add_ipt(
        "KUBE-FORWARD",
        Role::Plumbing,
        vec![
            comment("kubernetes forwarding rules"),
            Part::Mark { not: false, mark },
            Part::Accept,
        ],
    );
    filter.add_ipt(
        "KUBE-FORWARD",
        Role::Plumbing,
        vec![
            comment("kubernetes forwarding conntrack rule"),
            Part::CtState {
                not: false,
                states: "RELATED,ESTABLISHED",
            },
            Part::Accept,
        ],
    );
    for c in [
        KUBE_NODEPORTS,
        KUBE_SERVICES,
        KUBE_MARK_MASQ,
        KUBE_POSTROUTING,
    ] {
        nat.declare(c);
    }
    nat.add_ipt(
        KUBE_MARK_MASQ,
        Role::MarkForMasquerade,
        vec![Part::MarkOr(mark)],
    );
    ipt::kube_postrouting(&mut nat, mark, false);
    Ruleset::new(Mode::Iptables, cfg.family, vec![filter, nat])
}

/// The last rule of KUBE-SERVICES, after every service port's.
pub fn finish(r: &mut Ruleset, cfg: &ProxyConfig) {
    let mut parts = vec![
        comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
        Part::DstLocal,
    ];
    // Localhost node ports never work over IPv6, so IPv6 excludes them
    // (IPv4 allows them: kube-proxy sets `route_localnet`).
    if cfg.family == Family::IPv6 {
        parts.push(Part::NotDst(Net::Cidr(Cidr::loopback(Family::IPv6))));
    }
    parts.push(Part::Jump(KUBE_NODEPORTS.into()));
    r.table_mut("nat")
        .add_ipt(KUBE_SERVICES, Role::ToNodePorts, parts);
}

/// The chain names of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNames {
    pub svc: Name,
    pub svl: Name,
    pub ext: Name,
    pub fw: Name,
}

impl ChainNames {
    pub fn of(sp: &ServicePortInfo) -> Self {
        let h = &sp.hash;
        ChainNames {
            svc: format!("KUBE-SVC-{h}").into(),
            svl: format!("KUBE-SVL-{h}").into(),
            ext: format!("KUBE-EXT-{h}").into(),
            fw: format!("KUBE-FW-{h}").into(),
        }
    }
}

/// What the proxier decided for one service port on this node; shared by
/// the iptables and nftables writers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub has_endpoints: bool,
    pub has_internal_endpoints: bool,
    pub has_external_endpoints: bool,
    pub uses_cluster_chain: bool,
    pub uses_local_chain: bool,
    pub uses_external_chain: bool,
    pub uses_fw_chain: bool,
}

impl Plan {
    pub fn new(sp: &ServicePortInfo, cat: &Categorized) -> Self {
        let has_endpoints = cat.has_any;
        Plan {
            has_internal_endpoints: has_endpoints
                && if sp.internal_policy_local {
                    !cat.local.is_empty()
                } else {
                    !cat.cluster.is_empty()
                },
            has_external_endpoints: has_endpoints
                && (!sp.external_policy_local || !cat.local.is_empty()),
            uses_cluster_chain: !cat.cluster.is_empty() && sp.uses_cluster_endpoints(),
            uses_local_chain: !cat.local.is_empty() && sp.uses_local_endpoints(),
            uses_external_chain: has_endpoints && sp.externally_accessible(),
            uses_fw_chain: has_endpoints
                && !sp.load_balancer_ips.is_empty()
                && !sp.source_ranges.is_empty(),
            has_endpoints,
        }
    }
}

/// REJECT with no endpoints at all, DROP with none for the policy.
fn filter_target(plan: &Plan, has_policy_endpoints: bool, svc: &str) -> Option<(Part, Name)> {
    if !plan.has_endpoints {
        Some((Part::Reject, format!("{svc} has no endpoints").into()))
    } else if !has_policy_endpoints {
        Some((Part::Drop, format!("{svc} has no local endpoints").into()))
    } else {
        None
    }
}

/// Appends one service port's rules: capture, filter, EXT, FW, SVC and
/// SVL chains, then the KUBE-SEP chains of its endpoints.
pub fn service_port(
    r: &mut Ruleset,
    sp: &ServicePortInfo,
    cat: &Categorized,
    cfg: &ProxyConfig,
    large_cluster: bool,
) {
    let plan = Plan::new(sp, cat);
    let ch = ChainNames::of(sp);
    let svc: Name = sp.name_string().into();
    let proto = sp.protocol_static();
    let port = sp.port;
    let masq: Name = KUBE_MARK_MASQ.into();
    let internal = if sp.internal_policy_local {
        &ch.svl
    } else {
        &ch.svc
    };
    let external_policy = if sp.external_policy_local {
        &ch.svl
    } else {
        &ch.svc
    };
    let dst = |ip: IpAddr| {
        [
            Part::ModProto(proto),
            Part::Dst(Net::Ip(ip)),
            Part::DPort(port),
        ]
    };
    let with = |head: Part, body: &[Part], tail: &[Part]| -> Vec<Part> {
        let mut v = Vec::with_capacity(1 + body.len() + tail.len());
        v.push(head);
        v.extend_from_slice(body);
        v.extend_from_slice(tail);
        v
    };

    // The cluster IP.
    let cluster_comment = Part::Comment(format!("{svc} cluster IP").into());
    // Every iptables-syntax ruleset starts from `base`, which has both.
    let Some((filter, nat)) = r.tables_mut("filter", "nat") else {
        return;
    };
    {
        if plan.has_internal_endpoints {
            nat.declare(internal);
            if cfg.masquerade_all {
                nat.add_ipt(
                    internal,
                    Role::MasqueradeAll,
                    with(
                        cluster_comment.clone(),
                        &dst(sp.cluster_ip),
                        &[Part::Jump(masq.clone())],
                    ),
                );
            } else if let Some(cidr) = cfg.cluster_cidr {
                // Off-cluster traffic to the VIP may bounce to another node.
                nat.add_ipt(
                    internal,
                    Role::MasqueradeOffCluster,
                    with(
                        cluster_comment.clone(),
                        &dst(sp.cluster_ip),
                        &[Part::NotSrc(Net::Cidr(cidr)), Part::Jump(masq.clone())],
                    ),
                );
            }
            nat.add_ipt(
                KUBE_SERVICES,
                Role::Capture(Entry::ClusterIp),
                with(
                    cluster_comment,
                    &dst(sp.cluster_ip),
                    &[Part::Jump(internal.clone())],
                ),
            );
        } else if let Some((target, c)) = filter_target(&plan, false, &svc) {
            filter.add_ipt(
                KUBE_SERVICES,
                Role::NoEndpoints,
                with(Part::Comment(c), &dst(sp.cluster_ip), &[target]),
            );
        }

        let ext_filter = filter_target(&plan, plan.has_external_endpoints, &svc);
        let ext_comment = Part::Comment(format!("{svc} external IP").into());
        for ip in &sp.external_ips {
            if plan.has_endpoints {
                nat.add_ipt(
                    KUBE_SERVICES,
                    Role::Capture(Entry::ExternalIp),
                    with(
                        ext_comment.clone(),
                        &dst(*ip),
                        &[Part::Jump(ch.ext.clone())],
                    ),
                );
            }
            if let Some((target, c)) = &ext_filter {
                filter.add_ipt(
                    KUBE_EXTERNAL_SERVICES,
                    Role::NoEndpoints,
                    with(
                        Part::Comment(c.clone()),
                        &dst(*ip),
                        std::slice::from_ref(target),
                    ),
                );
            }
        }
        let lb_chain = if plan.uses_fw_chain { &ch.fw } else { &ch.ext };
        let lb_comment = Part::Comment(format!("{svc} loadbalancer IP").into());
        for ip in &sp.load_balancer_ips {
            if plan.has_endpoints {
                nat.add_ipt(
                    KUBE_SERVICES,
                    Role::Capture(Entry::LoadBalancer),
                    with(
                        lb_comment.clone(),
                        &dst(*ip),
                        &[Part::Jump(lb_chain.clone())],
                    ),
                );
            }
            if plan.uses_fw_chain {
                filter.add_ipt(
                    KUBE_PROXY_FIREWALL,
                    Role::FirewallDrop,
                    with(
                        Part::Comment(format!("{svc} traffic not accepted by {}", ch.fw).into()),
                        &dst(*ip),
                        &[Part::Drop],
                    ),
                );
            }
        }
        if let Some((target, c)) = &ext_filter {
            for ip in &sp.load_balancer_ips {
                filter.add_ipt(
                    KUBE_EXTERNAL_SERVICES,
                    Role::NoEndpoints,
                    with(
                        Part::Comment(c.clone()),
                        &dst(*ip),
                        std::slice::from_ref(target),
                    ),
                );
            }
        }
        if sp.node_port != 0 {
            let np = sp.node_port;
            if plan.has_endpoints {
                nat.add_ipt(
                    KUBE_NODEPORTS,
                    Role::Capture(Entry::NodePort),
                    vec![
                        Part::Comment(svc.clone()),
                        Part::ModProto(proto),
                        Part::DPort(np),
                        Part::Jump(ch.ext.clone()),
                    ],
                );
            }
            if let Some((target, c)) = &ext_filter {
                filter.add_ipt(
                    KUBE_EXTERNAL_SERVICES,
                    Role::NoEndpoints,
                    vec![
                        Part::Comment(c.clone()),
                        Part::DstLocal,
                        Part::ModProto(proto),
                        Part::DPort(np),
                        target.clone(),
                    ],
                );
            }
        }
        if sp.health_check_node_port != 0 {
            // Accepted whether or not the node has local endpoints: the load
            // balancer's health check must get its answer.
            filter.add_ipt(
                KUBE_NODEPORTS,
                Role::HealthCheck,
                vec![
                    Part::Comment(format!("{svc} health check node port").into()),
                    Part::ModProto("tcp"),
                    Part::DPort(sp.health_check_node_port),
                    Part::Accept,
                ],
            );
        }

        if plan.uses_external_chain {
            nat.declare(&ch.ext);
            if !sp.external_policy_local {
                // Cluster endpoints may be on other nodes: masquerade.
                nat.add_ipt(
                    &ch.ext,
                    Role::MasqueradeExternal,
                    vec![
                        Part::Comment(
                            format!("masquerade traffic for {svc} external destinations").into(),
                        ),
                        Part::Jump(masq.clone()),
                    ],
                );
            } else {
                // Source IP is kept, except for pod and node traffic, which
                // is short-circuited to the cluster-wide chain.
                if let Some(cidr) = cfg.cluster_cidr {
                    nat.add_ipt(
                        &ch.ext,
                        Role::ShortCircuitPods,
                        vec![
                            Part::Comment(
                                format!("pod traffic for {svc} external destinations").into(),
                            ),
                            Part::Src(Net::Cidr(cidr)),
                            Part::Jump(ch.svc.clone()),
                        ],
                    );
                }
                nat.add_ipt(
                    &ch.ext,
                    Role::MasqueradeLocal,
                    vec![
                        Part::Comment(
                            format!("masquerade LOCAL traffic for {svc} external destinations")
                                .into(),
                        ),
                        Part::SrcLocal,
                        Part::Jump(masq.clone()),
                    ],
                );
                nat.add_ipt(
                    &ch.ext,
                    Role::ShortCircuitLocal,
                    vec![
                        Part::Comment(
                            format!("route LOCAL traffic for {svc} external destinations").into(),
                        ),
                        Part::SrcLocal,
                        Part::Jump(ch.svc.clone()),
                    ],
                );
            }
            if plan.has_external_endpoints {
                nat.add_ipt(
                    &ch.ext,
                    Role::ToPolicyChain,
                    vec![Part::Jump(external_policy.clone())],
                );
            }
        }

        if plan.uses_fw_chain {
            nat.declare(&ch.fw);
            let head = Part::Comment(format!("{svc} loadbalancer IP").into());
            let mut from_node = false;
            for cidr in &sp.source_ranges {
                nat.add_ipt(
                    &ch.fw,
                    Role::FirewallAllow,
                    vec![
                        head.clone(),
                        Part::Src(Net::Cidr(*cidr)),
                        Part::Jump(ch.ext.clone()),
                    ],
                );
                from_node |= cfg.node_ip.is_some_and(|ip| cidr.contains(&ip));
            }
            if from_node {
                // The node reaching its own LB VIP loops back with the VIP
                // as source.
                for ip in &sp.load_balancer_ips {
                    nat.add_ipt(
                        &ch.fw,
                        Role::FirewallAllow,
                        vec![
                            head.clone(),
                            Part::Src(Net::Ip(*ip)),
                            Part::Jump(ch.ext.clone()),
                        ],
                    );
                }
            }
            nat.add_ipt(
                &ch.fw,
                Role::FirewallOther,
                vec![Part::Comment(
                    format!("other traffic to {svc} will be dropped by {KUBE_PROXY_FIREWALL}")
                        .into(),
                )],
            );
        }

        if plan.uses_cluster_chain {
            nat.declare(&ch.svc);
            endpoint_rules(nat, large_cluster, sp, &svc, &ch.svc, &cat.cluster);
        }
        if plan.uses_local_chain {
            nat.declare(&ch.svl);
            endpoint_rules(nat, large_cluster, sp, &svc, &ch.svl, &cat.local);
        }
        for ep in &cat.reachable {
            endpoint_chain(nat, large_cluster, sp, &svc, ep);
        }
    }
}

/// The KUBE-SEP chain of one endpoint: hairpin masquerade, then DNAT.
fn endpoint_chain(
    nat: &mut Table,
    large_cluster: bool,
    sp: &ServicePortInfo,
    svc: &Name,
    ep: &EndpointInfo,
) {
    let sep = &ep.chain;
    let head = |v: &mut Vec<Part>| {
        if !large_cluster {
            v.push(Part::Comment(svc.clone()));
        }
    };
    let mut hairpin = Vec::with_capacity(3);
    head(&mut hairpin);
    hairpin.push(Part::Src(Net::Ip(ep.ip)));
    hairpin.push(Part::Jump(KUBE_MARK_MASQ.into()));
    nat.add_ipt(sep, Role::Hairpin, hairpin);
    let mut dnat = Vec::with_capacity(4);
    head(&mut dnat);
    if sp.affinity_timeout.is_some() {
        dnat.push(Part::RecentSet(sep.clone()));
    }
    dnat.push(Part::ModProto(sp.protocol_static()));
    dnat.push(Part::Dnat(ep.addr_name()));
    nat.add_ipt(sep, Role::Dnat, dnat);
}

/// `--probability` of the i-th of n rules: 1/(n-i), 10 decimals, as Go's
/// `%0.10f` rounds the float. Computed in integers (float formatting is
/// most of a rule's cost): the float is within 2^-53 of 1/n, far closer
/// than 1/n ever lies to a rounding boundary, unless it sits on one
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
    svc: &str,
    chain: &str,
    eps: &[&EndpointInfo],
) {
    let comment = |ep: &EndpointInfo, v: &mut Vec<Part>| {
        if !large_cluster {
            v.push(Part::Comment(format!("{svc} -> {}", ep.addr()).into()));
        }
    };
    if let Some(timeout) = sp.affinity_timeout {
        for ep in eps {
            let mut v = Vec::with_capacity(3);
            comment(ep, &mut v);
            v.push(Part::RecentCheck {
                name: ep.chain.clone(),
                seconds: timeout,
            });
            v.push(Part::Jump(ep.chain.clone()));
            t.add_ipt(chain, Role::Affinity, v);
        }
    }
    let n = eps.len();
    for (i, ep) in eps.iter().enumerate() {
        let mut v = Vec::with_capacity(3);
        comment(ep, &mut v);
        if i + 1 < n {
            v.push(Part::Statistic(probability(n - i).into()));
        }
        v.push(Part::Jump(ep.chain.clone()));
        t.add_ipt(chain, Role::LoadBalance, v);
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
