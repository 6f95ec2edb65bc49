//! Property tests of the proxy model on random small clusters: random
//! Services (types, traffic policies, affinity, source ranges) with
//! hand-made EndpointSlices (random conditions and nodes), three nodes in
//! two zones, a client pod.
//!
//! - the random cascade of every SVC/SVL chain gives each endpoint 1/n and
//!   the candidate probabilities of every trace sum to 1;
//! - Local policies never leave the node (and keep the client's IP);
//! - ClientIP affinity sends every connection of a client to one backend;
//! - the same input gives the same trace and the same rules;
//! - in every mode, each rule, element, ipset entry and IPVS server a trace
//!   quotes is, at the identity the hop names, that very text of the node's
//!   full `rules` document, and a line of its text;
//! - iptables and nftables reach the same candidate endpoints with the same
//!   verdict; IPVS too, but where its documented differences apply
//!   (Local policies without a local endpoint fall back to the cluster's
//!   endpoints or reject; no short-circuit of pod and node traffic for
//!   externalTrafficPolicy Local).

use proptest::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use svcscope::cluster::documents::{ProxyRules, RuleId};
use svcscope::internals::engine::Engine;
use svcscope::internals::net::Family;
use svcscope::internals::proxy::iptables::sync_rules;
use svcscope::internals::proxy::route::{Mode, RouteIndex, RouteRequest, Trace, VerdictKind};
use svcscope::internals::proxy::{node_config, rules_document, ruleset, stored_service_ports};
use svcscope::model::{EndpointSlice, Node, Object, Pod, Service};
use svcscope::{Config, Origin};

const NODES: usize = 3;
const CLUSTER_CIDR: &str = "10.244.0.0/16";

#[derive(Debug, Clone)]
struct Ep {
    node: Option<usize>,
    ready: bool,
    serving: bool,
    terminating: bool,
}

#[derive(Debug, Clone)]
struct Svc {
    type_: usize,
    etp_local: bool,
    itp_local: bool,
    affinity: bool,
    source_range: Option<usize>,
    external_ip: bool,
    eps: Vec<Ep>,
}

fn arb_ep() -> impl Strategy<Value = Ep> {
    (
        prop::option::weighted(0.9, 0..NODES),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(node, ready, serving, terminating)| Ep {
            node,
            // Ready endpoints are serving and not terminating.
            ready: ready && !terminating,
            serving: serving || (ready && !terminating),
            terminating,
        })
}

fn arb_svc() -> impl Strategy<Value = Svc> {
    (
        0..3usize,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0..2usize),
        any::<bool>(),
        prop::collection::vec(arb_ep(), 0..6),
    )
        .prop_map(
            |(type_, etp_local, itp_local, affinity, source_range, external_ip, eps)| Svc {
                type_,
                etp_local,
                itp_local,
                affinity,
                source_range,
                external_ip,
                eps,
            },
        )
}

fn engine_of(svcs: &[Svc], client_node: usize) -> Engine {
    let mut objects = Vec::new();
    for n in 0..NODES {
        let node: Node = serde_json::from_value(json!({
            "metadata": { "name": format!("n{n}"), "labels": { "topology.kubernetes.io/zone": format!("z{}", n % 2) } },
            "status": { "addresses": [{ "type": "InternalIP", "address": format!("192.168.0.{}", 10 + n) }] },
        }))
        .unwrap();
        objects.push(Object::Node(node.into()));
    }
    for (i, s) in svcs.iter().enumerate() {
        let type_ = ["ClusterIP", "NodePort", "LoadBalancer"][s.type_];
        let mut spec = json!({
            "type": type_,
            "ports": [{ "port": 80, "targetPort": 8080 }],
            "internalTrafficPolicy": if s.itp_local { "Local" } else { "Cluster" },
            "sessionAffinity": if s.affinity { "ClientIP" } else { "None" },
        });
        if s.external_ip {
            spec["externalIPs"] = json!([format!("192.168.99.{}", i + 1)]);
        }
        if type_ != "ClusterIP" || s.external_ip {
            spec["externalTrafficPolicy"] = json!(if s.etp_local { "Local" } else { "Cluster" });
        }
        if let (Some(r), "LoadBalancer") = (s.source_range, type_) {
            let range = ["203.0.113.0/24", "198.51.100.0/24"][r];
            spec["loadBalancerSourceRanges"] = json!([range]);
        }
        let svc: Service = serde_json::from_value(json!({
            "metadata": { "namespace": "ns", "name": format!("s{i}") },
            "spec": spec,
            "status": { "loadBalancer": { "ingress": if type_ == "LoadBalancer" { json!([{ "ip": format!("1.2.3.{}", i + 1) }]) } else { json!([]) } } },
        }))
        .unwrap();
        objects.push(Object::Service(svc.into()));
        let endpoints: Vec<_> = s
            .eps
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let mut v = json!({
                    "addresses": [format!("10.244.{}.{}", e.node.unwrap_or(9), 10 * i + k + 1)],
                    "conditions": { "ready": e.ready, "serving": e.serving, "terminating": e.terminating },
                });
                if let Some(n) = e.node {
                    v["nodeName"] = json!(format!("n{n}"));
                }
                v
            })
            .collect();
        let slice: EndpointSlice = serde_json::from_value(json!({
            "metadata": { "namespace": "ns", "name": format!("s{i}-abc"), "labels": { "kubernetes.io/service-name": format!("s{i}") } },
            "addressType": "IPv4",
            "ports": [{ "name": "", "port": 8080, "protocol": "TCP" }],
            "endpoints": endpoints,
        }))
        .unwrap();
        objects.push(Object::EndpointSlice(slice.into()));
    }
    let pod: Pod = serde_json::from_value(json!({
        "metadata": { "namespace": "ns", "name": "client" },
        "spec": { "nodeName": format!("n{client_node}"), "containers": [{ "name": "c" }] },
        "status": { "phase": "Running", "podIP": format!("10.244.{client_node}.200") },
    }))
    .unwrap();
    objects.push(Object::Pod(pod.into()));
    Engine::from_objects(
        Config::default(),
        objects
            .into_iter()
            .map(|o| (o, Origin::default()))
            .collect(),
    )
}

