//! Property tests of the front door and its incremental engine. The
//! views are a function of the objects and their creation order, however
//! they arrived: any sequence of applies and deletes, one load of the
//! resulting objects, and a load per object give the same answers, with
//! Services asking for cluster IPs and node ports that collide with the
//! ones the engine picks (a tiny service range and NodePort range make
//! collisions common), ExternalNames created before their target, pods
//! using `$(SVC_SERVICE_HOST)` before the Service exists, and objects
//! deleted and created again. Output is deterministic; every endpoint port
//! is the Service's numeric targetPort or a port the pod declares under
//! that name.

use proptest::prelude::*;
use serde_json::Value;
use svcscope::cluster::options::LoadOptions;
use svcscope::internals::engine::{Engine, Views};
use svcscope::model::*;
use svcscope::{Cluster, Config, NsName, Origin};

/// 14 usable addresses (no static band below 16) and ten node ports:
/// requested values and the engine's own choices meet often.
fn config() -> Config {
    Config {
        service_cidrs: Config::parse_service_cidrs("10.0.0.0/28").expect("valid"),
        node_port_range: "30000-30009".parse().expect("valid"),
        ..Config::default()
    }
}

const NAMESPACES: &[&str] = &["a", "b"];
/// `Web` and `wbe` are slips of `web`: near misses come and go.
const APPS: &[&str] = &["web", "api", "Web", "wbe"];

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
        /// Uses `$(SVC_n_SERVICE_HOST)`, maybe before that Service exists.
        env_ref: Option<usize>,
    },
    Service {
        ns: usize,
        name: usize,
        app: Option<usize>,
        named_target: bool,
        headless: bool,
        node_port: bool,
        publish_not_ready: bool,
        /// Asks for `10.0.0.<n>` (1 is `default/kubernetes`'s).
        cluster_ip: Option<u8>,
        /// Asks for `30000 + n`.
        requested_node_port: Option<i32>,
        /// An ExternalName pointing at `svc-<n>` of its namespace.
        external_name: Option<usize>,
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
    /// A Deployment whose template is labelled `app`, selecting
    /// `selector_app` (its own template, or by a slip or not at all).
    Deployment {
        ns: usize,
        name: usize,
        app: usize,
        selector_app: usize,
    },
    Delete {
        kind: usize,
        ns: usize,
        name: usize,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 0..6usize, 0..4usize, proptest::option::of(any::<bool>()), any::<bool>(), prop::bool::weighted(0.2),
              proptest::option::weighted(0.9, 1..20u8), proptest::option::of(prop_oneof![Just(8080), Just(9090)]), 0..3usize,
              proptest::option::weighted(0.2, 0..3usize))
            .prop_map(|(ns, name, app, tier, ready, terminating, ip, http_port, node, env_ref)| Op::Pod { ns, name, app, tier, ready, terminating, ip, http_port, node, env_ref }),
        3 => (0..2usize, 0..3usize, proptest::option::weighted(0.8, 0..4usize), any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.3), prop::bool::weighted(0.2),
              proptest::option::weighted(0.3, 1..15u8), proptest::option::weighted(0.3, 0..10i32), proptest::option::weighted(0.15, 0..3usize))
            .prop_map(|(ns, name, app, named_target, headless, node_port, publish_not_ready, cluster_ip, requested_node_port, external_name)| Op::Service { ns, name, app, named_target, headless, node_port, publish_not_ready, cluster_ip, requested_node_port, external_name }),
        1 => (0..3usize, 0..2usize).prop_map(|(name, zone)| Op::Node { name, zone }),
        1 => (0..2usize, 0..3usize, 1..20u8).prop_map(|(ns, name, ip)| Op::Endpoints { ns, name, ip }),
        1 => (0..2usize, 0..2usize, 0..4usize, 0..4usize)
            .prop_map(|(ns, name, app, selector_app)| Op::Deployment { ns, name, app, selector_app }),
        2 => (0..5usize, 0..2usize, 0..6usize).prop_map(|(kind, ns, name)| Op::Delete { kind, ns, name }),
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
            env_ref,
        } => {
            let mut p = Pod::default();
            p.metadata.name = format!("pod-{name}");
            p.metadata.namespace = Some(NAMESPACES[*ns].into());
            p.metadata.labels = labels(*app, *tier);
            if *terminating {
                p.metadata.deletion_timestamp = Some("2024-01-01T00:00:00Z".into());
            }
            p.spec.node_name = Some(format!("node-{node}"));
            std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
                name: "c".into(),
                ports: http_port
                    .iter()
                    .map(|n| ContainerPort {
                        name: Some("http".into()),
                        container_port: *n,
                        ..Default::default()
                    })
                    .collect(),
                env: env_ref
                    .iter()
                    .map(|n| EnvVar {
                        name: "TARGET".into(),
                        value: Some(format!("$(SVC_{n}_SERVICE_HOST)")),
                        value_from: None,
                    })
                    .collect(),
                ..Default::default()
            });
            p.status.phase = Some("Running".into());
            if let Some(ip) = ip {
                p.status.pod_ip = Some(format!("10.244.{ns}.{ip}"));
            }
            std::sync::Arc::make_mut(&mut p.status.conditions).push(PodCondition {
                type_: "Ready".into(),
                status: if *ready { "True" } else { "False" }.into(),
                ..Default::default()
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
            cluster_ip,
            requested_node_port,
            external_name,
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
            if let Some(target) = external_name {
                s.spec.type_ = Some("ExternalName".into());
                s.spec.external_name = Some(format!(
                    "svc-{target}.{}.svc.cluster.local",
                    NAMESPACES[*ns]
                ));
                s.spec.selector = None;
            } else if *headless {
                s.spec.cluster_ip = Some("None".into());
            } else {
                if let Some(ip) = cluster_ip {
                    s.spec.cluster_ip = Some(format!("10.0.0.{ip}"));
                }
                if *node_port || requested_node_port.is_some() {
                    s.spec.type_ = Some("NodePort".into());
                    s.spec.ports[0].node_port = requested_node_port.map(|n| 30000 + n);
                }
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
        Op::Deployment {
            ns,
            name,
            app,
            selector_app,
        } => {
            let w = Workload {
                kind: "Deployment".into(),
                metadata: ObjectMeta {
                    name: format!("deploy-{name}"),
                    namespace: Some(NAMESPACES[*ns].into()),
                    ..Default::default()
                },
                replicas: Some(2),
                selector: Some(svcscope::internals::select::LabelSelector {
                    match_labels: Some(labels(*selector_app, None)),
                    match_expressions: None,
                }),
                service_name: None,
                parallelism: None,
                template: PodTemplateSpec {
                    metadata: ObjectMeta {
                        labels: labels(*app, Some(true)),
                        ..Default::default()
                    },
                    spec: PodSpec::default(),
                },
            };
            Object::Workload(w.into())
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
        3 => ObjectKey::new(
            "Deployment",
            NAMESPACES[*ns],
            &format!("deploy-{}", name % 2),
        ),
        _ => ObjectKey::new("Endpoints", NAMESPACES[*ns], &format!("svc-{}", name % 3)),
    })
}

/// The ops applied one by one to a cluster; with the objects that remain,
/// in their creation order (an object changed keeps its place, one deleted
/// and created again goes last).
fn run(ops: &[Op]) -> (Cluster, Vec<Object>) {
    let mut c = Cluster::new(config());
    let mut objects: Vec<(ObjectKey, Object)> = Vec::new();
    for op in ops {
        match to_object(op) {
            Some(obj) => {
                c.apply(obj.clone());
                let key = ObjectKey::of(&obj);
                match objects.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = obj,
                    None => objects.push((key, obj)),
                }
            }
            None => {
                if let Some(k) = delete_key(op) {
                    if objects.iter().any(|(o, _)| *o == k) {
                        c.delete(&k.kind, &k.namespace, &k.name).expect("it exists");
                        objects.retain(|(o, _)| *o != k);
                    }
                }
            }
        }
    }
    (c, objects.into_iter().map(|(_, o)| o).collect())
}

