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

/// A decoded top-level object or list, before it is checked for a kind.
#[derive(Debug, Default)]
pub(crate) struct AnyObject {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub items: Option<Vec<AnyObject>>,
    /// Boxed: lists collect many objects, and the parts are large.
    parts: Box<Parts>,
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

/// What became of a decoded object.
pub(crate) enum Decoded {
    Object(Box<Object>),
    /// A kind svcscope does not model (kept aside with a note).
    Unknown {
        kind: String,
        api_version: String,
        metadata: ObjectMeta,
    },
    /// Not a Kubernetes object at all (no kind; maybe no apiVersion either).
    NoKind {
        api_version: Option<String>,
    },
}

impl AnyObject {
    pub(crate) fn into_object(self) -> Decoded {
        let Some(kind) = self.kind else {
            return Decoded::NoKind {
                api_version: self.api_version,
            };
        };
        let metadata = self.metadata;
        let p = *self.parts;
        let obj = match kind.as_str() {
            "Service" => Object::Service(Service {
                metadata,
                spec: p.service_spec.unwrap_or_default(),
                status: p.service_status.unwrap_or_default(),
            }),
            "Pod" => Object::Pod(Pod {
                metadata,
                spec: p.pod_spec.unwrap_or_default(),
                status: p.pod_status.unwrap_or_default(),
            }),
            "Node" => Object::Node(Node {
                metadata,
                spec: p.node_spec.unwrap_or_default(),
                status: p.node_status.unwrap_or_default(),
            }),
            "Namespace" => Object::Namespace(Namespace { metadata }),
            "Endpoints" => Object::Endpoints(Endpoints {
                metadata,
                subsets: p.subsets.unwrap_or_default(),
            }),
            "EndpointSlice" => Object::EndpointSlice(EndpointSlice {
                metadata,
                address_type: p.address_type.unwrap_or_default(),
                endpoints: p.slice_endpoints.unwrap_or_default(),
                ports: p.slice_ports.unwrap_or_default(),
            }),
            "ReplicationController" => {
                let s = p.rc_spec.unwrap_or_default();
                // An RC without a selector selects its template's labels
                // (API defaulting).
                let labels = s
                    .selector
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| s.template.metadata.labels.clone());
                Object::Workload(Workload {
                    kind,
                    metadata,
                    replicas: s.replicas,
                    selector: Some(LabelSelector {
                        match_labels: Some(labels),
                        match_expressions: None,
                    }),
                    service_name: None,
                    template: s.template,
                })
            }
            "CronJob" => {
                let s = p.cronjob_spec.unwrap_or_default().job_template.spec;
                workload(kind, metadata, s)
            }
            k if WORKLOAD_KINDS.contains(&k) => {
                workload(kind, metadata, p.workload_spec.unwrap_or_default())
            }
            _ => {
                return Decoded::Unknown {
                    kind,
                    api_version: self.api_version.unwrap_or_default(),
                    metadata,
                }
            }
        };
        Decoded::Object(Box::new(obj))
    }
}

fn workload(kind: String, metadata: ObjectMeta, s: WorkloadSpec) -> Object {
    Object::Workload(Workload {
        kind,
        metadata,
        replicas: s.replicas,
        selector: s.selector,
        service_name: s.service_name,
        template: s.template,
    })
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
        let mut obj = AnyObject::default();
        let mut deferred: Vec<(String, serde_json::Value)> = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "apiVersion" => obj.api_version = map.next_value()?,
                "kind" => obj.kind = map.next_value()?,
                "metadata" => {
                    obj.metadata = map.next_value::<Option<ObjectMeta>>()?.unwrap_or_default()
                }
                "items" => obj.items = map.next_value()?,
                k if kind_specific(k) => map.next_value_seed(PutSeed {
                    parts: &mut obj.parts,
                    kind: "",
                    key: k,
                })?,
                k if kind_dependent(k) => match obj.kind.as_deref() {
                    Some(kind) => map.next_value_seed(PutSeed {
                        parts: &mut obj.parts,
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
        let kind = obj.kind.clone().unwrap_or_default();
        for (key, value) in deferred {
            obj.parts
                .put(&kind, &key, value)
                .map_err(|e| de::Error::custom(format!("{key}: {e}")))?;
        }
        Ok(obj)
    }
}
