//! `svcscope rules` and `svcscope route`: kube-proxy's rules for one node
//! and the simulated way of a connection. The computation is the engine's
//! ([`svcscope::proxy`]); this parses options and prints.

use crate::args::{Args, UsageError};
use crate::{engine_from, eprintln_safe, write_document, Failure};
use std::io::Write;
use svcscope::config::Config;
use svcscope::net::{parse_ip, Cidr, Family};
use svcscope::proxy::iptables::sync_rules;
use svcscope::proxy::ipvs::ipvsadm_list;
use svcscope::proxy::nftables::sync_ruleset;
use svcscope::proxy::route::{Mode, RouteIndex, RouteRequest};
use svcscope::proxy::{engine_service_ports, node_config, proxy_family, ProxyConfig};

/// The most connections one run simulates.
const MAX_CONNECTIONS: u32 = 1_000_000;

fn cluster_cidr(args: &Args) -> Result<Option<Cidr>, UsageError> {
    args.option("cluster-cidr")
        .map(|v| {
            v.parse::<Cidr>()
                .map_err(|e| UsageError(format!("--cluster-cidr: {e}")))
        })
        .transpose()
}

fn mode(args: &Args) -> Result<Mode, UsageError> {
    let m = args.option("mode").unwrap_or("iptables");
    Mode::parse(m).ok_or_else(|| {
        UsageError(format!(
            "--mode {m:?}: use one of iptables, ipvs, nftables, userspace"
        ))
    })
}

/// `rules [--mode iptables|ipvs|nftables] --node NAME [--cluster-cidr CIDR] [FILE…]`.
pub(crate) fn rules(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["mode", "node", "cluster-cidr"])?;
    let mode = mode(args)?;
    if mode == Mode::Userspace {
        return Err(UsageError(
            "rules: --mode iptables, ipvs or nftables (the userspace proxy's rules are not modelled)"
                .into(),
        )
        .into());
    }
    let node = args
        .option("node")
        .ok_or_else(|| UsageError("rules needs --node NAME".into()))?;
    let cidr = cluster_cidr(args)?;
    let (engine, loaded) = engine_from(&args.positionals, config)?;
    let family = proxy_family(engine, node, cidr.as_ref());
    let mut cfg = node_config(engine, node, family).unwrap_or_else(|| {
        // kube-proxy still programs Services on a node the input lacks;
        // it only has no IP or zone to go by.
        eprintln_safe(&format!(
            "note: node {node:?} is not in the input; no node IP or zone known"
        ));
        let mut c = ProxyConfig::new(node);
        c.family = family;
        c
    });
    cfg.cluster_cidr = cidr;
    let ports = engine_service_ports(engine, family);
    let text = match mode {
        Mode::Ipvs => ipvsadm_list(&ports, &cfg),
        Mode::Nftables => sync_ruleset(&ports, &cfg, &engine.config().service_cidrs).to_text(),
        _ => sync_rules(&ports, &cfg).to_text(),
    };
    out.write_all(text.as_bytes())?;
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// `route --from SRC --to HOST:PORT [--protocol P] [--connections N]
/// [--mode M] [--node NAME] [--cluster-cidr CIDR] [FILE…] [-o text|json]`.
pub(crate) fn route(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&[
        "from",
        "to",
        "protocol",
        "connections",
        "mode",
        "node",
        "cluster-cidr",
        "output",
    ])?;
    let format = args.output(&["text", "json"])?;
    let from = args
        .option("from")
        .ok_or_else(|| UsageError("route needs --from NAMESPACE/POD|node/NAME|IP".into()))?;
    let to = args
        .option("to")
        .ok_or_else(|| UsageError("route needs --to HOST:PORT".into()))?;
    let protocol = args
        .option("protocol")
        .unwrap_or("TCP")
        .to_ascii_uppercase();
    if !matches!(protocol.as_str(), "TCP" | "UDP" | "SCTP") {
        return Err(UsageError(format!("--protocol {protocol:?}: use TCP, UDP or SCTP")).into());
    }
    let connections = match args.option("connections") {
        None => 1,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_CONNECTIONS).contains(n))
            .ok_or_else(|| {
                UsageError(format!(
                    "--connections {v:?}: a number from 1 to {MAX_CONNECTIONS}"
                ))
            })?,
    };
    let cidr = cluster_cidr(args)?;
    // An IPv6 destination is traced by the IPv6 proxier.
    let host = to.rsplit_once(':').map_or(to, |(h, _)| h);
    let family = parse_ip(host.trim_start_matches('[').trim_end_matches(']'))
        .map(|ip| Family::of(&ip))
        .or(cidr.map(|c| c.family()))
        .unwrap_or(Family::IPv4);
    let req = RouteRequest {
        from: from.to_string(),
        to: to.to_string(),
        protocol,
        connections,
        mode: mode(args)?,
        node: args.option("node").map(String::from),
    };
    let (engine, loaded) = engine_from(&args.positionals, config)?;
    let index = RouteIndex::new(engine, family, cidr);
    let trace = match index.trace(&req) {
        Ok(t) => t,
        Err(e) => {
            eprintln_safe(&format!("svcscope: {e}"));
            return Err(Failure::Input);
        }
    };
    if format == "json" {
        write_document(out, "RouteTrace", &trace)?;
    } else {
        out.write_all(trace.to_text().as_bytes())?;
    }
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}
