//! The cluster model: hand-written serde structs for the objects svcscope
//! reads, with the Kubernetes API's field names (camelCase on the wire).
//!
//! Only fields that affect routing or discovery are modelled; every other
//! field is ignored on input. Optional API fields stay `Option` so that
//! defaulting and validation can tell "unset" from "set to the zero value",
//! exactly as the apiserver does.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

mod endpoints;
mod meta;
mod node;
mod pod;
mod service;
mod workload;

pub use endpoints::*;
pub use meta::*;
pub use node::*;
pub use pod::*;
pub use service::*;
pub use workload::*;

use serde::Serialize;
use std::sync::Arc;

/// One object of a kind svcscope understands. Boxed, so a cluster's worth
/// of them moves cheaply; pods are shared (`Arc`) because the engine keeps
/// them in its indexes as they come.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Namespace(Box<Namespace>),
    Node(Box<Node>),
    Pod(Arc<Pod>),
    Service(Box<Service>),
    Endpoints(Box<Endpoints>),
    EndpointSlice(Box<EndpointSlice>),
    Workload(Box<Workload>),
}

impl Object {
    /// The API kind, as written in manifests.
    pub fn kind(&self) -> &str {
        match self {
            Object::Namespace(_) => "Namespace",
            Object::Node(_) => "Node",
            Object::Pod(_) => "Pod",
            Object::Service(_) => "Service",
            Object::Endpoints(_) => "Endpoints",
            Object::EndpointSlice(_) => "EndpointSlice",
            Object::Workload(w) => w.kind.as_str(),
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Endpoints(o) => &o.metadata,
            Object::EndpointSlice(o) => &o.metadata,
            Object::Workload(o) => &o.metadata,
        }
    }

    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Namespace(o) => &mut o.metadata,
            Object::Node(o) => &mut o.metadata,
            Object::Pod(o) => &mut Arc::make_mut(o).metadata,
            Object::Service(o) => &mut o.metadata,
            Object::Endpoints(o) => &mut o.metadata,
            Object::EndpointSlice(o) => &mut o.metadata,
            Object::Workload(o) => &mut o.metadata,
        }
    }

    /// The namespace the apiserver would store: `default` for a namespaced
    /// object without one, none for a cluster-scoped one.
    pub fn default_namespace(&mut self) {
        if self.is_namespaced() {
            self.metadata_mut().default_namespace();
        } else {
            self.metadata_mut().namespace = None;
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn is_namespaced(&self) -> bool {
        is_namespaced_kind(self.kind())
    }
}

/// Whether objects of a modelled `kind` live in a namespace.
pub fn is_namespaced_kind(kind: &str) -> bool {
    !matches!(kind, "Namespace" | "Node")
}

/// The key of an object in the cluster: kind, namespace ("" for
/// cluster-scoped kinds) and name. Ordered, so every listing is deterministic.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        ObjectKey {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// The key an object is stored under (its namespace defaulted).
    pub fn of(obj: &Object) -> Self {
        let m = obj.metadata();
        let ns = match m.namespace.as_deref() {
            _ if !obj.is_namespaced() => "",
            None | Some("") => DEFAULT_NAMESPACE,
            Some(ns) => ns,
        };
        ObjectKey::new(obj.kind(), ns, &m.name)
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Go's JSON decoding leaves a field at its zero value when it reads
/// `null` (Helm output is full of empty `annotations:` and `env:`); so does
/// svcscope, for every field that is not an `Option`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A string map, `null` as empty and `null` values as "" (Go's zero
/// string), read in one pass (labels are on every object); a key given
/// twice is an error, as for struct fields and in YAML.
pub(crate) fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = StringMap;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_none<E: de::Error>(self) -> Result<StringMap, E> {
            Ok(StringMap::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<StringMap, E> {
            Ok(StringMap::new())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<StringMap, D2::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMap, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, Option<String>>()? {
                // As for every other field: a key given twice is an error.
                if out.contains_key(&k) {
                    return Err(de::Error::custom(format!("duplicate key `{k}`")));
                }
                out.insert(k, v.unwrap_or_default());
            }
            Ok(out.into())
        }
    }
    d.deserialize_option(V)
}
