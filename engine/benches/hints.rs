//! What "did you mean" costs: 2,000 Services and 30,000 pods, first with
//! every selector right, then with 10% of them typo'd (two letters swapped
//! in the value, as `paymnets` for `payments`), so that `explain` names
//! the near misses of 200 Services. The candidates come from the label
//! index, so the typo'd run should stay under twice the clean one. Two
//! shapes: 20 namespaces of 100 Services, and one namespace of all 2,000
//! (every value of `app` a candidate of every typo). Run with `cargo bench
//! --bench hints`; prints figures, asserts nothing.

use std::time::{Duration, Instant};
use svcscope::internals::engine::Engine;
use svcscope::internals::load::{load_str, Limits};
use svcscope::model::{Object, ObjectKey, Pod};
use svcscope::{Config, Origin};

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVICES: usize = 2_000;
const PODS: usize = 30_000;
const WORDS: &[&str] = &[
    "payments",
    "checkout",
    "frontend",
    "inventory",
    "shipping",
    "catalog",
    "billing",
    "accounts",
    "search",
    "reviews",
];

/// A `kind: List` of the cluster in `namespaces` namespaces; every
/// `typo_every`-th selector (0: none) has two letters of its value swapped.
fn generate(namespaces: usize, typo_every: usize) -> String {
    let app = |s: usize| format!("{}-{s}", WORDS[s % WORDS.len()]);
    let ns_of = |s: usize| format!("ns-{}", s * namespaces / SERVICES);
    let mut items = Vec::with_capacity(SERVICES + PODS);
    for s in 0..SERVICES {
        let mut value = app(s);
        if typo_every > 0 && s % typo_every == 0 {
            // `payments-0` → `paymnets-0`: one edit (a swap of neighbours).
            let mut b = value.into_bytes();
            b.swap(4, 5);
            value = String::from_utf8(b).expect("ASCII");
        }
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": format!("svc-{s}"), "namespace": ns_of(s)},
            "spec": {"selector": {"app": value},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
        }));
    }
    let per_svc = PODS / SERVICES;
    for p in 0..PODS {
        let s = p / per_svc;
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{p}"), "namespace": ns_of(s),
                "labels": {"app": app(s), "tier": "backend"}},
            "spec": {"nodeName": "node-0", "containers": [{"name": "app",
                "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", 64 + p / 65536, (p / 256) % 256, p % 256),
                "conditions": [{"type": "Ready", "status": "True"}]}
        }));
    }
    serde_json::to_string(&serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}))
        .expect("serialisable")
}

fn objects(json: &str) -> Vec<(Object, Origin)> {
    let limits = Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    };
    let loaded = load_str("cluster.json", json, &limits);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    loaded.objects
}

/// Best of `runs`: the engine built from the objects and its diagnostics
/// collected, which is what `explain` computes.
fn explain(objects: &[(Object, Origin)], runs: usize) -> (Duration, Engine) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let input = objects.to_vec();
        let t = Instant::now();
        let e = Engine::from_objects(Config::default(), input);
        let diags = e.diagnostics();
        best = best.min(t.elapsed());
        drop(diags);
        last = Some(e);
    }
    (best, last.expect("runs > 0"))
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep it quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("hints: run with `cargo bench --bench hints`");
        return;
    }
    for (namespaces, shape) in [
        (20, "20 namespaces of 100 Services"),
        (1, "one namespace of 2,000 Services"),
    ] {
        println!("{SERVICES} Services, {PODS} pods, {shape}:");
        let clean = objects(&generate(namespaces, 0));
        let typos = objects(&generate(namespaces, 10));
        let (d_clean, _) = explain(&clean, 5);
        let (d_typos, engine) = explain(&typos, 5);
        let diags = engine.diagnostics();
        let hinted = diags
            .iter()
            .filter(|d| {
                d.code == "selector-matches-nothing" && d.hints.iter().any(|h| h.code == "label")
            })
            .count();
        println!(
            "  explain, clean:          {:>7.1} ms",
            d_clean.as_secs_f64() * 1e3
        );
        println!(
            "  explain, 10% typo'd:     {:>7.1} ms  ratio {:.2} (target < 2); {hinted} of {} selector-matches-nothing with a label hint",
            d_typos.as_secs_f64() * 1e3,
            d_typos.as_secs_f64() / d_clean.as_secs_f64(),
            diags.iter().filter(|d| d.code == "selector-matches-nothing").count(),
        );
        // A pod relabelled (every typo'd selector of its namespace near
        // it), then deleted, every view updated.
        let mut engine = engine;
        let pods: Vec<Pod> = engine
            .cluster()
            .pods
            .values()
            .step_by(PODS / 200)
            .map(|p| (**p).clone())
            .collect();
        let t = Instant::now();
        for p in &pods {
            let mut q = p.clone();
            q.metadata.labels.insert("tier".into(), "frontend".into());
            engine.apply(Object::Pod(q.into()), Origin::default());
        }
        println!(
            "  one pod relabelled:      {:>7.1} µs per change",
            t.elapsed().as_secs_f64() * 1e6 / pods.len() as f64
        );
        let t = Instant::now();
        for p in &pods {
            engine.delete(&ObjectKey::new("Pod", p.metadata.ns(), &p.metadata.name));
        }
        println!(
            "  one pod deleted:         {:>7.1} µs per change",
            t.elapsed().as_secs_f64() * 1e6 / pods.len() as f64
        );
    }
}
