//! The cost of one DNS answer in a cluster of 10,000 Services (500
//! namespaces; ClusterIP with two named ports, headless with three pods,
//! ExternalName): building the index once, then answering a mix of
//! queries (A, AAAA, SRV, endpoint names, PTR, NXDOMAIN, CNAME). Run with
//! `cargo bench --bench dns`; prints figures, asserts nothing (target:
//! under 5 µs per answer).

use std::hint::black_box;
use std::time::Instant;

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use svcscope::internals::dns::{DnsOptions, RType, ZoneIndex};
use svcscope::internals::engine::Engine;
use svcscope::model::*;
use svcscope::{Config, Origin};

const SERVICES: usize = 10_000;
const NAMESPACES: usize = 500;
const ANSWERS: usize = 200_000;

fn ns(s: usize) -> String {
    format!("ns-{}", s / (SERVICES / NAMESPACES))
}

/// Every tenth Service headless (with three pods), every twentieth an
/// ExternalName, the rest ClusterIP with one pod.
fn generate() -> Vec<(Object, Origin)> {
    let mut objects = Vec::new();
    for s in 0..SERVICES {
        let mut svc = Service::default();
        svc.metadata.name = format!("svc-{s}");
        svc.metadata.namespace = Some(ns(s));
        svc.spec.selector = Some([("app".to_string(), format!("app-{s}"))].into());
        svc.spec.ports = ["http", "metrics"]
            .iter()
            .enumerate()
            .map(|(i, name)| ServicePort {
                name: name.to_string(),
                port: 80 + i as i32,
                ..Default::default()
            })
            .collect();
        let pods = match s % 20 {
            0 => {
                svc.spec.type_ = Some("ExternalName".into());
                svc.spec.selector = None;
                svc.spec.external_name =
                    Some(format!("svc-{}.{}.svc.cluster.local", s + 1, ns(s + 1)));
                0
            }
            10 => {
                svc.spec.cluster_ip = Some("None".into());
                3
            }
            _ => 1,
        };
        objects.push(Object::Service(svc.into()));
        for p in 0..pods {
            let n = s * 3 + p;
            let mut pod = Pod::default();
            pod.metadata.name = format!("pod-{s}-{p}");
            pod.metadata.namespace = Some(ns(s));
            pod.metadata.labels = [("app".to_string(), format!("app-{s}"))].into();
            pod.spec.hostname = Some(format!("host-{p}"));
            pod.spec.subdomain = Some(format!("svc-{s}"));
            std::sync::Arc::make_mut(&mut pod.spec.containers).push(Container {
                name: "app".into(),
                ..Default::default()
            });
            pod.status.phase = Some("Running".into());
            pod.status.pod_ip = Some(format!(
                "10.{}.{}.{}",
                64 + n / 65536,
                (n / 256) % 256,
                n % 256
            ));
            std::sync::Arc::make_mut(&mut pod.status.conditions).push(PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            });
            objects.push(Object::Pod(pod.into()));
        }
    }
    objects
        .into_iter()
        .map(|o| (o, Origin::default()))
        .collect()
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep it quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("dns: run with `cargo bench --bench dns`");
        return;
    }
    let engine = Engine::from_objects(Config::default(), generate());
    let t = Instant::now();
    let index = ZoneIndex::from_state(&engine.state(), DnsOptions::default());
    println!(
        "index of {SERVICES} services: built in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    // The query mix, cycling through the Services.
    let mut queries: Vec<(String, RType)> = Vec::new();
    for (key, st) in engine.services().take(SERVICES) {
        let fqdn = format!("{}.{}.svc.cluster.local.", key.name, key.namespace);
        queries.push((fqdn.clone(), RType::A));
        queries.push((fqdn.clone(), RType::AAAA));
        queries.push((format!("_http._tcp.{fqdn}"), RType::SRV));
        queries.push((format!("host-0.{fqdn}"), RType::A));
        queries.push((format!("nosuch-{fqdn}"), RType::A));
        if let Some(ip) = st.service.cluster_ips().first() {
            let o: Vec<&str> = ip.split('.').rev().collect();
            queries.push((format!("{}.in-addr.arpa.", o.join(".")), RType::PTR));
        }
    }
    let mut records = 0usize;
    let t = Instant::now();
    for i in 0..ANSWERS {
        let (name, qtype) = &queries[i % queries.len()];
        records += black_box(index.answer(name, *qtype)).answer.len();
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / ANSWERS as f64;
    println!(
        "answer: {per:.2} µs per answer over {ANSWERS} queries (A, AAAA, SRV, endpoint, NXDOMAIN, PTR; {:.2} records each)  (target < 5 µs)",
        records as f64 / ANSWERS as f64
    );

    // The walk from a pod: a short name found by the first search domain,
    // and a name outside the cluster that misses three times.
    let pod = engine.cluster().pods.values().next().expect("pods");
    for name in ["svc-1", "example.com"] {
        let n = 20_000;
        let t = Instant::now();
        let mut sent = 0;
        for _ in 0..n {
            sent += black_box(index.resolve_from_pod(pod, name, RType::A))
                .queries
                .len();
        }
        println!(
            "resolve_from_pod({name:?}): {:.2} µs ({} queries)",
            t.elapsed().as_secs_f64() * 1e6 / n as f64,
            sent / n
        );
    }
    let t = Instant::now();
    let zone = index.zone_file();
    println!(
        "zone file: {:.1} ms, {} records",
        t.elapsed().as_secs_f64() * 1e3,
        zone.lines().count() - 2
    );
}