/// Every (source, destination) pair worth tracing for Service `i`.
fn requests(engine: &Engine, i: usize) -> Vec<(RouteRequest, Option<String>)> {
    let st = engine
        .services()
        .find(|(k, _)| k.name == format!("s{i}"))
        .map(|(_, st)| st)
        .unwrap();
    let svc = &st.service;
    let mut dests = vec![(format!("s{i}.ns:80"), None)];
    if let Some(np) = svc.spec.ports[0].node_port {
        for n in 0..NODES {
            dests.push((format!("192.168.0.{}:{np}", 10 + n), Some(format!("n{n}"))));
        }
    }
    for ip in &svc.spec.external_ips {
        dests.push((format!("{ip}:80"), None));
    }
    for ing in &svc.status.load_balancer.ingress {
        dests.push((format!("{}:80", ing.ip.as_deref().unwrap()), None));
    }
    let mut out = Vec::new();
    for from in ["ns/client", "node/n1", "203.0.113.7", "198.51.100.7"] {
        for (to, node) in &dests {
            for node_opt in [None, Some("n2".to_string())] {
                out.push((
                    RouteRequest {
                        from: from.to_string(),
                        to: to.clone(),
                        protocol: "TCP".into(),
                        connections: 16,
                        mode: Mode::Iptables,
                        node: node_opt,
                        cluster_cidr: None,
                    },
                    node.clone(),
                ));
            }
        }
    }
    out
}

