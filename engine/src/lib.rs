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

pub mod alloc;
pub mod cluster;
pub mod config;
pub mod defaults;
pub mod dns;
pub mod emit;
pub mod endpoints;
pub mod engine;
pub mod env;
pub mod explain;
pub mod field;
pub mod hash;
pub mod load;
pub mod model;
pub mod net;
pub mod proxy;
pub mod resolve;
pub mod select;
pub mod selection;
pub mod time;
pub mod validate;

pub use cluster::{Cluster, NsName, Origin};
pub use config::Config;
pub use load::{load, Input, Limits, Loaded};
pub use resolve::{Resolution, ResolveOptions};

/// Builds a cluster from loaded objects (later objects replace earlier ones
/// with the same kind, namespace and name, as `kubectl apply` would).
pub fn cluster_from(objects: impl IntoIterator<Item = (model::Object, Origin)>) -> Cluster {
    let mut c = Cluster::default();
    for (obj, origin) in objects {
        c.apply(obj, origin);
    }
    c
}
