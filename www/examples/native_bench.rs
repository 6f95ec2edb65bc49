//! The native side of the boundary measurement (`www/bench/boundary.sh`):
//! the work the JavaScript API does for `load` + `resolve`, natively — load
//! the text, resolve, write the JSON string that would cross — on the same
//! generated cluster. Prints milliseconds as JSON (the median of 7).

use std::time::Instant;
use svcscope::cluster::options::{Columns, LoadOptions};
use svcscope::{Cluster, Config};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: native_bench FILE")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut opts = LoadOptions::named("bench.yaml");
    opts.columns = Columns::Utf16;
    let mut times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let mut c = Cluster::new(Config::default());
        c.load(&text, &opts);
        let json = serde_json::to_string(&c.resolve())?;
        std::hint::black_box(json);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{{\"loadResolveMs\": {:.2}}}", times[times.len() / 2]);
    Ok(())
}
