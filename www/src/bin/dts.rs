//! Prints the TypeScript declarations of the package's arguments and
//! results, generated from the Rust types (the engine's front door and the
//! bindings' own arguments). `scripts/build-npm.sh` appends them to the
//! declarations wasm-bindgen writes for the `Cluster` class.

use svcscope_wasm::args::{EnvOptions, Manifest, ObjectTarget, SelectOptions};

fn main() {
    let mut d = svcscope::typescript::front_door();
    d.add::<Manifest>();
    d.add::<ObjectTarget>();
    d.add::<SelectOptions>();
    d.add::<EnvOptions>();
    match d.render() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("svcscope-dts: {e}");
            std::process::exit(1);
        }
    }
}
