//! Decoding one manifest object of any kind in a single pass.
//!
//! Which type `spec` and `status` have depends on `kind`. Kubernetes output
//! (and nearly every hand-written manifest) puts `kind` before `spec`, so
//! the decoder reads fields in document order and decodes `spec`/`status`
//! straight into the typed struct once the kind is known; only when `spec`
//! comes first is it buffered as a generic value. Fields that are unique to
//! one kind (`items`, `subsets`, `endpoints`, `ports`, `addressType`) are
//! decoded directly wherever they appear.

use crate::model::*;
use crate::select::LabelSelector;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A decoded top-level object or list. Objects are finished as soon as
/// their own fields are read, so a list of thousands holds only the
/// finished objects, not every kind's parts.
#[derive(Debug)]
pub(crate) enum AnyObject {
    /// Anything with `items` (`kind: List`, `PodList`, `kubectl get` output).
    List {
        kind: Option<String>,
        items: Vec<AnyObject>,
    },
    Object(Object),
    /// A kind svcscope does not model (kept aside with a note).
    Unknown(Box<Unknown>),
    /// No kind: an item of a typed list (`PodList` items carry none) or
    /// not a Kubernetes object at all; decided by the list around it.
    Kindless(Box<Kindless>),
    /// A modelled kind under an apiVersion the API does not serve it in
    /// (kubectl: "no matches for kind").
    Unserved(Box<Unknown>),
}

/// The apiVersions a current apiserver serves a modelled kind in.
pub(crate) fn served_versions(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Service" | "Pod" | "Node" | "Namespace" | "Endpoints" | "ReplicationController" => &["v1"],
        "EndpointSlice" => &["discovery.k8s.io/v1"],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => &["apps/v1"],
        "Job" | "CronJob" => &["batch/v1"],
        _ => return None,
    })
}

#[derive(Debug)]
pub(crate) struct Unknown {
    pub kind: String,
    pub api_version: String,
    pub metadata: ObjectMeta,
}

/// An object read before its kind is known: the kind-dependent fields
/// are kept as generic values until it is.
#[derive(Debug)]
pub(crate) struct Kindless {
    pub api_version: Option<String>,
    metadata: ObjectMeta,
    parts: Parts,
    deferred: Vec<(String, serde_json::Value)>,
}

impl Kindless {
    /// The object as an item of a list of `kind` (`Err` names the field
    /// that does not fit that kind).
    pub(crate) fn with_kind(mut self, kind: String) -> Result<AnyObject, String> {
        put_deferred(&mut self.parts, &kind, self.deferred)?;
        Ok(finish(kind, self.api_version, self.metadata, self.parts))
    }
}

/// Decodes the values kept while the kind was unknown.
fn put_deferred(
    parts: &mut Parts,
    kind: &str,
    deferred: Vec<(String, serde_json::Value)>,
) -> Result<(), String> {
    for (key, value) in deferred {
        parts
            .put(kind, &key, value)
            .map_err(|e| format!("{key}: {e}"))?;
    }
    Ok(())
}

/// The kind-specific parts, filled as they are met.
#[derive(Debug, Default)]
struct Parts {
    service_spec: Option<ServiceSpec>,
    service_status: Option<ServiceStatus>,
    pod_spec: Option<PodSpec>,
    pod_status: Option<PodStatus>,
    node_spec: Option<NodeSpec>,
    node_status: Option<NodeStatus>,
    workload_spec: Option<WorkloadSpec>,
    rc_spec: Option<ReplicationControllerSpec>,
    cronjob_spec: Option<CronJobSpec>,
    subsets: Option<Vec<EndpointSubset>>,
    slice_endpoints: Option<Vec<Endpoint>>,
    slice_ports: Option<Vec<EndpointSlicePort>>,
    address_type: Option<String>,
}

/// Builds the object of `kind` from what was read.
fn finish(kind: String, api_version: Option<String>, metadata: ObjectMeta, p: Parts) -> AnyObject {
    // Typed lists' items carry no apiVersion; the list's is right then.
    if let (Some(served), Some(v)) = (served_versions(&kind), api_version.as_deref()) {
        if !v.is_empty() && !served.contains(&v) {
            return AnyObject::Unserved(Box::new(Unknown {
                kind,
                api_version: v.to_string(),
                metadata,
            }));
        }
    }
    let obj = match kind.as_str() {
        "Service" => Object::Service(Box::new(Service {
            metadata,
            spec: p.service_spec.unwrap_or_default(),
            status: p.service_status.unwrap_or_default(),
        })),
        "Pod" => Object::Pod(std::sync::Arc::new(Pod {
            metadata,
            spec: p.pod_spec.unwrap_or_default(),
            status: p.pod_status.unwrap_or_default(),
        })),
        "Node" => Object::Node(Box::new(Node {
            metadata,
            spec: p.node_spec.unwrap_or_default(),
            status: p.node_status.unwrap_or_default(),
        })),
        "Namespace" => Object::Namespace(Box::new(Namespace { metadata })),
        "Endpoints" => Object::Endpoints(Box::new(Endpoints {
            metadata,
            subsets: p.subsets.unwrap_or_default(),
        })),
        "EndpointSlice" => Object::EndpointSlice(Box::new(EndpointSlice {
            metadata,
            address_type: p.address_type.unwrap_or_default(),
            endpoints: p.slice_endpoints.unwrap_or_default(),
            ports: p.slice_ports.unwrap_or_default(),
        })),
        "ReplicationController" => {
            let s = p.rc_spec.unwrap_or_default();
            // An RC without a selector selects its template's labels
            // (API defaulting).
            let labels = s
                .selector
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| s.template.metadata.labels.clone());
            Object::Workload(Box::new(Workload {
                kind,
                metadata,
                replicas: s.replicas,
                selector: Some(LabelSelector {
                    match_labels: Some(labels),
                    match_expressions: None,
                }),
                service_name: None,
                parallelism: None,
                template: s.template,
            }))
        }
        "CronJob" => {
            let s = p.cronjob_spec.unwrap_or_default().job_template.spec;
            workload(kind, metadata, s)
        }
        k if WORKLOAD_KINDS.contains(&k) => {
            workload(kind, metadata, p.workload_spec.unwrap_or_default())
        }
        _ => {
            return AnyObject::Unknown(Box::new(Unknown {
                kind,
                api_version: api_version.unwrap_or_default(),
                metadata,
            }))
        }
    };
    AnyObject::Object(obj)
}

