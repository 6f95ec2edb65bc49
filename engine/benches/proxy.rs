//! kube-proxy's view of a big cluster: the rules of one node of a cluster
//! with 10,000 Services and 100,000 endpoints in each proxy mode (target:
//! < 1 s), and route traces in that cluster in each mode (target: within
//! 2× of the 6–11 µs of the iptables trace before traces walked the
//! rules). Run with `cargo bench --bench proxy`; prints figures, asserts
//! nothing.
//!
//! Services are selectorless with hand-made EndpointSlices of 10 endpoints
//! spread over 100 nodes; every 10th is a NodePort, every 50th a
//! LoadBalancer with `externalTrafficPolicy: Local` and ClientIP affinity.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use svcscope::cluster::options::{LoadOptions, RulesRequest};
use svcscope::internals::engine::Engine;
use svcscope::internals::net::Family;
use svcscope::internals::proxy::route::{Mode, RouteIndex, RouteRequest};
use svcscope::internals::proxy::{node_config, ruleset, stored_service_ports};
use svcscope::model::*;
use svcscope::{Cluster, Config, Origin};

const SERVICES: usize = 10_000;
const PER_SERVICE: usize = 10;
const NODES: usize = 100;

fn objects() -> Vec<(Object, Origin)> {
    let mut out = Vec::new();
    for n in 0..NODES {
        let mut node = Node::default();
        node.metadata.name = format!("node-{n}");
        node.metadata
            .labels
            .insert(LABEL_ZONE.into(), format!("zone-{}", n % 3));
        node.status.addresses = vec![NodeAddress {
            type_: "InternalIP".into(),
            address: format!("192.168.{}.{}", n / 200, n % 200 + 1),
        }];
        out.push(Object::Node(node.into()));
    }
    for i in 0..SERVICES {
        let mut s = Service::default();
        s.metadata.name = format!("svc-{i}");
        s.metadata.namespace = Some(format!("ns-{}", i % 100));
        s.spec.ports = vec![ServicePort {
            name: "http".into(),
            port: 80,
            target_port: Some(IntOrString::Int(8080)),
            ..Default::default()
        }];
        if i % 50 == 0 {
            s.spec.type_ = Some("LoadBalancer".into());
            s.spec.external_traffic_policy = Some("Local".into());
            s.spec.session_affinity = Some("ClientIP".into());
            s.status.load_balancer.ingress = vec![LoadBalancerIngress {
                ip: Some(format!("203.0.{}.{}", i / 250, i % 250 + 1)),
                ..Default::default()
            }];
        } else if i % 10 == 0 {
            s.spec.type_ = Some("NodePort".into());
        }
        out.push(Object::Service(s.into()));
        let mut slice = EndpointSlice::default();
        slice.metadata.name = format!("svc-{i}-x");
        slice.metadata.namespace = Some(format!("ns-{}", i % 100));
        slice
            .metadata
            .labels
            .insert("kubernetes.io/service-name".into(), format!("svc-{i}"));
        slice.address_type = "IPv4".into();
        slice.ports = vec![EndpointSlicePort {
            name: Some("http".into()),
            port: Some(8080),
            protocol: Some("TCP".into()),
            app_protocol: None,
        }];
        slice.endpoints = (0..PER_SERVICE)
            .map(|k| {
                let flat = i * PER_SERVICE + k;
                Endpoint {
                    addresses: vec![format!(
                        "10.{}.{}.{}",
                        64 + flat / 65536,
                        flat / 256 % 256,
                        flat % 256
                    )],
                    conditions: EndpointConditions {
                        ready: Some(true),
                        ..Default::default()
                    },
                    node_name: Some(format!("node-{}", flat % NODES)),
                    ..Default::default()
                }
            })
            .collect();
        out.push(Object::EndpointSlice(slice.into()));
    }
    let mut p = Pod::default();
    p.metadata.name = "client".into();
    p.metadata.namespace = Some("ns-7".into());
    p.spec.node_name = Some("node-3".into());
    p.spec.containers = vec![Container {
        name: "c".into(),
        ..Default::default()
    }]
    .into();
    p.status.pod_ip = Some("10.1.0.5".into());
    out.push(Object::Pod(p.into()));
    out.into_iter().map(|o| (o, Origin::default())).collect()
}

/// The objects as one `kubectl get -o json`-shaped List.
fn list(objects: Vec<(Object, Origin)>) -> String {
    let items: Vec<serde_json::Value> = objects
        .iter()
        .map(|(o, _)| {
            let (api_version, mut v) = match o {
                Object::Node(n) => ("v1", serde_json::to_value(n)),
                Object::Pod(p) => ("v1", serde_json::to_value(p)),
                Object::Service(s) => ("v1", serde_json::to_value(s)),
                Object::EndpointSlice(s) => ("discovery.k8s.io/v1", serde_json::to_value(s)),
                other => panic!("{}: not generated", other.kind()),
            };
            let v = v.as_mut().expect("serialisable");
            v["apiVersion"] = api_version.into();
            v["kind"] = o.kind().into();
            v.take()
        })
        .collect();
    serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
}

