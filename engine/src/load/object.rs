//! Decoding one manifest object of any kind in a single pass.
//!
//! Which type `spec` and `status` have depends on `kind`. Kubernetes output
//! (and nearly every hand-written manifest) puts `kind` before `spec`, so
//! the decoder reads fields in document order and decodes `spec`/`status`
//! straight into the typed struct once the kind is known; only when `spec`
//! comes first is it buffered as a generic value. Fields that are unique to
//! one kind (`items`, `subsets`, `endpoints`, `ports`, `addressType`) are
//! decoded directly wherever they appear.
//!
//! Every field is checked against the schema as it is decoded
//! ([`super::unknown`]); what a modelled kind's object has that its kind
//! does not is kept with the object.

use super::schema::{Root, Shape};
use super::unknown::{At, Check, Expect, Found, Key, Step};
use crate::model::*;
use crate::select::LabelSelector;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
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
    /// An object, with the fields its kind does not have.
    Object(Object, Vec<Found>),
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
/// are kept as JSON text until it is.
#[derive(Debug)]
pub(crate) struct Kindless {
    pub api_version: Option<String>,
    metadata: ObjectMeta,
    parts: Parts,
    deferred: Vec<Deferred>,
    checked: Checked,
}

/// A top-level value read before the kind: a copy of its text, and where
/// the text is in the input, to place what is found in it.
#[derive(Debug)]
struct Deferred {
    key: String,
    text: Box<RawValue>,
    at: usize,
}

impl Deferred {
    fn new(key: &str, raw: &RawValue) -> Deferred {
        Deferred {
            key: key.to_string(),
            text: raw.to_owned(),
            at: raw.get().as_ptr() as usize,
        }
    }
}

impl Kindless {
    /// The object as an item of a list of `kind` (`Err` names the field
    /// that does not fit that kind).
    pub(crate) fn with_kind(mut self, kind: String) -> Result<AnyObject, String> {
        let check = Check::new();
        put_deferred(&mut self.parts, &kind, self.deferred, &check)?;
        let found = self.checked.finish(&check, &kind, check.take_found());
        Ok(finish(
            kind,
            self.api_version,
            self.metadata,
            self.parts,
            found,
        ))
    }
}

/// Decodes the values kept while the kind was unknown, checked. They are
/// read by the decoder that read the rest (every type's decoding exists
/// once), and what is found in a copy is placed where its text was.
fn put_deferred(
    parts: &mut Parts,
    kind: &str,
    deferred: Vec<Deferred>,
    check: &Check,
) -> Result<(), String> {
    if deferred.is_empty() {
        return Ok(());
    }
    let root = check.schema.root(kind);
    for Deferred { key, text, at } in deferred {
        let expect = match root.map(|r| check.schema.field(r, &key)) {
            Some(Some(shape)) => Expect::Is(shape),
            // The top-level key itself is reported by `Checked::finish`.
            _ => Expect::Is(Shape::Free),
        };
        let from = check.found_count();
        let place = At::key(&key);
        let mut de = serde_json::Deserializer::from_str(text.get());
        parts
            .put(kind, &key, check.wrap(&mut de, expect, &place))
            .map_err(|e| format!("{key}: {}", super::json_message(&e)))?;
        check.relocate(from, text.get(), at);
    }
    Ok(())
}

/// What the check of an object's top level has to remember until its kind
/// is known: the keys read before it, and what was found so far.
#[derive(Debug, Default)]
struct Checked {
    /// Top-level keys read before the kind, with their addresses.
    pending: Vec<(String, usize)>,
    found: Vec<Found>,
}