fn check_trace(t: &Trace, svc: &Svc, np_node: Option<&str>, external: bool, pod_node: &str) {
    if !t.candidates.is_empty() {
        let sum: f64 = t.candidates.iter().map(|c| c.probability).sum();
        assert!(
            (sum - 1.0).abs() < 1e-9,
            "probabilities sum to {sum}: {t:?}"
        );
    }
    if t.verdict.kind != VerdictKind::Delivered {
        return;
    }
    for c in &t.connections {
        assert!(
            t.candidates.iter().any(|k| k.endpoint == c.backend),
            "backend is a candidate: {t:?}"
        );
    }
    if svc.affinity {
        let first = &t.connections[0].backend;
        assert!(
            t.connections.iter().all(|c| &c.backend == first),
            "affinity is sticky: {t:?}"
        );
    }
    let backend_nodes: Vec<Option<&str>> = t
        .connections
        .iter()
        .map(|c| {
            t.candidates
                .iter()
                .find(|k| k.endpoint == c.backend)
                .and_then(|k| k.node.as_deref())
        })
        .collect();
    // ETP Local from outside the cluster: the node the packet entered.
    if svc.etp_local && (svc.type_ != 0 || svc.external_ip) && external {
        if let Some(n) = np_node {
            assert!(
                backend_nodes.iter().all(|b| *b == Some(n)),
                "Local never leaves the node: {t:?}"
            );
            assert!(
                t.connections
                    .iter()
                    .all(|c| c.source_ip.starts_with("203.") || c.source_ip.starts_with("198.")),
                "Local keeps the client IP: {t:?}"
            );
        }
    }
    // ITP Local from a pod to the cluster IP: the pod's node.
    if svc.itp_local && !external && t.to.contains(".ns:") && t.from == "ns/client" {
        assert!(
            backend_nodes.iter().all(|b| *b == Some(pod_node)),
            "internal Local never leaves the node: {t:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn traces_hold_their_promises(svcs in prop::collection::vec(arb_svc(), 1..4), client_node in 0..NODES) {
        let engine = engine_of(&svcs, client_node);
        let cidr = Some(CLUSTER_CIDR.parse().unwrap());
        let index = RouteIndex::new(&engine.state(), Family::IPv4, cidr);
        let again = RouteIndex::new(&engine.state(), Family::IPv4, cidr);
        let pod_node = format!("n{client_node}");
        for (i, svc) in svcs.iter().enumerate() {
            for (req, np_node) in requests(&engine, i) {
                let t = index.trace(&req).expect("trace");
                prop_assert_eq!(&t, &index.trace(&req).expect("trace"), "same input, same trace");
                prop_assert_eq!(&t, &again.trace(&req).expect("trace"), "same cluster, same trace");
                let external = !req.from.contains('/');
                check_trace(&t, svc, np_node.as_deref(), external, &pod_node);
            }
        }
    }

    #[test]
    fn cascades_are_uniform(svcs in prop::collection::vec(arb_svc(), 1..4), node in 0..NODES) {
        let engine = engine_of(&svcs, 0);
        let ports = stored_service_ports(&engine.state(), Family::IPv4);
        let mut cfg = node_config(&engine.state(), &format!("n{node}"), Family::IPv4).unwrap();
        cfg.cluster_cidr = Some(CLUSTER_CIDR.parse().unwrap());
        let rules = sync_rules(&ports, &cfg);
        prop_assert_eq!(&rules, &sync_rules(&ports, &cfg));
        for c in &rules.table("nat").expect("nat").chains {
            let chain = &*c.name;
            if !chain.starts_with("KUBE-SVC-") && !chain.starts_with("KUBE-SVL-") {
                continue;
            }
            let lines: Vec<String> = c.rules.iter().map(|p| p.rule.text(chain, Family::IPv4)).collect();
            let jumps: Vec<&String> = lines
                .iter()
                .filter(|l| l.contains("-j KUBE-SEP-") && !l.contains("--rcheck"))
                .collect();
            let n = jumps.len();
            prop_assert!(n > 0, "{} jumps to endpoints", chain);
            // P(reach rule i) * p_i must be 1/n for every i.
            let mut reach = 1.0f64;
            let mut total = 0.0;
            for (i, l) in jumps.iter().enumerate() {
                let p = match l.split("--probability ").nth(1) {
                    Some(rest) => rest.split_whitespace().next().unwrap().parse::<f64>().unwrap(),
                    None => {
                        prop_assert_eq!(i, n - 1, "only the last rule is unconditional");
                        1.0
                    }
                };
                let share = reach * p;
                prop_assert!((share - 1.0 / n as f64).abs() < 1e-9, "{}: share {} of {}", chain, share, n);
                total += share;
                reach *= 1.0 - p;
            }
            prop_assert!((total - 1.0).abs() < 1e-9);
        }
    }
}

/// The node's full `rules` document in each mode, as `rules` builds it.
fn full_rules(engine: &Engine, node: &str, mode: Mode) -> ProxyRules {
    let ports = stored_service_ports(&engine.state(), Family::IPv4);
    let mut cfg = node_config(&engine.state(), node, Family::IPv4).expect("node");
    cfg.cluster_cidr = Some(CLUSTER_CIDR.parse().unwrap());
    let rs = ruleset(mode, &ports, &cfg, &engine.state().config.service_cidrs);
    rules_document(&rs, node)
}

/// The text at `id` in the document, if it has one there.
fn text_at(doc: &ProxyRules, id: &RuleId) -> Option<String> {
    match id {
        RuleId::Rule {
            table,
            chain,
            index,
        } => doc
            .tables
            .iter()
            .find(|t| t.name == *table)?
            .chains
            .iter()
            .find(|c| c.name == **chain)?
            .rules
            .get(*index as usize)
            .cloned(),
        RuleId::Element { table, set, key } => doc
            .tables
            .iter()
            .find(|t| t.name == *table)?
            .sets
            .iter()
            .find(|s| s.name == **set)?
            .elements
            .iter()
            .find(|e| &e.key == key)
            .map(|e| e.text.clone()),
        RuleId::IpsetEntry { set, entry } => doc
            .ipsets
            .iter()
            .find(|s| s.name == **set)?
            .entries
            .iter()
            .find(|e| *e == entry)
            .map(|e| format!("add {set} {e}")),
        RuleId::VirtualServer { virtual_server } => doc
            .virtual_servers
            .iter()
            .find(|v| &v.key == virtual_server)
            .map(|v| v.text.clone()),
        RuleId::RealServer {
            virtual_server,
            real_server,
        } => doc
            .virtual_servers
            .iter()
            .find(|v| &v.key == virtual_server)?
            .real_servers
            .iter()
            .find(|r| &r.address == real_server)
            .map(|r| r.text.clone()),
    }
}

/// The lines of a rules text without indentation, and nftables element
/// lines without their `elements = {` and separators.
fn text_lines(text: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for l in text.lines() {
        let l = l.trim();
        out.insert(l.to_string());
        // An element is the line less `elements = {`, `,` or ` }`.
        let e = l.strip_prefix("elements = { ").unwrap_or(l);
        let e = e
            .strip_suffix(',')
            .or_else(|| e.strip_suffix(" }"))
            .unwrap_or(e);
        out.insert(e.to_string());
    }
    out
}

/// Whether IPVS's documented differences apply to this request.
fn ipvs_differs(
    svc: &Svc,
    t: &Trace,
    node: Option<&str>,
    svcs_eps_on: impl Fn(&str) -> bool,
) -> bool {
    let external_entry = !t.to.contains(".ns:");
    let local_missing = node.is_none_or(|n| !svcs_eps_on(n));
    (svc.etp_local && (svc.type_ != 0 || svc.external_ip) && external_entry)
        || (svc.itp_local && local_missing)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn traces_quote_the_rules_and_modes_agree(svcs in prop::collection::vec(arb_svc(), 1..4), client_node in 0..NODES) {
        let engine = engine_of(&svcs, client_node);
        let cidr = Some(CLUSTER_CIDR.parse().unwrap());
        let index = RouteIndex::new(&engine.state(), Family::IPv4, cidr);
        let modes = [Mode::Iptables, Mode::Ipvs, Mode::Nftables, Mode::Userspace];
        let mut docs: HashMap<(String, Mode), (ProxyRules, std::collections::HashSet<String>)> = HashMap::new();
        for (i, svc) in svcs.iter().enumerate() {
            for (req, _) in requests(&engine, i) {
                let mut by_mode = Vec::new();
                for mode in modes {
                    let t = index.trace(&RouteRequest { mode, ..req.clone() }).expect("trace");
                    for h in &t.hops {
                        let (Some(node), Some(_)) = (&h.node, &h.rule) else { continue };
                        let (doc, lines) = docs.entry((node.clone(), mode)).or_insert_with(|| {
                            let d = full_rules(&engine, node, mode);
                            let l = text_lines(&d.text);
                            (d, l)
                        });
                        for q in h.rule.iter().chain(&h.element) {
                            let at = text_at(doc, &q.id);
                            prop_assert_eq!(at.as_deref(), Some(q.text.as_str()),
                                "{:?} {}: {:?} is that text of the rules", mode, h.step, q.id);
                            prop_assert!(lines.contains(q.text.trim()),
                                "{:?}: {:?} is a line of the rules text", mode, q.text);
                        }
                    }
                    by_mode.push(t);
                }
                let candidates = |t: &Trace| {
                    let mut v: Vec<String> = t.candidates.iter().map(|c| c.endpoint.clone()).collect();
                    v.sort();
                    v
                };
                let (ipt, ipvs, nft) = (&by_mode[0], &by_mode[1], &by_mode[2]);
                prop_assert_eq!(candidates(ipt), candidates(nft), "iptables and nftables candidates: {:?} {:?}", ipt, nft);
                prop_assert_eq!(ipt.verdict.kind, nft.verdict.kind, "iptables and nftables verdicts: {:?} {:?}", ipt, nft);
                let node = ipt.hops.iter().rev().find_map(|h| h.node.clone().filter(|_| h.rule.is_some()));
                let eps_on = |n: &str| svc.eps.iter().any(|e| e.node.is_some_and(|k| format!("n{k}") == n)
                    && (e.ready || (e.serving && e.terminating)));
                if !ipvs_differs(svc, ipt, node.as_deref(), eps_on) {
                    let delivered = |t: &Trace| matches!(t.verdict.kind, VerdictKind::Delivered | VerdictKind::ReplyLost);
                    prop_assert_eq!(delivered(ipt), delivered(ipvs), "iptables and IPVS deliver alike: {:?} {:?}", ipt, ipvs);
                    if delivered(ipt) {
                        prop_assert_eq!(candidates(ipt), candidates(ipvs), "iptables and IPVS candidates: {:?} {:?}", ipt, ipvs);
                    }
                }
            }
        }
    }
}
