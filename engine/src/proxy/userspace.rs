//! The rules of the userspace proxier (kube-proxy's first mode, removed in
//! 1.26; the seeds' "portals"): kube-proxy listens on a port of its own for
//! each service port, and iptables sends the Service's addresses there —
//! `KUBE-PORTALS-CONTAINER` and `KUBE-NODEPORT-CONTAINER` for packets that
//! arrive (REDIRECT), `KUBE-PORTALS-HOST` and `KUBE-NODEPORT-HOST` for the
//! node's own (DNAT to the node IP: REDIRECT does not work on them), and
//! `KUBE-NODEPORT-NON-LOCAL` accepts node-port traffic to the proxy port.
//! kube-proxy then opens its own connection to a backend.
//!
//! It knew only ready endpoints: no traffic policies, topology,
//! source ranges or terminating fallback.

use super::ipt::{Net, Part};
use super::route::Mode;
use super::ruleset::{ChainOrder, Name, Role, Ruleset, Table};
use super::{join_host_port, Entry, ProxyConfig, ServicePortInfo};
use crate::hash::fnv1a;
use crate::net::Cidr;
use std::net::IpAddr;

pub const PORTALS_CONTAINER: &str = "KUBE-PORTALS-CONTAINER";
pub const PORTALS_HOST: &str = "KUBE-PORTALS-HOST";
pub const NODEPORT_CONTAINER: &str = "KUBE-NODEPORT-CONTAINER";
pub const NODEPORT_HOST: &str = "KUBE-NODEPORT-HOST";
pub const NODEPORT_NON_LOCAL: &str = "KUBE-NODEPORT-NON-LOCAL";

/// The chains every service port adds to, as (table, chain).
pub const SHARED: [(&str, &str); 5] = [
    ("nat", PORTALS_CONTAINER),
    ("nat", PORTALS_HOST),
    ("nat", NODEPORT_CONTAINER),
    ("nat", NODEPORT_HOST),
    ("filter", NODEPORT_NON_LOCAL),
];

/// The port kube-proxy listens on for `sp`: upstream asks the kernel for a
/// random free port; a hash of the service port name into Linux's default
/// ephemeral range (32768-60999) keeps rules and traces stable.
pub fn proxy_port(sp: &ServicePortInfo) -> u16 {
    let key = format!("{}/{}", sp.name_string(), sp.protocol);
    // The modulus keeps the value below 28232, so the sum fits.
    32768 + (fnv1a(key.as_bytes()) % (60999 - 32768 + 1)) as u16
}

/// How many rules [`service_port`] adds to each [`SHARED`] chain. The
/// host chains DNAT to the node IP: without one known they are not
/// written.
pub fn shared_counts(sp: &ServicePortInfo, has_node_ip: bool) -> [u32; 5] {
    let n_ext = sp.external_ips.len() as u32;
    let n_lb = sp.load_balancer_ips.len() as u32;
    let host = u32::from(has_node_ip);
    let np = u32::from(sp.node_port != 0);
    [
        1 + 2 * n_ext + n_lb,
        host * (1 + n_ext + n_lb),
        np,
        host * np,
        np,
    ]
}

/// The chains the proxier creates.
pub fn base(cfg: &ProxyConfig) -> Ruleset {
    let mut nat = Table::new("nat", ChainOrder::Created);
    for c in [
        PORTALS_CONTAINER,
        PORTALS_HOST,
        NODEPORT_CONTAINER,
        NODEPORT_HOST,
    ] {
        nat.declare(c);
    }
    let mut filter = Table::new("filter", ChainOrder::Created);
    filter.declare(NODEPORT_NON_LOCAL);
    Ruleset::new(Mode::Userspace, cfg.family, vec![nat, filter])
}

/// The rules for every service port on the node `cfg` describes.
pub fn sync(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> Ruleset {
    let mut r = base(cfg);
    let mut order: Vec<&ServicePortInfo> = ports.iter().collect();
    super::sort_ports(&mut order);
    for sp in order {
        service_port(&mut r, sp, cfg);
    }
    r
}

/// One service port's portals (`openPortal`): the cluster IP, each
/// external IP, each load-balancer IP, then the node port.
pub fn service_port(r: &mut Ruleset, sp: &ServicePortInfo, cfg: &ProxyConfig) {
    let Some((nat, filter)) = r.tables_mut("nat", "filter") else {
        return;
    };
    let proto = sp.proto;
    let svc: Name = sp.name_string().into();
    let pp = proxy_port(sp);
    let to_host: Option<Name> = cfg.node_ip.map(|ip| join_host_port(&ip, pp).into());
    let matching = |dst: Option<IpAddr>, port: u16| -> Vec<Part> {
        let mut v = Vec::with_capacity(7);
        if let Some(ip) = dst {
            v.push(Part::Dst(Net::Cidr(Cidr::host(ip))));
        }
        v.extend([
            Part::Proto(proto),
            Part::Comment(svc.clone()),
            Part::Module(proto),
            Part::DPort(port),
        ]);
        v
    };
    let with = |mut v: Vec<Part>, more: &[Part]| {
        v.extend_from_slice(more);
        v
    };
    let portal = |nat: &mut Table, ip: IpAddr, entry: Entry, external: bool| {
        let m = matching(Some(ip), sp.port);
        let role = Role::Portal(entry);
        if external {
            // From outside the node (not bridged in) …
            nat.add_ipt(
                PORTALS_CONTAINER,
                role,
                with(m.clone(), &[Part::NotPhysdevIn, Part::Redirect(pp)]),
            );
            // … and from containers when the address is the node's own.
            nat.add_ipt(
                PORTALS_CONTAINER,
                role,
                with(m.clone(), &[Part::DstLocal, Part::Redirect(pp)]),
            );
            if let Some(h) = &to_host {
                nat.add_ipt(
                    PORTALS_HOST,
                    role,
                    with(m, &[Part::DstLocal, Part::Dnat(h.clone())]),
                );
            }
        } else {
            nat.add_ipt(
                PORTALS_CONTAINER,
                role,
                with(m.clone(), &[Part::Redirect(pp)]),
            );
            if let Some(h) = &to_host {
                nat.add_ipt(PORTALS_HOST, role, with(m, &[Part::Dnat(h.clone())]));
            }
        }
    };
    portal(nat, sp.cluster_ip, Entry::ClusterIp, false);
    for ip in &sp.external_ips {
        portal(nat, *ip, Entry::ExternalIp, true);
    }
    for ip in &sp.load_balancer_ips {
        portal(nat, *ip, Entry::LoadBalancer, false);
    }
    if sp.node_port != 0 {
        let m = matching(None, sp.node_port);
        let role = Role::Portal(Entry::NodePort);
        nat.add_ipt(
            NODEPORT_CONTAINER,
            role,
            with(m.clone(), &[Part::Redirect(pp)]),
        );
        if let Some(h) = &to_host {
            nat.add_ipt(NODEPORT_HOST, role, with(m, &[Part::Dnat(h.clone())]));
        }
        filter.add_ipt(
            NODEPORT_NON_LOCAL,
            Role::ProxyAccept,
            with(
                matching(None, pp),
                &[Part::Comment(svc.clone()), Part::StateNew, Part::Accept],
            ),
        );
    }
}
