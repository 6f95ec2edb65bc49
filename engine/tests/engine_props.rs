//! Property tests of the incremental engine: any sequence of applies and
//! deletes leaves exactly the views a fresh engine computes from the
//! resulting objects; output is deterministic; every endpoint port is the
//! Service's numeric targetPort or a port the pod declares under that name.

use proptest::prelude::*;
use svcscope::engine::{Engine, Views};
use svcscope::model::*;
use svcscope::{Config, NsName, Origin};

const NAMESPACES: &[&str] = &["a", "b"];
const APPS: &[&str] = &["web", "api", "Web"];

fn labels(app: usize, tier: Option<bool>) -> StringMap {
    let mut m = StringMap::new();
    m.insert("app".into(), APPS[app % APPS.len()].into());
    if let Some(fe) = tier {
        m.insert("tier".into(), if fe { "fe" } else { "be" }.into());
    }
    m
}

#[derive(Debug, Clone)]
enum Op {
    Pod {
        ns: usize,
        name: usize,
        app: usize,
        tier: Option<bool>,
        ready: bool,
        terminating: bool,
        ip: Option<u8>,
        http_port: Option<i32>,
        node: usize,
    },
    Service {
        ns: usize,
        name: usize,
        app: Option<usize>,
        named_target: bool,
        headless: bool,
        node_port: bool,
        publish_not_ready: bool,
    },
    Node {
        name: usize,
        zone: usize,
    },
    Endpoints {
        ns: usize,
        name: usize,
        ip: u8,
    },
    Delete {
        kind: usize,
        ns: usize,
        name: usize,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 0..6usize, 0..3usize, proptest::option::of(any::<bool>()), any::<bool>(), prop::bool::weighted(0.2),
              proptest::option::weighted(0.9, 1..20u8), proptest::option::of(prop_oneof![Just(8080), Just(9090)]), 0..3usize)
            .prop_map(|(ns, name, app, tier, ready, terminating, ip, http_port, node)| Op::Pod { ns, name, app, tier, ready, terminating, ip, http_port, node }),
        2 => (0..2usize, 0..3usize, proptest::option::weighted(0.8, 0..3usize), any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.3), prop::bool::weighted(0.2))
            .prop_map(|(ns, name, app, named_target, headless, node_port, publish_not_ready)| Op::Service { ns, name, app, named_target, headless, node_port, publish_not_ready }),
        1 => (0..3usize, 0..2usize).prop_map(|(name, zone)| Op::Node { name, zone }),
        1 => (0..2usize, 0..3usize, 1..20u8).prop_map(|(ns, name, ip)| Op::Endpoints { ns, name, ip }),
        2 => (0..4usize, 0..2usize, 0..6usize).prop_map(|(kind, ns, name)| Op::Delete { kind, ns, name }),
    ]
}

