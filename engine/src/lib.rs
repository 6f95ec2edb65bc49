//! svcscope: Kubernetes Service semantics as a pure library.
//!
//! Data flows one way: manifests are loaded ([`load`]) into the cluster
//! model ([`model`], [`cluster`]); defaulting ([`defaults`]), validation
//! ([`validate`]) and allocation ([`alloc`]) turn Services into what the
//! apiserver would store; computed views (selection, endpoints, discovery,
//! traffic) are derived from that ([`resolve`]); the faces (CLI, JS
//! bindings, playground) only render them.
//!
//! The crate is pure: no threads, no file system, no clock. Files and time
//! enter as inputs, so it builds for `wasm32-unknown-unknown` unchanged.
#![forbid(unsafe_code)]

// The surface: the front door, its options, results and errors, and the
// model types a caller builds objects from.
pub mod cluster;
pub mod config;
pub mod emit;
pub mod error;
pub mod model;

pub use cluster::Cluster;
pub use config::Config;
pub use error::Error;
pub use load::{decode, parse_object};
pub use objects::{NsName, Origin};

// The engine's own modules, one per concept.
mod alloc;
mod defaults;
mod dns;
mod endpoints;
mod engine;
mod env;
mod explain;
mod field;
mod hash;
mod load;
mod master;
mod names;
mod net;
mod objects;
mod proxy;
mod select;
mod selection;
mod similar;
mod state;
mod time;
mod validate;

/// The engine's modules for its own integration tests and benchmarks,
/// which check pieces the front door does not show one by one. Not an
/// API: use [`Cluster`].
#[doc(hidden)]
pub mod internals {
    macro_rules! reexport {
        ($($m:ident),*) => {
            $(pub mod $m { pub use crate::$m::*; })*
        };
    }
    reexport!(
        alloc, defaults, dns, endpoints, engine, env, explain, field, hash, load, master, net,
        objects, proxy, select, selection, similar, state, time, validate
    );
}
