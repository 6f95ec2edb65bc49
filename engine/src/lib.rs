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
pub mod error;
pub mod explain;
pub mod field;
pub mod hash;
pub mod load;
pub mod model;
pub mod net;
pub mod objects;
pub mod proxy;
pub mod resolve;
pub mod select;
pub mod selection;
pub mod similar;
pub mod time;
pub mod validate;

pub use cluster::Cluster;
pub use config::Config;
pub use error::Error;
pub use load::{load, Input, Limits, Loaded};
pub use objects::{NsName, Objects, Origin};
pub use resolve::{Resolution, ResolveOptions};
