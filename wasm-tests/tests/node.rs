//! The suite of the JavaScript API, in Node.
#![cfg(target_arch = "wasm32")]

#[path = "suite/mod.rs"]
mod suite;
