//! Building one container's environment (`svcscope env`) in a cluster of
//! 10,000 Services. Run with `cargo bench --bench env`; prints figures,
//! asserts nothing (target: < 50 µs).
//!
//! The pod's namespace holds 2,000 Services, far beyond usual, so that the
//! per-Service work shows; a second pod sits in a namespace of 20.

use std::time::{Duration, Instant};

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use svcscope::internals::engine::Engine;
use svcscope::internals::env::pod_environment;
use svcscope::model::*;
use svcscope::{Config, NsName, Origin};

const SERVICES: usize = 10_000;
const BIG: usize = 2_000;
const SMALL: usize = 20;

fn service(ns: &str, name: String) -> Object {
    let mut s = Service::default();
    s.metadata.name = name;
    s.metadata.namespace = Some(ns.into());
    s.metadata.creation_timestamp = Some("2024-01-01T00:00:00Z".into());
    s.spec.ports = vec![
        ServicePort {
            name: "http".into(),
            port: 80,
            ..Default::default()
        },
        ServicePort {
            name: "metrics".into(),
            port: 9090,
            ..Default::default()
        },
    ];
    Object::Service(s.into())
}

fn pod(ns: &str) -> Object {
    let mut p = Pod::default();
    p.metadata.name = "client".into();
    p.metadata.namespace = Some(ns.into());
    p.metadata.creation_timestamp = Some("2024-01-02T00:00:00Z".into());
    p.spec.node_name = Some("node-1".into());
    p.status.pod_ip = Some("10.244.0.5".into());
    let var = |name: &str, value: &str| EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    };
    p.spec.containers = vec![Container {
        name: "app".into(),
        env: vec![
            var("MODE", "production"),
            var(
                "UPSTREAM",
                "http://$(SVC_7_SERVICE_HOST):$(SVC_7_SERVICE_PORT)",
            ),
            var("SVC_3_SERVICE_PORT", "8080"),
            EnvVar {
                name: "POD_IP".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(FieldPathRef {
                        field_path: "status.podIP".into(),
                    }),
                    ..Default::default()
                }),
            },
        ],
        ..Default::default()
    }]
    .into();
    Object::Pod(p.into())
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep it quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("env: run with `cargo bench --bench env`");
        return;
    }
    let mut objects = Vec::with_capacity(SERVICES + 2);
    for i in 0..BIG {
        objects.push(service("big", format!("svc-{i}")));
    }
    for i in 0..SMALL {
        objects.push(service("small", format!("svc-{i}")));
    }
    for i in 0..SERVICES - BIG - SMALL {
        objects.push(service(&format!("ns-{}", i / 20), format!("svc-{i}")));
    }
    objects.push(pod("big"));
    objects.push(pod("small"));
    let objects = objects
        .into_iter()
        .map(|o| (o, Origin::default()))
        .collect();
    let config = Config {
        // Room for 10,000 cluster IPs.
        service_cidrs: Config::parse_service_cidrs("10.96.0.0/16").expect("a CIDR"),
        ..Config::default()
    };
    let engine = Engine::from_objects(config, objects);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors().first());

    for (ns, services) in [("big", BIG), ("small", SMALL)] {
        let key = NsName::new(ns, "client");
        let runs = 200;
        let mut best = Duration::MAX;
        let mut total = Duration::ZERO;
        let mut vars = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let env = pod_environment(&engine.state(), &key, None).expect("the pod exists");
            let d = t.elapsed();
            best = best.min(d);
            total += d;
            vars = env.iter().count();
        }
        println!(
            "one pod's environment, {services:>5} Services in its namespace of {SERVICES}: {:>8.1} µs best, {:>8.1} µs mean ({vars} variables; {:.2} µs per Service; target < 50 µs)",
            best.as_secs_f64() * 1e6,
            total.as_secs_f64() * 1e6 / runs as f64,
            best.as_secs_f64() * 1e6 / services as f64,
        );
    }
}
