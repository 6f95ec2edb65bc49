//! Figures at Kubernetes' published scalability thresholds: 10,000
//! Services, 150,000 pods, 5,000 nodes. Run with `cargo bench --bench
//! scale`; prints figures, asserts nothing (targets are in the README).

use std::io::Write;
use std::time::{Duration, Instant};

/// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/cluster.rs"]
mod cluster;
use cluster::{generate, NAMESPACES, NODES, PODS, SERVICES};
use svcscope::cluster::options::LoadOptions;
use svcscope::internals::engine::{Engine, Views};
use svcscope::internals::load::{load_str, Limits};
use svcscope::model::{Object, ObjectKey, Pod};
use svcscope::{Cluster, Config, Origin};

/// Best of `runs` timings, to dampen noise on a shared machine.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("runs > 0"))
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep it quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("scale: run with `cargo bench --bench scale`");
        return;
    }
    let t = Instant::now();
    let json = generate(NAMESPACES);
    println!(
        "generated {SERVICES} services, {PODS} pods, {NODES} nodes: {:.1} MB of JSON in {:.2?}",
        json.len() as f64 / 1e6,
        t.elapsed()
    );
    let limits = Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    };

    let (d, loaded) = best(3, || load_str("cluster.json", &json, &limits));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    println!(
        "load JSON:            {:>8.1} ms  {:>6.0} MB/s  (target ≥ 200 MB/s)",
        d.as_secs_f64() * 1e3,
        json.len() as f64 / 1e6 / d.as_secs_f64()
    );
    let (d, _) = best(3, || {
        serde_json::from_str::<serde_json::Value>(&json).expect("valid")
    });
    println!(
        "  (serde_json::Value for reference: {:.0} MB/s)",
        json.len() as f64 / 1e6 / d.as_secs_f64()
    );

    let objects = loaded.objects;
    let config = Config::default();
    // Issue 2's scope: Services defaulted, validated, allocated, and their
    // pods selected (what `svcscope check` computes).
    let mut d = Duration::MAX;
    for _ in 0..3 {
        let input = objects.clone();
        let t = Instant::now();
        let e = Engine::from_objects_with(config.clone(), Views::Selection, input);
        d = d.min(t.elapsed());
        drop(e);
    }
    println!(
        "default+validate+allocate+select (check): {:>6.1} ms  (target < 300 ms)",
        d.as_secs_f64() * 1e3
    );
    let mut d = Duration::MAX;
    let mut engine = None;
    for _ in 0..3 {
        let input = objects.clone();
        let t = Instant::now();
        let e = Engine::from_objects(config.clone(), input);
        d = d.min(t.elapsed());
        engine = Some(e);
    }
    let engine = engine.expect("ran");
    let selected: usize = engine.services().map(|(_, s)| s.selected.len()).sum();
    let slices: usize = engine.services().map(|(_, s)| s.slices.len()).sum();
    println!(
        "full resolve (default, validate, allocate, select, endpoints, slices, explain): {:>6.1} ms  (targets: < 300 ms without endpoints, < 500 ms with)",
        d.as_secs_f64() * 1e3
    );
    println!(
        "  {} services, {selected} selected pods, {slices} slices, {} errors, {} diagnostics",
        engine.services().count(),
        engine.errors().len(),
        engine.diagnostics().len()
    );

    // One pod at a time: relabel (moves it to another Service), make it
    // unready, delete it. Each updates every affected view.
    let mut engine = engine;
    let pods: Vec<Pod> = engine
        .cluster()
        .pods
        .values()
        .take(1000)
        .map(|p| (**p).clone())
        .collect();
    for (what, change) in [("relabel", 0usize), ("make unready", 1), ("delete", 2)] {
        let t = Instant::now();
        let mut touched = 0;
        for p in &pods {
            let changes = match change {
                0 => {
                    let mut q = p.clone();
                    q.metadata.labels.insert("app".into(), "app-9999".into());
                    engine.apply(Object::Pod(q.into()), Origin::default())
                }
                1 => {
                    let mut q = p.clone();
                    std::sync::Arc::make_mut(&mut q.status.conditions)[0].status = "False".into();
                    engine.apply(Object::Pod(q.into()), Origin::default())
                }
                _ => engine.delete(&ObjectKey::new("Pod", p.metadata.ns(), &p.metadata.name)),
            };
            touched += changes.services.len();
        }
        println!(
            "one pod {what:<13} {:>8.1} µs per change  (target < 1 ms; {:.1} views updated per change)",
            t.elapsed().as_secs_f64() * 1e6 / pods.len() as f64,
            touched as f64 / pods.len() as f64
        );
    }

    // `svcscope resolve -o json` end to end, in process, against reading the
    // same file with serde_json's generic parser; with the time of each step.
    // Both start from the same heap: nothing of the steps above is kept,
    // and the two alternate, each freeing what it built (timed without
    // the freeing), so neither meets a warmer heap than the other.
    drop(engine);
    drop(objects);
    let mut d_parse = Duration::MAX;
    // Steps: load into the cluster (reading and the engine), view, writing, total.
    let mut steps = [Duration::MAX; 4];
    let mut out_len = 0;
    let opts = LoadOptions::named("cluster.json");
    for _ in 0..5 {
        let t = Instant::now();
        let v = serde_json::from_str::<serde_json::Value>(&json).expect("valid");
        d_parse = d_parse.min(t.elapsed());
        drop(v);
        let t = Instant::now();
        let mut c = Cluster::new(Config {
            max_input_bytes: 1 << 30,
            ..Config::default()
        });
        c.load(&json, &opts);
        let t_load = t.elapsed();
        let r = c.resolve();
        let t_view = t.elapsed();
        // As the CLI writes to stdout, through a buffer, here into nothing.
        let mut out = std::io::BufWriter::new(Counted(0));
        serde_json::to_writer(&mut out, &r).expect("serialisable");
        out.flush().expect("counting never fails");
        let total = t.elapsed();
        let run = [t_load, t_view - t_load, total - t_view, total];
        if total < steps[3] {
            steps = run;
        }
        out_len = out.get_ref().0;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let ratio = |d: Duration| d.as_secs_f64() / d_parse.as_secs_f64();
    println!(
        "resolve -o json of the whole cluster: {:>8.1} ms vs {:.1} ms to parse the file into serde_json::Value: ratio {:.2} (target ≤ 1)",
        ms(steps[3]),
        ms(d_parse),
        ratio(steps[3]),
    );
    println!(
        "  load into the cluster (reading + engine) {:.1} ms + view {:.1} ms + writing {:.1} MB of JSON {:.1} ms (ratio {:.2})",
        ms(steps[0]),
        ms(steps[1]),
        out_len as f64 / 1e6,
        ms(steps[2]),
        ratio(steps[2]),
    );
}

/// A writer that only counts what it is given (`> /dev/null`).
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