fn to_object(op: &Op) -> Option<Object> {
    Some(match op {
        Op::Pod {
            ns,
            name,
            app,
            tier,
            ready,
            terminating,
            ip,
            http_port,
            node,
        } => {
            let mut p = Pod::default();
            p.metadata.name = format!("pod-{name}");
            p.metadata.namespace = Some(NAMESPACES[*ns].into());
            p.metadata.labels = labels(*app, *tier);
            if *terminating {
                p.metadata.deletion_timestamp = Some("2024-01-01T00:00:00Z".into());
            }
            p.spec.node_name = Some(format!("node-{node}"));
            p.spec.containers.push(Container {
                name: "c".into(),
                ports: http_port
                    .iter()
                    .map(|n| ContainerPort {
                        name: Some("http".into()),
                        container_port: *n,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            });
            p.status.phase = Some("Running".into());
            if let Some(ip) = ip {
                p.status.pod_ip = Some(format!("10.244.{ns}.{ip}"));
            }
            p.status.conditions.push(PodCondition {
                type_: "Ready".into(),
                status: if *ready { "True" } else { "False" }.into(),
            });
            Object::Pod(p.into())
        }
        Op::Service {
            ns,
            name,
            app,
            named_target,
            headless,
            node_port,
            publish_not_ready,
        } => {
            let mut s = Service::default();
            s.metadata.name = format!("svc-{name}");
            s.metadata.namespace = Some(NAMESPACES[*ns].into());
            s.spec.selector = app.map(|a| labels(a, None));
            s.spec.ports = vec![
                ServicePort {
                    name: "http".into(),
                    port: 80,
                    target_port: Some(if *named_target {
                        IntOrString::Str("http".into())
                    } else {
                        IntOrString::Int(8080)
                    }),
                    ..Default::default()
                },
                ServicePort {
                    name: "metrics".into(),
                    port: 9090,
                    ..Default::default()
                },
            ];
            if *headless {
                s.spec.cluster_ip = Some("None".into());
            } else if *node_port {
                s.spec.type_ = Some("NodePort".into());
            }
            s.spec.publish_not_ready_addresses = publish_not_ready.then_some(true);
            Object::Service(s.into())
        }
        Op::Node { name, zone } => {
            let mut n = Node::default();
            n.metadata.name = format!("node-{name}");
            n.metadata
                .labels
                .insert(LABEL_ZONE.into(), format!("zone-{zone}"));
            Object::Node(n.into())
        }
        Op::Endpoints { ns, name, ip } => {
            let mut e = Endpoints::default();
            e.metadata.name = format!("svc-{name}");
            e.metadata.namespace = Some(NAMESPACES[*ns].into());
            e.subsets.push(EndpointSubset {
                addresses: vec![EndpointAddress {
                    ip: format!("192.168.0.{ip}"),
                    ..Default::default()
                }],
                ports: vec![EndpointPort {
                    port: 80,
                    ..Default::default()
                }],
                ..Default::default()
            });
            Object::Endpoints(e.into())
        }
        Op::Delete { .. } => return None,
    })
}

fn delete_key(op: &Op) -> Option<ObjectKey> {
    let Op::Delete { kind, ns, name } = op else {
        return None;
    };
    Some(match kind {
        0 => ObjectKey::new("Pod", NAMESPACES[*ns], &format!("pod-{name}")),
        1 => ObjectKey::new("Service", NAMESPACES[*ns], &format!("svc-{}", name % 3)),
        2 => ObjectKey::new("Node", "", &format!("node-{}", name % 3)),
        _ => ObjectKey::new("Endpoints", NAMESPACES[*ns], &format!("svc-{}", name % 3)),
    })
}

fn run(ops: &[Op]) -> Engine {
    let mut e = Engine::new(Config::default());
    for op in ops {
        match to_object(op) {
            Some(obj) => {
                e.apply(obj, Origin::default());
            }
            None => {
                if let Some(k) = delete_key(op) {
                    e.delete(&k);
                }
            }
        }
    }
    e
}

/// Everything a face shows, as JSON for a readable diff.
fn views(e: &Engine) -> serde_json::Value {
    let r = e.resolution(svcscope::ResolveOptions { why_not: true });
    serde_json::to_value(&r).expect("serialisable")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_full_recompute(ops in prop::collection::vec(arb_op(), 1..40)) {
        let incremental = run(&ops);
        let full = Engine::from_objects(Config::default(), incremental.stored_objects());
        prop_assert_eq!(views(&incremental), views(&full));
    }

    #[test]
    fn selection_only_engine_agrees_on_errors_and_selections(ops in prop::collection::vec(arb_op(), 1..30)) {
        let full = run(&ops);
        let lean = Engine::from_objects_with(Config::default(), Views::Selection, full.stored_objects());
        prop_assert_eq!(full.errors(), lean.errors());
        let sel = |e: &Engine| e.services().map(|(k, s)| (k.clone(), s.selected.clone(), s.service.clone())).collect::<Vec<_>>();
        prop_assert_eq!(sel(&full), sel(&lean));
        prop_assert!(lean.services().all(|(_, s)| s.endpoints.is_none() && s.slices.is_empty()));
    }

    #[test]
    fn same_input_same_output(ops in prop::collection::vec(arb_op(), 1..30)) {
        prop_assert_eq!(views(&run(&ops)), views(&run(&ops)));
    }

    #[test]
    fn endpoint_ports_come_from_the_service_and_pods(ops in prop::collection::vec(arb_op(), 1..40)) {
        let e = run(&ops);
        for (key, st) in e.services() {
            let Some(ep) = &st.endpoints else { continue };
            if !svcscope::endpoints::is_controller_managed(&st.service) {
                continue;
            }
            for subset in &ep.subsets {
                for port in &subset.ports {
                    let sp = st.service.spec.ports.iter().find(|p| Some(&p.name) == port.name.as_ref().or(Some(&String::new())))
                        .expect("endpoint port named after a Service port");
                    for addr in subset.addresses.iter().chain(&subset.not_ready_addresses) {
                        let pod_name = addr.target_ref.as_ref().and_then(|t| t.name.clone()).expect("targetRef");
                        let pod = &e.cluster().pods[&NsName::new(&key.namespace, &pod_name)];
                        match &sp.target_port {
                            Some(IntOrString::Int(n)) => prop_assert_eq!(port.port, *n),
                            Some(IntOrString::Str(name)) => prop_assert!(pod.spec.containers.iter().flat_map(|c| &c.ports)
                                .any(|cp| cp.name.as_deref() == Some(name.as_str()) && cp.container_port == port.port)),
                            None => prop_assert_eq!(port.port, sp.port),
                        }
                    }
                }
            }
        }
    }
}
