//! The virtual servers kube-proxy's IPVS proxier programs on one node, as
//! `ipvsadm -Ln` lists them: one per cluster IP, external IP,
//! load-balancer IP and node IP × node port, with the real servers the
//! traffic policy allows (Local policies: this node's endpoints only) and
//! `persistent <timeout>` for ClientIP affinity.
//!
//! The iptables/ipset helpers the IPVS proxier also writes (masquerade,
//! source ranges, REJECT for Services without endpoints) are not shown.

use super::{categorize, join_host_port, EndpointInfo, ProxyConfig, ServicePortInfo};
use std::fmt::Write as _;
use std::net::IpAddr;

/// One virtual server and its real servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServer {
    pub protocol: String,
    pub address: IpAddr,
    pub port: u16,
    /// ClientIP affinity timeout (`persistent`).
    pub persistent: Option<u32>,
    /// `ip:port` of each real server.
    pub reals: Vec<String>,
}

/// The virtual servers for every service port, sorted as a listing reads
/// best: by protocol, address, port.
pub fn virtual_servers(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> Vec<VirtualServer> {
    let mut out = Vec::new();
    for sp in ports {
        let cat = categorize(sp, cfg);
        let reals = |local: bool| -> Vec<String> {
            let eps: &[&EndpointInfo] = if local { &cat.local } else { &cat.cluster };
            eps.iter().map(|e| e.addr().to_string()).collect()
        };
        let vs = |address: IpAddr, port: u16, local: bool| VirtualServer {
            protocol: sp.protocol.clone(),
            address,
            port,
            persistent: sp.affinity_timeout,
            reals: reals(local),
        };
        out.push(vs(sp.cluster_ip, sp.port, sp.internal_policy_local));
        let external = sp.external_policy_local;
        for ip in sp.external_ips.iter().chain(&sp.load_balancer_ips) {
            out.push(vs(*ip, sp.port, external));
        }
        if sp.node_port != 0 {
            if let Some(ip) = cfg.node_ip {
                out.push(vs(ip, sp.node_port, external));
            }
        }
    }
    out.sort_by(|a, b| (&a.protocol, a.address, a.port).cmp(&(&b.protocol, b.address, b.port)));
    out
}

/// `ipvsadm -Ln` text.
pub fn ipvsadm_list(ports: &[ServicePortInfo], cfg: &ProxyConfig) -> String {
    let mut s = String::from(
        "IP Virtual Server version 1.2.1 (size=4096)\n\
         Prot LocalAddress:Port Scheduler Flags\n  \
         -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
    );
    for vs in virtual_servers(ports, cfg) {
        let _ = write!(
            s,
            "{:<4} {} rr",
            vs.protocol,
            join_host_port(&vs.address, vs.port)
        );
        if let Some(t) = vs.persistent {
            let _ = write!(s, " persistent {t}");
        }
        s.push('\n');
        for r in &vs.reals {
            let _ = writeln!(s, "  -> {r:<28} {:<7} {:<6} {:<10} 0", "Masq", 1, 0);
        }
    }
    s
}
