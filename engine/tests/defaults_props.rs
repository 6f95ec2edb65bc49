//! Property tests of API defaulting: a Service that `check` accepts is
//! accepted again when its stored form (as `resolve -o json` prints it, a
//! dump) is checked, and defaulting is idempotent.

use proptest::prelude::*;
use svcscope::internals::defaults::default_service;
use svcscope::model::*;
use svcscope::{Cluster, Config};

fn arb_port(i: usize) -> impl Strategy<Value = ServicePort> {
    (
        prop::option::of(prop_oneof![Just("TCP"), Just("UDP"), Just("")]),
        1..3000i32,
        prop::option::of(prop_oneof![
            (0..3000i32).prop_map(IntOrString::Int),
            Just(IntOrString::Str("http".into())),
            Just(IntOrString::Str(String::new())),
        ]),
    )
        .prop_map(move |(protocol, port, target_port)| ServicePort {
            name: format!("p{i}"),
            protocol: protocol.map(String::from),
            port: port + i as i32 * 3000,
            target_port,
            ..Default::default()
        })
}

fn arb_service() -> impl Strategy<Value = Service> {
    let opt = |v: &'static [&'static str]| prop::option::of(prop::sample::select(v));
    (
        opt(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", ""]),
        opt(&["None", "ClientIP", ""]),
        prop::option::of(prop::option::of(1..86400i32)),
        opt(&["Cluster", "Local"]),
        opt(&["Cluster", "Local"]),
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.2),
        (1..3usize).prop_flat_map(|n| (0..n).map(arb_port).collect::<Vec<_>>()),
    )
        .prop_map(
            |(type_, affinity, timeout, etp, itp, alloc_lb, headless, ports)| {
                let mut s = Service::default();
                s.metadata.name = "web".into();
                s.metadata.namespace = Some("shop".into());
                s.spec.type_ = type_.map(String::from);
                if s.spec.type_.as_deref() == Some("ExternalName") {
                    s.spec.external_name = Some("db.example.com".into());
                }
                s.spec.selector = Some([("app".to_string(), "web".to_string())].into());
                s.spec.session_affinity = affinity.map(String::from);
                s.spec.session_affinity_config = timeout.map(|t| SessionAffinityConfig {
                    client_ip: Some(ClientIPConfig { timeout_seconds: t }),
                });
                s.spec.external_traffic_policy = etp.map(String::from);
                s.spec.internal_traffic_policy = itp.map(String::from);
                s.spec.allocate_load_balancer_node_ports = alloc_lb;
                if headless {
                    s.spec.cluster_ip = Some("None".into());
                }
                s.spec.ports = ports;
                s
            },
        )
}

/// The Service's errors (`check`) and its stored form (`resolve`).
fn check(svc: &Service) -> (Vec<String>, Service) {
    let mut c = Cluster::new(Config::default());
    c.apply(Object::Service(svc.clone().into()));
    let errors = c.check().errors.iter().map(|e| e.to_string()).collect();
    let stored = c
        .resolve()
        .services
        .iter()
        .find(|s| s.name == "web")
        .map(|s| (*s.service).clone())
        .expect("the Service is in the view");
    (errors, stored)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, max_global_rejects: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn an_accepted_service_is_accepted_again_as_a_dump(svc in arb_service()) {
        let (errors, stored) = check(&svc);
        prop_assume!(errors.is_empty());
        // Through JSON, as a dump of `resolve -o json` is read back.
        let json = serde_json::to_string(&stored).expect("serializes");
        let dump: Service = serde_json::from_str(&json).expect("reads back");
        let (again, restored) = check(&dump);
        prop_assert!(again.is_empty(), "dump rejected: {again:?}\n{json}");
        prop_assert_eq!(restored, stored);
    }

    #[test]
    fn defaulting_twice_is_defaulting_once(svc in arb_service()) {
        let mut once = svc;
        default_service(&mut once);
        let mut twice = once.clone();
        default_service(&mut twice);
        prop_assert_eq!(once, twice);
    }
}
