//! svcscope: Kubernetes Service semantics as a pure library.
//!
//! Start at [`Cluster`]: load manifests into it, then ask what the
//! apiserver, the endpoint controllers, kubelet, CoreDNS and kube-proxy
//! would make of them. Every answer is an owned document
//! ([`cluster::documents`]) that serializes to what `svcscope … -o json`
//! prints; arguments that are more than a name deserialize from the
//! spellings of the JavaScript API ([`cluster::options`]); misuse is an
//! [`Error`] with a stable code. The [`model`] types are the API objects a
//! caller may build by hand.
//!
//! ```
//! use svcscope::{Cluster, Config};
//! use svcscope::cluster::options::{DnsQuery, LoadOptions};
//!
//! let mut c = Cluster::new(Config::default());
//! c.load(
//!     "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432}]\n",
//!     &LoadOptions::named("db.yaml"),
//! );
//! let answer = c.dns("db.shop.svc.cluster.local", "A", &DnsQuery::default())?;
//! assert_eq!(answer.to_text().lines().next(), Some(";; status: NOERROR"));
//! # Ok::<(), svcscope::Error>(())
//! ```
//!
//! Inside, data flows one way: manifests are read into the model, the
//! incremental engine defaults, validates and allocates them and keeps
//! selections, Endpoints, EndpointSlices and diagnostics up to date, and
//! the discovery, environment and traffic views are computed from its
//! state. The crate is pure: no threads, no file system, no clock. Files
//! and time enter as inputs, so it builds for `wasm32-unknown-unknown`
//! unchanged.
#![forbid(unsafe_code)]

// The surface: the front door, its options, results and errors, and the
// model types a caller builds objects from.
pub mod cluster;
pub mod config;
pub mod emit;
pub mod error;
pub mod model;
pub mod order;

pub use cluster::Cluster;
pub use config::Config;
pub use error::Error;
pub use load::{decode, parse_object};
pub use objects::{NsName, Origin};

/// The engine's version, which every face reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// TypeScript declarations of the door's types, for the npm package.
#[cfg(feature = "ts")]
pub mod typescript;

// The engine's own modules, one per concept.
mod alloc;
mod controllers;
mod defaults;
mod dns;
mod endpoints;
mod engine;
mod env;
mod explain;
mod field;
mod hash;
mod hint;
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
        alloc,
        controllers,
        defaults,
        dns,
        endpoints,
        engine,
        env,
        explain,
        field,
        hash,
        hint,
        load,
        master,
        net,
        objects,
        proxy,
        select,
        selection,
        similar,
        state,
        time,
        validate
    );
}
