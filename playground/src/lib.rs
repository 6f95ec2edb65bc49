//! The svcscope playground: write manifests, see what Kubernetes makes of
//! them, ask the cluster questions. A Yew app over the engine's front
//! door, [`svcscope::Cluster`]; no Kubernetes rule lives here.
//!
//! Data flows one way: the editor's text → [`session`] (the one holder of
//! the `Cluster`) → [`snapshot`] (the facts a render needs, owned) →
//! [`layout`] (the diagram's boxes and edges, deterministic) → the Yew
//! components of `app` (the browser only). [`state`] is the reducer's
//! state and actions, plain Rust like everything above `app`, so it is
//! tested natively: `cargo test -p svcscope-playground`.

pub mod fragment;
pub mod gallery;
pub mod highlight;
pub mod layout;
pub mod session;
pub mod snapshot;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod app;