fn per_iter(total: Duration, n: u32) -> String {
    let us = total.as_secs_f64() * 1e6 / f64::from(n);
    if us >= 1000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{us:.2} µs")
    }
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: debug-build
    // figures would only mislead, so keep it quick like the other benches.
    if !std::env::args().any(|a| a == "--bench") {
        println!("proxy: run with `cargo bench --bench proxy`");
        return;
    }
    let t = Instant::now();
    let engine = Engine::from_objects(Config::default(), objects());
    println!(
        "engine: {SERVICES} Services, {} endpoints, {NODES} nodes loaded in {:.2?}",
        SERVICES * PER_SERVICE,
        t.elapsed()
    );

    let mut cfg = node_config(&engine.state(), "node-3", Family::IPv4).expect("node-3");
    cfg.cluster_cidr = Some("10.0.0.0/8".parse().expect("cidr"));
    const RULE_RUNS: u32 = 3;
    let modes = [Mode::Iptables, Mode::Ipvs, Mode::Nftables, Mode::Userspace];
    let cidrs = engine.state().config.service_cidrs.clone();
    for mode in modes {
        let t = Instant::now();
        let mut lines = 0;
        for _ in 0..RULE_RUNS {
            let ports = stored_service_ports(&engine.state(), Family::IPv4);
            let text = ruleset(mode, &ports, &cfg, &cidrs).text();
            lines = text.lines().count();
            black_box(text);
        }
        println!(
            "rules for one node, {mode:?} (ports + ruleset + text, {lines} lines): {} per run (target < 1 s)",
            per_iter(t.elapsed(), RULE_RUNS)
        );
    }

    let t = Instant::now();
    let index = RouteIndex::new(&engine.state(), Family::IPv4, cfg.cluster_cidr);
    println!("route index: built in {:.2?}", t.elapsed());
    let requests = [
        ("pod -> Service name", "ns-7/client", "svc-1007.ns-7:80"),
        (
            "pod -> cluster IP (via name) LB Local",
            "ns-7/client",
            "svc-50.ns-50:80",
        ),
        (
            "node -> name",
            "node/node-9",
            "svc-9999.ns-99.svc.cluster.local:80",
        ),
        ("external -> LB IP (Local)", "198.51.100.7", "203.0.0.51:80"),
    ];
    const TRACES: u32 = 10_000;
    for mode in modes {
        for (what, from, to) in requests {
            let req = RouteRequest {
                from: from.into(),
                to: to.into(),
                protocol: "TCP".into(),
                connections: 1,
                mode,
                node: None,
                cluster_cidr: None,
            };
            let trace = index.trace(&req).expect("trace");
            let t = Instant::now();
            for _ in 0..TRACES {
                black_box(index.trace(black_box(&req)).ok());
            }
            println!(
                "route trace, {mode:?}, {what}: {} per trace ({:?}, {} hops)",
                per_iter(t.elapsed(), TRACES),
                trace.verdict.kind,
                trace.hops.len()
            );
        }
    }

    // The same through the door the CLI and the npm package use:
    // `Cluster::rules` builds the document (structured rules and text),
    // `Cluster::route` its index too.
    let text = list(objects());
    let t = Instant::now();
    let mut cluster = Cluster::new(Config::default());
    let report = cluster.load(text, &LoadOptions::named("cluster.json"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    println!(
        "Cluster: the same objects as one JSON List loaded in {:.2?}",
        t.elapsed()
    );
    for mode in modes {
        let mut req = RulesRequest::new("node-3", mode);
        req.cluster_cidr = Some("10.0.0.0/8".into());
        let t = Instant::now();
        for _ in 0..RULE_RUNS {
            black_box(cluster.rules(&req).expect("rules"));
        }
        println!(
            "Cluster::rules for one node, {mode:?}: {} per call (target < 1 s)",
            per_iter(t.elapsed(), RULE_RUNS)
        );
    }
    const DOOR_TRACES: u32 = 10_000;
    for mode in modes {
        let (what, from, to) = requests[0];
        let mut req = RouteRequest::new(from, to);
        req.mode = mode;
        // The first trace builds the index (and the node's fixed rules);
        // the next reuse them while the cluster is unchanged.
        let t = Instant::now();
        black_box(cluster.route(&req).expect("trace"));
        let first = t.elapsed();
        let t = Instant::now();
        for _ in 0..DOOR_TRACES {
            black_box(cluster.route(&req).expect("trace"));
        }
        println!(
            "Cluster::route, {mode:?}, {what}: first call {}, then {} per call",
            per_iter(first, 1),
            per_iter(t.elapsed(), DOOR_TRACES)
        );
    }
}