/// An object as a manifest would write it.
fn manifest(obj: &Object) -> Value {
    let mut v = match obj {
        Object::Pod(p) => serde_json::to_value(&**p),
        Object::Service(s) => serde_json::to_value(&**s),
        Object::Node(n) => serde_json::to_value(&**n),
        Object::Endpoints(e) => serde_json::to_value(&**e),
        Object::Workload(w) => {
            let mut m = serde_json::json!({
                "apiVersion": "apps/v1",
                "kind": w.kind,
                "metadata": w.metadata,
                "spec": {"replicas": w.replicas, "selector": w.selector, "template": w.template},
            });
            strip_nulls(&mut m);
            return m;
        }
        other => panic!("not generated: {}", other.kind()),
    }
    .expect("serialisable");
    v["apiVersion"] = "v1".into();
    v["kind"] = obj.kind().into();
    v
}

/// Leaves out `null`s, which a manifest does not write.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The objects in one load, as a `kind: List`.
fn load_once(objects: &[Object]) -> Cluster {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": objects.iter().map(manifest).collect::<Vec<_>>(),
    });
    let mut c = Cluster::new(config());
    let r = c.load(list.to_string(), &LoadOptions::named("all.json"));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    c
}

/// Each object loaded as a file of its own.
fn load_each(objects: &[Object]) -> Cluster {
    let mut c = Cluster::new(config());
    for (i, o) in objects.iter().enumerate() {
        let r = c.load(
            manifest(o).to_string(),
            &LoadOptions::named(&format!("doc-{i}.json")),
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }
    c
}

/// Everything a face shows, as JSON for a readable diff; where objects
/// were read from is left out (it differs between the ways in).
fn views(c: &Cluster) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("origin");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(c.resolve()).expect("serialisable");
    strip(&mut v);
    // Every pod's environment too: creation order decides it.
    let envs: Vec<Value> = c
        .select("", None)
        .expect("everything")
        .iter()
        .map(|p| match c.env(&p.to_string(), None) {
            Ok(e) => serde_json::to_value(e).expect("serialisable"),
            Err(e) => e.to_string().into(),
        })
        .collect();
    v["environments"] = envs.into();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn applies_one_load_and_loads_per_document_agree(ops in prop::collection::vec(arb_op(), 1..40)) {
        let (incremental, objects) = run(&ops);
        let want = views(&incremental);
        prop_assert_eq!(&want, &views(&load_once(&objects)));
        prop_assert_eq!(&want, &views(&load_each(&objects)));
    }

    #[test]
    fn reloading_a_file_replaces_what_it_gave(ops in prop::collection::vec(arb_op(), 1..30), cut in 0usize..30) {
        // A buffer edited down to a prefix of its objects, then back: as
        // an editor loads it again and again under one name.
        let (_, objects) = run(&ops);
        let cut = cut.min(objects.len());
        let list = |objs: &[Object]| serde_json::json!({
            "apiVersion": "v1", "kind": "List",
            "items": objs.iter().map(manifest).collect::<Vec<_>>(),
        }).to_string();
        let mut c = Cluster::new(config());
        let opts = LoadOptions::named("editor.yaml");
        c.load(list(&objects), &opts);
        c.load(list(&objects[..cut]), &opts);
        prop_assert_eq!(views(&c), views(&load_once(&objects[..cut])));
    }

    #[test]
    fn selection_only_engine_agrees_on_errors_and_selections(ops in prop::collection::vec(arb_op(), 1..30)) {
        let (_, objects) = run(&ops);
        let given = || objects.iter().cloned().map(|o| (o, Origin::default())).collect::<Vec<_>>();
        let full = Engine::from_objects(config(), given());
        let lean = Engine::from_objects_with(config(), Views::Selection, given());
        prop_assert_eq!(full.errors(), lean.errors());
        let sel = |e: &Engine| e.services().map(|(k, s)| (k.clone(), s.selected.clone(), s.service.clone())).collect::<Vec<_>>();
        prop_assert_eq!(sel(&full), sel(&lean));
        prop_assert!(lean.services().all(|(_, s)| s.endpoints.is_none() && s.slices.is_empty()));
    }

    #[test]
    fn same_input_same_output(ops in prop::collection::vec(arb_op(), 1..30)) {
        prop_assert_eq!(views(&run(&ops).0), views(&run(&ops).0));
    }

    #[test]
    fn endpoint_ports_come_from_the_service_and_pods(ops in prop::collection::vec(arb_op(), 1..40)) {
        let (_, objects) = run(&ops);
        let e = Engine::from_objects(config(), objects.into_iter().map(|o| (o, Origin::default())).collect());
        for (key, st) in e.services() {
            let Some(ep) = &st.endpoints else { continue };
            if !svcscope::internals::endpoints::is_controller_managed(&st.service) {
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
