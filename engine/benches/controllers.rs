//! The controllers at scale: 1,000 Deployments × 30 replicas (each behind
//! its own Service) on 1,000 nodes. Run with `cargo bench --bench
//! controllers`; prints figures, asserts nothing (targets: materialized
//! in < 300 ms, one pod deletion replaced with every view updated in
//! < 1 ms).

use std::fmt::Write;
use std::time::{Duration, Instant};

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use svcscope::cluster::options::LoadOptions;
use svcscope::{Cluster, Config};

const REPLICAS: usize = 30;
const NAMESPACES: usize = 10;

/// The cluster as one JSON stream: nodes, then a Service and a Deployment
/// per app.
fn manifests(deployments: usize, nodes: usize) -> String {
    let mut s = String::new();
    for i in 0..nodes {
        let _ = writeln!(
            s,
            r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"node-{i:04}"}},"spec":{{"podCIDR":"10.{}.{}.0/24"}},"status":{{"addresses":[{{"type":"InternalIP","address":"192.168.{}.{}"}}]}}}}"#,
            64 + i / 256,
            i % 256,
            i / 250,
            i % 250 + 1
        );
    }
    for i in 0..deployments {
        let ns = format!("ns-{}", i % NAMESPACES);
        let _ = writeln!(
            s,
            r#"{{"apiVersion":"v1","kind":"Service","metadata":{{"name":"app-{i}","namespace":"{ns}"}},"spec":{{"selector":{{"app":"app-{i}"}},"ports":[{{"name":"http","port":80,"targetPort":"http"}}]}}}}"#
        );
        let _ = writeln!(
            s,
            r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"app-{i}","namespace":"{ns}"}},"spec":{{"replicas":{REPLICAS},"selector":{{"matchLabels":{{"app":"app-{i}"}}}},"template":{{"metadata":{{"labels":{{"app":"app-{i}"}}}},"spec":{{"containers":[{{"name":"app","image":"registry.example/app:{i}","ports":[{{"name":"http","containerPort":8080}}]}}]}}}}}}}}"#
        );
    }
    s
}

fn best(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap_or_default()
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: a small cluster
    // then, so that the code runs but CI stays quick.
    let full = std::env::args().any(|a| a == "--bench");
    let (deployments, nodes) = if full { (1_000, 1_000) } else { (10, 10) };
    let text = manifests(deployments, nodes);
    let load = |controllers: bool| {
        let mut c = Cluster::new(Config {
            controllers,
            max_input_bytes: 1 << 30,
            ..Config::default()
        });
        let t = Instant::now();
        c.load(&text, &LoadOptions::named("cluster.json"));
        (t.elapsed(), c)
    };
    let without = best(3, || load(false).0);
    let with = best(3, || load(true).0);
    let (_, mut cluster) = load(true);
    let pods = cluster.pods();
    println!(
        "{deployments} Deployments × {REPLICAS} replicas on {nodes} nodes: {} pods, {} running",
        pods.pods.len(),
        pods.pods.iter().filter(|p| p.status == "Running").count()
    );
    println!(
        "load without controllers: {:.1} ms",
        without.as_secs_f64() * 1e3
    );
    println!(
        "load with controllers (materialized): {:.1} ms, the controllers' share {:.1} ms (target < 300 ms)",
        with.as_secs_f64() * 1e3,
        (with.saturating_sub(without)).as_secs_f64() * 1e3
    );
    let victims: Vec<String> = pods
        .pods
        .iter()
        .step_by(997)
        .take(20)
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect();
    drop(pods);
    let mut times = Vec::new();
    for v in &victims {
        let t = Instant::now();
        let r = cluster.delete_pod(v).expect("the pod exists");
        times.push(t.elapsed());
        assert_eq!(r.created.len(), 1, "a replacement");
    }
    times.sort();
    println!(
        "one pod deleted and replaced, every view updated: best {:.0} µs, median {:.0} µs (target < 1 ms)",
        times[0].as_secs_f64() * 1e6,
        times[times.len() / 2].as_secs_f64() * 1e6
    );
}