impl Checked {
    /// Everything found in an object of `kind`: the keys read before the
    /// kind that it does not have (without what was found under them, read
    /// as another kind's), then the rest. Nothing for kinds svcscope does
    /// not read.
    fn finish(self, check: &Check, kind: &str, later: Vec<Found>) -> Vec<Found> {
        if self.pending.is_empty() && self.found.is_empty() && later.is_empty() {
            return later;
        }
        let Some(root) = check.schema.root(kind) else {
            return Vec::new();
        };
        let mut found = self.found;
        found.extend(later);
        for (key, key_addr) in self.pending {
            if check.schema.field(root, &key).is_none() {
                found.retain(|f| f.path.first() != Some(&Step::Key(key.clone())));
                found.push(Found {
                    path: vec![Step::Key(key)],
                    key_addr,
                    parent: root,
                });
            }
        }
        found
    }
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
fn finish(
    kind: String,
    api_version: Option<String>,
    metadata: ObjectMeta,
    p: Parts,
    found: Vec<Found>,
) -> AnyObject {
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
    AnyObject::Object(obj, found)
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
    expect: Expect,
    check: &'a Check,
}

impl<'de> DeserializeSeed<'de> for PutSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let at = At::key(self.key);
        let d = self.check.wrap(d, self.expect, &at);
        self.parts.put(self.kind, self.key, d)
    }
}

/// The kind that alone has a kind-specific top-level field.
fn owner_of(key: &str) -> &'static str {
    if key == "subsets" {
        "Endpoints"
    } else {
        "EndpointSlice"
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
        let mut deferred: Vec<Deferred> = Vec::new();
        let check = Check::new();
        let schema = check.schema;
        // The type of the whole object, once its kind is read.
        let mut root: Option<Root> = None;
        let mut checked = Checked::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let key_addr = key.as_ptr() as usize;
            // What the value is, checked now when the kind is known, else
            // once it is.
            let expect = |k: &str, guess: Shape, checked: &mut Checked| match (root, &kind) {
                (Some(r), _) => match r.field(schema, k) {
                    Some(shape) => Expect::Is(shape),
                    None => {
                        check.report(Found {
                            path: vec![Step::Key(k.to_string())],
                            key_addr,
                            parent: r.ty,
                        });
                        Expect::Is(Shape::Free)
                    }
                },
                // A kind svcscope does not read: nothing is checked.
                (None, Some(_)) => Expect::Is(Shape::Free),
                (None, None) => {
                    checked.pending.push((k.to_string(), key_addr));
                    Expect::Is(guess)
                }
            };
            match key.as_ref() {
                "apiVersion" => api_version = map.next_value()?,
                "kind" => {
                    kind = map.next_value()?;
                    root = kind.as_deref().and_then(|k| schema.kind(k));
                }
                "metadata" => {
                    let meta = schema.object_meta().map_or(Shape::Free, Shape::Object);
                    let at = At::key("metadata");
                    metadata = map
                        .next_value_seed(check.seed::<Option<ObjectMeta>>(Expect::Is(meta), &at))?
                        .unwrap_or_default()
                }
                "items" => items = map.next_value()?,
                k if kind_specific(k) => {
                    let guess = schema
                        .root(owner_of(k))
                        .and_then(|r| schema.field(r, k))
                        .unwrap_or(Shape::Free);
                    let expect = expect(k, guess, &mut checked);
                    map.next_value_seed(PutSeed {
                        parts: &mut parts,
                        kind: "",
                        key: k,
                        expect,
                        check: &check,
                    })?
                }
                k if kind_dependent(k) => match kind.as_deref() {
                    Some(kind) => {
                        let expect = expect(k, Shape::Free, &mut checked);
                        map.next_value_seed(PutSeed {
                            parts: &mut parts,
                            kind,
                            key: k,
                            expect,
                            check: &check,
                        })?
                    }
                    // `kind` not seen yet: keep the value until it is.
                    None => {
                        expect(k, Shape::Free, &mut checked);
                        let raw: &'de RawValue = map.next_value()?;
                        deferred.push(Deferred::new(k, raw))
                    }
                },
                k => {
                    let expect = expect(k, Shape::Free, &mut checked);
                    let at = At::key(k);
                    map.next_value_seed(check.seed::<IgnoredAny>(expect, &at))?;
                }
            }
        }
        if let Some(items) = items {
            return Ok(AnyObject::List { kind, items });
        }
        checked.found = check.take_found();
        match kind {
            Some(kind) => {
                put_deferred(&mut parts, &kind, deferred, &check).map_err(de::Error::custom)?;
                let found = checked.finish(&check, &kind, check.take_found());
                Ok(finish(kind, api_version, metadata, parts, found))
            }
            None => Ok(AnyObject::Kindless(Box::new(Kindless {
                api_version,
                metadata,
                parts,
                deferred,
                checked,
            }))),
        }
    }
}
