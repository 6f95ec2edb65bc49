//! Time and peak memory per phase of a whole cluster through the front
//! door, as the CLI and the JavaScript package meet it, in the scale
//! bench's shape (500 namespaces) and a crowded one (100 namespaces of 100
//! Services and 1,500 pods), with the output's size. Run with `cargo bench
//! --bench crowded`; prints figures, asserts nothing. (Counting every
//! allocation costs time: the scale bench's timings are the ones to quote.)

use std::alloc::{GlobalAlloc, Layout};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use svcscope::cluster::options::LoadOptions;
use svcscope::{Cluster, Config};

#[path = "support/cluster.rs"]
mod cluster;
use cluster::{generate, NAMESPACES, PODS, SERVICES};

/// A crowded shape with the same totals: 100 Services and 1,500 pods per
/// namespace, as a large production namespace has.
const CROWDED_NAMESPACES: usize = 100;

/// The allocator the CLI uses, counted so that each phase's peak memory
/// can be printed.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = mimalloc::MiMalloc.alloc(l);
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        mimalloc::MiMalloc.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = mimalloc::MiMalloc.realloc(p, l, new);
        if new > l.size() {
            let now = LIVE.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Ordering::Relaxed);
        }
        q
    }
}

/// Runs `f` and returns its result with the most memory that was live
/// while it ran (MB).
fn peak_mb<T>(f: impl FnOnce() -> T) -> (T, f64) {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let v = f();
    (v, PEAK.load(Ordering::Relaxed) as f64 / 1e6)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("crowded: run with `cargo bench --bench crowded`");
        return;
    }
    for namespaces in [NAMESPACES, CROWDED_NAMESPACES] {
        phases(namespaces);
    }
}

/// Time and peak memory per phase of the whole cluster through the front
/// door, as the CLI and the JavaScript package meet it, and the output's
/// size; the same file parsed into `serde_json::Value` for reference.
fn phases(namespaces: usize) {
    let json = generate(namespaces);
    let mb = json.len() as f64 / 1e6;
    let (v, value_peak) =
        peak_mb(|| serde_json::from_str::<serde_json::Value>(&json).expect("valid"));
    drop(v);
    println!(
        "{namespaces} namespaces ({} Services, {} pods each; {mb:.1} MB), serde_json::Value peak {value_peak:.0} MB:",
        SERVICES / namespaces,
        PODS / namespaces
    );
    let opts = LoadOptions::named("cluster.json");
    let t = Instant::now();
    let (mut c, load_peak) = peak_mb(|| {
        let mut c = Cluster::new(Config {
            max_input_bytes: 1 << 30,
            ..Config::default()
        });
        c.load(json.as_str(), &opts);
        c
    });
    let d_load = t.elapsed();
    drop(json);
    let t = Instant::now();
    let (bytes, resolve_peak) = peak_mb(|| {
        let mut out = std::io::BufWriter::new(Counted(0));
        serde_json::to_writer(&mut out, &c.resolve()).expect("serialisable");
        out.flush().expect("counting never fails");
        out.get_ref().0
    });
    let d_resolve = t.elapsed();
    let t = Instant::now();
    let (diags, explain_peak) = peak_mb(|| c.explain().len());
    let d_explain = t.elapsed();
    let t = Instant::now();
    let req = svcscope::cluster::options::RulesRequest::new("node-0", Default::default());
    let (rules, rules_peak) = peak_mb(|| c.rules(&req).expect("rules").text.len());
    let d_rules = t.elapsed();
    let pods: Vec<svcscope::NsName> = c
        .select("", None)
        .expect("all")
        .into_iter()
        .take(200)
        .collect();
    let t = Instant::now();
    let ((), change_peak) = peak_mb(|| {
        for p in &pods {
            c.delete("Pod", &p.namespace, &p.name).expect("exists");
        }
    });
    let d_change = t.elapsed();
    println!(
        "  load {:>7.1} ms, peak {load_peak:>5.0} MB ({:.2} x Value)",
        d_load.as_secs_f64() * 1e3,
        load_peak / value_peak
    );
    println!(
        "  resolve -o json {:>7.1} ms, peak {resolve_peak:>5.0} MB, output {:.1} MB ({:.2} x the input)",
        d_resolve.as_secs_f64() * 1e3,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / mb
    );
    println!(
        "  explain {:>7.1} ms ({diags} findings), peak {explain_peak:>5.0} MB; rules for one node {:>7.1} ms ({:.1} MB), peak {rules_peak:>5.0} MB",
        d_explain.as_secs_f64() * 1e3,
        d_rules.as_secs_f64() * 1e3,
        rules as f64 / 1e6
    );
    println!(
        "  one pod deleted {:>7.1} µs per change, peak {change_peak:>5.0} MB",
        d_change.as_secs_f64() * 1e6 / pods.len().max(1) as f64
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
