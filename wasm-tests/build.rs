//! Embeds the inputs of the suite, which runs where there is no file
//! system: every file of `examples/`, and the public conformance cases of
//! `../shared/conformance/` (beside the checkout). A missing file fails
//! the build: the cases are the point.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} not readable ({e})", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)))
        .collect();
    v.sort();
    v
}

fn table(out: &mut String, name: &str, paths: &[PathBuf]) {
    writeln!(out, "pub const {name}: &[(&str, &str)] = &[").unwrap();
    for p in paths {
        let file = p.file_name().unwrap().to_string_lossy();
        let abs = p.canonicalize().expect("canonical path");
        writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
        println!("cargo:rerun-if-changed={}", abs.display());
    }
    writeln!(out, "];").unwrap();
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let examples = root.join("../examples");
    let conformance = root.join("../../shared/conformance");
    println!("cargo:rerun-if-changed={}", examples.display());
    println!("cargo:rerun-if-changed={}", conformance.display());
    let mut out = String::new();
    table(
        &mut out,
        "EXAMPLES",
        &files(&examples, &["yaml", "yml", "json"]),
    );
    let wanted = [
        "selectors.yaml",
        "validation.yaml",
        "envvars.yaml",
        "endpoints.yaml",
    ];
    let cases: Vec<PathBuf> = wanted.iter().map(|f| conformance.join(f)).collect();
    for c in &cases {
        assert!(
            c.is_file(),
            "conformance file {} missing; `shared/` must sit beside the repository checkout",
            c.display()
        );
    }
    table(&mut out, "CONFORMANCE", &cases);
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("fixtures.rs");
    std::fs::write(dest, out).unwrap();
}
