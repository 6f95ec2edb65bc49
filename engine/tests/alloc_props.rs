//! Property tests of allocation through the engine: whatever Services a
//! cluster holds, no two accepted Services share a cluster IP or a node
//! port, every value lies in its range, and the same input always gets the
//! same values.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use svcscope::internals::engine::Engine;
use svcscope::model::{Object, Service, ServicePort};
use svcscope::{Config, Origin};

/// Small ranges, so that requests collide and ranges fill up.
fn config() -> Config {
    Config {
        service_cidrs: Config::parse_service_cidrs("10.0.0.0/27").expect("valid"),
        node_port_range: "30000-30040".parse().expect("valid"),
        ..Config::default()
    }
}

#[derive(Debug, Clone)]
struct Spec {
    type_: &'static str,
    cluster_ip: Option<u8>,
    node_ports: Vec<Option<i32>>,
    local: bool,
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![Just("ClusterIP"), Just("NodePort"), Just("LoadBalancer")],
        proptest::option::weighted(0.3, 0..40u8),
        prop::collection::vec(proptest::option::weighted(0.3, 29990..30050i32), 1..3),
        any::<bool>(),
    )
        .prop_map(|(type_, cluster_ip, node_ports, local)| Spec {
            type_,
            cluster_ip,
            node_ports,
            local,
        })
}

fn objects(specs: &[Spec]) -> Vec<(Object, Origin)> {
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut svc = Service::default();
            svc.metadata.name = format!("svc-{i}");
            svc.metadata.namespace = Some("ns".into());
            svc.spec.type_ = Some(s.type_.into());
            svc.spec.cluster_ip = s.cluster_ip.map(|o| format!("10.0.0.{o}"));
            if s.type_ == "ClusterIP" {
                // nodePort is forbidden on ClusterIP Services.
                svc.spec.ports = vec![ServicePort {
                    name: "p0".into(),
                    port: 80,
                    ..Default::default()
                }];
            } else {
                svc.spec.ports = s
                    .node_ports
                    .iter()
                    .enumerate()
                    .map(|(j, np)| ServicePort {
                        name: format!("p{j}"),
                        port: 80 + j as i32,
                        node_port: *np,
                        ..Default::default()
                    })
                    .collect();
            }
            if s.local && s.type_ == "LoadBalancer" {
                svc.spec.external_traffic_policy = Some("Local".into());
            }
            (Object::Service(svc.into()), Origin::default())
        })
        .collect()
}

/// Every accepted Service's cluster IPs and node ports (incl. health checks).
fn allocations(e: &Engine) -> BTreeMap<String, (Vec<String>, Vec<i32>)> {
    e.services()
        .filter(|(_, st)| !st.rejected)
        .map(|(k, st)| {
            let s = &st.service.spec;
            let mut ports: Vec<i32> = s.ports.iter().filter_map(|p| p.node_port).collect();
            ports.extend(s.health_check_node_port);
            (k.to_string(), (s.cluster_ips.clone(), ports))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn allocation_is_collision_free_in_range_and_deterministic(specs in prop::collection::vec(arb_spec(), 1..25)) {
        let cfg = config();
        let e = Engine::from_objects(cfg.clone(), objects(&specs));
        let got = allocations(&e);
        let mut ips = BTreeSet::new();
        let mut ports = BTreeSet::new();
        for (svc, (svc_ips, svc_ports)) in &got {
            for ip in svc_ips {
                let parsed = svcscope::internals::net::parse_ip(ip).expect("an IP");
                let off = cfg.service_cidrs[0].offset_of(&parsed).expect("in the range");
                prop_assert!(off > 0 && off < 31, "{svc}: {ip} is the network or broadcast address");
                prop_assert!(ips.insert(ip.clone()), "{svc}: {ip} given twice");
            }
            // Ports of one Service with the same number may share a nodePort;
            // here every port has its own number, so none may repeat.
            for p in svc_ports {
                prop_assert!(cfg.node_port_range.contains(*p), "{svc}: {p} out of range");
                prop_assert!(ports.insert(*p), "{svc}: nodePort {p} given twice");
            }
        }
        let again = Engine::from_objects(cfg, objects(&specs));
        prop_assert_eq!(got, allocations(&again));
    }
}