fn workload(kind: String, metadata: ObjectMeta, s: WorkloadSpec) -> Object {
    Object::Workload(Box::new(Workload {
        kind,
        metadata,
        replicas: s.replicas,
        selector: s.selector,
        service_name: s.service_name,
        parallelism: s.parallelism,
        template: s.template,
    }))
}

impl Parts {
    /// Decodes the value of top-level field `key` of an object of `kind`.
    fn put<'de, D: Deserializer<'de>>(
        &mut self,
        kind: &str,
        key: &str,
        d: D,
    ) -> Result<(), D::Error> {
        match (kind, key) {
            (_, "subsets") => self.subsets = Deserialize::deserialize(d)?,
            (_, "endpoints") => self.slice_endpoints = Deserialize::deserialize(d)?,
            (_, "ports") => self.slice_ports = Deserialize::deserialize(d)?,
            (_, "addressType") => self.address_type = Deserialize::deserialize(d)?,
            ("Service", "spec") => self.service_spec = Deserialize::deserialize(d)?,
            ("Service", "status") => self.service_status = Deserialize::deserialize(d)?,
            ("Pod", "spec") => self.pod_spec = Deserialize::deserialize(d)?,
            ("Pod", "status") => self.pod_status = Deserialize::deserialize(d)?,
            ("Node", "spec") => self.node_spec = Deserialize::deserialize(d)?,
            ("Node", "status") => self.node_status = Deserialize::deserialize(d)?,
            ("ReplicationController", "spec") => self.rc_spec = Deserialize::deserialize(d)?,
            ("CronJob", "spec") => self.cronjob_spec = Deserialize::deserialize(d)?,
            (k, "spec") if WORKLOAD_KINDS.contains(&k) => {
                self.workload_spec = Deserialize::deserialize(d)?
            }
            _ => {
                IgnoredAny::deserialize(d)?;
            }
        }
        Ok(())
    }
}

/// Top-level fields whose type depends on the kind.
fn kind_dependent(key: &str) -> bool {
    matches!(key, "spec" | "status")
}

/// Top-level fields that belong to exactly one kind.
fn kind_specific(key: &str) -> bool {
    matches!(key, "subsets" | "endpoints" | "ports" | "addressType")
}

struct PutSeed<'a> {
    parts: &'a mut Parts,
    kind: &'a str,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for PutSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.parts.put(self.kind, self.key, d)
    }
}

impl<'de> Deserialize<'de> for AnyObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AnyVisitor)
    }
}

struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = AnyObject;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object (a mapping with apiVersion and kind)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyObject, A::Error> {
        let mut api_version: Option<String> = None;
        let mut kind: Option<String> = None;
        let mut metadata = ObjectMeta::default();
        let mut items: Option<Vec<AnyObject>> = None;
        // On the stack: only the finished object is kept.
        let mut parts = Parts::default();
        let mut deferred: Vec<(String, serde_json::Value)> = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "apiVersion" => api_version = map.next_value()?,
                "kind" => kind = map.next_value()?,
                "metadata" => {
                    metadata = map.next_value::<Option<ObjectMeta>>()?.unwrap_or_default()
                }
                "items" => items = map.next_value()?,
                k if kind_specific(k) => map.next_value_seed(PutSeed {
                    parts: &mut parts,
                    kind: "",
                    key: k,
                })?,
                k if kind_dependent(k) => match kind.as_deref() {
                    Some(kind) => map.next_value_seed(PutSeed {
                        parts: &mut parts,
                        kind,
                        key: k,
                    })?,
                    // `kind` not seen yet: keep the value until it is.
                    None => deferred.push((k.to_string(), map.next_value()?)),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(items) = items {
            return Ok(AnyObject::List { kind, items });
        }
        match kind {
            Some(kind) => {
                put_deferred(&mut parts, &kind, deferred).map_err(de::Error::custom)?;
                Ok(finish(kind, api_version, metadata, parts))
            }
            None => Ok(AnyObject::Kindless(Box::new(Kindless {
                api_version,
                metadata,
                parts,
                deferred,
            }))),
        }
    }
}
